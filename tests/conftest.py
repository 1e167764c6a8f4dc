"""Test tiers: ``pytest -m "not slow"`` skips the end-to-end tests marked slow.

Offscreen rendering (videos) needs MuJoCo's EGL backend, chosen when MuJoCo is first imported: set it here, before any
test module imports MuJoCo.
"""

import os

os.environ.setdefault("MUJOCO_GL", "egl")
# One intra-op thread for torch here and in every script a test spawns (they inherit this environment): at these
# tiny sizes a second thread mostly waits on the first: with a training on the other core of a 2-core machine, the
# pipeline and SIGTERM tests took 45.5-45.8 s with one thread against 57.9-58.7 s with two (2 interleaved repeats).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


# End-to-end tests that train, export or spawn scripts (measured at 1.5 s or more on the 2-core machine), besides
# those marked @pytest.mark.slow in their files. `pytest -m "not slow"` is the fast tier.
SLOW_TESTS = {
    "tests/test_sim2sim_tracking.py::test_sim2sim_json_has_one_row_per_clip",
    "tests/test_viser_viewer.py::test_pause_step_clip_start_frame_and_kinematic_replay",
    "tests/test_viser_viewer.py::test_manual_root_targets_and_randomisation",
    "tests/test_viser_viewer.py::test_speed_markers_grid_and_readable_plots",
    "tests/test_viser_viewer.py::test_export_writes_only_the_run_exports",
    "tests/test_viser_viewer.py::test_checkpoint_switch_loads_weights_and_reports_bad_files",
    "tests/test_viser_viewer.py::test_browser_shows_the_page",
    "tests/test_viser_viewer.py::test_browser_camera_follows_the_robot_after_a_far_clip_switch",
    "tests/test_play.py::test_command_line_overrides_win_over_play_settings",
    "tests/rsl_rl/test_dagger.py::test_student_clones_teacher",
    "tests/rsl_rl/test_distributed.py::test_two_ranks_stay_in_sync",
    "tests/test_config_cli.py::test_each_script_shows_only_its_own_flags",
    "tests/test_eval.py::test_clear_errors",
    "tests/test_eval.py::test_eval_cli_on_a_trained_checkpoint",
    "tests/test_eval.py::test_kinematic_replay_scores_zero_error_and_full_success",
    "tests/test_export_script.py::test_export_writes_a_self_describing_policy",
    "tests/test_hostile_input.py::test_compressed_motion_files_declaring_gigabytes_are_refused_before_reading",
    "tests/test_humanoid_ppo.py::test_learning_raises_the_return_of_the_deterministic_policy",
    "tests/test_humanoid_ppo.py::test_parity_fails_on_wrong_frame_order",
    "tests/test_humanoid_ppo.py::test_sim2sim_parity_and_run_at_1khz",
    "tests/test_multi_teacher.py::test_train_script_multi_teacher",
    "tests/test_pipeline.py::test_four_stages_chain_and_each_loads_the_previous",
    "tests/test_play.py::test_bad_input_is_one_line",
    "tests/test_play.py::test_headless_tracking_prints_per_clip_metrics_and_exports",
    "tests/test_play.py::test_headless_velocity_task_prints_command_tracking",
    "tests/test_play.py::test_without_display_exits_with_one_line",
    "tests/test_real_dance_replay.py::test_dance_replays_with_feet_on_the_ground_when_the_reference_says_contact",
    "tests/test_sample_data.py::test_committed_files_match_the_generator",
    "tests/test_seed_commands.py::test_dagger_command",
    "tests/test_seed_commands.py::test_dagger_without_teacher_fails_before_any_rollout",
    "tests/test_seed_commands.py::test_dance_command_on_the_real_csv",
    "tests/test_seed_commands.py::test_multi_gpu_resume_command",
    "tests/test_sim2sim.py::test_bad_contract_and_rates_are_one_line_errors",
    "tests/test_sim2sim.py::test_command_sweep_prints_a_table_and_writes_json",
    "tests/test_sim2sim.py::test_parity_fails_on_flipped_history_order",
    "tests/test_sim2sim.py::test_parity_fails_on_reversed_joint_order",
    "tests/test_sim2sim.py::test_parity_with_training",
    "tests/test_sim2sim.py::test_sim2sim_runs_and_reports",
    "tests/test_sim2sim_tracking.py::test_parity_fails_on_swapped_joints",
    "tests/test_sim2sim_tracking.py::test_sim2sim_plays_the_bundled_clips",
    "tests/test_sim2sim_tracking.py::test_student_parity",
    "tests/test_sim2sim_tracking.py::test_teacher_parity",
    "tests/test_sim_contract.py::test_determinism_for_fixed_seed_and_threads",
    "tests/test_sim_contract.py::test_shapes_after_reset_and_step",
    "tests/test_train_interrupt.py::test_ctrl_c_saves_the_iteration_and_prints_the_resume_command",
    "tests/test_train_interrupt.py::test_sigterm_saves_like_ctrl_c",
    "tests/test_train_interrupt.py::test_short_run_prints_its_folder_and_an_hms_eta",
    "tests/test_train_script.py::test_resume_without_runs_is_a_clear_error",
    "tests/test_train_script.py::test_train_checkpoint_config_and_resume",
    "tests/test_train_script.py::test_unknown_task_and_bad_override_fail_clearly",
    "tests/test_video.py::test_play_video_is_a_playable_mp4_with_the_robot",
    "tests/test_viser_viewer.py::test_scene_draws_the_robot_where_the_simulator_has_it",
}


def pytest_configure(config) -> None:  # noqa: ANN001
    config.addinivalue_line("markers", "slow: end-to-end test (training runs, subprocesses); skipped by -m 'not slow'")


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    import pytest

    for item in items:
        if item.nodeid.split("[")[0] in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
