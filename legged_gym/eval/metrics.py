"""Per-clip tracking metrics of evaluation episodes: per-frame errors accumulated per clip, episodes, summaries.

Definitions: :mod:`legged_gym.eval.evaluation` (module docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["METRIC_KEYS", "ClipMetrics", "EpisodeRecord"]

METRIC_KEYS = (
    "success_rate",
    "joint_error_rad",
    "link_pos_error_m",
    "link_pos_error_root_rel_m",
    "contact_match",
    "frames_tracked_frac",
)


@dataclass
class EpisodeRecord:
    """One evaluated episode."""

    clip: int
    repeat: int
    env: int
    success: bool
    frames_tracked: int


class ClipMetrics:
    """Per-clip sums of frame errors and episode outcomes; :meth:`summary` turns them into means."""

    def __init__(self, clip_names: list[str], clip_lengths: list[int]) -> None:
        if len(clip_names) != len(clip_lengths):
            raise ValueError(
                f"ClipMetrics: expected as many clip lengths as names, got {len(clip_lengths)} and {len(clip_names)}"
            )
        self.clip_names = list(clip_names)
        self.clip_lengths = [int(n) for n in clip_lengths]
        c = len(clip_names)
        z = lambda: torch.zeros(c, dtype=torch.float64)  # noqa: E731
        self.frames = z()
        self.joint_sum = z()
        self.link_sum = z()
        self.link_rel_sum = z()
        self.contact_matches = z()
        self.contact_total = z()
        self.episodes = z()
        self.successes = z()
        self.frames_tracked = z()
        self.records: list[EpisodeRecord] = []
        # per clip and frame of the clip: summed joint and link errors and their count (errors over the clip's time)
        # (one flat array over the clips; clip c owns [frame_base[c], frame_base[c] + length + 1))
        sizes = np.array([n + 1 for n in self.clip_lengths], dtype=np.int64)
        self.frame_base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.frame_sizes = sizes
        self.frame_joint = np.zeros(int(sizes.sum()))
        self.frame_link = np.zeros(int(sizes.sum()))
        self.frame_count = np.zeros(int(sizes.sum()))

    def add_frames(self, clip: Tensor, errors: dict[str, Tensor], frame: Tensor | None = None) -> None:
        """Add one frame per entry of ``clip`` (n,) with the matching rows of :func:`frame_errors`'s output;
        ``frame`` (n,), each entry's frame within its clip, also files the errors by time."""
        clip = clip.detach().cpu().long()
        if clip.numel() == 0:
            return
        if frame is not None:
            c, f = clip.numpy(), frame.detach().cpu().long().numpy()
            keep = (f >= 0) & (f < self.frame_sizes[c])
            idx = self.frame_base[c[keep]] + f[keep]
            np.add.at(self.frame_joint, idx, errors["joint"].detach().cpu().double().numpy()[keep])
            np.add.at(self.frame_link, idx, errors["link"].detach().cpu().double().numpy()[keep])
            np.add.at(self.frame_count, idx, 1.0)
        g = lambda k: errors[k].detach().cpu().to(torch.float64)  # noqa: E731
        ones = torch.ones(clip.numel(), dtype=torch.float64)
        self.frames.index_add_(0, clip, ones)
        self.joint_sum.index_add_(0, clip, g("joint"))
        self.link_sum.index_add_(0, clip, g("link"))
        self.link_rel_sum.index_add_(0, clip, g("link_rel"))
        self.contact_matches.index_add_(0, clip, g("contact_matches"))
        self.contact_total.index_add_(0, clip, ones * float(errors["num_feet"]))

    def add_episode(self, clip: int, success: bool, frames_tracked: int, repeat: int = 0, env: int = -1) -> None:
        """Record a finished episode of ``clip``."""
        self.episodes[clip] += 1
        self.successes[clip] += float(success)
        self.frames_tracked[clip] += frames_tracked
        self.records.append(EpisodeRecord(int(clip), int(repeat), int(env), bool(success), int(frames_tracked)))

    @staticmethod
    def _ratio(num: float, den: float) -> float:
        return float(num) / float(den) if den > 0 else math.nan

    def error_curves(self, dt: float) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """clip -> (time [s], mean joint error [rad], mean link error [m]) at every frame some episode reached."""
        out = {}
        for i, name in enumerate(self.clip_names):
            span = slice(int(self.frame_base[i]), int(self.frame_base[i] + self.frame_sizes[i]))
            count, joint, link = self.frame_count[span], self.frame_joint[span], self.frame_link[span]
            seen = count > 0
            if seen.any():
                out[name] = (np.nonzero(seen)[0] * dt, joint[seen] / count[seen], link[seen] / count[seen])
        return out

    def _block(self, idx: list[int]) -> dict[str, Any]:
        s = lambda t: float(t[idx].sum())  # noqa: E731
        lengths = sum(self.clip_lengths[i] * float(self.episodes[i]) for i in idx)
        return {
            "episodes": int(s(self.episodes)),
            "successes": int(s(self.successes)),
            "success_rate": self._ratio(s(self.successes), s(self.episodes)),
            "joint_error_rad": self._ratio(s(self.joint_sum), s(self.frames)),
            "link_pos_error_m": self._ratio(s(self.link_sum), s(self.frames)),
            "link_pos_error_root_rel_m": self._ratio(s(self.link_rel_sum), s(self.frames)),
            "contact_match": self._ratio(s(self.contact_matches), s(self.contact_total)),
            "frames_tracked_mean": self._ratio(s(self.frames_tracked), s(self.episodes)),
            "frames_tracked_frac": self._ratio(s(self.frames_tracked), lengths),
            "frames_evaluated": int(s(self.frames)),
        }

    def summary(self) -> dict[str, Any]:
        """``{"clips": {name: metrics}, "overall": metrics}``; NaN where a clip has no data."""
        clips: dict[str, Any] = {}
        for i, name in enumerate(self.clip_names):
            key, k = name, 2
            while key in clips:  # repeated entries of one clip (e.g. oversampled videos) keep their own row
                key, k = f"{name}#{k}", k + 1
            clips[key] = {"index": i, "clip_length": self.clip_lengths[i], **self._block([i])}
        overall = self._block(list(range(len(self.clip_names))))
        rates = [c["success_rate"] for c in clips.values() if not math.isnan(c["success_rate"])]
        overall["success_rate_clip_mean"] = sum(rates) / len(rates) if rates else math.nan
        overall["clips"] = len(self.clip_names)
        return {"clips": clips, "overall": overall}
