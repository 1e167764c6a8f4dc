"""Start-state sampling over clips (seed_system.md section b, "Reset / reference-state init").

A start is a (clip, frame) pair with frame in [0, M) where M = max(len - 3, 1) (the seed's last valid start is
three frames before the clip's end). Sampling is two-stage: a clip by its probability, then a start inside it.

Within a clip (``weighting_strategy``):
* ``"uniform"``: every start equally likely;
* ``"linear"``: start i with weight proportional to (M - i), favouring early starts;
* ``"failure_adaptive"``: the clip is cut into bins of ``bin_frames`` frames; every failed episode adds to the bin
  where it failed (an exponential moving average per bin), and a start bin is drawn with probability proportional
  to the failures of that bin and of the next ``lookahead`` bins (weights ``decay**k``: starting a little before a
  hard part is what teaches it) plus a uniform floor ``uniform_floor / num_bins``; the start is uniform inside the
  bin. Bins without data count as uniform. (BeyondMimic's adaptive sampling, by failure time.)

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

WEIGHTING_STRATEGIES = ("uniform", "linear", "failure_adaptive")
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
    if strategy not in WEIGHTING_STRATEGIES or strategy == "failure_adaptive":
        raise ValueError(f"weighting_strategy must be 'uniform' or 'linear' here, got {strategy!r}")
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


class FailureBins:
    """Failure-time statistics per clip bin and the start sampler built on them (``"failure_adaptive"``).

    Args:
        num_starts: valid starts M per clip (C,).
        bin_frames: frames per bin.
        alpha: weight of a new failure in the per-bin moving average.
        lookahead: later bins whose failures also pull starts into a bin.
        decay: weight factor per bin of look-ahead.
        uniform_floor: share of the probability spread uniformly over a clip's bins.
    """

    def __init__(self, num_starts: Tensor, bin_frames: int = 50, alpha: float = 0.001, lookahead: int = 2,
                 decay: float = 0.5, uniform_floor: float = 0.1) -> None:
        if bin_frames < 1:
            raise ValueError(f"failure_adaptive: bin_frames must be >= 1, got {bin_frames}")
        self.num_starts = num_starts.long().cpu()
        self.bin_frames = int(bin_frames)
        self.num_bins = (self.num_starts + bin_frames - 1) // bin_frames  # (C,)
        self.first_bin = torch.cumsum(self.num_bins, 0) - self.num_bins
        self.failures = torch.zeros(int(self.num_bins.sum()), dtype=torch.float64)
        self.alpha, self.lookahead, self.decay, self.floor = alpha, int(lookahead), decay, uniform_floor

    def record(self, clip: Tensor, frame: Tensor, failed: Tensor) -> None:
        """Episodes that ended at ``frame`` (offset in the clip) of ``clip``; ``failed`` (bool) ones count."""
        clip, frame, failed = clip.cpu().long(), frame.cpu().long(), failed.cpu().bool()
        b = torch.minimum(frame // self.bin_frames, self.num_bins[clip] - 1).clamp(min=0)
        hits = torch.zeros_like(self.failures)
        hits.index_add_(0, (self.first_bin[clip] + b)[failed], torch.ones(int(failed.sum()), dtype=torch.float64))
        touched = torch.zeros_like(self.failures, dtype=torch.bool)
        touched[self.first_bin[clip] + b] = True
        self.failures[touched] = (1 - self.alpha) * self.failures[touched] + self.alpha * hits[touched]

    def bin_probabilities(self, c: int) -> Tensor:
        """Start-bin probabilities (num_bins[c],) of clip ``c``."""
        n = int(self.num_bins[c])
        f = self.failures[int(self.first_bin[c]) : int(self.first_bin[c]) + n]
        if float(f.sum()) <= 0.0:
            return torch.full((n,), 1.0 / n, dtype=torch.float64)
        w = torch.zeros(n, dtype=torch.float64)
        for k in range(self.lookahead + 1):
            w[: n - k] += (self.decay**k) * f[k:]
        w = w / w.sum()
        return (1.0 - self.floor) * w + self.floor / n

    def sample(self, clip: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """A start offset in [0, M) for each entry of ``clip`` (n,)."""
        device = generator.device if generator is not None else torch.device("cpu")
        out = torch.zeros(clip.shape[0], dtype=torch.long)
        clip_cpu = clip.cpu()
        for c in clip_cpu.unique().tolist():
            idx = (clip_cpu == c).nonzero().flatten()
            probs = self.bin_probabilities(c).to(device)
            b = torch.multinomial(probs, idx.numel(), replacement=True, generator=generator).cpu()
            lo = b * self.bin_frames
            hi = torch.minimum(lo + self.bin_frames, self.num_starts[c].expand_as(lo))
            u = torch.rand(idx.numel(), generator=generator, dtype=torch.float64, device=device).cpu()
            out[idx] = torch.minimum(lo + torch.floor(u * (hi - lo)).long(), hi - 1)
        return out
