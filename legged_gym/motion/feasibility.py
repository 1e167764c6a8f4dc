"""Is a clip physically possible for our robot? Inverse dynamics and contact checks of a :class:`MotionClip`.

For every frame the clip's pose, its velocity and acceleration (finite differences at the clip's rate) go through
MuJoCo's inverse dynamics with contacts and other constraints switched off. What is left on the floating base is
the wrench the ground must supply: its force ``F`` and its moment about the pelvis origin. From those:

* **centre of pressure** (CoP): the point on the stance sole's plane where that wrench has no horizontal moment.
  In single support (exactly one foot in contact by the clip's flags) it must lie under the stance foot's sole box;
  the check reports the share of single-support frames whose CoP leaves it by more than ``cop_margin_m``, and how
  far it goes outside along the foot's width and its length;
* **friction needed**: ``|F_xy| / F_z`` over frames with a foot in contact and a clearly positive ``F_z``;
* **joint torques** needed, against each joint's effort limit (the robot file's ``actuatorfrcrange``).

Kinematic checks: the lowest sole corner below the terrain (penetration), the horizontal speed of a foot while it
is flagged in contact (sliding), joint angles beyond their range, joint speeds beyond the motor's speed limit.

:func:`check_clip` returns a :class:`ClipReport`; ``legged_gym/scripts/check_motion.py`` is the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mujoco
import numpy as np

from legged_gym.motion.clip import CONTACT_NAMES, MotionClip

__all__ = [
    "ClipReport", "FeasibilityLimits", "centre_of_pressure", "check_clip", "ground_wrench", "robot_model",
    "velocity_limit",
]

GRAVITY = 9.81
FOOT_GEOMS = {"left_foot": "left_foot", "right_foot": "right_foot"}  # contact name -> sole box geom of the robot
# Motor speed limits of the G1 by effort class [N m -> rad/s], as Unitree publishes them per joint
VELOCITY_BY_EFFORT = ((139.0, 20.0), (88.0, 32.0), (50.0, 37.0), (25.0, 37.0))


def velocity_limit(effort: float) -> float:
    """Speed limit [rad/s] of a G1 joint from its effort limit (the motor class)."""
    for e, v in VELOCITY_BY_EFFORT:
        if effort >= e - 1e-6:
            return v
    return VELOCITY_BY_EFFORT[-1][1]


@dataclass
class FeasibilityLimits:
    """Pass/fail thresholds of :func:`check_clip`."""

    max_penetration_m: float = 0.02  # lowest sole corner below the terrain
    max_slide_speed_mps: float = 0.15  # 95th percentile of a contact foot's horizontal speed
    cop_margin_m: float = 0.01  # CoP outside the stance sole by more than this counts as outside
    max_cop_outside_share: float = 0.10  # of single-support frames
    max_friction: float = 0.8  # 99th percentile of |F_xy| / F_z
    max_joint_limit_violation_rad: float = 0.02
    max_velocity_ratio: float = 1.0  # joint speed / motor speed limit
    max_torque_ratio: float = 1.0  # 99th percentile over frames of required torque / effort limit (worst joint)


@dataclass
class ClipReport:
    """What :func:`check_clip` measured for one clip; ``checks`` maps a check name to (value, limit, passed)."""

    name: str
    frames: int
    fps: float
    checks: dict[str, tuple[float, float, bool]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    series: dict[str, np.ndarray] = field(default_factory=dict)  # per-frame signals for plots

    @property
    def passed(self) -> bool:
        return all(ok for _, _, ok in self.checks.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "frames": self.frames, "fps": self.fps, "passed": self.passed,
            "checks": {k: {"value": v, "limit": lim, "passed": ok} for k, (v, lim, ok) in self.checks.items()},
            "details": self.details,
        }


def _robot_model(robot_xml: str) -> mujoco.MjModel:
    model = mujoco.MjModel.from_xml_path(robot_xml)
    model.opt.disableflags |= int(mujoco.mjtDisableBit.mjDSBL_CONSTRAINT)  # no contacts, limits, friction loss
    model.dof_damping[:] = 0.0  # the actuators must supply what the joints' own damping would
    return model


def _joint_qpos_dofs(model: mujoco.MjModel, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    qadr, dadr = [], []
    for n in names:
        jid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, n)
        if jid < 0:
            raise ValueError(f"joint '{n}' of the clip is not in the robot model")
        qadr.append(model.jnt_qposadr[jid])
        dadr.append(model.jnt_dofadr[jid])
    return np.array(qadr), np.array(dadr)


def _finite_differences(model: mujoco.MjModel, qpos: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Velocities (central) and accelerations (second differences) of a qpos sequence, ends held."""
    t = len(qpos)
    step = np.zeros((max(t - 1, 0), model.nv))  # velocity over each interval
    for k in range(t - 1):
        mujoco.mj_differentiatePos(model, step[k], dt, qpos[k], qpos[k + 1])
    qvel = np.zeros((t, model.nv))
    qacc = np.zeros((t, model.nv))
    if t >= 3:
        qvel[1:-1] = 0.5 * (step[:-1] + step[1:])
        qvel[0], qvel[-1] = step[0], step[-1]
        qacc[1:-1] = (step[1:] - step[:-1]) / dt
        qacc[0], qacc[-1] = qacc[1], qacc[-2]
    return qvel, qacc


