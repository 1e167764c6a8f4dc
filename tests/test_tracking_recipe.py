"""The tracking tasks' recipe: armature gains, the seed's effective contact friction, a plane under flat clips, and
the from-frame-0 evaluation during training."""

from __future__ import annotations

import csv
import math
import os

import mujoco
import numpy as np
import pytest

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs import task_registry
from legged_gym.envs.g1.g1_config import (
    G1_ARMATURE_DAMPING,
    G1_ARMATURE_STIFFNESS,
    TRACKING_DAMPING_RATIO,
    TRACKING_NATURAL_FREQ_HZ,
)
from legged_gym.sim.robot_info import actuated_joint_names
from legged_gym.utils.helpers import get_args
from legged_gym.envs.base.legged_robot import match_by_substring
from tests.env_helpers import make_task_env

XML = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")
STAND_ONLY = dict(deepmimic__use_human_videos=False, deepmimic__amass_replay_data_path="stand.pkl")


def test_armature_gains_follow_the_robot_file() -> None:
    model = mujoco.MjModel.from_xml_path(XML)
    joints = actuated_joint_names(XML)
    w = 2 * math.pi * TRACKING_NATURAL_FREQ_HZ
    kp = match_by_substring(joints, G1_ARMATURE_STIFFNESS, "stiffness")
    kd = match_by_substring(joints, G1_ARMATURE_DAMPING, "damping")
    for name, p, d in zip(joints, kp, kd):
        a = model.dof_armature[model.jnt_dofadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name)]]
        assert p == pytest.approx(a * w * w, rel=1e-3), name
        assert d == pytest.approx(2 * TRACKING_DAMPING_RATIO * a * w, rel=1e-3), name
    env_cfg, _ = task_registry.get_cfgs("g1_deepmimic")
    assert env_cfg.control.stiffness == G1_ARMATURE_STIFFNESS


def _foot_contact_friction(env, env_id: int = 0) -> list[float]:  # noqa: ANN001
    """Sliding friction MuJoCo uses in the contacts of environment ``env_id`` standing on its spawn pose."""
    model = env.sim.model_for_env(env_id)
    data = mujoco.MjData(model)
    mujoco.mj_setState(model, data, env.sim.get_state()[env_id].numpy(), mujoco.mjtState.mjSTATE_FULLPHYSICS)
    mujoco.mj_forward(model, data)
    assert data.ncon > 0
    return [float(data.contact[i].friction[0]) for i in range(data.ncon)]


@pytest.mark.parametrize("rule, expected", [("average", 0.55), ("max", 0.1)])
def test_contact_friction_combines_like_the_seed(rule: str, expected: float) -> None:
    env, _ = make_task_env(
        "g1_deepmimic", num_envs=2, domain_rand__friction_range=[0.1, 0.1], domain_rand__friction_combine=rule,
        **STAND_ONLY,
    )
    try:
        assert _foot_contact_friction(env) == pytest.approx([expected] * len(_foot_contact_friction(env)))
        assert float(env.domain_rand.friction[0]) == pytest.approx(0.1)  # what the critic sees is the drawn value
    finally:
        env.close()


def test_flat_clips_stand_on_a_plane() -> None:
    env, _ = make_task_env("g1_deepmimic", num_envs=2, **STAND_ONLY)
    assert env.heightfield is None
    env.close()
    env, _ = make_task_env("g1_deepmimic", num_envs=2, terrain__flat_as_plane=False, **STAND_ONLY)
    assert env.heightfield is not None and not np.any(env.heightfield.heights)
    env.close()
    env, _ = make_task_env("g1_deepmimic", num_envs=2)  # the step clip's terrain is not flat
    assert env.heightfield is not None and np.ptp(env.heightfield.heights) > 0.05
    env.close()


def test_training_writes_the_from_frame_0_curve(tmp_path) -> None:  # noqa: ANN001
    from legged_gym.scripts.train import train

    args = get_args([
        "--task=g1_deepmimic", "--headless", "--num_envs", "8", "--max_iterations", "2", "--no_use_wandb",
        "--log_root", str(tmp_path), "--train.runner.eval_interval=1", "--train.runner.num_steps_per_env=4",
        "--env.deepmimic.use_human_videos=False",
    ])
    run = train(args)
    with open(os.path.join(run, "eval_curve.csv")) as f:
        rows = list(csv.DictReader(f))
    assert [int(r["iteration"]) for r in rows] == [0, 1, 2]
    assert [int(r["env_steps"]) for r in rows] == [0, 32, 64]
    for r in rows:
        for clip in ("stand", "walk"):
            assert 0.0 < float(r[f"frames_tracked/{clip}"]) <= 1.0
            assert float(r[f"success/{clip}"]) in (0.0, 1.0)
        assert float(r["frames_tracked/mean"]) == pytest.approx(
            (float(r["frames_tracked/stand"]) + float(r["frames_tracked/walk"])) / 2, abs=1e-5)


def test_cpu_sizes_apply_only_when_not_given() -> None:
    from legged_gym.utils.helpers import apply_device_defaults

    def sizes(argv: list[str]) -> tuple[int, int]:
        args = get_args(["--task=g1_deepmimic", *argv])
        env_cfg, train_cfg = task_registry.load_cfgs("g1_deepmimic", args)
        apply_device_defaults(env_cfg, train_cfg, args)
        return env_cfg.env.num_envs, train_cfg.runner.max_iterations

    assert sizes([]) == (256, 1500)
    assert sizes(["--num_envs", "64", "--train.runner.max_iterations=7"]) == (64, 7)
    assert sizes(["--sim_device", "cuda:0"]) == (4096, 10000)


@pytest.mark.parametrize("task", ["g1_deepmimic", "humanoid_ppo", "g1"])
def test_building_an_environment_leaves_its_config_untouched(task: str) -> None:
    import copy

    from legged_gym.utils.config import to_dict

    env_cfg, _ = task_registry.get_cfgs(task)
    env_cfg.env.num_envs = 2
    if task == "g1_deepmimic":
        env_cfg.deepmimic.use_human_videos = False
    before = copy.deepcopy(to_dict(env_cfg))
    env, _ = task_registry.make_env(task, env_cfg=env_cfg)
    env.close()
    assert to_dict(env_cfg) == before
