"""The walking tasks' left-right mirror against the real MuJoCo G1: a mirrored start under mirrored actions must give
mirrored observations and equal rewards, and the joint sign convention must match the robot file."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from legged_gym.envs import task_registry
from legged_gym.envs.base.mirror import named_mirror, side_partner
from legged_gym.eval.play_settings import apply_play_settings
from legged_gym.sim.robot_info import actuated_joint_names, joint_ranges


def _env(task: str, **edits):
    env_cfg, _ = task_registry.get_cfgs(task)
    apply_play_settings(env_cfg)  # no observation noise, pushes or randomisation
    env_cfg.env.num_envs = 2
    env_cfg.sim.num_threads = 1
    env_cfg.commands.resampling_time = 1000.0
    for path, value in edits.items():
        node = env_cfg
        *parents, leaf = path.split("__")
        for p in parents:
            node = getattr(node, p)
        setattr(node, leaf, value)
    return task_registry.make_env(task, env_cfg=env_cfg)[0]


def test_joint_mirror_signs_match_the_robot_files_joint_ranges() -> None:
    env = _env("g1", control__policy_joints=None, env__num_actions=23)
    path = env._robot_file()
    names = actuated_joint_names(path)
    ranges = joint_ranges(path, names)
    index, sign = named_mirror(names, "joint", negate_axes=True)
    env.close()
    checked = 0
    for i, (j, s) in enumerate(zip(index, sign)):
        lo, hi = ranges[j]
        mirrored = (lo, hi) if s > 0 else (-hi, -lo)  # the partner's range seen through the mirror
        if side_partner(names[i]) is not None:
            np.testing.assert_allclose(ranges[i], mirrored, atol=1e-3, err_msg=names[i])
            checked += 1
        elif s < 0:  # a midline roll/yaw joint must have a range symmetric about 0
            np.testing.assert_allclose(ranges[i], (-ranges[i][1], -ranges[i][0]), atol=1e-3, err_msg=names[i])
    assert checked == 20  # 6 leg and 4 arm joints per side


@pytest.mark.parametrize("task", ["g1", "humanoid_ppo"])
def test_mirrored_start_under_mirrored_actions_gives_mirrored_observations_and_equal_rewards(task: str) -> None:
    env = _env(task)
    env.reset()
    m = env.mirror()
    for key in env.obs_manager.history_len:  # histories mirror frame by frame, like their key
        assert m.obs[f"history_{key}"] is m.obs[key]
    # the default pose is its own mirror; environment 1 runs the gait clock half a cycle on (its legs swapped)
    half = round(env.cfg.gait.period / 2 / env.dt)
    env.episode_length_buf[1] = env.episode_length_buf[0] + half
    env.commands[0, :3] = torch.tensor([0.4, 0.2, 0.3])
    env.commands[1, :3] = torch.tensor([0.4, -0.2, -0.3])
    g = torch.Generator().manual_seed(0)
    worst = 0.0
    for _ in range(8):
        a = 0.5 * torch.randn(env.num_actions, generator=g)
        obs, rew, done, _ = env.step(torch.stack([a, m.actions(a)]))
        assert not bool(done.any())
        for key in env.obs_manager.terms:
            worst = max(worst, float((obs[key][1] - m.obs[key](obs[key][0])).abs().max()))
        assert abs(float(rew[1] - rew[0])) <= 1e-2 * abs(float(rew[0])) + 1e-6
    env.close()
    # MuJoCo's G1 is symmetric up to rounding in its inertias; a wrong sign or swap would be off by O(0.1-1)
    assert worst < 0.01, worst


def test_mirror_errors_name_the_term_and_the_gait() -> None:
    env = _env("g1")
    env.obs_mirror = {k: v for k, v in env.obs_mirror.items() if k != "dof_vel"}  # a task that forgot a term
    with pytest.raises(ValueError, match="'proprio' term 'dof_vel' has no mirror kind"):
        env.mirror()
    env.close()
    env = _env("g1", gait__offset=0.3)
    with pytest.raises(ValueError, match=r"gait.offset 0.5 .* got 0.3"):
        env.mirror()
    env.close()


def test_train_py_with_symmetry_on_the_stacked_humanoid_ppo_observations(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cmd = [sys.executable, os.path.join(root, "legged_gym", "scripts", "train.py"), "--task=humanoid_ppo",
           "--headless", "--num_envs", "8", "--log_root", str(tmp_path), "--no_use_wandb", "--num_threads", "1",
           "--train.runner.num_steps_per_env=8", "--max_iterations", "2",
           "--train.policy.mirror_symmetric=False",  # augmentation and loss act on a plain policy only
           "--train.algorithm.symmetry_augmentation=True", "--train.algorithm.symmetry_loss_coef=0.5"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (run,) = os.listdir(tmp_path / "humanoid_ppo")
    ea = EventAccumulator(str(tmp_path / "humanoid_ppo" / run))
    ea.Reload()
    sym = [e.value for e in ea.Scalars("Loss/symmetry")]
    assert len(sym) == 2 and all(np.isfinite(sym)) and sym[0] > 0.0
    # the action std stays mirror-symmetric: each left leg joint's spread equals its right partner's (LEG_JOINTS:
    # the six left joints, then the six right ones), and it did move away from its initial value
    import torch

    std = torch.load(tmp_path / "humanoid_ppo" / run / "model_2.pt", weights_only=True)["model_state_dict"]["std"]
    assert torch.allclose(std[:6], std[6:]) and not torch.allclose(std, torch.ones_like(std))


def test_a_sided_joint_without_its_partner_is_a_clear_error() -> None:
    assert named_mirror(["waist_yaw_joint", "left_knee_joint", "right_knee_joint"], "joint", True) == (
        [0, 2, 1], [-1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="joint 'left_hip_roll_joint' has no partner 'right_hip_roll_joint'"):
        named_mirror(["left_hip_roll_joint", "right_knee_joint", "left_knee_joint"], "joint", True)


def test_train_py_mirror_symmetric_g1_policy_is_its_own_mirror_image(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from rsl_rl.modules import ActorCritic
    from rsl_rl.utils.checkpoints import load_checkpoint

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cmd = [sys.executable, os.path.join(root, "legged_gym", "scripts", "train.py"), "--task=g1", "--headless",
           "--num_envs", "8", "--log_root", str(tmp_path), "--no_use_wandb", "--num_threads", "1",
           "--train.runner.num_steps_per_env=8", "--max_iterations", "2", "--train.runner.eval_interval=0",
           "--train.policy.mirror_symmetric=True", "--train.algorithm.symmetry_augmentation=False",
           "--train.algorithm.symmetry_loss_coef=0.0"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (run,) = os.listdir(tmp_path / "g1")
    ckpt = load_checkpoint(str(tmp_path / "g1" / run / "model_2.pt"))
    env = _env("g1")
    env.reset()
    for _ in range(5):  # a few steps so that the state is not the symmetric default pose
        obs = env.step(0.3 * torch.randn(env.num_envs, env.num_actions))[0]
    m = env.mirror()
    shapes = {k: tuple(v.shape[1:]) for k, v in obs.items()}
    ac = ActorCritic(shapes, env.num_actions, ckpt["policy_cfg"])
    ac.load_state_dict(ckpt["model_state_dict"])  # the mirror comes with the checkpoint
    env.close()
    with torch.no_grad():
        a, a_m = ac.act_inference(obs), ac.act_inference(m.mirror_obs(obs))
        v, v_m = ac.evaluate(obs), ac.evaluate(m.mirror_obs(obs))
    torch.testing.assert_close(a_m, m.actions(a), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(v_m, v, atol=1e-5, rtol=1e-5)
    assert float((a - m.actions(a)).abs().max()) > 1e-3  # the state is not its own mirror: the test can fail
    # acting with the run rebuilds the symmetric policy from the checkpoint even without the run's recorded flags
    # (a task default may change after a policy is trained)
    from legged_gym.eval.runs import load_run_configs
    from legged_gym.utils.helpers import get_args

    args = get_args(["--task=g1", "--log_root", str(tmp_path), "--num_envs", "2"], training=False)
    rc = load_run_configs(args, lambda env_cfg: None, "evaluating", ignore_run_overrides=True)
    assert rc.train_cfg.policy.mirror_symmetric is True


def test_export_symmetrize_makes_a_plain_walking_policy_its_own_mirror_image(tmp_path) -> None:
    import json
    import os
    import subprocess
    import sys
    import warnings

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env_vars = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")
    # a plain policy (the g1 default is mirror-symmetric): a short run is as asymmetric as its random start
    train = [sys.executable, os.path.join(root, "legged_gym", "scripts", "train.py"), "--task=g1", "--headless",
             "--num_envs", "8", "--log_root", str(tmp_path / "logs"), "--no_use_wandb", "--num_threads", "1",
             "--train.runner.num_steps_per_env=8", "--max_iterations", "1", "--train.runner.eval_interval=0",
             "--train.policy.mirror_symmetric=False"]
    proc = subprocess.run(train, capture_output=True, text=True, timeout=300, env=env_vars)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for symmetrize in (False, True):
        cmd = [sys.executable, os.path.join(root, "legged_gym", "scripts", "export.py"), "--task=g1", "--log_root",
               str(tmp_path / "logs"), "--out", str(tmp_path / str(symmetrize))]
        cmd += ["--symmetrize"] if symmetrize else []
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env_vars)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    # exported as trained: the run's checkpoint decides, not the task default (even without the recorded flag)
    from legged_gym.eval.runs import load_run_configs
    from legged_gym.utils.helpers import get_args

    args = get_args(["--task=g1", "--log_root", str(tmp_path / "logs"), "--num_envs", "2"], training=False)
    rc = load_run_configs(args, lambda env_cfg: None, "evaluating", ignore_run_overrides=True)
    assert rc.train_cfg.policy.mirror_symmetric is False
    assert not json.load(open(tmp_path / "False" / "policy.json"))["policy_cfg"].get("mirror_symmetric", False)
    assert json.load(open(tmp_path / "True" / "policy.json"))["policy_cfg"]["mirror_symmetric"] is True
    env = _env("g1")
    env.reset()
    for _ in range(5):
        obs = env.step(0.3 * torch.randn(env.num_envs, env.num_actions))[0]
    m = env.mirror()
    env.close()
    errors = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for symmetrize in (False, True):
            policy = torch.jit.load(str(tmp_path / str(symmetrize) / "policy.pt"))
            with torch.no_grad():
                a, a_m = policy(obs), policy(m.mirror_obs(obs))
            errors[symmetrize] = float((a_m - m.actions(a)).abs().max())
    assert errors[True] < 1e-5 and errors[False] > 1e-3, errors  # the plain policy is not symmetric
