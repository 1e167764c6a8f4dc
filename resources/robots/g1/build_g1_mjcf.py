#!/usr/bin/env python3
"""Generate the project's MuJoCo model of the 23-DoF Unitree G1 from the published figures.

Usage (from the repo root):
    python resources/robots/g1/build_g1_mjcf.py [--facts PATH] [--out PATH]

The facts file (see ../shared/robots/README.md) lists the body tree, inertials, joints, foot
boxes, IMU site and contact exclusions of the robot. This script turns them into an MJCF file
that does not depend on the facts file any more:

* body tree, inertials and hinge joints exactly as in the facts (the joint order of the
  compiled model is checked against the facts' policy order);
* one position actuator per joint with the seed's PD gains and the joint's effort limit;
* collision made of primitive shapes (boxes, capsules, cylinders, spheres) sized from each
  link's collision-mesh bounding box, plus grey visual-only copies of them;
* a `default` keyframe whose pelvis height puts the soles of both feet on z = 0, found by
  forward kinematics with MuJoCo.

The script checks the compiled model (joint order, mass, no self-contacts in the zero and
default poses) and refuses to write a model that fails those checks.
"""

import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEFAULT_FACTS = os.path.join(REPO_ROOT, "..", "shared", "robots", "g1_23dof_facts.json")
DEFAULT_OUT = os.path.join(REPO_ROOT, "resources", "robots", "g1", "g1_23dof.xml")

MODEL_NAME = "g1_23dof"

# Default joint pose (the seed's standing pose); joints not listed are 0.
DEFAULT_POSE = {"hip_pitch": -0.1, "knee": 0.3, "ankle_pitch": -0.2}

# Seed PD gains, looked up by the joint name without the side prefix / "_joint" suffix.
KP = {"ankle_pitch": 20.0, "ankle_roll": 20.0}  # everything else: 75
KD = {"ankle_pitch": 0.2, "ankle_roll": 0.1}  # everything else: 2.0
KP_DEFAULT, KD_DEFAULT = 75.0, 2.0

# Self-contact exclusions beyond the facts' list (parent/child pairs are already ignored by
# MuJoCo). The hip-roll housings sit inside the pelvis box in every pose, and the torso box
# meets the pelvis box when the waist rolls or pitches (the waist links between them are too
# small to carry shapes). The script re-checks that no self-contact remains in the zero and
# default poses.
EXTRA_EXCLUDES = [
    ("pelvis", "left_hip_roll_link"),
    ("pelvis", "right_hip_roll_link"),
    ("pelvis", "torso_link"),
]

# Links that get no collision shape: tiny links fully inside their neighbours.
NO_COLLISION = {"waist_yaw_link", "waist_roll_link", "left_ankle_pitch_link",
                "right_ankle_pitch_link"}

GREY = "0.7 0.7 0.7 1"
DARK = "0.2 0.2 0.2 1"


def fmt(values, digits=10):
    """Space-separated numbers, shortest readable form, no '-0'."""
    if np.isscalar(values):
        values = [values]
    out = []
    for v in values:
        v = float(v)
        s = f"{v:.{digits}g}"
        out.append("0" if s in ("-0", "0") else s)
    return " ".join(out)


def short_name(joint_name):
    """'left_hip_pitch_joint' -> 'hip_pitch'; 'waist_yaw_joint' -> 'waist_yaw'."""
    name = joint_name[: -len("_joint")]
    for side in ("left_", "right_"):
        if name.startswith(side):
            return name[len(side):]
    return name


# ----------------------------------------------------------------------------------------
# Collision shapes
# ----------------------------------------------------------------------------------------

