# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Per-iteration training statistics: episode bookkeeping, scalar logging and the console summary."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import torch

from rsl_rl.utils.writers import LogWriter

__all__ = ["EpisodeTracker", "IterationStats", "average_episode_infos", "format_console", "write_scalars"]


class EpisodeTracker:
    """Running per-env return / length; keeps the last ``maxlen`` finished episodes."""

    def __init__(self, num_envs: int, device: torch.device, maxlen: int = 100) -> None:
        """Allocate per-env accumulators."""
        self.cur_reward = torch.zeros(num_envs, device=device)
        self.cur_length = torch.zeros(num_envs, device=device)
        self.rewards: deque[float] = deque(maxlen=maxlen)
        self.lengths: deque[float] = deque(maxlen=maxlen)

    def step(self, rewards: torch.Tensor, dones: torch.Tensor) -> None:
        """Accumulate one step; move finished episodes into the buffers."""
        self.cur_reward += rewards.reshape(-1)
        self.cur_length += 1
        done_ids = dones.reshape(-1).nonzero(as_tuple=False).flatten()
        if done_ids.numel() > 0:
            self.rewards.extend(self.cur_reward[done_ids].tolist())
            self.lengths.extend(self.cur_length[done_ids].tolist())
            self.cur_reward[done_ids] = 0.0
            self.cur_length[done_ids] = 0.0

    @property
    def mean_reward(self) -> float | None:
        """Mean return over the buffered finished episodes (``None`` before the first one)."""
        return statistics.fmean(self.rewards) if self.rewards else None

    @property
    def mean_length(self) -> float | None:
        """Mean length over the buffered finished episodes (``None`` before the first one)."""
        return statistics.fmean(self.lengths) if self.lengths else None


def average_episode_infos(ep_infos: list[dict[str, Any]]) -> dict[str, float]:
    """Average each ``extras["episode"]`` entry over the iteration (floats, 0-dim or per-env tensors)."""
    values: dict[str, list[torch.Tensor]] = {}
    for info in ep_infos:
        for key, v in info.items():
            t = torch.as_tensor(v.detach().cpu() if isinstance(v, torch.Tensor) else v, dtype=torch.float64)
            values.setdefault(key, []).append(t.reshape(-1))
    return {k: float(torch.cat(v).mean()) for k, v in values.items() if sum(x.numel() for x in v) > 0}


@dataclass
class IterationStats:
    """Everything logged for one iteration."""

    iteration: int
    last_iteration: int
    losses: dict[str, float]
    mean_std: float
    collection_time: float
    learn_time: float
    steps_per_iteration: int
    total_timesteps: int
    total_time: float
    iterations_this_call: int
    mean_reward: float | None
    mean_episode_length: float | None
    episode: dict[str, float] = field(default_factory=dict)
    gates: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        """Env steps per second over all ranks."""
        return self.steps_per_iteration / max(self.collection_time + self.learn_time, 1e-9)


PPO_LOSSES = ("value_function", "surrogate", "entropy", "bounds", "kl", "learning_rate")
AUX_LABELS = {"bc": "BC loss", "symmetry": "Symmetry loss"}  # console names of auxiliary losses


def auxiliary_loss_names(losses: dict[str, float]) -> list[str]:
    """The loss keys an algorithm adds to PPO's (``bc`` for DAgger), in their order."""
    return [k for k in losses if k not in PPO_LOSSES]


def write_scalars(writer: LogWriter, s: IterationStats) -> None:
    """Write the scalars of one iteration (TensorBoard / W&B tags).

    Tags: ``Loss/*``, ``Policy/*``, ``Perf/*``, ``Train/*``, ``Episode/*`` and ``Network/gate_*``.
    """
    it = s.iteration
    writer.add_scalar("Loss/value_function", s.losses["value_function"], it)
    writer.add_scalar("Loss/surrogate", s.losses["surrogate"], it)
    writer.add_scalar("Loss/entropy", s.losses["entropy"], it)
    writer.add_scalar("Loss/bounds", s.losses["bounds"], it)
    writer.add_scalar("Loss/kl", s.losses["kl"], it)
    writer.add_scalar("Loss/learning_rate", s.losses["learning_rate"], it)
    for name in auxiliary_loss_names(s.losses):  # an algorithm's own terms, e.g. DAgger's bc
        writer.add_scalar(f"Loss/{name}", s.losses[name], it)
    writer.add_scalar("Policy/mean_noise_std", s.mean_std, it)
    writer.add_scalar("Perf/total_fps", s.fps, it)
    writer.add_scalar("Perf/collection_time", s.collection_time, it)
    writer.add_scalar("Perf/learning_time", s.learn_time, it)
    if s.mean_reward is not None:
        writer.add_scalar("Train/mean_reward", s.mean_reward, it)
    if s.mean_episode_length is not None:
        writer.add_scalar("Train/mean_episode_length", s.mean_episode_length, it)
    for name, value in s.episode.items():
        writer.add_scalar(f"Episode/{name}", value, it)
    for name, (mean_abs, max_abs) in s.gates.items():
        net, _, key = name.partition("/")
        prefix = f"Network/gate_{key}" if net == "actor" else f"Network/{net}_gate_{key}"
        writer.add_scalar(f"{prefix}_mean_abs", mean_abs, it)
        writer.add_scalar(f"{prefix}_max_abs", max_abs, it)