def _quat_to_mat(q: np.ndarray) -> np.ndarray:
    m = np.zeros(9)
    mujoco.mju_quat2Mat(m, q)
    return m.reshape(3, 3)


def robot_model(robot_xml: str) -> mujoco.MjModel:
    """The robot as inverse dynamics sees it: no contacts, joint limits, friction loss or joint damping."""
    return _robot_model(robot_xml)


def ground_wrench(model: mujoco.MjModel, qpos: np.ndarray, dt: float) -> dict[str, np.ndarray]:
    """Inverse dynamics of a qpos sequence (T, nq) sampled every ``dt`` seconds (model from :func:`robot_model`).

    Returns ``force`` (T, 3) and ``moment`` (T, 3): the external wrench on the floating base (world frame, moment
    about the pelvis origin) that the ground must supply; ``qfrc`` (T, nv) the whole inverse-dynamics force;
    ``qvel``, ``qacc`` the finite-difference velocities and accelerations.
    """
    data = mujoco.MjData(model)
    qvel, qacc = _finite_differences(model, qpos, dt)
    t = len(qpos)
    force, moment, qfrc = np.zeros((t, 3)), np.zeros((t, 3)), np.zeros((t, model.nv))
    for k in range(t):
        data.qpos[:], data.qvel[:], data.qacc[:] = qpos[k], qvel[k], qacc[k]
        mujoco.mj_inverse(model, data)
        qfrc[k] = data.qfrc_inverse
        force[k] = data.qfrc_inverse[0:3]
        moment[k] = _quat_to_mat(qpos[k, 3:7]) @ data.qfrc_inverse[3:6]
    return {"force": force, "moment": moment, "qfrc": qfrc, "qvel": qvel, "qacc": qacc}