def capsule_from_aabb(lo, hi):
    """A capsule along the longest axis of the box, radius = the smaller of the other two
    half extents, ends inside the box."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    axis = int(np.argmax(half))
    radius = float(min(np.delete(half, axis)))
    half_len = max(half[axis] - radius, 0.005)
    a, b = centre.copy(), centre.copy()
    a[axis] -= half_len
    b[axis] += half_len
    return {"type": "capsule", "size": fmt(round(radius, 4)),
            "fromto": fmt(np.round(np.concatenate([a, b]), 4))}


def box_from_aabb(lo, hi):
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return {"type": "box", "pos": fmt(np.round((lo + hi) / 2, 4)),
            "size": fmt(np.round((hi - lo) / 2, 4))}


def collision_shapes(body, facts):
    """List of geom attribute dicts for one body (without class/name)."""
    name = body["name"]
    aabb = body.get("collision_mesh_aabb_in_body_frame")
    side = 1.0 if name.startswith("left_") else -1.0
    if name in NO_COLLISION:
        return []
    if name == "pelvis":
        return [box_from_aabb(aabb["min"], aabb["max"])]
    if name == "torso_link":
        # Trunk box from the mesh box, but narrower in y than the mesh box (whose width
        # includes the shoulder housings, covered by the shoulder-pitch cylinders) so the
        # hanging upper arms stay clear of it.
        lo, hi = list(aabb["min"]), list(aabb["max"])
        lo[1], hi[1] = -0.09, 0.09
        return [box_from_aabb(lo, hi)]
    if name.endswith("hip_yaw_link"):
        # Thigh: the mesh runs diagonally from the hip to the knee; a capsule along that
        # diagonal fits better than one along the box's longest axis.
        knee = next(b for b in facts["bodies"] if b["parent"] == name)["pos"]
        return [{"type": "capsule", "size": "0.045",
                 "fromto": fmt([0.0, 0.0, -0.05, knee[0] + 0.01, knee[1], knee[2] + 0.01])}]
    if name.endswith("shoulder_pitch_link"):
        # Cylinder figures from the facts' notes (axis along y).
        return [{"type": "cylinder", "size": "0.03 0.025", "pos": fmt([0, side * 0.04, -0.01]),
                 "quat": fmt([0.7071068, 0.7071068, 0, 0])}]
    if name.endswith("shoulder_roll_link"):
        return [{"type": "cylinder", "size": "0.03 0.015",
                 "pos": fmt([-0.004, side * 0.006, -0.053])}]
    if name.endswith("wrist_roll_link"):
        lo, hi = np.asarray(aabb["min"]), np.asarray(aabb["max"])
        return [{"type": "sphere", "size": "0.03", "pos": fmt(np.round((lo + hi) / 2, 4))}]
    if name.endswith("ankle_roll_link"):
        foot = facts["feet"][f"{name.split('_')[0]}_foot_box_in_{name}"]
        return [{"type": "box", "pos": fmt(foot["pos"]), "size": fmt(foot["half_sizes"]),
                 "name": f"{name.split('_')[0]}_foot"}]
    if aabb is None:
        return []
    return [capsule_from_aabb(aabb["min"], aabb["max"])]


# ----------------------------------------------------------------------------------------
# XML
# ----------------------------------------------------------------------------------------

def sub(parent, tag, **attrs):
    return ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})


def build_tree(facts, keyframe=None):
    """Build the MJCF element tree. keyframe: (qpos, ctrl) arrays or None."""
    bodies = facts["bodies"]
    joints_by_body = {j["body"]: j for j in facts["joints"]}
    children = {}
    for b in bodies:
        children.setdefault(b["parent"], []).append(b)
    spawn_z = facts["pelvis_spawn_height"]

    root = ET.Element("mujoco", model=MODEL_NAME)
    sub(root, "compiler", angle="radian", autolimits="true", inertiafromgeom="false")
    sub(root, "option", timestep="0.005", integrator="implicitfast")

    default = sub(root, "default")
    g1 = sub(default, "default", **{"class": "g1"})
    sub(g1, "joint", damping="0")
    sub(g1, "site", size="0.01", rgba="1 0 0 1", group="4")
    vis = sub(g1, "default", **{"class": "visual"})
    sub(vis, "geom", group="1", contype="0", conaffinity="0", density="0", rgba=GREY)
    col = sub(g1, "default", **{"class": "collision"})
    sub(col, "geom", group="3", contype="1", conaffinity="1", condim="3",
        friction="1 0.005 0.0001", rgba="0.5 0.6 0.7 0.5")

    world = sub(root, "worldbody")

    def add_body(parent_el, b):
        pos = b["pos"] if b["parent"] is not None else [b["pos"][0], b["pos"][1], spawn_z]
        quat = None if np.allclose(b["quat"], [1, 0, 0, 0]) else fmt(b["quat"])
        attrs = {"name": b["name"], "pos": fmt(pos), "quat": quat}
        if b["parent"] is None:
            attrs["childclass"] = "g1"
        el = sub(parent_el, "body", **attrs)
        iq = None if np.allclose(b["inertia_quat"], [1, 0, 0, 0]) else fmt(b["inertia_quat"])
        sub(el, "inertial", pos=fmt(b["com"]), quat=iq, mass=fmt(b["mass"]),
            diaginertia=fmt(b["diag_inertia"]))
        if b["parent"] is None:
            sub(el, "freejoint", name="floating_base")
        j = joints_by_body.get(b["name"])
        if j is not None:
            e = j["effort_limit"]
            sub(el, "joint", name=j["name"], type="hinge", axis=fmt(j["axis"]),
                range=fmt(j["range"]), armature=fmt(j["armature"]),
                frictionloss=fmt(j["frictionloss"]), actuatorfrcrange=fmt([-e, e]))
        shapes = collision_shapes(b, facts)
        for s in shapes:  # grey visual copies (no mass, no contacts)
            v = {k: val for k, val in s.items() if k != "name"}
            sub(el, "geom", **{"class": "visual", **v,
                               "rgba": DARK if "name" in s else None})
        if not shapes and b.get("collision_mesh_aabb_in_body_frame"):
            a = b["collision_mesh_aabb_in_body_frame"]
            sub(el, "geom", **{"class": "visual", **box_from_aabb(a["min"], a["max"])})
        for i, s in enumerate(shapes):
            s = dict(s)
            name = s.pop("name", f"{b['name']}_collision" + (f"_{i}" if i else ""))
            sub(el, "geom", **{"name": name, "class": "collision", **s})
        if b["name"] == "torso_link":
            sub(el, "site", name="imu", pos=fmt(facts["sites"]["imu_in_torso_link"]))
        if b["name"].endswith("ankle_roll_link"):
            side = b["name"].split("_")[0]
            foot = facts["feet"][f"{side}_foot_box_in_{b['name']}"]
            sub(el, "site", name=f"{side}_foot_site", pos=fmt(foot["pos"]))
        for c in children.get(b["name"], []):
            add_body(el, c)

    for b in children[None]:
        add_body(world, b)

    contact = sub(root, "contact")
    for b1, b2 in list(facts["contact_excludes"]) + EXTRA_EXCLUDES:
        sub(contact, "exclude", body1=b1, body2=b2)

    act = sub(root, "actuator")
    for j in facts["joints"]:
        s, e = short_name(j["name"]), j["effort_limit"]
        sub(act, "position", name=j["name"], joint=j["name"], kp=fmt(KP.get(s, KP_DEFAULT)),
            kv=fmt(KD.get(s, KD_DEFAULT)), ctrllimited="false", forcelimited="true",
            forcerange=fmt([-e, e]))

    if keyframe is not None:
        qpos, ctrl = keyframe
        kf = sub(root, "keyframe")
        sub(kf, "key", name="default", qpos=fmt(np.round(qpos, 6)), ctrl=fmt(ctrl))
    return root


def to_xml(root):
    ET.indent(root, space="  ")
    header = (
        "<!--\n"
        "  Unitree G1, 23-DoF configuration (29-DoF hardware with the wrist joints locked).\n"
        "  Generated from the published G1 kinematic and inertial figures by\n"
        "  resources/robots/g1/build_g1_mjcf.py - edit the script, not this file.\n"
        "  Collision uses primitive shapes only (group 3); group 1 holds grey visual copies.\n"
        "  Joint and actuator order is the 23-DoF policy order.\n"
        "-->\n"
    )
    return header + ET.tostring(root, encoding="unicode") + "\n"


# ----------------------------------------------------------------------------------------
# Checks with MuJoCo
# ----------------------------------------------------------------------------------------

def default_joint_pos(facts):
    q = []
    for j in facts["joints"]:
        s = short_name(j["name"])
        q.append(DEFAULT_POSE.get(s, 0.0))
    return np.array(q)


def lowest_foot_z(model, data):
    import mujoco
    zmin = np.inf
    for name in ("left_foot", "right_foot"):
        g = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, name)
        R = data.geom_xmat[g].reshape(3, 3)
        half = model.geom_size[g]
        # lowest corner of the box: centre z minus sum |R[2, i]| * half_i
        zmin = min(zmin, data.geom_xpos[g][2] - np.abs(R[2]) @ half)
    return zmin


def self_contacts(model, data):
    import mujoco
    out = []
    for c in data.contact[: data.ncon]:
        b1, b2 = model.geom_bodyid[c.geom1], model.geom_bodyid[c.geom2]
        out.append((mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, b1),
                    mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, b2), c.dist))
    return out


def check_and_keyframe(xml, facts):
    """Compile, verify, and return (qpos, ctrl) for the default keyframe."""
    import mujoco
    model = mujoco.MjModel.from_xml_string(xml)
    data = mujoco.MjData(model)

    hinge_names = [model.joint(i).name for i in range(model.njnt)
                   if model.jnt_type[i] == mujoco.mjtJoint.mjJNT_HINGE]
    expected = [j["name"] for j in facts["joints"]]
    if hinge_names != expected:
        sys.exit(f"joint order mismatch:\n{hinge_names}\n!=\n{expected}")
    mass = model.body_mass.sum()
    if abs(mass - facts["total_mass"]) > 1e-3:
        sys.exit(f"total mass {mass} != {facts['total_mass']}")

    q_default = default_joint_pos(facts)
    # Zero pose at the facts' spawn height.
    mujoco.mj_forward(model, data)
    if data.ncon:
        sys.exit(f"self-contacts in the zero pose: {self_contacts(model, data)}")
    # Default pose: put the lowest foot corner on z = 0.
    data.qpos[7:] = q_default
    mujoco.mj_forward(model, data)
    if data.ncon:
        sys.exit(f"self-contacts in the default pose: {self_contacts(model, data)}")
    data.qpos[2] -= lowest_foot_z(model, data)
    mujoco.mj_forward(model, data)
    assert abs(lowest_foot_z(model, data)) < 1e-3
    return data.qpos.copy(), q_default


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--facts", default=DEFAULT_FACTS, help="G1 facts JSON")
    p.add_argument("--out", default=DEFAULT_OUT, help="output MJCF path")
    args = p.parse_args()

    with open(args.facts) as f:
        facts = json.load(f)
    xml = to_xml(build_tree(facts))
    qpos, ctrl = check_and_keyframe(xml, facts)
    xml = to_xml(build_tree(facts, keyframe=(qpos, ctrl)))
    check_and_keyframe(xml, facts)  # the final file compiles and passes the same checks

    with open(args.out, "w") as f:
        f.write(xml)
    print(f"wrote {os.path.relpath(args.out)}: default pose pelvis height {qpos[2]:.4f} m")


if __name__ == "__main__":
    main()
