"""Synthesise small, kinematically sound G1 (23-DoF) motion clips in the seed's file formats.

    python legged_gym/scripts/make_sample_data.py [--out resources/motions/sample]

Writes three clips, so the default training commands need no download:

* ``mocap/stand.pkl``: 4 s in the default pose with a small upper-body sway.
* ``mocap/walk.pkl``: 6.2 s, a straight walk (0.3 m steps every 0.6 s, 0.5 m/s) with a second of standing at
  each end.
* ``videos/walk_up_step/retarget_poses_g1.h5`` plus ``background_mesh.obj``: the same gait walking onto a
  0.10 m platform, with the terrain as a triangle mesh in the motion's world frame.

The pickles follow the seed's pickle schema and the h5 file the seed's human-video schema
(doc: resources/motions/README.md). How the motion is made:

1. Foot placements come from a footstep plan on the terrain; each foot is flat and fixed in the world
   while it is in stance and follows a smooth lift-carry-lower trajectory while it swings.
2. The pelvis follows smooth profiles (a small bob, pelvic yaw, height following the supporting terrain
   level); its horizontal path is balanced (:func:`balance_pelvis`): the whole robot's centre of pressure,
   measured by inverse dynamics of the clip, follows a reference under the stance sole.
3. Leg joint angles come from an analytic inverse kinematics of the model's leg (hip roll/yaw axes tilted
   about y, knee, two-axis ankle), whose lengths, offsets and tilt are read from the model's kinematic tree.
   The small offsets the closed form ignores (hip axes that do not intersect exactly) are removed by
   re-aiming the closed form at the residual that our forward kinematics measures, until it is below 1e-9 m.
4. Link poses of all 30 bodies come from our forward kinematics; contacts come from the stance schedule.

Everything is checked before anything is written: joint ranges, stance sliding, sole height in stance,
swing clearance over the terrain and the step edge, and self-collision in MuJoCo. The output is
deterministic (same bytes for the same inputs on the same machine).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)


from legged_gym.sim.kinematics import ForwardKinematics, quat_to_matrix_np  # noqa: E402
from legged_gym.sim.robot_info import (  # noqa: E402
    actuated_joint_names,
    body_names,
    geom_box,
    joint_qpos_addresses,
    joint_ranges,
    keyframe_qpos,
    kinematic_tree_spec,
    min_self_distance,
)

ROBOT_XML = os.path.join(REPO_ROOT, "resources", "robots", "g1", "g1_23dof.xml")
DEFAULT_OUT = os.path.join(REPO_ROOT, "resources", "motions", "sample")
FPS = 30.0
SIDES = ("left", "right")
LEG_LINKS = ("hip_pitch", "hip_roll", "hip_yaw", "knee", "ankle_pitch", "ankle_roll")
LEG_AXES = ((0, 1, 0), (1, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 0), (1, 0, 0))
CONTACT_KEYS = {"left": "left_foot", "right": "right_foot"}

# Terrain of walk_up_step: a flat ground with a 0.10 m platform beyond the step edge.
STEP_EDGE_X = 1.06
PLATFORM_HEIGHT = 0.10
TERRAIN_X = (-3.0, 5.0)
TERRAIN_Y = (-2.0, 2.0)

# Acceptance limits checked before writing.
MAX_STANCE_SLIDE = 0.01
MAX_SOLE_ERROR = 0.01
MIN_EDGE_CLEARANCE = 0.02
MAX_SELF_PENETRATION = 0.005


@dataclass(frozen=True)
class GaitParams:
    """Parameters of the synthetic walk (metres, seconds, radians)."""

    step_length: float = 0.30  # foot-to-foot distance along the walk; a stride is twice this
    step_time: float = 0.60  # one step (one swing plus one double support); a gait cycle is two steps
    double_support: float = 0.12  # both feet down, split around each step boundary
    swing_height: float = 0.08  # sole lift above the higher of the two ground levels
    toe_off_pitch: float = 0.6  # toe-down foot pitch early in the swing (peaks over swing phase 0.25-0.45)
    carry: tuple[float, float] = (0.10, 0.85)  # swing phase over which the foot moves forward
    pelvis_height: float = 0.745  # pelvis height between steps; the bob adds up to `bob`
    bob: float = 0.015
    sway: float = 0.03  # lateral pelvis shift of the first guess (balance_pelvis replaces the horizontal path)
    pelvis_yaw: float = 0.05  # pelvic rotation when the legs are spread
    waist_counter_yaw: float = 0.8  # fraction of the pelvic yaw the waist turns back
    arm_swing: float = 0.25  # shoulder pitch amplitude, opposite to the legs
    elbow_bend: float = 0.25
    stand_time: float = 1.0  # standing at each end of the walk
    zmp_shift_time: float = 0.5  # the centre of pressure moves onto the first stance foot (and back) over this
    balance_iterations: int = 6  # corrections of the pelvis path by the measured centre of pressure


def smoothstep5(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk ramp from 0 to 1 over u in [0, 1] (clipped outside); zero velocity and acceleration at the ends."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)


def bumps(t: np.ndarray, centers: list[float], amps: list[float], half_width: float) -> np.ndarray:
    """Sum of cos^2 bumps of the given amplitudes; neighbours one half-width apart add up to a smooth wave."""
    out = np.zeros_like(t)
    for c, a in zip(centers, amps):
        u = (t - c) / half_width
        inside = np.abs(u) < 1.0
        out[inside] += a * np.cos(0.5 * math.pi * u[inside]) ** 2
    return out


def rot_x(a: np.ndarray) -> np.ndarray:
    """Rotation matrices (N,3,3) about x."""
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack((o, z, z, z, c, -s, z, s, c), -1).reshape(a.shape + (3, 3))


def rot_y(a: np.ndarray) -> np.ndarray:
    """Rotation matrices (N,3,3) about y."""
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack((c, z, s, z, o, z, -s, z, c), -1).reshape(a.shape + (3, 3))


def rot_z(a: np.ndarray) -> np.ndarray:
    """Rotation matrices (N,3,3) about z."""
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack((c, -s, z, s, c, z, z, z, o), -1).reshape(a.shape + (3, 3))


# ----------------------------------------------------------------------------------------------------------------------
# The model: names, ranges, default pose, foot boxes and the leg geometry read from the kinematic tree
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class LegChain:
    """One leg of the model as the closed-form IK sees it (all lengths and angles read from the tree).

    The closed form treats the hip as a ball joint at ``hip_center`` (hip-roll origin, pelvis frame), the thigh
    as ``thigh`` long and the shin (knee to ankle-roll origin) as ``shin`` long; the hip roll and yaw axes are
    tilted by ``tilt`` about y (the hip-roll body's fixed rotation, undone at the knee).
    """

    side: str
    bodies: list[int]  # tree indices of the six leg bodies, hip pitch first
    dofs: list[int]  # joint-vector indices of their hinges
    hip_center: np.ndarray
    thigh: float
    shin: float
    tilt: float
    fk: ForwardKinematics  # ankle-roll link only


class G1Model:
    """What the generator needs from ``g1_23dof.xml``."""

    def __init__(self, xml: str = ROBOT_XML) -> None:
        self.xml = xml
        self.joint_names = actuated_joint_names(xml)
        self.num_dof = len(self.joint_names)
        self.spec = kinematic_tree_spec(xml)
        if self.spec.body_names != body_names(xml):
            raise ValueError("kinematic tree and model body order differ")
        self.body_names = list(self.spec.body_names)
        self.fk = ForwardKinematics(self.spec, self.num_dof)
        self.xml = xml
        self.qpos_adr = joint_qpos_addresses(xml, self.joint_names)
        self.joint_range = joint_ranges(xml, self.joint_names)
        key_qpos = keyframe_qpos(xml, "default")
        self.default_root_pos = key_qpos[:3].copy()
        self.default_joints = key_qpos[self.qpos_adr].copy()
        self.sole = {}  # side -> (box centre in the ankle-roll frame, half sizes)
        for side in SIDES:
            body, pos, size = geom_box(xml, f"{side}_foot")
            if body != f"{side}_ankle_roll_link":
                raise ValueError(f"geom {side}_foot is not on {side}_ankle_roll_link")
            self.sole[side] = (pos, size)
        self.legs = {side: self._leg(side) for side in SIDES}

    def index(self, joint: str) -> int:
        """Column of a joint (short name, without ``_joint``) in the policy joint vector."""
        return self.joint_names.index(f"{joint}_joint")

    def sole_depth(self, side: str) -> float:
        """Height of the ankle-roll origin above the sole bottom when the foot is flat."""
        pos, size = self.sole[side]
        return float(size[2] - pos[2])

    def _leg(self, side: str) -> LegChain:
        s = self.spec
        bodies = [self.body_names.index(f"{side}_{name}_link") for name in LEG_LINKS]
        rots = quat_to_matrix_np(s.quat[bodies].astype(np.float64))
        for b, axis, r in zip(bodies, LEG_AXES, rots):
            if not np.allclose(s.joint_axis[b], axis, atol=1e-9) or np.abs(s.joint_anchor[b]).max() > 0:
                raise ValueError(f"{self.body_names[b]}: expected a hinge about {axis} at the body origin")
        tilt = math.atan2(rots[1][0, 2], rots[1][0, 0])
        identity = (0, 2, 4, 5)
        if (any(not np.allclose(rots[i], np.eye(3), atol=1e-9) for i in identity)
                or not np.allclose(rots[1], rot_y(np.array(tilt)), atol=1e-9)
                or not np.allclose(rots[3], rot_y(np.array(-tilt)), atol=1e-9)):
            raise ValueError(f"{side} leg: expected the hip roll/yaw tilt about y to be undone at the knee")
        dofs = [int(s.joint_dof[b]) for b in bodies]
        if dofs != [self.index(f"{side}_{name}") for name in LEG_LINKS]:
            raise ValueError(f"{side} leg: joint order differs from the policy order")
        p = s.pos[bodies].astype(np.float64)
        hip_center = p[0] + p[1]
        thigh_vec = rots[1] @ (p[2] + p[3])  # hip-roll origin to knee in the (untilted) thigh frame
        shin_vec = p[4] + p[5]  # knee to ankle-roll origin
        return LegChain(side, bodies, dofs, hip_center, float(np.linalg.norm(thigh_vec)),
                        float(np.linalg.norm(shin_vec)), tilt, ForwardKinematics(s, self.num_dof, [bodies[5]]))


def leg_ik_closed_form(leg: LegChain, target: np.ndarray, foot_rot: np.ndarray) -> np.ndarray:
    """Closed-form leg angles (N,6) putting the ankle-roll origin at ``target`` with orientation ``foot_rot``.

    Both are in the pelvis frame. The orientation is met exactly; the position up to the offsets that the
    ball-hip model ignores. Ankle roll and pitch follow from the hip seen from the foot, the knee from the
    law of cosines, and hip pitch/roll/yaw from a y-x-z decomposition of the remaining rotation.
    """
    r = np.einsum("nji,nj->ni", foot_rot, leg.hip_center - target)  # ankle -> hip in the foot frame
    ankle_roll = np.arctan2(r[:, 1], r[:, 2])
    dist = np.linalg.norm(r, axis=1)
    cos_knee = (dist**2 - leg.thigh**2 - leg.shin**2) / (2.0 * leg.thigh * leg.shin)
    if np.any(cos_knee > 1.0 + 1e-9):
        raise ValueError(f"{leg.side} leg: foot target out of reach by {np.max(dist) - leg.thigh - leg.shin:.4f} m")
    knee = np.arccos(np.clip(cos_knee, -1.0, 1.0))
    alpha = np.arctan2(leg.thigh * np.sin(knee), leg.thigh * np.cos(knee) + leg.shin)
    ankle_pitch = -alpha - np.arctan2(r[:, 0], np.hypot(r[:, 1], r[:, 2]))
    hip = foot_rot @ rot_x(-ankle_roll) @ rot_y(-(knee + ankle_pitch)) @ rot_y(np.full(len(r), leg.tilt))
    hip_roll = np.arcsin(np.clip(-hip[:, 1, 2], -1.0, 1.0))
    hip_pitch = np.arctan2(hip[:, 0, 2], hip[:, 2, 2]) - leg.tilt
    hip_yaw = np.arctan2(hip[:, 1, 0], hip[:, 1, 1])
    return np.stack((hip_pitch, hip_roll, hip_yaw, knee, ankle_pitch, ankle_roll), axis=1)


def leg_ik(model: G1Model, leg: LegChain, target: np.ndarray, foot_rot: np.ndarray,
           tol: float = 1e-9, max_iter: int = 60) -> np.ndarray:
    """Leg angles (N,6) reaching ``target``/``foot_rot`` (pelvis frame) to ``tol`` by our forward kinematics.

    The closed form is re-aimed at ``target + (target - reached)`` until the residual measured by FK is
    below ``tol``; the ignored offsets are a few centimetres, so this converges in a handful of steps.
    """
    n = len(target)
    aim = target.copy()
    root_pos, root_quat = np.zeros((n, 3)), np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    q = np.zeros((n, model.num_dof))
    for _ in range(max_iter):
        angles = leg_ik_closed_form(leg, aim, foot_rot)
        q[:, leg.dofs] = angles
        reached = leg.fk.compute(root_pos, root_quat, q)
        err = target - reached["pos"][:, 0]
        if np.abs(err).max() < tol:
            rot_err = np.abs(quat_to_matrix_np(reached["quat"][:, 0]) - foot_rot).max()
            if rot_err > 1e-9:
                raise RuntimeError(f"{leg.side} leg IK: orientation error {rot_err:.2e}")
            return angles
        aim = aim + err
    raise RuntimeError(f"{leg.side} leg IK did not converge (residual {np.abs(err).max():.2e} m)")


# ----------------------------------------------------------------------------------------------------------------------
# Terrain
# ----------------------------------------------------------------------------------------------------------------------


def flat_terrain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ground height of the mocap clips (flat, z = 0)."""
    return np.zeros(np.broadcast(x, y).shape)


def step_terrain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ground height of walk_up_step: 0 before the step edge, PLATFORM_HEIGHT from it on."""
    return np.where(np.broadcast_to(x, np.broadcast(x, y).shape) >= STEP_EDGE_X, PLATFORM_HEIGHT, 0.0)


def step_terrain_mesh() -> tuple[np.ndarray, np.ndarray]:
    """Triangle mesh (vertices (V,3), 0-based faces (F,3), outward normals) of the walk_up_step terrain.

    An 8 m x 4 m area: ground up to the step edge, the vertical step face, the platform top and the
    platform's outer sides.
    """
    (x0, x1), (y0, y1), e, h = TERRAIN_X, TERRAIN_Y, STEP_EDGE_X, PLATFORM_HEIGHT
    vertices = np.array([
        [x0, y0, 0], [e, y0, 0], [e, y1, 0], [x0, y1, 0],  # ground
        [e, y0, h], [x1, y0, h], [x1, y1, h], [e, y1, h],  # platform top
        [x1, y0, 0], [x1, y1, 0],  # platform foot at the far end
    ], dtype=np.float64)
    faces = np.array([
        [0, 1, 2], [0, 2, 3],  # ground (+z)
        [1, 4, 7], [1, 7, 2],  # step face (-x)
        [4, 5, 6], [4, 6, 7],  # platform top (+z)
        [8, 9, 6], [8, 6, 5],  # far end (+x)
        [1, 8, 5], [1, 5, 4],  # side y0 (-y)
        [2, 6, 9], [2, 7, 6],  # side y1 (+y)
    ])
    return vertices, faces


# ----------------------------------------------------------------------------------------------------------------------
# Footstep plan, foot and pelvis trajectories
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class Swing:
    """One step: ``side`` lifts at t0 and lands at t1; positions are ankle-roll origins in the world."""

    side: str
    t0: float
    t1: float
    start: np.ndarray
    end: np.ndarray


@dataclass
class WalkPlan:
    """Footsteps of a straight walk along +x and their timing."""

    gait: GaitParams
    terrain: Callable[[np.ndarray, np.ndarray], np.ndarray]
    feet0: dict[str, np.ndarray]  # ankle-roll origins at the start
    swings: list[Swing] = field(default_factory=list)
    walk_start: float = 0.0
    walk_end: float = 0.0
    duration: float = 0.0


def make_walk_plan(model: G1Model, gait: GaitParams, num_steps: int,
                   terrain: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> WalkPlan:
    """Plan ``num_steps`` steps of ``gait.step_length`` (right foot first) plus a closing step, pelvis starting at x=0.

    The feet start where the default pose puts them; each foot lands flat on the terrain under it.
    """
    root = model.default_root_pos[None]
    links = model.fk.compute(root, np.array([[1.0, 0, 0, 0]]), model.default_joints[None])["pos"][0]
    feet = {side: links[model.legs[side].bodies[5]].copy() for side in SIDES}
    for side in SIDES:
        feet[side][:2] -= root[0, :2]
        feet[side][2] = float(terrain(feet[side][0], feet[side][1])) + model.sole_depth(side)
    plan = WalkPlan(gait, terrain, {s: p.copy() for s, p in feet.items()})
    plan.walk_start = gait.stand_time
    x_origin = feet["left"][0]
    order = ["right", "left"]
    for k in range(num_steps + 1):
        side = order[k % 2]
        closing = k == num_steps
        x = x_origin + gait.step_length * (num_steps if closing else k + 1)
        end = feet[side].copy()
        end[0] = x
        end[2] = float(terrain(x, end[1])) + model.sole_depth(side)
        t_step = plan.walk_start + k * gait.step_time
        t0, t1 = t_step + 0.5 * gait.double_support, t_step + gait.step_time - 0.5 * gait.double_support
        plan.swings.append(Swing(side, t0, t1, feet[side].copy(), end))
        feet[side] = end
    plan.walk_end = plan.walk_start + (num_steps + 1) * gait.step_time
    plan.duration = plan.walk_end + gait.stand_time
    return plan


def sole_corners(model: G1Model, side: str) -> np.ndarray:
    """Corners (4,3) of the bottom face of a foot box in the ankle-roll frame."""
    centre, half = model.sole[side]
    return np.array([[centre[0] + a, centre[1] + b, centre[2] - half[2]]
                     for a in (-half[0], half[0]) for b in (-half[1], half[1])])


def swing_profile(sw: Swing, tau: np.ndarray, gait: GaitParams, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ankle positions (N,3) and foot pitch (N,) during a swing at phase tau in (0,1).

    The lowest sole point lifts ``gait.swing_height`` above the higher ground level, the foot is carried
    forward and lowered flat. Early in the swing the foot pitches toe-down (heel-off/toe-off) so that the
    ankle stays within its dorsiflexion range while the knee is bent behind the body.
    """
    a, b = gait.carry
    xy = sw.start[:2] + (sw.end[:2] - sw.start[:2]) * smoothstep5((tau - a) / (b - a))[:, None]
    depth = -corners[:, 2].min()
    z0, z1 = sw.start[2] - depth, sw.end[2] - depth  # sole-bottom levels
    top = max(z0, z1) + gait.swing_height
    low = np.where(tau < 0.5, z0 + (top - z0) * smoothstep5(tau / 0.45),
                   top + (z1 - top) * smoothstep5((tau - 0.55) / 0.45))
    pitch = gait.toe_off_pitch * (smoothstep5(tau / 0.25) - smoothstep5((tau - 0.45) / 0.3))
    # height of the ankle above the lowest corner of the pitched sole
    above = -np.min(-np.sin(pitch)[:, None] * corners[None, :, 0] + np.cos(pitch)[:, None] * corners[None, :, 2], axis=1)
    return np.concatenate((xy, (low + above)[:, None]), axis=1), pitch


def foot_track(model: G1Model, plan: WalkPlan, side: str, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ankle-roll origin positions (N,3), foot pitch (N,) and contact flags (N,) of one foot."""
    pos = np.tile(plan.feet0[side], (len(t), 1))
    pitch = np.zeros(len(t))
    contact = np.ones(len(t), dtype=bool)
    corners = sole_corners(model, side)
    for sw in plan.swings:
        if sw.side != side:
            continue
        pos[t >= sw.t1] = sw.end
        during = (t > sw.t0) & (t < sw.t1)
        tau = (t[during] - sw.t0) / (sw.t1 - sw.t0)
        pos[during], pitch[during] = swing_profile(sw, tau, plan.gait, corners)
        contact[during] = False
    return pos, pitch, contact


def pelvis_track(model: G1Model, plan: WalkPlan, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Pelvis positions (N,3), yaw (N,) and the gait signals the upper body follows."""
    g = plan.gait
    T = g.step_time
    n_steps = len(plan.swings)
    # forward progress: cosine velocity ramps over the first and last step, constant speed between
    v = g.step_length / T
    u0 = np.clip((t - plan.walk_start) / T, 0.0, 1.0)
    u1 = np.clip((t - (plan.walk_end - T)) / T, 0.0, 1.0)
    x = (0.5 * v * T * (u0 - np.sin(math.pi * u0) / math.pi)
         + v * np.clip(t - plan.walk_start - T, 0.0, (n_steps - 2) * T)
         + 0.5 * v * T * (u1 + np.sin(math.pi * u1) / math.pi))
    # lateral sway towards the stance foot at mid-swing, a bob that peaks at mid-swing
    mids = [0.5 * (sw.t0 + sw.t1) for sw in plan.swings]
    stance_y = [float(np.sign(plan.feet0["left" if sw.side == "right" else "right"][1])) for sw in plan.swings]
    y = bumps(t, mids, [g.sway * s for s in stance_y], T)
    bob = bumps(t, mids, [g.bob] * n_steps, 0.5 * T)
    # height: crouch from the default height while standing, follow the lower supporting ground level
    h_def, h_walk = float(model.default_root_pos[2]), g.pelvis_height
    height = (h_def + (h_walk - h_def) * smoothstep5((t - 0.2) / (g.stand_time - 0.3))
              + (h_def - h_walk) * smoothstep5((t - plan.walk_end - 0.1) / (g.stand_time - 0.3)))
    feet = {s: plan.feet0[s].copy() for s in SIDES}
    ground = np.zeros_like(t)
    level = min(float(plan.terrain(p[0], p[1])) for p in feet.values())
    ground[:] = level
    spread = []  # (x_right - x_left) / step_length after each landing
    for sw in plan.swings:
        feet[sw.side] = sw.end
        new = min(float(plan.terrain(p[0], p[1])) for p in feet.values())
        ground += (new - level) * smoothstep5((t - sw.t0) / (sw.t1 - sw.t0))
        level = new
        spread.append((feet["right"][0] - feet["left"][0]) / g.step_length)
    lands = [plan.walk_start + (k + 1) * T for k in range(n_steps)]
    legs_signal = bumps(t, lands, spread, T)  # +1 with the right leg forward, -1 with the left
    yaw = g.pelvis_yaw * legs_signal
    pos = np.stack((x, y, height + ground + bob), axis=1)
    envelope = (smoothstep5((t - plan.walk_start + 0.3) / 0.6) * (1.0 - smoothstep5((t - plan.walk_end + 0.3) / 0.6)))
    return pos, yaw, {"legs": legs_signal, "envelope": envelope}


# ----------------------------------------------------------------------------------------------------------------------
# Clips
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class Clip:
    """A synthesised clip in the canonical layout (root and link quaternions wxyz here; xyzw on disk)."""

    name: str
    joints: np.ndarray  # (T,23) float32
    root_pos: np.ndarray  # (T,3)
    root_quat: np.ndarray  # (T,4) wxyz
    link_pos: np.ndarray  # (T,30,3) world
    link_quat: np.ndarray  # (T,30,4) wxyz world
    contacts: dict[str, np.ndarray]  # left_foot / right_foot -> (T,) bool
    terrain: Callable[[np.ndarray, np.ndarray], np.ndarray]
    fps: float = FPS
    plan: WalkPlan | None = None  # footstep plan of walking clips (for the swing clearance check)


def solve_legs(model: G1Model, joints: np.ndarray, root_pos: np.ndarray, yaw: np.ndarray,
               feet: dict[str, np.ndarray], pitch: dict[str, np.ndarray]) -> None:
    """Fill the leg columns of ``joints`` so the feet (zero yaw, pitch ``pitch``) sit at ``feet`` (world)."""
    r_pelvis = rot_z(yaw)
    for side in SIDES:
        local = np.einsum("nji,nj->ni", r_pelvis, feet[side] - root_pos)
        foot_rot = np.transpose(r_pelvis, (0, 2, 1)) @ rot_y(pitch[side])  # the foot seen from the pelvis
        leg = model.legs[side]
        joints[:, leg.dofs] = leg_ik(model, leg, local, foot_rot)


def finish_clip(model: G1Model, name: str, joints: np.ndarray, root_pos: np.ndarray, yaw: np.ndarray,
                contacts: dict[str, np.ndarray], terrain: Callable) -> Clip:
    """Round joints to float32, then compute every link pose from them by our forward kinematics."""
    joints32 = joints.astype(np.float32)
    root_quat = np.stack((np.cos(0.5 * yaw), np.zeros_like(yaw), np.zeros_like(yaw), np.sin(0.5 * yaw)), axis=1)
    links = model.fk.compute(root_pos, root_quat, joints32.astype(np.float64))
    return Clip(name, joints32, root_pos, root_quat, links["pos"], links["quat"],
                {CONTACT_KEYS[s]: contacts[s] for s in SIDES}, terrain)


def time_axis(duration: float) -> np.ndarray:
    """Frame times at FPS covering [0, duration]."""
    return np.arange(int(round(duration * FPS)) + 1) / FPS


def make_stand(model: G1Model, duration: float = 4.0) -> Clip:
    """Default pose with a small upper-body sway: waist yaw +-0.1 rad, arms swinging slightly, feet down."""
    t = time_axis(duration)
    n = len(t)
    joints = np.tile(model.default_joints, (n, 1))
    root_pos = np.tile(model.default_root_pos, (n, 1))
    yaw = np.zeros(n)
    fk0 = model.fk.compute(root_pos[:1], np.array([[1.0, 0, 0, 0]]), joints[:1])["pos"][0]
    feet = {s: np.tile(fk0[model.legs[s].bodies[5]], (n, 1)) for s in SIDES}
    solve_legs(model, joints, root_pos, yaw, feet, {side: np.zeros(n) for side in SIDES})
    if np.abs(joints - model.default_joints).max() > 1e-6:
        raise RuntimeError("leg IK does not reproduce the default pose")
    joints[:, model.index("waist_yaw")] = 0.1 * np.sin(2.0 * math.pi * t / duration)
    arm = 0.1 * np.sin(2.0 * math.pi * t / 2.0)
    joints[:, model.index("left_shoulder_pitch")] += arm
    joints[:, model.index("right_shoulder_pitch")] -= arm
    for side in SIDES:
        joints[:, model.index(f"{side}_elbow")] += 0.05 * (1.0 - np.cos(2.0 * math.pi * t / 2.0))
    contacts = {s: np.ones(n, dtype=bool) for s in SIDES}
    return finish_clip(model, "stand", joints, root_pos, yaw, contacts, flat_terrain)


def make_walk(model: G1Model, name: str, num_steps: int, terrain: Callable,
              gait: GaitParams = GaitParams()) -> Clip:
    """A straight walk of ``num_steps`` steps plus a closing step over ``terrain``, standing at both ends.

    The pelvis's horizontal path is planned so that the whole robot's centre of pressure (from inverse dynamics
    of the clip itself) follows a reference that stays under the stance foot (:func:`balance_pelvis`).
    """
    plan = make_walk_plan(model, gait, num_steps, terrain)
    t = time_axis(plan.duration)
    n = len(t)
    feet, pitch, contacts = {}, {}, {}
    for side in SIDES:
        feet[side], pitch[side], contacts[side] = foot_track(model, plan, side, t)
    root_pos, yaw, signal = pelvis_track(model, plan, t)

    def build(root: np.ndarray) -> Clip:
        joints = np.tile(model.default_joints, (n, 1))
        solve_legs(model, joints, root, yaw, feet, pitch)
        joints[:, model.index("waist_yaw")] = -gait.waist_counter_yaw * yaw
        swing = gait.arm_swing * signal["legs"]  # right leg forward -> left arm forward (negative pitch)
        joints[:, model.index("left_shoulder_pitch")] -= swing
        joints[:, model.index("right_shoulder_pitch")] += swing
        for side in SIDES:
            joints[:, model.index(f"{side}_elbow")] += gait.elbow_bend * signal["envelope"]
        return finish_clip(model, name, joints, root, yaw, contacts, terrain)

    clip = balance_pelvis(model, plan, t, root_pos, build)
    clip.plan = plan
    return clip


# ----------------------------------------------------------------------------------------------------------------------
# Balance: a pelvis path whose centre of pressure stays under the stance foot
# ----------------------------------------------------------------------------------------------------------------------


def zmp_reference(model: G1Model, plan: WalkPlan, t: np.ndarray) -> np.ndarray:
    """Where the centre of pressure should be (N,2): between the feet while standing, at the stance sole's centre
    during each swing, moving in a straight line to the next stance sole in double support."""
    g = plan.gait
    centre = {s: model.sole[s][0][:2] for s in SIDES}  # sole box centre in the ankle-roll frame (feet never yaw)
    feet = {s: plan.feet0[s][:2] + centre[s] for s in SIDES}
    mid = 0.5 * (feet["left"] + feet["right"])
    knots_t, knots = [0.0, plan.swings[0].t0 - g.zmp_shift_time], [mid, mid]
    for sw in plan.swings:
        stance = "left" if sw.side == "right" else "right"
        knots_t += [sw.t0, sw.t1]
        knots += [feet[stance], feet[stance]]
        feet[sw.side] = sw.end[:2] + centre[sw.side]
    end = 0.5 * (feet["left"] + feet["right"])
    knots_t += [plan.swings[-1].t1 + g.zmp_shift_time, max(float(t[-1]), plan.swings[-1].t1 + g.zmp_shift_time)]
    knots += [end, end]
    k = np.array(knots)
    return np.stack([np.interp(t, knots_t, k[:, i]) for i in range(2)], axis=1)


def lipm_path(zmp: np.ndarray, dt: float, height: float) -> np.ndarray:
    """Centre-of-mass path (N,2) of a linear inverted pendulum of ``height`` whose centre of pressure is ``zmp``.

    Solves c - (height / g) c'' = zmp with second differences at ``dt`` and both ends pinned to ``zmp`` (a
    tridiagonal system; the pendulum's unstable mode makes the path start moving before the reference does).
    """
    n = len(zmp)
    a = height / (9.81 * dt * dt)
    lower = np.full(n, -a)
    diag = np.full(n, 1.0 + 2.0 * a)
    upper = np.full(n, -a)
    rhs = zmp.astype(np.float64).copy()
    diag[0] = diag[-1] = 1.0
    upper[0] = lower[-1] = 0.0
    # Thomas algorithm
    c_up = np.zeros(n)
    d = np.zeros_like(rhs)
    c_up[0] = upper[0] / diag[0]
    d[0] = rhs[0] / diag[0]
    for i in range(1, n):
        m = diag[i] - lower[i] * c_up[i - 1]
        c_up[i] = upper[i] / m
        d[i] = (rhs[i] - lower[i] * d[i - 1]) / m
    out = np.zeros_like(rhs)
    out[-1] = d[-1]
    for i in range(n - 2, -1, -1):
        out[i] = d[i] - c_up[i] * out[i + 1]
    return out


def balance_pelvis(model: G1Model, plan: WalkPlan, t: np.ndarray, root_pos: np.ndarray,
                   build: Callable[[np.ndarray], Clip]) -> Clip:
    """Replace the pelvis's horizontal path by one whose centre of pressure follows :func:`zmp_reference`.

    Start from a linear-inverted-pendulum path through the reference (shifted by the default pose's offset from the
    pelvis to the centre of mass), then repeat: build the clip, measure its centre of pressure by inverse dynamics
    of the whole robot (finite differences at the clip's rate, as ``check_motion.py`` measures it), and move the
    pelvis by the pendulum path of the remaining error. The vertical path is kept.
    """
    from legged_gym.motion.feasibility import centre_of_pressure, ground_wrench, robot_model

    g = plan.gait
    dt = float(t[1] - t[0])
    mj = robot_model(model.xml)
    qpos0 = mj.qpos0.copy()
    qpos0[:3], qpos0[model.qpos_adr] = model.default_root_pos, model.default_joints
    com0 = _centre_of_mass(mj, qpos0)
    height = float(com0[2] - plan.terrain(np.array(com0[0]), np.array(com0[1])))
    offset = com0[:2] - model.default_root_pos[:2]
    zmp = zmp_reference(model, plan, t)
    root = root_pos.copy()
    root[:, :2] = lipm_path(zmp, dt, height) - offset
    ground = plan.terrain(zmp[:, 0], zmp[:, 1])
    clip = build(root)
    for _ in range(g.balance_iterations):
        qpos = np.tile(mj.qpos0, (len(t), 1))
        qpos[:, :3], qpos[:, 3:7], qpos[:, model.qpos_adr] = clip.root_pos, clip.root_quat, clip.joints
        w = ground_wrench(mj, qpos, dt)
        cop = centre_of_pressure(w["force"], w["moment"], qpos[:, :3], ground)
        root[:, :2] += lipm_path(zmp - cop, dt, height)
        clip = build(root)
    return clip


def _centre_of_mass(mj: object, qpos: np.ndarray) -> np.ndarray:
    import mujoco

    data = mujoco.MjData(mj)
    data.qpos[:] = qpos
    mujoco.mj_kinematics(mj, data)
    mujoco.mj_comPos(mj, data)
    return data.subtree_com[0].copy()


# ----------------------------------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------------------------------


def sole_points(model: G1Model, side: str, pos: np.ndarray, quat: np.ndarray, per_edge: int = 2) -> np.ndarray:
    """Points (N,P,3) on the bottom face of a foot box from ankle-roll link poses (N,3)/(N,4 wxyz)."""
    centre, half = model.sole[side]
    gx = np.linspace(-half[0], half[0], per_edge)
    gy = np.linspace(-half[1], half[1], 2)
    local = np.array([[centre[0] + a, centre[1] + b, centre[2] - half[2]] for a in gx for b in gy])
    return pos[:, None] + np.einsum("nij,pj->npi", quat_to_matrix_np(quat), local)


def check_clip(model: G1Model, clip: Clip) -> dict[str, float]:
    """Measure the clip against the acceptance limits; raise if one is exceeded. Returns the measurements."""
    lo, hi = model.joint_range[:, 0], model.joint_range[:, 1]
    margin = float(np.min(np.minimum(clip.joints - lo, hi - clip.joints)))
    if margin < 0.0:
        raise RuntimeError(f"{clip.name}: a joint leaves its range by {-margin:.4f} rad")
    slide, sole_err, lift = 0.0, 0.0, 0.0
    for side in SIDES:
        b = model.legs[side].bodies[5]
        pts = sole_points(model, side, clip.link_pos[:, b], clip.link_quat[:, b])
        height = pts[..., 2] - clip.terrain(pts[..., 0], pts[..., 1])
        c = clip.contacts[CONTACT_KEYS[side]]
        sole_err = max(sole_err, float(np.abs(height[c]).max()))
        lift = max(lift, float(height.min(axis=1).max()))
        centre = pts.mean(axis=1)
        start = 0
        for i in range(1, len(c) + 1):  # contiguous stance segments
            if i == len(c) or c[i] != c[start]:
                if c[start]:
                    slide = max(slide, float(np.linalg.norm(centre[start:i] - centre[start], axis=1).max()))
                start = i
    if slide > MAX_STANCE_SLIDE or sole_err > MAX_SOLE_ERROR:
        raise RuntimeError(f"{clip.name}: stance sliding {slide:.4f} m, sole height error {sole_err:.4f} m")
    out = {"joint_range_margin_rad": margin, "max_stance_slide_m": slide, "max_stance_sole_error_m": sole_err,
           "max_sole_lift_m": lift, "min_self_distance_m": self_distance(model, clip)}
    if out["min_self_distance_m"] < -MAX_SELF_PENETRATION:
        raise RuntimeError(f"{clip.name}: self-penetration {-out['min_self_distance_m']:.4f} m")
    if clip.plan is not None:
        lowest, over_edge = swing_clearance(model, clip.plan)
        out["min_swing_sole_height_m"] = lowest
        if lowest < -1e-6:
            raise RuntimeError(f"{clip.name}: a swinging sole enters the terrain by {-lowest:.4f} m")
        if np.isfinite(over_edge):
            out["min_step_edge_clearance_m"] = over_edge
            if over_edge < MIN_EDGE_CLEARANCE:
                raise RuntimeError(f"{clip.name}: the sole passes {over_edge:.4f} m above the step edge")
    return out


def swing_clearance(model: G1Model, plan: WalkPlan, rate: float = 600.0) -> tuple[float, float]:
    """Check the swinging soles against the terrain, sampled densely along the foot trajectories.

    Returns the lowest height of any sole point above the terrain under it (negative: penetration) and
    the smallest height of the sole above the step edge while the foot passes over the edge (inf if no
    swing crosses an edge).
    """
    lowest, over_edge = np.inf, np.inf
    for sw in plan.swings:
        n = int((sw.t1 - sw.t0) * rate)
        tau = np.arange(1, n) / n
        pos, pitch = swing_profile(sw, tau, plan.gait, sole_corners(model, sw.side))
        quat = np.stack((np.cos(0.5 * pitch), 0 * pitch, np.sin(0.5 * pitch), 0 * pitch), axis=1)
        pts = sole_points(model, sw.side, pos, quat, per_edge=19)
        ground = plan.terrain(pts[..., 0], pts[..., 1])
        lowest = min(lowest, float((pts[..., 2] - ground).min()))
        span_lo, span_hi = pts[..., 0].min(axis=1), pts[..., 0].max(axis=1)
        above = (span_lo <= STEP_EDGE_X) & (span_hi >= STEP_EDGE_X)
        if plan.terrain is step_terrain and above.any() and (sw.start[0] < STEP_EDGE_X) != (sw.end[0] < STEP_EDGE_X):
            over_edge = min(over_edge, float(pts[above, :, 2].min()) - PLATFORM_HEIGHT)
    return lowest, over_edge


def self_distance(model: G1Model, clip: Clip, reach: float = 0.05) -> float:
    """Smallest signed distance between the robot's own collision geoms over the clip (MuJoCo collision).

    Pairs farther apart than ``reach`` are not reported, so the result is capped at ``reach``; a negative
    value is a penetration. MuJoCo's own exclusions (parent/child bodies, the model's excluded pairs) apply.
    """
    frames = np.zeros((len(clip.joints), int(model.qpos_adr.max()) + 1))  # free joint first, then the hinges
    frames[:, :3] = clip.root_pos
    frames[:, 3:7] = clip.root_quat
    frames[:, model.qpos_adr] = clip.joints
    return min_self_distance(model.xml, frames, reach)


# ----------------------------------------------------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------------------------------------------------


class SeedPickler(pickle._Pickler):  # noqa: SLF001 - the pure-Python pickler lets us name one global
    """Pickler that names numpy's array reconstructor ``numpy.core.multiarray._reconstruct``.

    NumPy 2 writes ``numpy._core.multiarray``, which NumPy 1.x (the seed's Isaac Gym environment) cannot
    import; the old name loads in both. Everything else is pickled as usual.
    """

    _reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]

    def save_global(self, obj: object, name: str | None = None) -> None:
        """Write the reconstructor under its NumPy-1 module name, any other global as usual."""
        if obj is self._reconstruct and self.proto >= 4:
            self.save("numpy.core.multiarray")
            self.save("_reconstruct")
            self.write(pickle.STACK_GLOBAL)
            self.memoize(obj)
            return
        super().save_global(obj, name)


def xyzw(q: np.ndarray) -> np.ndarray:
    """Reorder wxyz quaternions to xyzw."""
    return q[..., [1, 2, 3, 0]]


def seed_pickle_dict(model: G1Model, clip: Clip) -> dict:
    """The clip as the seed's pickle dict (float32 arrays, xyzw quaternions, world-frame links)."""
    f32 = np.float32
    return {
        "joint_names": list(model.joint_names),
        "joints": np.ascontiguousarray(clip.joints, dtype=f32),
        "root_pos": np.ascontiguousarray(clip.root_pos, dtype=f32),
        "root_quat": np.ascontiguousarray(xyzw(clip.root_quat), dtype=f32),
        "link_names": list(model.body_names),
        "link_pos": np.ascontiguousarray(clip.link_pos, dtype=f32),
        "link_quat": np.ascontiguousarray(xyzw(clip.link_quat), dtype=f32),
        "contacts": {k: np.ascontiguousarray(v, dtype=bool) for k, v in clip.contacts.items()},
        "fps": float(clip.fps),
    }


def write_seed_pickle(path: str, model: G1Model, clip: Clip) -> None:
    """Write the clip in the seed's pickle schema (protocol 4, plain containers and numpy arrays only)."""
    buf = io.BytesIO()
    SeedPickler(buf, protocol=4).dump(seed_pickle_dict(model, clip))
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def write_seed_h5(path: str, model: G1Model, clip: Clip) -> None:
    """Write the clip in the seed's human-video h5 schema (root attributes named with a leading slash)."""
    import h5py

    with h5py.File(path, "w", libver="earliest", track_order=False) as f:
        f.create_dataset("root_pos", data=np.asarray(clip.root_pos, dtype=np.float64), track_times=False)
        f.create_dataset("root_quat", data=xyzw(clip.root_quat).astype(np.float64), track_times=False)
        f.create_dataset("joints", data=np.asarray(clip.joints, dtype=np.float32), track_times=False)
        f.create_dataset("link_pos", data=np.asarray(clip.link_pos, dtype=np.float64), track_times=False)
        f.create_dataset("link_quat", data=xyzw(clip.link_quat).astype(np.float64), track_times=False)
        contacts = f.create_group("contacts")
        for key in ("left_foot", "right_foot"):
            contacts.create_dataset(key, data=np.asarray(clip.contacts[key], dtype=bool), track_times=False)
        f.attrs["/joint_names"] = list(model.joint_names)
        f.attrs["/link_names"] = list(model.body_names)
        f.attrs["/fps"] = float(clip.fps)


def write_obj(path: str, vertices: np.ndarray, faces: np.ndarray, comment: str) -> None:
    """Write a triangle mesh as Wavefront OBJ (metres, z up, 1-based faces)."""
    lines = [f"# {line}" for line in comment.splitlines()]
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in vertices]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in faces]
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def generate(out: str = DEFAULT_OUT, verbose: bool = True) -> dict[str, dict[str, float]]:
    """Build, check and write all sample clips under ``out``; returns the measurements per clip."""
    model = G1Model()
    clips = {
        "stand": make_stand(model),
        "walk": make_walk(model, "walk", 6, flat_terrain),
        "walk_up_step": make_walk(model, "walk_up_step", 7, step_terrain),
    }
    report = {}
    for name, clip in clips.items():
        report[name] = check_clip(model, clip)
        report[name]["frames"] = len(clip.joints)
        report[name]["seconds"] = (len(clip.joints) - 1) / clip.fps
    os.makedirs(os.path.join(out, "mocap"), exist_ok=True)
    video_dir = os.path.join(out, "videos", "walk_up_step")
    os.makedirs(video_dir, exist_ok=True)
    write_seed_pickle(os.path.join(out, "mocap", "stand.pkl"), model, clips["stand"])
    write_seed_pickle(os.path.join(out, "mocap", "walk.pkl"), model, clips["walk"])
    write_seed_h5(os.path.join(video_dir, "retarget_poses_g1.h5"), model, clips["walk_up_step"])
    vertices, faces = step_terrain_mesh()
    write_obj(os.path.join(video_dir, "background_mesh.obj"), vertices, faces,
              "walk_up_step terrain: ground, 0.10 m platform from x = %.2f m; metres, z up, motion world frame.\n"
              "Generated by legged_gym/scripts/make_sample_data.py" % STEP_EDGE_X)
    if verbose:
        for name, values in report.items():
            print(name + ": " + ", ".join(f"{k}={v:.4g}" for k, v in values.items()))
    return report


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: resources/motions/sample)")
    args = parser.parse_args(argv)
    generate(args.out)


if __name__ == "__main__":
    main()