def centre_of_pressure(force: np.ndarray, moment: np.ndarray, origin: np.ndarray, height: np.ndarray) -> np.ndarray:
    """World xy (T, 2) of the point on the plane z = ``height`` (T,) where the wrench (``force``, ``moment`` about
    ``origin``, all (T, 3)) has no horizontal moment. Undefined (inf/NaN) where the vertical force is zero."""
    dz = height - origin[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        px = origin[:, 0] + (dz * force[:, 0] - moment[:, 1]) / force[:, 2]
        py = origin[:, 1] + (moment[:, 0] + dz * force[:, 1]) / force[:, 2]
    return np.stack((px, py), axis=1)


def check_clip(
    clip: MotionClip,
    robot_xml: str,
    terrain_height: Callable[[np.ndarray], np.ndarray] | None = None,
    limits: FeasibilityLimits | None = None,
) -> ClipReport:
    """Check one clip against the robot in ``robot_xml``.

    Args:
        clip: the clip (its joints are matched to the robot's by name; missing robot joints stay at 0).
        robot_xml: the robot file (robot only).
        terrain_height: maps (N, 2) world xy to (N,) ground heights (None: flat ground at z = 0).
        limits: thresholds (default :class:`FeasibilityLimits`).
    """
    lim = limits or FeasibilityLimits()
    ground = terrain_height or (lambda xy: np.zeros(len(xy)))
    model = _robot_model(robot_xml)
    data = mujoco.MjData(model)
    qadr, dadr = _joint_qpos_dofs(model, list(clip.joint_names))
    t, dt = len(clip.joints), 1.0 / float(clip.fps)
    qpos = np.tile(model.qpos0, (t, 1))
    qpos[:, 0:3] = clip.root_pos
    qpos[:, 3:7] = clip.root_quat
    qpos[:, qadr] = clip.joints
    wrench = ground_wrench(model, qpos, dt)
    qvel = wrench["qvel"]
    mass = float(model.body_subtreemass[0])
    geoms = {c: mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, g) for c, g in FOOT_GEOMS.items()}
    if any(g < 0 for g in geoms.values()):
        raise ValueError(f"the robot model has no sole boxes named {list(FOOT_GEOMS.values())}")
    contacts = np.stack([np.asarray(clip.contacts[c], dtype=bool) for c in CONTACT_NAMES], axis=1)  # (T, 2)
    half = {c: model.geom_size[g][:3].copy() for c, g in geoms.items()}

    cop_local = np.full((t, 2), np.nan)  # CoP in the stance sole's frame (x along the foot, y across)
    foot_pos = np.zeros((t, 2, 3))
    corner_pen = np.zeros(t)
    torque_ratio = np.zeros((t, len(dadr)))
    effort = np.array([float(model.jnt_actfrcrange[model.dof_jntid[d]][1]) for d in dadr])
    effort = np.where(effort > 0, effort, np.inf)
    signs = np.array([[sx, sy, -1.0] for sx in (-1, 1) for sy in (-1, 1)])
    force = wrench["force"]
    for k in range(t):
        data.qpos[:] = qpos[k]
        mujoco.mj_kinematics(model, data)
        f = force[k]
        torque_ratio[k] = np.abs(wrench["qfrc"][k, dadr]) / effort
        lowest = -np.inf
        for i, c in enumerate(CONTACT_NAMES):
            g = geoms[c]
            pos, rot = data.geom_xpos[g], data.geom_xmat[g].reshape(3, 3)
            foot_pos[k, i] = pos
            corners = pos + (signs * half[c]) @ rot.T
            lowest = max(lowest, float(np.max(ground(corners[:, :2]) - corners[:, 2])))
        corner_pen[k] = lowest
        if contacts[k].sum() == 1 and f[2] > 0.2 * mass * GRAVITY:
            i = int(np.argmax(contacts[k]))
            g = geoms[CONTACT_NAMES[i]]
            pos, rot = data.geom_xpos[g], data.geom_xmat[g].reshape(3, 3)
            h = float(ground(pos[None, :2])[0])
            cop = centre_of_pressure(f[None], wrench["moment"][k][None], qpos[k, None, 0:3], np.array([h]))[0]
            cop_local[k] = (rot.T @ (np.array([cop[0], cop[1], h]) - pos))[:2]
    rep = ClipReport(clip.name, t, float(clip.fps))

    # centre of pressure in single support
    single = ~np.isnan(cop_local[:, 0])
    hx = np.array([half[CONTACT_NAMES[int(np.argmax(c))]][0] for c in contacts])
    hy = np.array([half[CONTACT_NAMES[int(np.argmax(c))]][1] for c in contacts])
    out_len = np.where(single, np.abs(cop_local[:, 0]) - hx, np.nan)
    out_wid = np.where(single, np.abs(cop_local[:, 1]) - hy, np.nan)
    outside = single & ((out_len > lim.cop_margin_m) | (out_wid > lim.cop_margin_m))
    share = float(outside.sum() / single.sum()) if single.any() else 0.0
    rep.checks["cop_outside_share"] = (share, lim.max_cop_outside_share, share <= lim.max_cop_outside_share)
    rep.details["single_support_frames"] = int(single.sum())
    rep.details["cop_outside_width_share"] = float((out_wid[single] > lim.cop_margin_m).mean()) if single.any() else 0.0
    rep.details["cop_outside_length_share"] = float((out_len[single] > lim.cop_margin_m).mean()) if single.any() else 0.0
    rep.details["cop_max_outside_width_m"] = float(max(0.0, np.nanmax(out_wid))) if single.any() else 0.0
    rep.details["cop_max_outside_length_m"] = float(max(0.0, np.nanmax(out_len))) if single.any() else 0.0

    # friction needed
    loaded = contacts.any(axis=1) & (force[:, 2] > 0.2 * mass * GRAVITY)
    mu = np.linalg.norm(force[:, :2], axis=1) / np.maximum(force[:, 2], 1e-9)
    mu99 = float(np.percentile(mu[loaded], 99)) if loaded.any() else 0.0
    rep.checks["friction_needed"] = (mu99, lim.max_friction, mu99 <= lim.max_friction)
    rep.details["friction_needed_max"] = float(mu[loaded].max()) if loaded.any() else 0.0
    airborne_load = (~contacts.any(axis=1)) & (np.abs(force[:, 2]) > 0.2 * mass * GRAVITY)
    rep.details["frames_without_contact_but_supported"] = int(airborne_load.sum())

    # kinematics: penetration, sliding, joint range and speed
    pen = float(corner_pen.max())
    rep.checks["foot_penetration_m"] = (pen, lim.max_penetration_m, pen <= lim.max_penetration_m)
    speed = np.zeros((t, 2))
    if t >= 2:
        speed[1:] = np.linalg.norm(np.diff(foot_pos[:, :, :2], axis=0), axis=-1) / dt
        speed[0] = speed[1]
    in_contact = contacts & np.roll(contacts, 1, axis=0)
    in_contact[0] = contacts[0]
    slide = float(np.percentile(speed[in_contact], 95)) if in_contact.any() else 0.0
    rep.checks["foot_slide_speed_mps"] = (slide, lim.max_slide_speed_mps, slide <= lim.max_slide_speed_mps)
    rng = model.jnt_range[[model.dof_jntid[d] for d in dadr]]
    q = clip.joints.astype(np.float64)
    viol = np.maximum(rng[:, 0] - q, q - rng[:, 1]).max(axis=0)
    worst = int(np.argmax(viol))
    rep.checks["joint_limit_violation_rad"] = (float(max(0.0, viol[worst])), lim.max_joint_limit_violation_rad,
                                              bool(viol[worst] <= lim.max_joint_limit_violation_rad))
    rep.details["joint_limit_worst_joint"] = clip.joint_names[worst]
    vmax = np.array([velocity_limit(e) for e in effort])
    vratio = np.abs(qvel[:, dadr]) / vmax
    rep.checks["joint_velocity_ratio"] = (float(vratio.max()), lim.max_velocity_ratio,
                                         bool(vratio.max() <= lim.max_velocity_ratio))
    rep.details["joint_velocity_worst_joint"] = clip.joint_names[int(np.argmax(vratio.max(axis=0)))]
    tr = torque_ratio.max(axis=1)
    tr99 = float(np.percentile(tr, 99))
    rep.checks["torque_ratio"] = (tr99, lim.max_torque_ratio, tr99 <= lim.max_torque_ratio)
    rep.details["torque_worst_joint"] = clip.joint_names[int(np.argmax(torque_ratio.max(axis=0)))]
    rep.series = {"time": np.arange(t) * dt, "cop_x": cop_local[:, 0], "cop_y": cop_local[:, 1], "half_x": hx,
                  "half_y": hy, "friction": np.where(loaded, mu, np.nan), "torque_ratio": tr,
                  "contacts": contacts.astype(float)}
    return rep
