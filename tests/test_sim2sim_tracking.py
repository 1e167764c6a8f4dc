"""sim2sim.py for motion-tracking policies: parity with the training env (teacher and student), a broken contract
failing loudly, and an end-to-end run on the bundled clips, with real 1-iteration runs."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from tests.test_sim2sim import ROOT, run

SAMPLE = os.path.join(ROOT, "resources", "motions", "sample")
TOL = 1e-5


def _train_and_export(root, task: str, *extra: str) -> tuple[list[str], str]:
    common = [f"--task={task}", "--headless", "--log_root", str(root), "--num_threads", "1", *extra]
    run("train.py", *common, "--num_envs", "4", "--max_iterations", "1", "--train.runner.num_steps_per_env=4",
        "--no_use_wandb")
    run("export.py", *common)
    (run_dir,) = os.listdir(root / task)
    return common, str(root / task / run_dir / "exported")


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """g1_deepmimic (history of proprioception, root-relative targets, joint and root targets), 1 iteration."""
    return _train_and_export(tmp_path_factory.mktemp("teacher"), "g1_deepmimic")


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """The deployable student (noisy height map input), 1 PPO iteration without its teacher (no BC term)."""
    return _train_and_export(tmp_path_factory.mktemp("student"), "g1_deepmimic_root_heightfield_dagger",
                             "--train.algorithm.bc_loss_coef=0")


def _parity_numbers(stdout: str) -> tuple[dict[str, float], float]:
    m = re.search(r"max \|obs diff\| (.*); max \|action diff\| (\S+)", stdout)
    assert m, stdout
    obs = {k: float(v) for k, v in (part.rsplit(" ", 1) for part in m.group(1).split(", "))}
    return obs, float(m.group(2))


def test_teacher_parity(teacher):
    common, out = teacher
    meta = json.load(open(os.path.join(out, "policy.json")))
    assert meta["env"]["tracking"]["reference"]["torso_link"] == "torso_link"
    proc = run("sim2sim.py", "--check", *common, "--check_steps", "40")
    obs, action = _parity_numbers(proc.stdout)
    wanted = {"history_torso_real", "history_torso_xy_rel", "history_torso_yaw_rel", "target_joints",
              "target_root_roll", "target_root_pitch"}
    assert wanted <= set(obs), obs
    assert max(obs.values()) <= TOL and action <= TOL, proc.stdout
    assert re.search(r"\((\d+) resets\)", proc.stdout).group(1) != "0", "the check should cross an episode reset"


def test_student_parity(student):
    common, _ = student
    proc = run("sim2sim.py", "--check", *common, "--check_steps", "30")
    obs, action = _parity_numbers(proc.stdout)
    assert {"history_torso_real", "torso_xy_rel", "torso_yaw_rel", "terrain_height_noisy"} <= set(obs), obs
    assert max(obs.values()) <= TOL and action <= TOL, proc.stdout


def test_parity_fails_on_swapped_joints(teacher, tmp_path):
    common, out = teacher
    bad = tmp_path / "swapped"
    shutil.copytree(out, bad)
    meta = json.loads((bad / "policy.json").read_text())
    names = meta["env"]["joint_names"]
    i, j = names.index("left_knee_joint"), names.index("left_elbow_joint")
    names[i], names[j] = names[j], names[i]
    (bad / "policy.json").write_text(json.dumps(meta))
    proc = run("sim2sim.py", "--check", *common, "--check_steps", "5", "--load_model", str(bad), ok=False)
    line = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode != 0 and line.startswith("error: parity FAILED at step 0"), proc.stderr[-2000:]
    # the first joint-dependent term to disagree: the spawn-pose action, the joint angles or the joint targets
    assert "'torso_real'" in line and any(f"term '{t}'" in line for t in ("actions", "dof_pos")) or "target_joints" in line, line


def test_sim2sim_plays_the_bundled_clips(teacher):
    common, out = teacher
    proc = run("sim2sim.py", "--load_model", out, "--motion", os.path.join(SAMPLE, "mocap", "stand.pkl"),
               os.path.join(SAMPLE, "videos", "walk_up_step"), "--sim_dt", "0.001", "--decimation", "20")
    lines = {ln.split()[0]: ln for ln in proc.stdout.splitlines() if ln.startswith("  ")}
    assert "sim_dt 0.001 x decimation 20" in proc.stdout, proc.stdout
    assert set(lines) >= {"stand", "walk_up_step", "overall:"}, proc.stdout
    assert "background_mesh.obj" in lines["walk_up_step"] and "terrain flat" in lines["stand"], proc.stdout
    for name in ("stand", "walk_up_step"):
        m = re.search(r"(success|failed) +(\d+)/(\d+) +joint ([\d.]+) rad, link ([\d.]+) m \(root-rel ([\d.]+) m\), "
                      r"contact match ([\d.]+)", lines[name])
        assert m, lines[name]
        tracked, length = int(m.group(2)), int(m.group(3))
        assert 0 < tracked <= length and (m.group(1) == "success") == (tracked == length), lines[name]
        assert 0 < float(m.group(4)) < 1.0 and 0 < float(m.group(5)) < 0.5 and 0 <= float(m.group(7)) <= 1, lines[name]
    # without --motion: every clip export.py baked next to policy.json, by name
    proc = run("sim2sim.py", "--load_model", out, "--sim_dt", "0.001", "--decimation", "20")
    baked = {ln.split()[0]: ln for ln in proc.stdout.splitlines() if ln.startswith("  ")}
    assert set(baked) == {"stand", "walk", "walk_up_step", "overall:"}, proc.stdout
    assert baked["stand"] == lines["stand"]  # the baked clip plays exactly as the clip file does
    assert "background_mesh.obj" in baked["walk_up_step"], baked["walk_up_step"]
    bare = os.path.join(os.path.dirname(out), "exported_bare")
    shutil.copytree(out, bare, ignore=shutil.ignore_patterns("references"))
    proc = run("sim2sim.py", "--load_model", bare, ok=False)
    assert proc.returncode != 0 and "--motion <clip> is required: no reference clips are baked" in proc.stderr, \
        proc.stderr


def test_sim2sim_json_has_one_row_per_clip(teacher, tmp_path):
    common, out = teacher
    path = tmp_path / "clips.json"
    run("sim2sim.py", "--load_model", out, "--motion", os.path.join(SAMPLE, "mocap", "stand.pkl"), "--json", str(path))
    (row,) = json.loads(path.read_text())
    assert row["clip"] == "stand" and isinstance(row["success"], bool)
    assert 0 < row["frames_tracked"] <= row["frames"] and row["joint_error"] > 0 and row["link_error"] > 0
