"""Motion tracking on the deployment side: the reference clip, the tracking observation terms, terminations, metrics.

Everything comes from ``policy.json``'s ``env.tracking`` section (written by the tracking environment's
``export_metadata``), the reference clips baked next to it (``references/<clip>.npz``, with their terrain), and the
robot MJCF: numpy, mujoco and onnxruntime only (no torch, nothing from training).

- :class:`TrackingSpec`: the validated ``env.tracking`` section (reference settings, initial state,
  termination thresholds, height-scan grid).
- :class:`ReferenceMotion`: one clip at the control rate as training plays it, with its terrain; ``export.py``
  bakes every clip of the task (``legged_gym.eval.references`` prepares clips from motion files with the training
  readers, for clips that were not baked).
- :class:`TrackingContext`: the per-episode state a tracking policy observes (the reference frame, advanced once
  per control step, and the clip-to-world offset) plus the sensing the terms need from ``MjData`` (link poses,
  foot contact forces from the terrain, the height scan by ``mujoco.mj_ray`` on the terrain geom); it also
  decides terminations and computes the per-frame tracking errors of ``legged_gym/scripts/eval.py``.
- :data:`TRACKING_TERMS`: the observation terms (collected in :data:`legged_gym.deploy.terms.TERMS`).

Timing follows training: at the start of an episode the reference frame is the start frame ``f`` and the
targets shown are frame ``f + 1``; after each control step the frame advances (clamped at the clip's last
frame), then terminations are checked against the new frame, then the next observation is built.
The privileged critic terms (``deepmimic``, ``link_heights``) are not rebuilt: no deployable policy reads them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mujoco
import numpy as np

from legged_gym.deploy.contract import ContractError, PolicyContract, _need, _number
from legged_gym.deploy.rotations import euler_xyz, heading_inv, wrap_to_pi
from legged_gym.sim.hfield import HeightField

if TYPE_CHECKING:
    from legged_gym.deploy.controller import Controller
    from legged_gym.deploy.observations import ControllerState, ObservationBuilder

__all__ = [
    "REFERENCES_DIR", "ReferenceMotion", "TRACKING_TERMS", "TrackingContext", "TrackingSpec", "baked_references",
    "is_reference_file", "tracking_spec",
]

TERRAIN_GEOMS = ("terrain", "ground")  # terrain geom names of the training scene / deploy.controller.build_model
_TERRAIN_GROUP = np.array([1, 0, 0, 0, 0, 0], dtype=np.uint8)  # rays hit group-0 geoms only (the robot uses 1 and 3)


@dataclass
class TrackingSpec:
    """The ``env.tracking`` section of policy.json."""

    tracked_links: list[str]
    extra_links: list[str]
    torso_link: str
    contact_names: list[str]
    contact_bodies: list[str]
    num_next_obs: int
    upper_body_joints: list[str]
    upsample_data: bool
    default_data_fps: float
    cut_off_import_length: int
    n_prepend: int
    n_append: int
    height_direct_offset: float
    data_pattern: str
    terrain_pattern: str
    terrain_resolution: float
    init_velocities: bool
    respawn_z_offset: float
    link_pos_error_threshold: float
    min_steps: int
    terminate_after_contacts_on: list[str]
    terminate_on_roll_pitch: float
    terminate_below_height: float
    large_feet_contact_force_threshold: float
    contact_force_threshold: float
    scan_body: str
    scan_size: tuple[float, float]
    scan_resolution: float
    scan_shape: tuple[int, int]
    scan_max_distance: float

    @property
    def link_names(self) -> list[str]:
        """Tracked links followed by the extra links (the reference's link axis)."""
        return self.tracked_links + self.extra_links


def tracking_spec(contract: PolicyContract) -> TrackingSpec | None:
    """The contract's tracking section, or None for a policy without one (velocity tasks).

    Raises:
        ContractError: a field of ``env.tracking`` is missing or has the wrong type (the message names it).
    """
    section = contract.raw.get("env", {}).get("tracking")
    if section is None:
        return None
    p = contract.path
    ref, init = _need(section, "reference", "env.tracking.", p), _need(section, "init", "env.tracking.", p)
    term, scan = _need(section, "termination", "env.tracking.", p), _need(section, "height_scan", "env.tracking.", p)

    def names(d: dict[str, Any], key: str, where: str) -> list[str]:
        v = _need(d, key, where, p)
        if not isinstance(v, list) or not all(isinstance(n, str) for n in v):
            raise ContractError(f"{p}: field '{where}{key}' must be a list of names, got {v!r}")
        return list(v)

    def num(d: dict[str, Any], key: str, where: str, positive: bool = False) -> float:
        return _number(_need(d, key, where, p), f"{where}{key}", p, positive)

    r, i, t, s = "env.tracking.reference.", "env.tracking.init.", "env.tracking.termination.", "env.tracking.height_scan."
    spec = TrackingSpec(
        tracked_links=names(ref, "tracked_links", r), extra_links=names(ref, "extra_links", r),
        torso_link=str(_need(ref, "torso_link", r, p)), contact_names=names(ref, "contact_names", r),
        contact_bodies=names(ref, "contact_bodies", r), num_next_obs=int(num(ref, "num_next_obs", r)),
        upper_body_joints=names(ref, "upper_body_joints", r), upsample_data=bool(_need(ref, "upsample_data", r, p)),
        default_data_fps=num(ref, "default_data_fps", r, True),
        cut_off_import_length=int(num(ref, "cut_off_import_length", r)), n_prepend=int(num(ref, "n_prepend", r)),
        n_append=int(num(ref, "n_append", r)), height_direct_offset=num(ref, "height_direct_offset", r),
        data_pattern=str(_need(ref, "data_pattern", r, p)), terrain_pattern=str(_need(ref, "terrain_pattern", r, p)),
        terrain_resolution=num(ref, "terrain_resolution", r, True),
        init_velocities=bool(_need(init, "init_velocities", i, p)), respawn_z_offset=num(init, "respawn_z_offset", i),
        link_pos_error_threshold=num(term, "link_pos_error_threshold", t, True), min_steps=int(num(term, "min_steps", t)),
        terminate_after_contacts_on=names(term, "terminate_after_contacts_on", t),
        terminate_on_roll_pitch=num(term, "terminate_on_roll_pitch", t),
        terminate_below_height=num(term, "terminate_below_height", t),
        large_feet_contact_force_threshold=num(term, "large_feet_contact_force_threshold", t),
        contact_force_threshold=num(term, "contact_force_threshold", t),
        scan_body=str(_need(scan, "body", s, p)),
        scan_size=tuple(float(v) for v in _need(scan, "size", s, p)),  # type: ignore[arg-type]
        scan_resolution=num(scan, "resolution", s, True),
        scan_shape=tuple(int(v) for v in _need(scan, "shape", s, p)),  # type: ignore[arg-type]
        scan_max_distance=num(scan, "max_distance", s, True),
    )
    if spec.torso_link not in spec.link_names:
        raise ContractError(f"{p}: env.tracking.reference.torso_link '{spec.torso_link}' is not among the links {spec.link_names}")
    unknown = [j for j in spec.upper_body_joints if j not in contract.joint_names]
    if unknown:
        raise ContractError(f"{p}: env.tracking.reference.upper_body_joints {unknown} are not in env.joint_names")
    return spec


REFERENCE_ARRAYS = ("root_pos", "root_quat", "root_lin_vel", "root_ang_vel", "joints", "joint_vel", "link_pos",
                    "link_quat", "contacts")
REFERENCES_DIR = "references"  # next to policy.json: one <clip>.npz per clip the policy was trained on


@dataclass
class ReferenceMotion:
    """One clip at the control rate, as the training environment plays it (baked into the export by ``export.py``).

    Arrays (numpy float32): ``root_pos`` (T, 3), ``root_quat`` (T, 4) wxyz, ``root_lin_vel``, ``root_ang_vel``
    (T, 3) world frame, ``joints``, ``joint_vel`` (T, J) in the contract's joint order, ``link_pos`` (T, L+E, 3),
    ``link_quat`` (T, L+E, 4) (tracked then extra links), ``contacts`` (T, K). ``heightfield``: the clip's own
    terrain in its frame (human-video clips), else None (flat ground). ``source``, ``terrain_source``: the files the clip
    and its terrain came from.
    """

    name: str
    root_pos: np.ndarray
    root_quat: np.ndarray
    root_lin_vel: np.ndarray
    root_ang_vel: np.ndarray
    joints: np.ndarray
    joint_vel: np.ndarray
    link_pos: np.ndarray
    link_quat: np.ndarray
    contacts: np.ndarray
    heightfield: HeightField | None = None
    source: str = ""
    terrain_source: str = ""  # the mesh the height field was made from

    @property
    def num_frames(self) -> int:
        """Frames at the control rate."""
        return int(self.root_pos.shape[0])

    def save(self, path: str) -> None:
        """Write the clip to ``path`` (a compressed ``.npz``).

        Raises:
            ValueError: a non-finite value (nothing non-finite is written).
        """
        bad = [k for k in REFERENCE_ARRAYS if not np.isfinite(getattr(self, k)).all()]
        if bad:
            raise ValueError(f"reference clip {self.name}: non-finite values in {bad}; not written to {path}")
        extra: dict[str, np.ndarray] = {}
        if self.heightfield is not None:
            hf = self.heightfield
            extra = {"hfield_heights": hf.heights, "hfield_origin": np.asarray(hf.origin, dtype=np.float64),
                     "hfield_resolution": np.asarray(hf.resolution, dtype=np.float64)}
        np.savez_compressed(path, name=np.asarray(self.name), source=np.asarray(self.source),
                            terrain_source=np.asarray(self.terrain_source),
                            **{k: getattr(self, k) for k in REFERENCE_ARRAYS}, **extra)

    @classmethod
    def load(cls, path: str, contract: PolicyContract, spec: TrackingSpec) -> ReferenceMotion:
        """Read a clip written by :meth:`save`, checking its shapes against the contract and the tracking spec.

        Raises:
            FileNotFoundError: no such file.
            ContractError: a missing array, a shape that does not fit the policy, or a non-finite value.
        """
        if not os.path.isfile(path):
            raise FileNotFoundError(f"--motion {path}: no such reference file")
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in ("name", *REFERENCE_ARRAYS) if k not in z.files]
            if missing:
                raise ContractError(f"{path}: reference arrays {missing} are missing")
            arrays = {k: np.asarray(z[k], dtype=np.float32) for k in REFERENCE_ARRAYS}
            hf = None
            if "hfield_heights" in z.files:
                hf = HeightField(z["hfield_heights"], tuple(float(v) for v in z["hfield_origin"]),
                                 float(z["hfield_resolution"]))
            name = str(z["name"])
            source, terrain = (str(z[k]) if k in z.files else "" for k in ("source", "terrain_source"))
        t, nj, nl = arrays["root_pos"].shape[0], len(contract.joint_names), len(spec.link_names)
        expected = {"root_pos": (t, 3), "root_quat": (t, 4), "root_lin_vel": (t, 3), "root_ang_vel": (t, 3),
                    "joints": (t, nj), "joint_vel": (t, nj), "link_pos": (t, nl, 3), "link_quat": (t, nl, 4),
                    "contacts": (t, len(spec.contact_names))}
        for key, shape in expected.items():
            if arrays[key].shape != shape:
                raise ContractError(f"{path}: field '{key}': expected shape {shape}, got {arrays[key].shape}")
            if not np.isfinite(arrays[key]).all():
                raise ContractError(f"{path}: field '{key}': non-finite values")
        if t < 2:
            raise ContractError(f"{path}: field 'root_pos': expected at least 2 frames, got {t}")
        return cls(name=name, heightfield=hf, source=source, terrain_source=terrain, **arrays)


