"""The motion-tracking environment on the bundled sample clips: layout of observations, reference-state
initialisation, terrain offsets, terminations, success and every registered task."""

from __future__ import annotations

import pytest
import torch

from legged_gym.envs import task_registry
from tests.env_helpers import make_task_env
from legged_gym.utils.math import quat_conjugate, quat_mul, quat_angle


def make(task: str = "g1_deepmimic", num_envs: int = 4, **edits):
    return make_task_env(task, num_envs, **edits)


def actor_input_dim(env, train_cfg) -> int:
    obs = env.get_observations()
    return sum(obs[k][0].numel() for k, kind in train_cfg.policy.obs_proc_actor.items() if kind != "gated_to_hidden")


def test_teacher_observation_sizes_match_the_seed():
    env, train_cfg = make(num_envs=2)
    obs = env.get_observations()
    assert obs["torso"].shape == (2, 79) and obs["torso_real"].shape == (2, 75)
    assert obs["history_torso_real"].shape == (2, 5, 75) and obs["deepmimic"].shape == (2, 129)
    assert actor_input_dim(env, train_cfg) == 415
    critic = sum(obs[k][0].numel() for k in train_cfg.policy.obs_proc_critic)
    assert critic == 623
    assert env.replay.clip_names == ["stand", "walk", "walk_up_step"]
    env.close()


def test_reference_state_initialisation_places_the_robot_on_the_reference():
    env, _ = make(num_envs=6, deepmimic__init_velocities=True)
    ref = env.reference()
    links = env.links()
    assert torch.allclose(env.dof_pos, ref["joints"], atol=1e-5)
    assert torch.allclose(env.root_pos_w, ref["root_pos"], atol=1e-5)
    assert torch.allclose(links.pos, ref["link_pos"], atol=1e-2), (links.pos - ref["link_pos"]).abs().max()
    assert torch.allclose(env.root_lin_vel_w, ref["root_lin_vel"], atol=1e-5)
    # the first PD target equals the spawn pose
    assert torch.allclose(env._compute_targets(env.actions), env.dof_pos, atol=1e-5)
    # references land on their terrain cell: the feet of standing frames are on the ground under them
    feet = env.sim.body_states(("left_ankle_roll_link", "right_ankle_roll_link")).pos
    ground = env.sim.terrain.height_at(feet[..., :2])
    assert ((feet[..., 2] - ground) > -0.02).all() and ((feet[..., 2] - ground) < 0.25).all()
    env.close()


def test_offsets_separate_clips_and_rows():
    env, _ = make(num_envs=16, terrain__n_rows=3)
    t = env.deepmimic_terrain
    assert t.num_rows == 3 and t.num_cols == 3
    expected = t.env_offsets(env.ref_clip, ((env.env_offsets[:, 1] - t.env_offsets(env.ref_clip, torch.zeros_like(env.ref_clip))[:, 1]) / t.cell_size[1]).round().long())
    assert torch.allclose(env.env_offsets, expected, atol=1e-5)
    env.close()


def test_kinematic_replay_follows_the_reference_up_the_step():
    env, _ = make(num_envs=2, deepmimic__viz_replay=True, deepmimic__randomize_start_offset=False,
                  deepmimic__use_amass=False)
    assert env.replay.clip_names == ["walk_up_step"]
    z0 = env.root_pos_w[:, 2].clone()
    for _ in range(int(env.replay.clip_length[0]) - 2):
        env.step(torch.zeros(2, 23))
        ref = env.reference()
        # link poses are resampled from 30 to 50 Hz by interpolation, joints too: forward kinematics of the
        # interpolated joints differs from the interpolated link positions by a few millimetres
        assert torch.allclose(env.links().pos, ref["link_pos"], atol=1e-2)
    assert (env.root_pos_w[:, 2] - z0).min() > 0.08, "the reference climbs the 10 cm step"
    env.close()


def test_clip_end_is_a_timeout_and_counts_as_success():
    env, _ = make(num_envs=2, deepmimic__viz_replay=True, deepmimic__randomize_start_offset=False,
                  deepmimic__use_amass=False)
    length = int(env.replay.clip_length[0])
    dones = extras = None
    for _ in range(length - 1):
        _, _, dones, extras = env.step(torch.zeros(2, 23))
    assert dones.all() and extras["time_outs"].all()
    assert extras["episode"]["success/overall"] == pytest.approx(1.0)
    assert env.replay.success_rates()[0] == pytest.approx(1.0)
    env.close()


def test_tracking_failure_terminates():
    env, _ = make(num_envs=2, deepmimic__link_pos_error_threshold=0.05)
    env.sim.reset_envs(torch.tensor([0]), env.root_pos_w[:1] + torch.tensor([[0.3, 0.0, 0.0]]), env.base_quat[:1],
                       torch.zeros(1, 3), torch.zeros(1, 3), env.dof_pos[:1], torch.zeros(1, 23))
    for _ in range(3):
        _, _, dones, extras = env.step(env.actions.clone())
        if dones[0]:
            break
    assert dones[0] and not extras["time_outs"][0]
    env.close()


def test_n_append_and_cut_off_change_clip_lengths():
    base, _ = make(num_envs=1)
    longer, _ = make(num_envs=1, deepmimic__n_append=50, deepmimic__n_prepend=5)
    cut, _ = make(num_envs=1, deepmimic__cut_off_import_length=100)
    assert (longer.replay.clip_length - base.replay.clip_length).tolist() == [55, 55, 55]
    assert cut.replay.clip_length.max().item() == 100
    for e in (base, longer, cut):
        e.close()


def test_noisy_height_map_differs_from_the_clean_one():
    env, _ = make("g1_deepmimic_root_heightfield_dagger", num_envs=3)
    obs = env.get_observations()
    clean, noisy = obs["terrain_height"], obs["terrain_height_noisy"]
    assert clean.shape == (3, 11, 11) and noisy.shape == (3, 11, 11)
    assert (clean > 0.5).all() and (clean < 1.6).all()  # torso ~1 m above the ground
    assert (noisy - clean).abs().mean() > 1e-3
    assert (noisy - clean).abs().median() < 0.2
    env.close()


@pytest.mark.parametrize("task", [t for t in task_registry.task_names if t.startswith("g1_deepmimic")])
def test_every_tracking_task_builds_steps_and_has_finite_observations(task):
    env, train_cfg = make(task, num_envs=2)
    for _ in range(3):
        obs, rew, dones, extras = env.step(0.3 * torch.randn(2, 23))
    for key in list(train_cfg.policy.obs_proc_actor) + list(train_cfg.policy.obs_proc_critic):
        assert key in obs, f"{task}: the network reads '{key}', which the environment does not provide"
        assert torch.isfinite(obs[key]).all(), key
    assert torch.isfinite(rew).all()
    env.close()


def test_root_orientation_reward_is_one_on_the_reference():
    env, _ = make(num_envs=2)
    dq = quat_mul(env.base_quat, quat_conjugate(env.reference()["root_quat"]))
    assert quat_angle(dq).max() < 1e-3
    assert torch.allclose(env._reward_root_orientation_tracking(), torch.ones(2), atol=1e-2)
    env.close()
