"""Gait statistics of a MuJoCo rollout: steps per second, time in the air and swing clearance of each foot.

sim2sim reports them next to the command-tracking errors, so a walking policy's gait (a 0.64 s cycle makes
about 3 steps per second) can be told from a shuffle of rapid short steps, which tracks the same velocity.

A foot is in contact when the normal forces of the contacts between its body and any other body sum to more
than ``CONTACT_FORCE`` (the training environments' threshold). A *step* is a touchdown after the foot has been
off the ground for at least ``MIN_AIR_TIME``, so contact chatter while the foot drags does not count; the
*clearance* of a step is the highest the foot body rose above its height at the last sample in contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mujoco
import numpy as np

CONTACT_FORCE = 5.0  # [N]
MIN_AIR_TIME = 0.05  # [s] shortest flight that counts as a step


@dataclass
class _Foot:
    body: int
    in_contact: bool = True
    air_time: float = 0.0
    contact_z: float | None = None  # height at the last sample in contact
    liftoff_z: float = 0.0
    peak_z: float = 0.0
    steps: int = 0
    air_total: float = 0.0
    clearances: list[float] = field(default_factory=list)


class GaitStats:
    """Accumulates per-foot contact statistics; call :meth:`update` once per control step."""

    def __init__(self, model: mujoco.MjModel, feet_body_names: list[str], dt: float) -> None:
        """
        Raises:
            ValueError: a name is not a body of ``model``.
        """
        self.model, self.dt, self.time = model, dt, 0.0
        self.names = list(feet_body_names)
        self.feet: list[_Foot] = []
        for name in self.names:
            body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, name)
            if body < 0:
                raise ValueError(f"gait statistics: foot body '{name}' is not in the model")
            self.feet.append(_Foot(body))
        self._force = np.zeros(6)

    def foot_forces(self, data: mujoco.MjData) -> np.ndarray:
        """Summed normal force [N] of each foot's contacts with other bodies."""
        forces = np.zeros(len(self.feet))
        if data.ncon == 0:
            return forces
        pair = self.model.geom_bodyid[data.contact.geom[: data.ncon]]  # (ncon, 2) body ids
        between = pair[:, 0] != pair[:, 1]
        for k, foot in enumerate(self.feet):
            for i in np.flatnonzero(between & (pair == foot.body).any(axis=1)):
                mujoco.mj_contactForce(self.model, data, int(i), self._force)
                forces[k] += abs(self._force[0])
        return forces

    def update(self, data: mujoco.MjData) -> None:
        """Record the current contact state of each foot."""
        forces = self.foot_forces(data)
        self.time += self.dt
        for foot, force in zip(self.feet, forces):
            z = float(data.xpos[foot.body, 2])
            contact = force > CONTACT_FORCE
            if contact:
                if not foot.in_contact and foot.air_time >= MIN_AIR_TIME:
                    foot.steps += 1
                    foot.clearances.append(foot.peak_z - foot.liftoff_z)
                foot.air_time, foot.contact_z = 0.0, z
            else:
                if foot.in_contact:
                    foot.liftoff_z = foot.peak_z = z if foot.contact_z is None else foot.contact_z
                foot.air_time += self.dt
                foot.air_total += self.dt
                foot.peak_z = max(foot.peak_z, z)
            foot.in_contact = contact

    def reset(self) -> None:
        """Forget the flight in progress (after a respawn); the totals stay."""
        for foot in self.feet:
            foot.in_contact, foot.air_time, foot.contact_z = True, 0.0, None

    def summary(self) -> dict[str, float]:
        """``steps_per_s`` (both feet), ``air_fraction`` (mean over feet), ``clearance_m`` (mean over steps)."""
        steps = sum(f.steps for f in self.feet)
        clearances = [c for f in self.feet for c in f.clearances]
        t = max(self.time, 1e-9)
        return {
            "steps_per_s": steps / t,
            "air_fraction": float(np.mean([f.air_total / t for f in self.feet])) if self.feet else float("nan"),
            "clearance_m": float(np.mean(clearances)) if clearances else float("nan"),
        }