def is_reference_file(path: str) -> bool:
    """True for a ``.npz`` written by :meth:`ReferenceMotion.save` (a motion-file ``.npz`` has other arrays)."""
    if not (path.endswith(".npz") and os.path.isfile(path)):
        return False
    try:
        with np.load(path, allow_pickle=False) as z:
            return all(k in z.files for k in ("name", *REFERENCE_ARRAYS))
    except (OSError, ValueError):
        return False


def baked_references(contract: PolicyContract) -> list[str]:
    """The reference files baked next to ``policy.json`` (sorted), empty when there are none."""
    folder = os.path.join(os.path.dirname(contract.path), REFERENCES_DIR)
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".npz"))


class TrackingContext:
    """Reference playback and tracking sensing for one robot in one ``MjModel`` (see the module docstring).

    Args:
        spec: the contract's tracking section.
        contract: the policy contract (joint order, default pose, action scale).
        model: the deployment model (robot + terrain geom named ``terrain`` or ``ground``).
        motion: the reference clip.
        offset: clip-to-world translation [m] (zero when the terrain is the clip's own).

    Raises:
        ContractError: a link, contact body or height-scan body of the contract is not a body of the model.
    """

    def __init__(self, spec: TrackingSpec, contract: PolicyContract, model: mujoco.MjModel, motion: ReferenceMotion,
                 offset: np.ndarray | None = None) -> None:
        self.spec, self.contract, self.model, self.motion = spec, contract, model, motion
        self.offset = np.zeros(3) if offset is None else np.asarray(offset, dtype=np.float64)
        body = lambda names, field: np.array([self._body_id(n, field) for n in names], dtype=np.int64)  # noqa: E731
        self.link_ids = body(spec.link_names, "reference.tracked_links/extra_links")
        self.num_tracked = len(spec.tracked_links)
        self.torso = spec.link_names.index(spec.torso_link)
        self.foot_ids = body(spec.contact_bodies, "reference.contact_bodies")
        self.scan_id = self._body_id(spec.scan_body, "height_scan.body")
        names = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, b) or "" for b in range(model.nbody)]
        self.terminate_ids = np.array([b for b, n in enumerate(names) if b > 0 and any(
            s and s in n for s in spec.terminate_after_contacts_on)], dtype=np.int64)
        self.upper_body = np.array([contract.joint_names.index(j) for j in spec.upper_body_joints], dtype=np.int64)
        geoms = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, g) for g in TERRAIN_GEOMS]
        self.terrain_geom = next((g for g in geoms if g >= 0), -1)
        if self.terrain_geom < 0:
            raise ContractError(f"the deployment model has no terrain geom named one of {TERRAIN_GEOMS}")
        (nx, ny), (sx, sy) = spec.scan_shape, spec.scan_size
        gx, gy = np.meshgrid(np.linspace(-sx / 2, sx / 2, nx), np.linspace(-sy / 2, sy / 2, ny), indexing="ij")
        self.scan_offsets = np.stack([gx.ravel(), gy.ravel(), np.zeros(nx * ny)], axis=1)
        self.frame, self.steps = 0, 0

    def _body_id(self, name: str, field: str) -> int:
        i = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_BODY, name)
        if i < 0:
            raise ContractError(f"{self.contract.path}: env.tracking.{field} names body '{name}', not in the MuJoCo model")
        return int(i)

    # --- reference ------------------------------------------------------------------------------------
    @property
    def last_frame(self) -> int:
        """Index of the clip's last frame."""
        return self.motion.num_frames - 1

    def start(self, frame: int = 0, offset: np.ndarray | None = None) -> None:
        """Begin an episode at reference ``frame`` (and a new clip-to-world ``offset`` when given)."""
        if not 0 <= frame <= self.last_frame:
            raise ValueError(f"start frame {frame} outside the clip {self.motion.name} (0 .. {self.last_frame})")
        self.frame, self.steps = int(frame), 0
        if offset is not None:
            self.offset = np.asarray(offset, dtype=np.float64)

    def advance(self) -> None:
        """One control step passed: the reference moves one frame (clamped at the last)."""
        self.frame = min(self.frame + 1, self.last_frame)
        self.steps += 1

    def reference(self, ahead: int = 0) -> dict[str, np.ndarray]:
        """Reference quantities ``ahead`` frames after the current one (clamped), positions offset to the world."""
        m, f = self.motion, min(self.frame + ahead, self.last_frame)
        return {
            "root_pos": m.root_pos[f] + self.offset, "root_quat": m.root_quat[f], "root_lin_vel": m.root_lin_vel[f],
            "root_ang_vel": m.root_ang_vel[f], "joints": m.joints[f], "joint_vel": m.joint_vel[f],
            "link_pos": m.link_pos[f] + self.offset, "link_quat": m.link_quat[f], "contacts": m.contacts[f],
        }

    # --- initial state -------------------------------------------------------------------------------
    def init_state(self, data: mujoco.MjData, ctrl: Controller) -> None:
        """Robot := the reference at the current frame (as the training reset does), then reset the controller.

        The free joint takes the world-frame linear and body-frame angular velocity; joints are written by name.
        """
        ref, b, s = self.reference(0), ctrl.builder, self.spec
        mujoco.mj_resetData(self.model, data)
        data.qpos[b.root_qpos : b.root_qpos + 3] = ref["root_pos"] + np.array([0.0, 0.0, s.respawn_z_offset])
        data.qpos[b.root_qpos + 3 : b.root_qpos + 7] = ref["root_quat"]
        data.qpos[b.qpos_adr] = ref["joints"]
        if s.init_velocities:
            rot = np.empty(9)
            mujoco.mju_quat2Mat(rot, np.asarray(ref["root_quat"], dtype=np.float64))
            data.qvel[b.root_qvel : b.root_qvel + 3] = ref["root_lin_vel"]
            data.qvel[b.root_qvel + 3 : b.root_qvel + 6] = rot.reshape(3, 3).T @ ref["root_ang_vel"]
            data.qvel[b.qvel_adr] = ref["joint_vel"]
        mujoco.mj_forward(self.model, data)
        self.reset_controller(data, ctrl)

    def reset_controller(self, data: mujoco.MjData, ctrl: Controller) -> None:
        """New episode for the controller; the first action (and PD target) is the spawn pose, as in training."""
        ctrl.reset()
        q = ctrl.builder.dof_pos(data).copy()
        ctrl.state.last_action = (q - self.contract.default_joint_pos) / self.contract.action_scale
        ctrl.target = q

    # --- sensing -------------------------------------------------------------------------------------
    def link_pos(self, data: mujoco.MjData) -> np.ndarray:
        """World positions (L+E, 3) of the tracked and extra links (call ``mj_forward`` after stepping)."""
        return data.xpos[self.link_ids]

    def body_forces(self, data: mujoco.MjData, body_ids: np.ndarray) -> np.ndarray:
        """World-frame force (B, 3) of the terrain on each body [N] (self-collisions are not counted)."""
        out = np.zeros((len(body_ids), 3))
        where = {int(b): i for i, b in enumerate(body_ids)}
        f6 = np.zeros(6)
        for c in range(data.ncon):
            con = data.contact[c]
            g1, g2 = int(con.geom1), int(con.geom2)
            if self.terrain_geom not in (g1, g2):
                continue
            other = g2 if g1 == self.terrain_geom else g1
            i = where.get(int(self.model.geom_bodyid[other]))
            if i is None:
                continue
            mujoco.mj_contactForce(self.model, data, c, f6)
            force = con.frame.reshape(3, 3).T @ f6[:3]  # on geom2, world frame
            out[i] += force if other == g2 else -force
        return out

    def foot_contacts(self, data: mujoco.MjData) -> np.ndarray:
        """Measured foot contacts (F,) bool: vertical terrain force above the contract's threshold."""
        return self.body_forces(data, self.foot_ids)[:, 2] > self.spec.contact_force_threshold

    def _ray_down(self, data: mujoco.MjData, origin: np.ndarray) -> float:
        geom = np.zeros(1, dtype=np.int32)
        d = mujoco.mj_ray(self.model, data, origin, np.array([0.0, 0.0, -1.0]), _TERRAIN_GROUP, 1, -1, geom)
        return self.spec.scan_max_distance if d < 0 else min(d, self.spec.scan_max_distance)

    def height_scan(self, data: mujoco.MjData) -> np.ndarray:
        """Ray distances (nx, ny) [m] from the scan body's origin straight down to the terrain, heading-aligned."""
        pos = data.xpos[self.scan_id]
        yaw = euler_xyz(data.xquat[self.scan_id])[2]
        c, s = math.cos(yaw), math.sin(yaw)
        o = self.scan_offsets
        origins = np.stack([pos[0] + c * o[:, 0] - s * o[:, 1], pos[1] + s * o[:, 0] + c * o[:, 1],
                            np.full(len(o), pos[2])], axis=1)
        return np.array([self._ray_down(data, p) for p in origins]).reshape(self.spec.scan_shape)

    # --- episode -------------------------------------------------------------------------------------
    def termination(self, data: mujoco.MjData, root_qpos: int) -> str | None:
        """Why the training environment would end this episode now (None: it would not); call after :meth:`advance`."""
        s = self.spec
        err = np.linalg.norm(self.link_pos(data)[: self.num_tracked] - self.reference()["link_pos"][: self.num_tracked], axis=1)
        if self.steps >= s.min_steps and (err > s.link_pos_error_threshold).any():
            i = int(err.argmax())
            return f"link {s.tracked_links[i]} {err[i]:.2f} m from its target (> {s.link_pos_error_threshold} m)"
        if len(self.terminate_ids) and (np.linalg.norm(self.body_forces(data, self.terminate_ids), axis=1) > 1.0).any():
            return f"terrain contact on one of {s.terminate_after_contacts_on}"
        if s.terminate_on_roll_pitch > 0:
            rp = np.abs(euler_xyz(data.qpos[root_qpos + 3 : root_qpos + 7])[:2])
            if (rp > s.terminate_on_roll_pitch).any():
                return f"roll/pitch {rp.max():.2f} rad (> {s.terminate_on_roll_pitch})"
        if s.terminate_below_height > 0:
            h = self._ray_down(data, data.qpos[root_qpos : root_qpos + 3].copy())
            if h < s.terminate_below_height:
                return f"base {h:.2f} m above the terrain (< {s.terminate_below_height} m)"
        if s.large_feet_contact_force_threshold > 0:
            f = np.linalg.norm(self.body_forces(data, self.foot_ids), axis=1)
            if (f > s.large_feet_contact_force_threshold).any():
                return f"foot force {f.max():.0f} N (> {s.large_feet_contact_force_threshold} N)"
        return None

    def frame_errors(self, data: mujoco.MjData, dof_pos: np.ndarray, root_pos: np.ndarray) -> dict[str, float]:
        """Tracking errors of the current frame, defined as in ``legged_gym.eval.evaluation.frame_errors``."""
        ref, k = self.reference(), self.num_tracked
        link, ref_link = self.link_pos(data)[:k], ref["link_pos"][:k]
        rel = (link - root_pos) - (ref_link - ref["root_pos"])
        contacts = self.foot_contacts(data)
        return {
            "joint": float(np.abs(dof_pos - ref["joints"]).mean()),
            "link": float(np.linalg.norm(link - ref_link, axis=1).mean()),
            "link_rel": float(np.linalg.norm(rel, axis=1).mean()),
            "contact_match": float((contacts == (ref["contacts"] > 0.5)).mean()),
        }


