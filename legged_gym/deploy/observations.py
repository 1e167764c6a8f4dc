"""Rebuild the policy's observation keys from MuJoCo ``MjData`` and the controller's own state.

Every key a policy input reads (critic-only keys are skipped) is assembled exactly as the training
``ObservationManager`` does: each term's value in
physical units, times its scale from the contract, concatenated in the contract's order, clipped to
``±clip_observations``; ``history_<key>`` keeps the last ``length`` frames (newest first or oldest first
as the contract says) and every slot holds the first frame after :meth:`ObservationBuilder.reset` (or, for
``reset_fill: zeros``, the newest slot holds it and the older ones are zero).

Joints are read by NAME: the contract's ``joint_names`` are mapped to qpos/qvel addresses of the model,
so the MJCF's joint order never matters. Frames follow the training backend: MuJoCo's free joint gives
the world-frame linear velocity (``qvel[0:3]``) and the body-frame angular velocity (``qvel[3:6]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import mujoco
import numpy as np

from legged_gym.deploy.contract import ContractError, PolicyContract
from legged_gym.deploy.rotations import quat_rotate_inverse

__all__ = ["COMMON_TERMS", "ControllerState", "ObservationBuilder"]


@dataclass
class ControllerState:
    """What the observations need besides the physics: last applied action, episode time, command."""

    last_action: np.ndarray
    time: float = 0.0  # [s] since the episode (controller) started
    commands: np.ndarray = field(default_factory=lambda: np.zeros(3))  # vx [m/s], vy [m/s], yaw rate [rad/s]


class ObservationBuilder:
    """Computes the observation dict of a contract from ``MjData`` (one robot, numpy float32 arrays).

    Raises:
        ContractError: a term is unknown (the message lists the supported terms), has an unexpected
            size, or a contract joint is not in the model.
    """

    def __init__(
        self,
        contract: PolicyContract,
        model: mujoco.MjModel,
        terms: Mapping[str, Callable[[ObservationBuilder, mujoco.MjData, ControllerState], np.ndarray]],
        ground_height: float = 0.0,
    ) -> None:
        """``terms``: every supported term by name (:data:`legged_gym.deploy.terms.TERMS`)."""
        self.contract = contract
        self.model = model
        self.ground_height = ground_height
        c = contract
        names = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, j) for j in range(model.njnt)]
        missing = [n for n in c.joint_names if n not in names]
        if missing:
            raise ContractError(f"{c.path}: env.joint_names {missing} are not joints of the MuJoCo model")
        jid = [names.index(n) for n in c.joint_names]
        self.qpos_adr = np.array([model.jnt_qposadr[j] for j in jid])
        self.qvel_adr = np.array([model.jnt_dofadr[j] for j in jid])
        free = [j for j in range(model.njnt) if model.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE]
        if not free:
            raise ContractError("the MuJoCo model has no free joint (floating base)")
        self.root_qpos = int(model.jnt_qposadr[free[0]])
        self.root_qvel = int(model.jnt_dofadr[free[0]])
        self.terms: dict[str, list[tuple[Callable[[mujoco.MjData, ControllerState], np.ndarray], float, str]]] = {}
        needed = {n for n in c.input_names if n in c.keys} | {c.histories[n].history_of for n in c.input_names if n in c.histories}
        for key, spec in c.keys.items():
            if key not in needed:
                continue  # read by no policy input (a critic-only key such as a privileged state): not rebuilt
            parts = []
            for t in spec.terms:
                fn = terms.get(t.name)
                if fn is None:
                    raise ContractError(
                        f"{c.path}: env.observations.{key}: unknown term '{t.name}'; supported terms: {sorted(terms)}"
                    )
                parts.append((fn, t.scale, t.name))
            self.terms[key] = parts
        self.history = {h.name: np.zeros(h.shape, dtype=np.float32) for h in c.histories.values() if h.history_of in needed}
        self._fresh = True
        self._checked = False

    # --- quantities -------------------------------------------------------------------------------
    def root_quat(self, data: mujoco.MjData) -> np.ndarray:
        """Base orientation (w, x, y, z)."""
        return data.qpos[self.root_qpos + 3 : self.root_qpos + 7]

    def dof_pos(self, data: mujoco.MjData) -> np.ndarray:
        """Joint positions in the contract's joint order [rad]."""
        return data.qpos[self.qpos_adr]

    def dof_vel(self, data: mujoco.MjData) -> np.ndarray:
        """Joint velocities in the contract's joint order [rad/s]."""
        return data.qvel[self.qvel_adr]

    # --- assembly ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Start a new episode: the next :meth:`compute` fills every history slot with its frame."""
        self._fresh = True

    def compute(self, data: mujoco.MjData, state: ControllerState, advance: bool = True) -> dict[str, np.ndarray]:
        """Observation dict (key -> float32 array without batch dim); ``advance`` pushes the histories."""
        c = self.contract
        obs: dict[str, np.ndarray] = {}
        for key, parts in self.terms.items():
            values = []
            for fn, scale, name in parts:
                v = np.asarray(fn(self, data, state), dtype=np.float64).ravel()
                values.append(v * scale)
            value = np.concatenate(values)
            if not self._checked and value.size != int(np.prod(c.keys[key].shape)):
                dims = {name: int(np.asarray(fn(self, data, state)).size) for fn, _, name in parts}
                raise ContractError(f"{c.path}: env.observations.{key} has shape {list(c.keys[key].shape)} but its terms give {dims}")
            obs[key] = np.clip(value, -c.clip_observations, c.clip_observations).reshape(c.keys[key].shape).astype(np.float32)
        self._checked = True
        for h in c.histories.values():
            if h.name not in self.history:
                continue
            frame = obs[h.history_of][None]
            buf = self.history[h.name]
            if self._fresh and h.reset_zeros:
                new = np.zeros_like(buf)
                new[0 if h.newest_first else -1] = frame[0]
            elif self._fresh:
                new = np.repeat(frame, h.length, axis=0)
            elif h.newest_first:
                new = np.concatenate([frame, buf[:-1]], axis=0)
            else:
                new = np.concatenate([buf[1:], frame], axis=0)
            if advance:
                self.history[h.name] = new
            obs[h.name] = new.copy()
        if advance:
            self._fresh = False
        return obs