def format_console(s: IterationStats, width: int = 80, pad: int = 35) -> str:
    """Human-readable summary of one iteration."""
    remaining = s.last_iteration - (s.iteration + 1)
    mean_iter_time = s.total_time / max(s.iterations_this_call, 1)
    lines = [
        "#" * width,
        f" Learning iteration {s.iteration + 1}/{s.last_iteration} ".center(width),
        "",
        f"{'Computation:':>{pad}} {s.fps:.0f} steps/s (collection: {s.collection_time:.3f}s, "
        f"learning {s.learn_time:.3f}s)",
        f"{'Value function loss:':>{pad}} {s.losses['value_function']:.4f}",
        f"{'Surrogate loss:':>{pad}} {s.losses['surrogate']:.4f}",
        *(f"{AUX_LABELS.get(n, n.replace('_', ' ').capitalize() + ' loss') + ':':>{pad}} {s.losses[n]:.4f}"
          for n in auxiliary_loss_names(s.losses)),
        f"{'Bounds loss:':>{pad}} {s.losses['bounds']:.4f}",
        f"{'Entropy:':>{pad}} {s.losses['entropy']:.4f}",
        f"{'KL:':>{pad}} {s.losses['kl']:.5f}",
        f"{'Learning rate:':>{pad}} {s.losses['learning_rate']:.2e}",
        f"{'Mean action noise std:':>{pad}} {s.mean_std:.3f}",
    ]
    if s.mean_reward is not None and s.mean_episode_length is not None:
        lines.append(f"{'Mean reward:':>{pad}} {s.mean_reward:.3f}")
        lines.append(f"{'Mean episode length:':>{pad}} {s.mean_episode_length:.1f}")
    for name, value in s.episode.items():
        lines.append(f"{f'Episode {name}:':>{pad}} {value:.4f}")
    for name, (mean_abs, max_abs) in s.gates.items():
        lines.append(f"{f'Gate {name} |g| mean/max:':>{pad}} {mean_abs:.4f} / {max_abs:.4f}")
    per_iter = s.collection_time + s.learn_time
    lines += [
        "-" * width,
        f"{'Total timesteps:':>{pad}} {s.total_timesteps}",
        f"{'Iteration time:':>{pad}} {per_iter:.2f}s",
        f"{'Total time:':>{pad}} {s.total_time:.2f}s",
        f"{'ETA:':>{pad}} {mean_iter_time * max(remaining, 0):.1f}s",
    ]
    return "\n".join(lines)


def hms(seconds: float) -> str:
    """``h:mm:ss`` of a duration."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


PROGRESS_KEYS = ("success/overall",)  # episode infos shown in the progress line when present


def format_progress(s: IterationStats, extra: dict[str, float] | None = None) -> str:
    """One line per iteration: iteration, throughput, elapsed time and ETA (h:mm:ss), reward, episode length, the
    task's key metrics (``extra``, e.g. the latest from-frame-0 evaluation)."""
    remaining = s.last_iteration - (s.iteration + 1)
    mean_iter_time = s.total_time / max(s.iterations_this_call, 1)
    parts = [f"it {s.iteration + 1}/{s.last_iteration}", f"{s.fps:,.0f} steps/s", f"{s.total_timesteps:,} steps",
             f"elapsed {hms(s.total_time)}", f"ETA {hms(mean_iter_time * max(remaining, 0))}"]
    if s.mean_reward is not None and s.mean_episode_length is not None:
        parts += [f"reward {s.mean_reward:.2f}", f"ep len {s.mean_episode_length:.0f}"]
    if s.losses.get("bc", 0.0):
        parts.append(f"BC loss {s.losses['bc']:.4f}")
    for key in PROGRESS_KEYS:
        if key in s.episode:
            parts.append(f"{key.split('/')[0]} {s.episode[key]:.2f}")
    for key, value in (extra or {}).items():
        parts.append(f"{key} {value:.2f}")
    return " | ".join(parts)
