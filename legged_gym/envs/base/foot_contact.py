"""Foot contact state: one object, updated once per environment step, read by every task's rewards and observations.

A foot is in contact when the vertical contact force on it exceeds ``rewards.contact_force_threshold`` [N]. Air
time follows legged_gym: contact is *filtered* with the previous step's contact (MuJoCo and PhysX both report
contacts that flicker for one step on touchdown), optionally also with a gait's stance mask (Humanoid-Gym); a
touchdown (``first_contact``) is a filtered contact of a foot that was in the air; ``air_time_at_contact`` is the
air time including this step, at touchdowns (a task that clamps it, as Humanoid-Gym does, clamps in its reward).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["FootContact"]


class FootContact:
    """Contact, touchdown and air time of a set of bodies (see the module docstring).

    Args:
        num_envs: environments.
        body_indices: (F,) indices of the feet among the backend's contact bodies.
        threshold: vertical force [N] above which a foot is in contact.
        dt: environment step [s].

    Attributes (each (N, F)): ``contact`` (bool, this step), ``last_contact`` (bool, the step before),
    ``first_contact`` (bool, touchdown this step), ``air_time`` (running, [s]), ``air_time_at_contact`` ([s], zero
    except at touchdowns).
    """

    def __init__(self, num_envs: int, body_indices: Tensor, threshold: float, dt: float) -> None:
        if threshold < 0:
            raise ValueError(f"rewards.contact_force_threshold must be >= 0 N, got {threshold}")
        self.body_indices = body_indices
        self.threshold = float(threshold)
        self.dt = float(dt)
        shape, dev = (num_envs, int(body_indices.numel())), body_indices.device
        self.contact = torch.zeros(shape, dtype=torch.bool, device=dev)
        self.last_contact = torch.zeros_like(self.contact)
        self.first_contact = torch.zeros_like(self.contact)
        self.air_time = torch.zeros(shape, device=dev)
        self.air_time_at_contact = torch.zeros(shape, device=dev)

    def update(self, contact_forces: Tensor, stance: Tensor | None = None) -> None:
        """Advance one step from the backend's (N, C, 3) contact forces; ``stance`` (N, F) bool also counts as
        contact for the air-time filter."""
        contact = contact_forces[:, self.body_indices, 2] > self.threshold
        filtered = contact | self.contact
        if stance is not None:
            filtered = filtered | stance
        self.last_contact = self.contact
        self.contact = contact
        self.first_contact = (self.air_time > 0.0) & filtered
        self.air_time = self.air_time + self.dt
        self.air_time_at_contact = self.air_time * self.first_contact
        self.air_time = self.air_time * ~filtered

    def reset(self, env_ids: Tensor, contact: Tensor | None = None) -> None:
        """Start episodes of ``env_ids``: no air time, no touchdown, and ``contact`` (n, F) bool (default: none) as
        both this and the previous step's contact."""
        value = False if contact is None else contact
        self.contact[env_ids] = value
        self.last_contact[env_ids] = value
        self.first_contact[env_ids] = False
        self.air_time[env_ids] = 0.0
        self.air_time_at_contact[env_ids] = 0.0
