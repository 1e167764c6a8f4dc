"""Start-state sampling over clips (seed_system.md section b, "Reset / reference-state init").

A start is a (clip, frame) pair with frame in [0, M) where M = max(len - 3, 1) (the seed's last valid start is
three frames before the clip's end). Sampling is two-stage: a clip by its probability, then a start inside it.

Within a clip (``weighting_strategy``):
* ``"uniform"``: every start equally likely;
* ``"linear"``: start i with weight proportional to (M - i), favouring early starts.

Across clips (``clip_weighting_strategy``):
* ``"uniform_step"``: clip probability proportional to its number of valid starts M, so with uniform weighting
  every (clip, start) pair is equally likely (with linear weighting each clip keeps the mass M and spreads it
  linearly);
* ``"uniform_clip"``: every clip equally likely;
* ``"success_rate_adaptive"``: equal mass per clip times factor_c = (1 / (sr_c + 0.05)) / mean_c(1 / (sr + 0.05)),
  clamped to [1/3, 3], where sr_c is the clip's success rate over its last <= ``window`` finished episodes.
  A clip with no finished episode has sr = 0 (it gets the largest factor until it has data).
"""

from __future__ import annotations

import torch
from torch import Tensor

WEIGHTING_STRATEGIES = ("uniform", "linear")
CLIP_WEIGHTING_STRATEGIES = ("uniform_step", "uniform_clip", "success_rate_adaptive")
START_MARGIN = 3
ADAPTIVE_EPS = 0.05
ADAPTIVE_CLAMP = (1.0 / 3.0, 3.0)


def num_valid_starts(clip_length: Tensor) -> Tensor:
    """Number of valid starts M = max(len - 3, 1) per clip (C,)."""
    return torch.clamp(clip_length - START_MARGIN, min=1)


def adaptive_factors(success_rate: Tensor) -> Tensor:
    """Per-clip factors (1 / (sr + 0.05)) / mean(...), clamped to [1/3, 3]."""
    inv = 1.0 / (success_rate.double() + ADAPTIVE_EPS)
    return torch.clamp(inv / inv.mean(), *ADAPTIVE_CLAMP)


def clip_probabilities(clip_length: Tensor, strategy: str, success_rate: Tensor | None = None) -> Tensor:
    """Probability (C,) float64 of each clip under ``strategy`` (see the module docstring)."""
    if strategy not in CLIP_WEIGHTING_STRATEGIES:
        raise ValueError(f"clip_weighting_strategy must be one of {CLIP_WEIGHTING_STRATEGIES}, got {strategy!r}")
    if strategy == "uniform_step":
        w = num_valid_starts(clip_length).double()
    else:
        w = torch.ones(clip_length.shape[0], dtype=torch.float64)
        if strategy == "success_rate_adaptive":
            if success_rate is None:
                raise ValueError("success_rate_adaptive needs per-clip success rates")
            w = w * adaptive_factors(success_rate)
    return w / w.sum()


def sample_in_clip(num_starts: Tensor, strategy: str, generator: torch.Generator | None = None) -> Tensor:
    """One start index in [0, M) per entry of ``num_starts`` (n,), uniform or linear (weight M - i)."""
    if strategy not in WEIGHTING_STRATEGIES:
        raise ValueError(f"weighting_strategy must be one of {WEIGHTING_STRATEGIES}, got {strategy!r}")
    device = generator.device if generator is not None else num_starts.device
    m = num_starts.to(device).double()
    u = torch.rand(num_starts.shape, generator=generator, dtype=torch.float64, device=device)
    if strategy == "uniform":
        i = torch.floor(u * m)
    else:
        # k = M - i has weight k on 1..M; its CDF is k(k+1)/2 / (M(M+1)/2): invert it
        total = m * (m + 1.0) / 2.0
        k = torch.ceil((-1.0 + torch.sqrt(1.0 + 8.0 * u * total)) / 2.0)
        i = m - torch.clamp(k, min=1.0)
    return torch.minimum(i.long().clamp(min=0), num_starts.to(device) - 1)


class SuccessTracker:
    """Per-clip rolling windows of episode outcomes (the last ``window`` finished episodes of each clip)."""

    def __init__(self, num_clips: int, window: int = 1000) -> None:
        if window < 1:
            raise ValueError(f"success window must be >= 1, got {window}")
        self.window = window
        self.outcomes = torch.zeros(num_clips, window, dtype=torch.bool)
        self.count = torch.zeros(num_clips, dtype=torch.long)

    def record(self, clip_idx: Tensor, success: Tensor) -> None:
        """Add finished episodes: clip index (n,) long, success (n,) bool (e.g. ended by reaching the clip's end)."""
        clip_idx = clip_idx.detach().to("cpu", torch.long).reshape(-1)
        success = success.detach().to("cpu", torch.bool).reshape(-1)
        if clip_idx.shape != success.shape:
            raise ValueError(f"clip_idx {tuple(clip_idx.shape)} and success {tuple(success.shape)} differ in shape")
        if clip_idx.numel() == 0:
            return
        num_clips = self.count.shape[0]
        if int(clip_idx.min()) < 0 or int(clip_idx.max()) >= num_clips:
            raise IndexError(f"clip index out of range [0, {num_clips}): {clip_idx.tolist()}")
        order = torch.sort(clip_idx, stable=True).indices
        c, s = clip_idx[order], success[order]
        per_clip = torch.bincount(c, minlength=num_clips)
        first = torch.cumsum(per_clip, 0) - per_clip
        rank = torch.arange(c.numel()) - first[c]
        keep = rank >= per_clip[c] - self.window  # only the newest `window` of a batch can survive
        slot = (self.count[c] + rank) % self.window
        self.outcomes[c[keep], slot[keep]] = s[keep]
        self.count += per_clip

    def rates(self) -> Tensor:
        """Success rate (C,) float32 over each clip's window; 0 for clips without finished episodes."""
        n = torch.clamp(self.count, max=self.window)
        return (self.outcomes.sum(1).float() / n.clamp(min=1).float()) * (n > 0).float()
