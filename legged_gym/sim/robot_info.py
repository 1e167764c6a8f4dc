"""Facts read from a robot's MJCF file (joint and body names) without building a scene."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass

import mujoco
import numpy as np


@functools.lru_cache(maxsize=8)
def _model(path: str) -> mujoco.MjModel:
    try:
        return mujoco.MjModel.from_xml_path(path)
    except ValueError as exc:
        raise ValueError(f"cannot load robot model {path}: {exc}") from None


def actuated_joint_names(path: str) -> list[str]:
    """Joints driven by the model's actuators, in actuator order (the policy's action order)."""
    m = _model(path)
    names = []
    for a in range(m.nu):
        if m.actuator_trntype[a] != mujoco.mjtTrn.mjTRN_JOINT:
            raise ValueError(f"{path}: actuator {a} does not drive a joint")
        names.append(mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_JOINT, int(m.actuator_trnid[a, 0])))
    if not names:
        raise ValueError(f"{path}: the model has no actuators")
    return names


def body_names(path: str) -> list[str]:
    """All body names of the model except the world body."""
    m = _model(path)
    return [mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, b) for b in range(1, m.nbody)]


def kinematic_tree_spec(path: str):  # noqa: ANN201 - KinematicTreeSpec
    """The robot's body tree (root first) for :class:`~legged_gym.sim.kinematics.ForwardKinematics`.

    Joint indices in the spec follow :func:`actuated_joint_names`.
    """
    from legged_gym.sim.base import SceneSpec
    from legged_gym.sim.mujoco_scene import build_scene, kinematic_tree

    joints = actuated_joint_names(path)
    spec = SceneSpec(robot_xml=path, num_envs=1, dt=0.005, decimation=1, joint_names=joints,
                     kp=[0.0] * len(joints), kd=[0.0] * len(joints))
    model, layout = build_scene(spec)
    return kinematic_tree(model, layout)


def joint_qpos_addresses(path: str, joint_names: list[str]) -> np.ndarray:
    """qpos address of each named joint."""
    m = _model(path)
    return np.array([m.jnt_qposadr[_joint_id(m, path, n)] for n in joint_names])


def joint_ranges(path: str, joint_names: list[str]) -> np.ndarray:
    """(J, 2) position limits [rad] of the named joints."""
    m = _model(path)
    return np.array([m.jnt_range[_joint_id(m, path, n)] for n in joint_names])


def keyframe_qpos(path: str, name: str = "default") -> np.ndarray:
    """qpos of a keyframe of the model (error naming the file when it has none of that name)."""
    m = _model(path)
    key = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_KEY, name)
    if key < 0:
        raise ValueError(f"{path}: no keyframe '{name}'")
    return m.key_qpos[key].copy()


def geom_box(path: str, geom: str) -> tuple[str, np.ndarray, np.ndarray]:
    """(body name, centre in the body frame, half sizes) of a named geom."""
    m = _model(path)
    g = m.geom(geom)
    body = mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, int(m.geom_bodyid[g.id]))
    return body, g.pos.copy(), g.size.copy()


def min_self_distance(path: str, qpos_frames: np.ndarray, reach: float = 0.05) -> float:
    """Smallest signed distance between the robot's own collision geoms over qpos frames (T, nq).

    Pairs farther apart than ``reach`` are not reported, so the result is capped at ``reach``; negative is a
    penetration. The model's own exclusions (parent/child bodies, excluded pairs) apply.
    """
    m = copy.deepcopy(_model(path))
    m.geom_margin[:] = reach
    data = mujoco.MjData(m)
    worst = reach
    for qpos in qpos_frames:
        data.qpos[:] = qpos
        mujoco.mj_kinematics(m, data)
        mujoco.mj_collision(m, data)
        for k in range(data.ncon):
            worst = min(worst, float(data.contact[k].dist))
    return worst


@dataclass(frozen=True)
class GeomInfo:
    """One geom of the robot, in the frame of the body that carries it.

    Attributes:
        body: name of the body.
        type: ``"plane"``, ``"sphere"``, ``"capsule"``, ``"ellipsoid"``, ``"cylinder"``, ``"box"`` or ``"mesh"``.
        size: MuJoCo's ``geom_size`` (3,): half sizes (box), radius (sphere), radius and half length along z
            (capsule, cylinder), semi-axes (ellipsoid).
        pos: (3,) position in the body frame [m].
        quat: (4,) orientation in the body frame, wxyz.
        rgba: (4,) colour in [0, 1] (the material's colour when the geom has one).
        visual: True for geoms that collide with nothing (``contype == conaffinity == 0``).
        vertices: (V, 3) mesh vertices in the geom frame, or None when not a mesh.
        faces: (F, 3) mesh triangles, or None when not a mesh.
    """

    body: str
    type: str
    size: np.ndarray
    pos: np.ndarray
    quat: np.ndarray
    rgba: np.ndarray
    visual: bool
    vertices: np.ndarray | None = None
    faces: np.ndarray | None = None


_GEOM_TYPES = {
    mujoco.mjtGeom.mjGEOM_PLANE: "plane",
    mujoco.mjtGeom.mjGEOM_SPHERE: "sphere",
    mujoco.mjtGeom.mjGEOM_CAPSULE: "capsule",
    mujoco.mjtGeom.mjGEOM_ELLIPSOID: "ellipsoid",
    mujoco.mjtGeom.mjGEOM_CYLINDER: "cylinder",
    mujoco.mjtGeom.mjGEOM_BOX: "box",
    mujoco.mjtGeom.mjGEOM_MESH: "mesh",
}


def robot_geoms(path: str, which: str = "visual") -> list[GeomInfo]:
    """The geoms of the robot's bodies (the world body's are left out), for drawing the robot without MuJoCo.

    Args:
        path: robot MJCF file.
        which: ``"visual"`` (geoms that collide with nothing; the collision geoms when the model has none),
            ``"collision"`` or ``"all"``.
    """
    if which not in ("visual", "collision", "all"):
        raise ValueError(f"robot_geoms: which must be 'visual', 'collision' or 'all', got {which!r}")
    m = _model(path)
    geoms = []
    for g in range(m.ngeom):
        body = int(m.geom_bodyid[g])
        kind = _GEOM_TYPES.get(int(m.geom_type[g]))
        if body == 0 or kind is None:
            continue
        mat = int(m.geom_matid[g])
        vertices = faces = None
        if kind == "mesh":
            mesh = int(m.geom_dataid[g])
            v0, f0 = int(m.mesh_vertadr[mesh]), int(m.mesh_faceadr[mesh])
            vertices = m.mesh_vert[v0:v0 + int(m.mesh_vertnum[mesh])].copy()
            faces = m.mesh_face[f0:f0 + int(m.mesh_facenum[mesh])].copy()
        geoms.append(GeomInfo(
            body=mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, body),
            type=kind,
            size=m.geom_size[g].copy(),
            pos=m.geom_pos[g].copy(),
            quat=m.geom_quat[g].copy(),
            rgba=(m.mat_rgba[mat] if mat >= 0 else m.geom_rgba[g]).copy(),
            visual=bool(m.geom_contype[g] == 0 and m.geom_conaffinity[g] == 0),
            vertices=vertices,
            faces=faces,
        ))
    if which == "all":
        return geoms
    visual = [g for g in geoms if g.visual]
    if which == "collision" or not visual:
        return [g for g in geoms if not g.visual]
    return visual


def _joint_id(m: mujoco.MjModel, path: str, name: str) -> int:
    j = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, name)
    if j < 0:
        raise ValueError(f"{path}: no joint '{name}'")
    return j