# --- terms (physical units; the contract's scale is applied by the builder) -----------------------
def _base_lin_vel(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Base linear velocity in the base frame [m/s]."""
    return quat_rotate_inverse(b.root_quat(d), d.qvel[b.root_qvel : b.root_qvel + 3])


def _base_ang_vel(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Base angular velocity in the base frame [rad/s] (the free joint's qvel[3:6] is already local)."""
    return d.qvel[b.root_qvel + 3 : b.root_qvel + 6]


def _projected_gravity(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Unit gravity direction in the base frame."""
    return quat_rotate_inverse(b.root_quat(d), np.array([0.0, 0.0, -1.0]))


def _commands(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """vx, vy, yaw rate times the training obs scales (lin_vel, lin_vel, ang_vel), as the training term does."""
    return np.asarray(s.commands[:3], dtype=np.float64) * np.asarray(b.contract.command_scales)


def _dof_pos(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Joint positions relative to the default pose [rad]."""
    return b.dof_pos(d) - b.contract.default_joint_pos


def _dof_vel(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Joint velocities [rad/s]."""
    return b.dof_vel(d)


def _actions(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """The last applied action (after clip and EMA)."""
    return s.last_action


def _phase(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """sin, cos of the gait clock 2*pi*((t mod period) / period), t = episode time."""
    period = b.contract.gait_period
    phase = (np.float32(s.time) % np.float32(period)) / np.float32(period)
    return np.array([np.sin(2 * np.pi * phase), np.cos(2 * np.pi * phase)])


def _root_height(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Base height above the (flat) ground [m]."""
    return np.array([d.qpos[b.root_qpos + 2] - b.ground_height])


COMMON_TERMS: dict[str, Callable[[ObservationBuilder, mujoco.MjData, ControllerState], np.ndarray]] = {
    "base_lin_vel": _base_lin_vel,
    "base_ang_vel": _base_ang_vel,
    "projected_gravity": _projected_gravity,
    "commands": _commands,
    "dof_pos": _dof_pos,
    "dof_vel": _dof_vel,
    "actions": _actions,
    "phase": _phase,
    "root_height": _root_height,
}