# --- observation terms (physical units; the builder applies the contract's scales) ---------------------
def _ctx(b: ObservationBuilder) -> TrackingContext:
    ctx = getattr(b, "tracking", None)
    if ctx is None:
        raise ContractError(f"{b.contract.path}: the policy observes a reference motion; pass --motion <clip file>")
    return ctx


def _torso_xy_rel(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Next reference torso xy minus torso xy, in the torso's heading frame [m]."""
    t = _ctx(b)
    body = t.link_ids[t.torso]
    delta = t.reference(1)["link_pos"][t.torso] - d.xpos[body]
    return heading_inv(euler_xyz(d.xquat[body])[2], delta)[:2]


def _torso_yaw_rel(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Next reference torso heading minus torso heading, wrapped to [-pi, pi) [rad]."""
    t = _ctx(b)
    yaw = euler_xyz(d.xquat[t.link_ids[t.torso]])[2]
    ref_yaw = euler_xyz(t.reference(1)["link_quat"][t.torso])[2]
    return np.array([wrap_to_pi(ref_yaw - yaw)])


def _target_joints(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Next reference joint angles relative to the default pose [rad]."""
    return _ctx(b).reference(1)["joints"] - b.contract.default_joint_pos


def _upper_body_joint_targets(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Next reference waist and arm joint angles relative to the default pose [rad]."""
    return _target_joints(b, d, s)[_ctx(b).upper_body]


def _target_root(axis: int) -> Callable[[ObservationBuilder, mujoco.MjData, ControllerState], np.ndarray]:
    def term(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
        return euler_xyz(_ctx(b).reference(1)["root_quat"])[axis : axis + 1]

    term.__doc__ = f"Next reference root {('roll', 'pitch', 'yaw')[axis]} [rad]."
    return term


def _deepmimic_lin_ang_vel(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Next reference root linear and angular velocity in the robot's heading frame."""
    ref = _ctx(b).reference(1)
    yaw = euler_xyz(b.root_quat(d))[2]
    return np.concatenate([heading_inv(yaw, ref["root_lin_vel"]), heading_inv(yaw, ref["root_ang_vel"])])


def _terrain_height(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Height map: ray distances from the scan body down to the terrain [m] (the sensor's own noise is not added)."""
    return _ctx(b).height_scan(d)


TRACKING_TERMS: dict[str, Callable[[ObservationBuilder, mujoco.MjData, ControllerState], np.ndarray]] = {
    "torso_xy_rel": _torso_xy_rel,
    "torso_yaw_rel": _torso_yaw_rel,
    "target_joints": _target_joints,
    "upper_body_joint_targets": _upper_body_joint_targets,
    "target_root_roll": _target_root(0),
    "target_root_pitch": _target_root(1),
    "target_root_yaw": _target_root(2),
    "deepmimic_lin_ang_vel": _deepmimic_lin_ang_vel,
    "terrain_height": _terrain_height,
    "terrain_height_noisy": _terrain_height,
}
