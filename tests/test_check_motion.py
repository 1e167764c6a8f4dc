"""check_motion.py and legged_gym.motion.feasibility: inverse-dynamics checks of clips on the real MuJoCo model."""

from __future__ import annotations

import dataclasses
import json
import os

import mujoco
import numpy as np
import pytest

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.motion import load_motion
from legged_gym.motion.feasibility import centre_of_pressure, check_clip, ground_wrench, robot_model
from legged_gym.scripts.check_motion import main

ROBOT = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")
SAMPLE = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "motions", "sample")
# the synthetic walk as it was before its pelvis path was balanced (kept to show what the checker catches)
UNBALANCED = os.path.join(os.path.dirname(__file__), "fixtures", "walk_unbalanced.pkl")


def test_bundled_clips_pass(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "report.json"
    assert main([SAMPLE, "--out", str(tmp_path), "--json", str(out)]) == 0
    reports = {r["name"]: r for r in json.loads(out.read_text())}
    assert set(reports) == {"stand", "walk", "walk_up_step"}
    assert all(r["passed"] for r in reports.values())
    assert reports["walk"]["details"]["single_support_frames"] > 90  # the walk really has single support
    assert (tmp_path / "walk_up_step.png").stat().st_size > 10_000


def test_unbalanced_walk_fails(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "report.json"
    assert main([UNBALANCED, "--fps", "30", "--out", str(tmp_path), "--json", str(out)]) == 1
    (rep,) = json.loads(out.read_text())
    assert not rep["checks"]["cop_outside_share"]["passed"]
    assert rep["checks"]["cop_outside_share"]["value"] > 0.5
    assert rep["details"]["cop_max_outside_width_m"] > 0.05


def test_static_pose_centre_of_pressure_is_under_the_centre_of_mass() -> None:
    clip = load_motion(os.path.join(SAMPLE, "mocap", "stand.pkl"), robot_xml=ROBOT, default_fps=30)
    model = robot_model(ROBOT)
    qpos = np.tile(model.qpos0, (3, 1))
    adr = [model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, n)] for n in clip.joint_names]
    qpos[:, :3], qpos[:, 3:7], qpos[:, adr] = clip.root_pos[0], clip.root_quat[0], clip.joints[0]
    qpos[:, 0] += 0.3  # anywhere in the world
    w = ground_wrench(model, qpos, 1 / 30)
    mass = model.body_subtreemass[0]
    np.testing.assert_allclose(w["force"][1], [0, 0, mass * 9.81], rtol=1e-9, atol=1e-9)
    cop = centre_of_pressure(w["force"], w["moment"], qpos[:, :3], np.zeros(3))
    data = mujoco.MjData(model)
    data.qpos[:] = qpos[1]
    mujoco.mj_kinematics(model, data)
    mujoco.mj_comPos(model, data)
    np.testing.assert_allclose(cop[1], data.subtree_com[0][:2], atol=1e-9)


def test_sunk_and_sliding_feet_are_flagged() -> None:
    clip = load_motion(os.path.join(SAMPLE, "mocap", "stand.pkl"), robot_xml=ROBOT, default_fps=30)
    sunk = dataclasses.replace(clip, root_pos=clip.root_pos - np.array([0, 0, 0.05], dtype=np.float32))
    rep = check_clip(sunk, ROBOT)
    assert not rep.checks["foot_penetration_m"][2] and rep.checks["foot_penetration_m"][0] == pytest.approx(0.05, abs=2e-3)
    t = np.arange(len(clip.root_pos), dtype=np.float32) / clip.fps
    slide = clip.root_pos.copy()
    slide[:, 0] += 0.5 * t  # the whole robot glides at 0.5 m/s with both feet flagged in contact
    rep = check_clip(dataclasses.replace(clip, root_pos=slide), ROBOT)
    assert not rep.checks["foot_slide_speed_mps"][2]
    assert rep.checks["foot_slide_speed_mps"][0] == pytest.approx(0.5, rel=0.05)


def test_missing_input_is_a_clear_error(tmp_path, capsys) -> None:  # noqa: ANN001
    assert main([str(tmp_path / "nothing_here.pkl")]) == 2
    assert "nothing_here.pkl" in capsys.readouterr().err
