"""Domain randomisation from ``cfg.domain_rand``: friction, added mass, pushes, torque noise, gains, delays.

Friction and added mass are drawn once per environment at start-up; gains and control delay are
redrawn at every reset; torque noise is applied every physics step by the backend; pushes add a
random linear (and, with ``max_push_ang_vel``, angular) velocity to the root every ``max_push_vel_interval``
seconds; ``action_delay`` and ``action_noise`` perturb the clipped actions every control step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from legged_gym.envs.base.legged_robot import LeggedRobot


class DomainRandomizer:
    """Samples the randomised physical parameters of an environment and hands them to its backend."""

    def __init__(self, env: LeggedRobot) -> None:
        self.env = env
        self.cfg = env.cfg.domain_rand
        n, dev = env.num_envs, env.device
        all_ids = torch.arange(n, device=dev)
        c = self.cfg
        self.friction = torch.ones(n, device=dev)
        self.added_mass = torch.zeros(n, device=dev)
        if c.randomize_friction:
            lo, hi = c.friction_range
            if c.friction_buckets > 0:
                # the seed's buckets, given to blocks of neighbouring environments: the bucket values are i.i.d.,
                # so each environment's friction is still uniform, and on the CPU backend the environments one
                # rollout thread steps share a model copy (about 14 % faster physics than random assignment)
                buckets = lo + (hi - lo) * env._rand(c.friction_buckets)
                self.friction = buckets[torch.arange(n, device=dev) * c.friction_buckets // n]
            else:
                self.friction = lo + (hi - lo) * env._rand(n)
        if c.randomize_base_mass:
            lo, hi = c.added_mass_range
            self.added_mass = lo + (hi - lo) * env._rand(n)
        env.sim.set_params(
            all_ids,
            friction=self.contact_friction() if c.randomize_friction else None,
            added_mass=self.added_mass if c.randomize_base_mass else None,
            torque_noise=torch.full((n,), c.torque_rfi_rand_scale, device=dev) if c.torque_rfi_rand else None,
        )
        self.kp_scale = torch.ones(n, env.num_dof, device=dev)
        self.kd_scale = torch.ones(n, env.num_dof, device=dev)
        self.control_delay = torch.zeros(n, dtype=torch.long, device=dev)
        self.push_interval = max(1, int(round(c.max_push_vel_interval / env.dt)))
        self.last_push = torch.zeros(n, 3, device=dev)  # [m/s] linear velocity added by the last push
        self.last_push_ang = torch.zeros(n, 3, device=dev)  # [rad/s] angular velocity added by the last push

    def contact_friction(self) -> Tensor:
        """Friction of the robot-ground contact from each environment's drawn friction (``friction_combine``)."""
        ground = self.env.cfg.terrain.friction
        rule = self.cfg.friction_combine
        if rule == "average":
            return (self.friction + ground) / 2
        if rule == "max":
            return self.friction
        raise ValueError(f"domain_rand.friction_combine: expected 'average' or 'max', got {rule!r}")

    def on_reset(self, env_ids: Tensor) -> None:
        """Redraw per-episode parameters (PD gain scales, control delay) for the reset environments."""
        c, env = self.cfg, self.env
        n = len(env_ids)
        kp = kd = delay = None
        if c.p_gain_rand:
            kp = (1.0 + c.p_gain_rand_scale * env._randn(n, env.num_dof)).clamp_min(0.1)
            self.kp_scale[env_ids] = kp
        if c.d_gain_rand:
            kd = (1.0 + c.d_gain_rand_scale * env._randn(n, env.num_dof)).clamp_min(0.0)
            self.kd_scale[env_ids] = kd
        if c.control_delays:
            span = c.control_delay_max - c.control_delay_min + 1
            delay = c.control_delay_min + (env._rand(n) * span).long().clamp(max=span - 1)
            self.control_delay[env_ids] = delay
        if kp is not None or kd is not None or delay is not None:
            env.sim.set_params(env_ids, kp_scale=kp, kd_scale=kd, control_delay=delay)
        self.last_push[env_ids] = 0.0
        self.last_push_ang[env_ids] = 0.0

    def perturb_actions(self, actions: Tensor, previous: Tensor) -> Tensor:
        """Random blend with the previous action (``action_delay``) and multiplicative noise (``action_noise``)."""
        c, env = self.cfg, self.env
        if c.action_delay > 0:
            u = c.action_delay * env._rand(env.num_envs, 1)
            actions = (1.0 - u) * actions + u * previous
        if c.action_noise > 0:
            actions = actions + c.action_noise * env._randn(*actions.shape) * actions
        return actions

    def maybe_push(self) -> None:
        """Every push interval, add a random velocity to every root (if ``push_robots``)."""
        c, env = self.cfg, self.env
        if not c.push_robots or env.common_step_counter % self.push_interval != 0:
            return
        n = env.num_envs
        dv = torch.zeros(n, 3, device=env.device)
        dv[:, :2] = c.max_push_vel_xy * (2 * env._rand(n, 2) - 1)
        dv[:, 2] = c.max_push_vel_z * (2 * env._rand(n) - 1)
        self.last_push = dv
        dw = None
        if c.max_push_ang_vel > 0:
            dw = c.max_push_ang_vel * (2 * env._rand(n, 3) - 1)
            self.last_push_ang = dw
        env.sim.add_root_velocity(torch.arange(n, device=env.device), dv, dw)
        env._refresh_state()
