"""play.py end to end on one-iteration runs: headless tracking metrics + export, velocity metrics, and no display."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from legged_gym.eval.play_settings import PLAY_ENV_SETTINGS, apply_play_settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "legged_gym", "scripts")
CLIPS = ("stand", "walk", "walk_up_step")
ENV = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")


def run_script(script: str, *args: str, check: bool = True, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    """Run ``legged_gym/scripts/<script>`` in a subprocess; fails the test on a non-zero exit when ``check``."""
    proc = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *args], capture_output=True, text=True,
                          env=env or ENV, timeout=300, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"{script} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def train_one_iteration(task: str, log_root: str) -> None:
    """A single PPO iteration of ``task`` under ``log_root``."""
    run_script("train.py", f"--task={task}", "--headless", "--num_envs", "4", "--log_root", log_root,
               "--no_use_wandb", "--num_threads", "2", "--max_iterations", "1", "--train.runner.num_steps_per_env=4")


@pytest.fixture(scope="module")
def log_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A log root holding one g1_deepmimic run trained for a single iteration."""
    root = str(tmp_path_factory.mktemp("logs"))
    train_one_iteration("g1_deepmimic", root)
    return root


def test_headless_tracking_prints_per_clip_metrics_and_exports(log_root: str):
    proc = run_script("play.py", "--task=g1_deepmimic", "--log_root", log_root, "--headless", "--steps", "60",
                      "--export", "--num_envs", "3", "--num_threads", "2")
    out = proc.stdout
    (run,) = os.listdir(os.path.join(log_root, "g1_deepmimic"))
    run_dir = os.path.join(log_root, "g1_deepmimic", run)
    assert os.path.join(run_dir, "model_1.pt") in out  # the latest run and checkpoint
    assert "played 60 control steps with 3 environment(s)" in out
    table = out[out.index("per-clip tracking"):]
    for name in CLIPS:  # every clip has a row with numeric joint and link errors
        (row,) = [line for line in table.splitlines() if line.split() and line.split()[0] == name]
        fields = row.split()
        assert float(fields[3]) >= 0.0 and float(fields[4]) >= 0.0, row
        assert fields[-2] == "/" and fields[-1].isdigit(), row  # frames tracked: mean / clip length
    assert "joint err" in table and "frames tracked" in table and "overall" in table
    assert "ONNX max |diff|" in out
    exported = os.path.join(run_dir, "exported")
    assert os.path.isfile(os.path.join(exported, "policy.onnx"))
    meta = json.loads(open(os.path.join(exported, "policy.json")).read())
    assert os.path.isfile(os.path.join(exported, "policy.pt"))
    assert set(CLIPS) <= set(meta.get("env", meta)["clips"]), meta.get("env", meta).get("clips")


def test_without_display_exits_with_one_line(log_root: str):
    env = {k: v for k, v in ENV.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = run_script("play.py", "--task=g1_deepmimic", "--log_root", log_root, check=False, env=env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "--headless" in err[0], proc.stderr


def test_bad_input_is_one_line(tmp_path):
    proc = run_script("play.py", "--task=g1_deepmimic", "--log_root", str(tmp_path), "--headless", check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error: no checkpoint found for task 'g1_deepmimic'"), proc.stderr


def test_headless_velocity_task_prints_command_tracking(tmp_path):
    root = str(tmp_path)
    train_one_iteration("g1", root)
    proc = run_script("play.py", "--task=g1", "--log_root", root, "--headless", "--steps", "40", "--num_threads", "1")
    assert "played 40 control steps with 1 environment(s)" in proc.stdout
    line = next(x for x in proc.stdout.splitlines() if x.startswith("command tracking error:"))
    assert "m/s" in line and "rad/s" in line
    assert any(x.startswith("falls: ") for x in proc.stdout.splitlines())


def test_play_settings_turn_randomisation_off():
    from legged_gym.envs import task_registry

    env_cfg, _ = task_registry.get_cfgs("g1_deepmimic")
    env_cfg.deepmimic.randomize_start_offset = True
    env_cfg.domain_rand.push_robots = True
    applied = apply_play_settings(env_cfg)
    assert env_cfg.env.num_envs == 1 and env_cfg.terrain.n_rows == 1
    assert env_cfg.deepmimic.randomize_start_offset is False and env_cfg.deepmimic.init_velocities is True
    assert env_cfg.domain_rand.push_robots is False and env_cfg.noise.add_noise is False
    assert set(applied) <= set(PLAY_ENV_SETTINGS)
    # humanoid_ppo trains with Humanoid-Gym's action blending and noise; play (like sim2sim) runs without them
    env_cfg, _ = task_registry.get_cfgs("humanoid_ppo")
    assert env_cfg.domain_rand.action_delay > 0 and env_cfg.domain_rand.action_noise > 0
    apply_play_settings(env_cfg)
    assert env_cfg.domain_rand.action_delay == 0.0 and env_cfg.domain_rand.action_noise == 0.0


def _load_play_module():  # noqa: ANN202
    """play.py as a module (same code as the command line)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("play_script", os.path.join(SCRIPTS, "play.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_line_overrides_win_over_play_settings(log_root: str):
    from legged_gym.utils.helpers import get_args
    from legged_gym.eval.play_settings import build_play_cfgs

    args = get_args(["--task=g1_deepmimic", "--log_root", log_root, "--env.deepmimic.randomize_start_offset=True",
                     "--env.domain_rand.push_robots=True"])
    cfg = build_play_cfgs(args)
    assert cfg.checkpoint.endswith("model_1.pt") and cfg.iteration == 1
    assert cfg.env_cfg.deepmimic.randomize_start_offset is True and cfg.env_cfg.domain_rand.push_robots is True
    assert cfg.env_cfg.noise.add_noise is False and cfg.env_cfg.env.num_envs == 1
    assert cfg.run_overrides["train"] == {"runner.num_steps_per_env": "4"}


def test_viewer_state_copy_matches_environment_zero():
    """The viewer's MjData (no window) shows environment 0's pose: base position and joint angles."""
    import torch

    from legged_gym.envs import task_registry
    from legged_gym.utils.helpers import get_args

    play = _load_play_module()
    args = get_args(["--task=g1", "--num_envs", "2", "--num_threads", "1"])
    env_cfg, _ = task_registry.load_cfgs("g1", args)
    apply_play_settings(env_cfg)
    env_cfg.env.num_envs = 2
    env, _ = task_registry.make_env("g1", args, env_cfg=env_cfg)
    try:
        env.step(torch.zeros(2, env.num_actions))
        viewer = play.MujocoPassiveViewer(env, 0, launch=False)
        assert viewer.handle is None
        qpos = torch.as_tensor(viewer.data.qpos, dtype=torch.float32)
        assert torch.allclose(qpos[:3], env.root_pos_w[0].cpu(), atol=1e-5)
        joints = env.dof_pos[0].cpu()
        assert any(torch.allclose(qpos[i:i + len(joints)], joints, atol=1e-5) for i in range(len(qpos) - len(joints) + 1))
        viewer.close()
    finally:
        env.close()
