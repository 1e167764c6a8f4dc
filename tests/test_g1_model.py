"""Checks of the project's MuJoCo model of the 23-DoF Unitree G1 (resources/robots/g1)."""

import json
import os

import mujoco
import numpy as np
import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
XML_PATH = os.path.join(REPO_ROOT, "resources", "robots", "g1", "g1_23dof.xml")
FACTS_PATH = os.path.join(REPO_ROOT, "..", "shared", "robots", "g1_23dof_facts.json")

TOTAL_MASS = 35.1121

# Canonical 23-DoF policy order.
JOINT_NAMES = [
    "left_hip_pitch_joint", "left_hip_roll_joint", "left_hip_yaw_joint",
    "left_knee_joint", "left_ankle_pitch_joint", "left_ankle_roll_joint",
    "right_hip_pitch_joint", "right_hip_roll_joint", "right_hip_yaw_joint",
    "right_knee_joint", "right_ankle_pitch_joint", "right_ankle_roll_joint",
    "waist_yaw_joint", "waist_roll_joint", "waist_pitch_joint",
    "left_shoulder_pitch_joint", "left_shoulder_roll_joint", "left_shoulder_yaw_joint",
    "left_elbow_joint",
    "right_shoulder_pitch_joint", "right_shoulder_roll_joint", "right_shoulder_yaw_joint",
    "right_elbow_joint",
]


def _expected_gains(name):
    if "ankle_pitch" in name:
        return 20.0, 0.2
    if "ankle_roll" in name:
        return 20.0, 0.1
    return 75.0, 2.0


def _expected_default(name):
    for key, value in (("hip_pitch", -0.1), ("knee", 0.3), ("ankle_pitch", -0.2)):
        if key in name:
            return value
    return 0.0


@pytest.fixture(scope="module")
def model():
    return mujoco.MjModel.from_xml_path(XML_PATH)


@pytest.fixture(scope="module")
def model_with_floor():
    spec = mujoco.MjSpec.from_file(XML_PATH)
    spec.worldbody.add_geom(name="floor", type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0, 0, 0.05])
    return spec.compile()


@pytest.fixture(scope="module")
def facts():
    if not os.path.exists(FACTS_PATH):
        pytest.skip(f"facts file not present: {FACTS_PATH}")
    with open(FACTS_PATH) as f:
        return json.load(f)


def _hinge_ids(m):
    return [i for i in range(m.njnt) if m.jnt_type[i] == mujoco.mjtJoint.mjJNT_HINGE]


def test_joints_order(model):
    types = list(model.jnt_type)
    assert types.count(mujoco.mjtJoint.mjJNT_FREE) == 1
    assert model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE
    assert model.joint(0).name == "floating_base"
    hinges = _hinge_ids(model)
    assert len(hinges) == 23 == model.njnt - 1
    assert [model.joint(i).name for i in hinges] == JOINT_NAMES
    # qpos layout: 7 free-joint coordinates, then the 23 hinges in policy order
    assert model.nq == 30 and model.nv == 29
    assert list(model.jnt_qposadr[hinges]) == list(range(7, 30))


def test_joints_match_facts(model, facts):
    assert [j["name"] for j in facts["joints"]] == JOINT_NAMES
    for j in facts["joints"]:
        jid = model.joint(j["name"]).id
        assert model.body(model.jnt_bodyid[jid]).name == j["body"]
        np.testing.assert_allclose(model.jnt_axis[jid], j["axis"], atol=1e-9)
        assert model.jnt_limited[jid]
        np.testing.assert_allclose(model.jnt_range[jid], j["range"], atol=1e-9)
        e = j["effort_limit"]
        np.testing.assert_allclose(model.jnt_actfrcrange[jid], [-e, e])
        assert model.dof_armature[model.jnt_dofadr[jid]] == pytest.approx(j["armature"])
        assert model.dof_frictionloss[model.jnt_dofadr[jid]] == pytest.approx(j["frictionloss"])
    assert model.body_mass.sum() == pytest.approx(facts["total_mass"], rel=0.01)


def test_actuators(model):
    assert model.nu == 23
    for i, name in enumerate(JOINT_NAMES):
        assert model.actuator(i).name == name
        assert model.actuator_trntype[i] == mujoco.mjtTrn.mjTRN_JOINT
        jid = model.actuator_trnid[i, 0]
        assert model.joint(jid).name == name
        lo, hi = model.jnt_actfrcrange[jid]
        assert lo == -hi and hi > 0
        assert model.actuator_forcelimited[i]
        np.testing.assert_allclose(model.actuator_forcerange[i], [lo, hi])
        assert not model.actuator_ctrllimited[i]
        kp, kd = _expected_gains(name)
        assert model.actuator_gainprm[i, 0] == pytest.approx(kp)
        assert model.actuator_biasprm[i, 1] == pytest.approx(-kp)
        assert model.actuator_biasprm[i, 2] == pytest.approx(-kd)


