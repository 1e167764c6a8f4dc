"""Deployment parity for every registered task: a 1-iteration run of each, exported, and checked against its training
environment at 1e-5 (the tasks whose parity other tests already check with more detail are listed in COVERED_ELSEWHERE;
a newly registered task fails here until one of the two lists names it)."""

from __future__ import annotations

import os

import pytest

from legged_gym.envs import task_registry
from legged_gym.eval.parity import check_parity
from legged_gym.scripts.export import EXTRA_FLAGS as EXPORT_FLAGS, export
from legged_gym.scripts.sim2sim import EXTRA_FLAGS as SIM2SIM_FLAGS
from legged_gym.scripts.train import TRAIN_FLAGS, train
from legged_gym.utils.helpers import get_args

COVERED_ELSEWHERE = {
    "g1": "tests/test_sim2sim.py",
    "humanoid_ppo": "tests/test_humanoid_ppo.py",
    "g1_deepmimic": "tests/test_sim2sim_tracking.py",
    "g1_deepmimic_root_heightfield_dagger": "tests/test_sim2sim_tracking.py",
    "g1_deepmimic_root_heightfield_no_history_dagger": "tests/test_pipeline.py",
}
CHECKED_HERE = [
    "g1_deepmimic_mocap", "g1_deepmimic_heightfield", "g1_deepmimic_proj_heightfield", "g1_deepmimic_root_heightfield",
    "g1_deepmimic_root_heightfield_no_history_with_proj_joints_ppo", "g1_deepmimic_dagger", "g1_deepmimic_root_dagger",
]


def test_every_registered_task_has_a_parity_test() -> None:
    assert set(task_registry.task_names) == set(COVERED_ELSEWHERE) | set(CHECKED_HERE)


@pytest.mark.slow
@pytest.mark.parametrize("task", CHECKED_HERE)
def test_exported_policy_matches_training(task: str, tmp_path) -> None:  # noqa: ANN001
    # the DAgger students train one PPO iteration without their teacher (behaviour cloning off): parity concerns the
    # student's inputs and network, not what it learned
    common = [f"--task={task}", "--headless", "--log_root", str(tmp_path), "--num_threads", "1"]
    if "dagger" in task:
        common.append("--train.algorithm.bc_loss_coef=0")
    train(get_args([*common, "--num_envs", "4", "--max_iterations", "1", "--train.runner.num_steps_per_env=4",
                    "--no_use_wandb"], extra_flags=TRAIN_FLAGS))
    files = export(get_args(common, extra_flags=EXPORT_FLAGS, training=False))
    assert os.path.isfile(files["json"])
    report = check_parity(get_args(common, extra_flags=SIM2SIM_FLAGS, training=False), steps=30)
    assert report.steps == 30 and report.obs_diff, report
    assert max(report.obs_diff.values()) <= 1e-5, report.obs_diff
    assert report.action_diff <= 1e-4, report.action_diff
