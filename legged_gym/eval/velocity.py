"""Velocity-command probes in the training simulator: how a policy follows fixed commands from rest.

:func:`probe_commands` holds each command on its own environments, starting from rest, and averages the base-frame
velocity, the command-tracking errors (per env-step ``|v_cmd_xy - v_xy|`` and ``|w_cmd - w_z|``, the definitions of
``sim2sim.py``) and the fraction of time a foot is off the ground after a warm-up. :class:`VelocityEvaluator` runs it
with the deterministic policy during training (``train.py``, every ``runner.eval_interval`` iterations, logged under
``Eval/`` and in ``eval_curve.csv``) on the commands the walking bar names; ``benchmarks/gait_probe.py`` compares
the deterministic and the stochastic policy with it. ``benchmarks/walking.py`` (sim2sim at 1 kHz) stays the judge.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from legged_gym.eval.evaluation import apply_eval_settings

__all__ = ["BAR_COMMANDS", "VelocityEvaluator", "command_label", "probe_commands"]

# forward 0.5, backward 0.3, sideways 0.3 m/s, yaw rate 0.5 rad/s: the commands the walking bar names
BAR_COMMANDS: tuple[tuple[float, float, float], ...] = (
    (0.5, 0.0, 0.0), (-0.3, 0.0, 0.0), (0.0, 0.3, 0.0), (0.0, -0.3, 0.0), (0.0, 0.0, 0.5), (0.0, 0.0, -0.5),
)
HOLD_COMMANDS_S = 1e6  # resampling time that holds the probe's commands


def command_label(cmd: tuple[float, float, float] | list[float]) -> str:
    """``vx,vy,yaw`` with two decimals (``0.50,0.00,-0.50``)."""
    return ",".join(f"{c:.2f}" for c in cmd)


def probe_commands(
    env: Any, act: Callable[[dict[str, Tensor]], Tensor], commands: Tensor, per: int, steps: int, warmup: int,
    device: str = "cpu",
) -> list[dict[str, float]]:
    """Hold command ``i`` on environments ``i*per .. (i+1)*per - 1`` (``env.num_envs == per * len(commands)``)
    for ``steps`` control steps from a reset; average over the steps after ``warmup``.

    Returns one row per command: ``cmd_vx, cmd_vy, cmd_yaw``; mean ``vx, vy, yaw`` (base frame); ``lin_vel_err`` and
    ``yaw_rate_err`` (means of the per env-step errors); ``air`` (fraction of foot-steps off the ground); ``falls``
    (terminations other than time-outs).
    """
    if env.num_envs != per * len(commands) or not 0 <= warmup < steps:
        raise ValueError(f"probe_commands: {env.num_envs} environments for {len(commands)} commands x {per}, "
                         f"steps {steps}, warmup {warmup}")
    c = commands.to(env.device).repeat_interleave(per, dim=0)
    obs = env.reset()
    env.commands[:, :3] = c
    sums = torch.zeros(env.num_envs, 6, device=env.device)  # vx, vy, yaw, lin err, yaw err, air
    falls = torch.zeros(env.num_envs, device=env.device)
    with torch.no_grad():
        for t in range(steps):
            obs, _, dones, extras = env.step(act({k: v.to(device) for k, v in obs.items()}))
            env.commands[:, :3] = c  # a reset draws new commands: hold the probe's
            time_outs = extras.get("time_outs")
            falls += (dones & ~time_outs.bool() if time_outs is not None else dones).float()
            if t >= warmup:
                v = torch.stack([env.base_lin_vel[:, 0], env.base_lin_vel[:, 1], env.base_ang_vel[:, 2]], dim=1)
                sums[:, :3] += v
                sums[:, 3] += torch.norm(c[:, :2] - v[:, :2], dim=1)
                sums[:, 4] += torch.abs(c[:, 2] - v[:, 2])
                sums[:, 5] += (~env.feet.contact).float().mean(dim=1)
    means = (sums / (steps - warmup)).cpu()
    rows = []
    for i, cmd in enumerate(commands.tolist()):
        m = means[i * per:(i + 1) * per].mean(dim=0).tolist()
        rows.append({"cmd_vx": cmd[0], "cmd_vy": cmd[1], "cmd_yaw": cmd[2], "vx": m[0], "vy": m[1], "yaw": m[2],
                     "lin_vel_err": m[3], "yaw_rate_err": m[4], "air": m[5],
                     "falls": int(falls[i * per:(i + 1) * per].sum())})
    return rows


class VelocityEvaluator:
    """The deterministic policy on fixed commands from rest, in a copy of the training environment with the
    evaluation settings (no noise, pushes or randomisation).

    Args:
        task_class: the environment class of the (velocity) task.
        env_cfg: the training environment's config (copied).
        commands: (vx, vy, yaw rate) to hold, each on ``per`` environments.
        duration_s, warmup_s: probe length and the part at its start that is not averaged [s].
        max_lin_err, max_yaw_err: the bar of ``pass/all``.
    """

    def __init__(
        self, task_class: type, env_cfg: Any, commands: tuple[tuple[float, float, float], ...] = BAR_COMMANDS,
        per: int = 2, duration_s: float = 10.0, warmup_s: float = 2.0, max_lin_err: float = 0.1,
        max_yaw_err: float = 0.15, sim_device: str = "cpu", rl_device: str = "cpu",
    ) -> None:
        cfg = copy.deepcopy(env_cfg)
        apply_eval_settings(cfg)
        cfg.env.num_envs = per * len(commands)
        cfg.commands.resampling_time = HOLD_COMMANDS_S
        cfg.env.episode_length_s = max(float(cfg.env.episode_length_s), duration_s + 1.0)
        self.env = task_class(cfg, sim_device=sim_device, rl_device=rl_device)
        self.commands = torch.tensor(commands, dtype=torch.float32)
        self.per = per
        self.steps = max(1, round(duration_s / float(self.env.dt)))
        self.warmup = min(round(warmup_s / float(self.env.dt)), self.steps - 1)
        self.max_lin_err, self.max_yaw_err = max_lin_err, max_yaw_err
        self.device = rl_device

    def __call__(self, policy: Callable[[dict[str, Tensor]], Tensor]) -> dict[str, float]:
        """Flat metrics: per command ``lin_vel_err/<vx,vy,yaw>``, ``yaw_rate_err/<...>``, ``vx|vy|yaw/<...>``;
        ``lin_vel_err/max``, ``yaw_rate_err/max``, ``air/mean``, ``falls/sum`` and ``pass/all`` (1 when every command
        is within the bar and nothing fell)."""
        rows = probe_commands(self.env, policy, self.commands, self.per, self.steps, self.warmup, self.device)
        out: dict[str, float] = {}
        for r in rows:
            label = command_label((r["cmd_vx"], r["cmd_vy"], r["cmd_yaw"]))
            for k in ("lin_vel_err", "yaw_rate_err", "vx", "vy", "yaw"):
                out[f"{k}/{label}"] = float(r[k])
        out["lin_vel_err/max"] = max(r["lin_vel_err"] for r in rows)
        out["yaw_rate_err/max"] = max(r["yaw_rate_err"] for r in rows)
        out["air/mean"] = sum(r["air"] for r in rows) / len(rows)
        out["falls/sum"] = float(sum(r["falls"] for r in rows))
        out["pass/all"] = float(out["lin_vel_err/max"] <= self.max_lin_err
                                and out["yaw_rate_err/max"] <= self.max_yaw_err and out["falls/sum"] == 0)
        return out

    def close(self) -> None:
        self.env.close()
