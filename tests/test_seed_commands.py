"""The seed README's example command lines, run as written (with a small --num_envs and one iteration).

They train on the bundled sample clips: a teacher run first, then resume it on two CPU ranks under
torchrun, distil it with DAgger, and train on the real LAFAN dance CSV (skipped without ../shared).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = os.path.join(ROOT, "legged_gym", "scripts", "train.py")
DANCE = os.path.join(ROOT, "..", "shared", "motions", "lafan_g1", "dance1_subject2.csv")
SMALL = ["--num_envs", "4", "--max_iterations", "1", "--train.runner.num_steps_per_env=4", "--num_threads", "1"]


def run(cmd: list[str], log_root: str, timeout: int = 400) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")
    proc = subprocess.run(cmd + ["--log_root", log_root], capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=ROOT)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}\nfailed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-4000:]}")
    return proc


def runs(log_root: str, experiment: str) -> list[str]:
    folder = os.path.join(log_root, experiment)
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


@pytest.fixture(scope="module")
def teacher(tmp_path_factory) -> tuple[str, str]:
    log_root = str(tmp_path_factory.mktemp("logs"))
    run([sys.executable, TRAIN, "--task=g1_deepmimic", "--headless", "--no_use_wandb"] + SMALL, log_root)
    (name,) = runs(log_root, "g1_deepmimic")
    return log_root, name


def test_multi_gpu_resume_command(teacher):
    log_root, name = teacher
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", TRAIN, "--multi_gpu",
        "--task=g1_deepmimic", "--headless", "--wandb_note", "new_ft_old_terrains",
        "--env.deepmimic.use_amass=False", "--load_run", name, "--resume",
        "--env.deepmimic.use_human_videos=True", "--env.deepmimic.human_video_oversample_factor=10",
        "--env.terrain.n_rows=6", "--train.policy.re_init_std=True", "--train.policy.init_noise_std=0.5",
        "--train.algorithm.learning_rate=2e-5", "--env.deepmimic.n_append=50",
        "--env.deepmimic.link_pos_error_threshold=0.5", "--env.deepmimic.init_velocities=True",
        "--env.deepmimic.randomize_start_offset=True", "--env.asset.terminate_after_large_feet_contact_forces=False",
        "--env.asset.use_alt_files=False", "--no_use_wandb",
    ] + SMALL
    run(cmd, log_root)
    new = [r for r in runs(log_root, "g1_deepmimic") if r != name]
    assert len(new) == 1, "only rank 0 creates a run folder"
    ckpts = [f for f in os.listdir(os.path.join(log_root, "g1_deepmimic", new[0])) if f.startswith("model_")]
    assert "model_2.pt" in ckpts, ckpts  # resumed from iteration 1, trained one more
    ckpt = torch.load(os.path.join(log_root, "g1_deepmimic", new[0], "model_2.pt"), weights_only=True)
    assert ckpt["config"]["train"]["algorithm"]["learning_rate"] == pytest.approx(2e-5)


def test_dagger_command(teacher):
    log_root, name = teacher
    teacher_dir = os.path.join(log_root, "g1_deepmimic", name)
    cmd = [
        sys.executable, TRAIN, "--task=g1_deepmimic_dagger", "--headless", "--wandb_note", "distill",
        "--env.deepmimic.use_amass=False", "--env.terrain.n_rows=10", "--env.deepmimic.amass_terrain_difficulty=1",
        "--env.deepmimic.use_human_videos=True", "--env.deepmimic.init_velocities=True",
        "--env.deepmimic.randomize_start_offset=True", "--env.rewards.scales.feet_orientation=0.0",
        "--env.control.beta=1.0", "--train.runner.save_interval=50", "--train.algorithm.policy_to_clone_jitted=False",
        f"--train.algorithm.policy_to_clone={teacher_dir}", "--train.algorithm.bc_loss_coef=1.0",
        "--train.algorithm.learning_rate=1e-4", "--env.deepmimic.n_append=50",
        "--env.asset.terminate_after_large_feet_contact_forces=False", "--no_use_wandb",
    ] + SMALL
    proc = run(cmd, log_root)
    assert "BC loss" in proc.stdout
    assert runs(log_root, "g1_deepmimic_dagger")


def test_dagger_without_teacher_fails_before_any_rollout(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")
    proc = subprocess.run(
        [sys.executable, TRAIN, "--task=g1_deepmimic_dagger", "--headless", "--no_use_wandb",
         "--train.algorithm.policy_to_clone=/nonexistent/run", "--log_root", str(tmp_path)] + SMALL,
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT,
    )
    assert proc.returncode != 0 and "/nonexistent/run" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not runs(str(tmp_path), "g1_deepmimic_dagger") or not any(
        f.startswith("model_") for r in runs(str(tmp_path), "g1_deepmimic_dagger")
        for f in os.listdir(os.path.join(tmp_path, "g1_deepmimic_dagger", r))
    )


@pytest.mark.skipif(not os.path.isfile(DANCE), reason="../shared/motions (the real LAFAN dance clip) is absent")
def test_dance_command_on_the_real_csv(tmp_path):
    cmd = [
        sys.executable, TRAIN, "--task=g1_deepmimic_mocap", "--headless", "--env.terrain.n_rows=4096",
        f"--env.deepmimic.amass_replay_data_path={os.path.abspath(DANCE)}", "--env.deepmimic.cut_off_import_length=1600",
        "--no_use_wandb",
    ] + SMALL
    proc = run(cmd, str(tmp_path))
    assert "it 1/" in proc.stdout and "steps/s" in proc.stdout  # the progress line of the iteration
    (name,) = runs(str(tmp_path), "g1_deepmimic")
    assert any(f.startswith("model_") for f in os.listdir(os.path.join(tmp_path, "g1_deepmimic", name)))