def test_total_mass(model):
    assert model.body_mass.sum() == pytest.approx(TOTAL_MASS, rel=0.01)


def test_sites_and_feet(model):
    imu = model.site("imu")
    assert model.body(model.site_bodyid[imu.id]).name == "torso_link"
    for side in ("left", "right"):
        g = model.geom(f"{side}_foot")
        assert model.geom_type[g.id] == mujoco.mjtGeom.mjGEOM_BOX
        assert model.body(model.geom_bodyid[g.id]).name == f"{side}_ankle_roll_link"
        assert model.geom_contype[g.id] and model.geom_conaffinity[g.id]
        s = model.site(f"{side}_foot_site")
        assert model.body(model.site_bodyid[s.id]).name == f"{side}_ankle_roll_link"


def test_collision_geoms_are_primitives(model):
    primitives = {int(t) for t in (mujoco.mjtGeom.mjGEOM_CAPSULE, mujoco.mjtGeom.mjGEOM_BOX,
                                   mujoco.mjtGeom.mjGEOM_SPHERE, mujoco.mjtGeom.mjGEOM_CYLINDER)}
    colliding = [g for g in range(model.ngeom)
                 if model.geom_contype[g] or model.geom_conaffinity[g]]
    assert len(colliding) >= 10
    for g in colliding:
        assert int(model.geom_type[g]) in primitives


def _lowest_corner_z(m, d, geom_name):
    g = m.geom(geom_name).id
    R = d.geom_xmat[g].reshape(3, 3)
    return d.geom_xpos[g][2] - np.abs(R[2]) @ m.geom_size[g]


def _self_contacts(m, d, floor_id):
    return [(m.body(m.geom_bodyid[c.geom1]).name, m.body(m.geom_bodyid[c.geom2]).name)
            for c in d.contact[: d.ncon] if floor_id not in (c.geom1, c.geom2)]


def test_no_self_contacts_in_zero_pose(model):
    d = mujoco.MjData(model)
    mujoco.mj_forward(model, d)
    assert d.ncon == 0, [(model.geom(c.geom1).name, model.geom(c.geom2).name)
                         for c in d.contact[: d.ncon]]


def test_default_keyframe(model_with_floor):
    m = model_with_floor
    floor = m.geom("floor").id
    d = mujoco.MjData(m)
    mujoco.mj_resetDataKeyframe(m, d, m.key("default").id)
    mujoco.mj_forward(m, d)

    expected = np.array([_expected_default(n) for n in JOINT_NAMES])
    np.testing.assert_allclose(d.qpos[7:], expected)
    np.testing.assert_allclose(d.ctrl, expected)
    np.testing.assert_allclose(d.qpos[3:7], [1, 0, 0, 0])
    for side in ("left", "right"):
        assert abs(_lowest_corner_z(m, d, f"{side}_foot")) < 0.02
    assert _self_contacts(m, d, floor) == []

    # Statically standing: the centre of mass lies over the feet (between the soles in y,
    # inside their length in x).
    com = d.subtree_com[m.body("pelvis").id]
    lo = np.full(2, np.inf)
    hi = np.full(2, -np.inf)
    for side in ("left", "right"):
        g = m.geom(f"{side}_foot").id
        centre, half = d.geom_xpos[g][:2], m.geom_size[g][:2]
        lo, hi = np.minimum(lo, centre - half), np.maximum(hi, centre + half)
    assert np.all(lo < com[:2]) and np.all(com[:2] < hi), (com, lo, hi)


def test_default_pose_holds_under_pd(model_with_floor):
    """Hold ctrl = default pose with the seed's PD gains and no policy.

    With ankle Kp 20 (2 x 20 N*m/rad against a gravity stiffness of about m*g*h = 240 N*m/rad)
    the standing robot is an unstable inverted pendulum: without a balancing policy it leans
    forward and tips over after roughly 0.7-1 s. So the check runs for 0.5 s, long enough to
    show that the pose, contacts and actuators are sound (no collapse, no jump, feet down).
    """
    m = model_with_floor
    floor = m.geom("floor").id
    d = mujoco.MjData(m)
    mujoco.mj_resetDataKeyframe(m, d, m.key("default").id)
    mujoco.mj_forward(m, d)
    z0 = d.qpos[2]
    d.ctrl[:] = [_expected_default(n) for n in JOINT_NAMES]
    for _ in range(int(round(0.5 / m.opt.timestep))):
        mujoco.mj_step(m, d)
        assert d.qpos[2] > 0.6
        assert abs(d.qpos[2] - z0) < 0.05
    assert np.all(np.isfinite(d.qpos))
    assert d.xmat[m.body("pelvis").id].reshape(3, 3)[2, 2] > 0.95  # upright
    assert _self_contacts(m, d, floor) == []
    feet = {m.geom("left_foot").id, m.geom("right_foot").id}
    touching = {g for c in d.contact[: d.ncon] for g in (c.geom1, c.geom2) if g in feet}
    assert touching == feet
