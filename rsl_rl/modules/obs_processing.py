# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Per-key observation processing: turn an observation dict into an MLP input.

One :class:`ObsEncoder` serves one network (actor or critic). It is TorchScript- and ONNX-exportable, so the exporter
reuses the very same module. Processing types (see :class:`rsl_rl.config.PolicyCfg`):

- ``identity``: ``(N, D)`` used as is;
- ``flatten``: ``(N, ...)`` -> ``(N, prod(...))``;
- ``embed``: flatten, then ``Linear(in, embed_dim)`` + activation;
- ``gated_to_hidden``: flatten, ``Linear(in, hidden)``, times a zero-initialised gate, added to the first MLP
  layer's pre-activation (not part of the concatenated input, not normalised).

The non-gated keys are flattened and concatenated in dict order; the optional running normaliser acts on that raw
concatenation (before any embedding); each term then reads its slice.
"""

import math
from typing import Optional

import torch
from torch import nn

from rsl_rl.modules.mlp import resolve_activation
from rsl_rl.modules.normalizer import RunningNormalizer

__all__ = ["PROCESSING_TYPES", "ObsEncoder", "validate_obs_proc"]

PROCESSING_TYPES = ("identity", "flatten", "embed", "gated_to_hidden")


def validate_obs_proc(
    obs_proc: dict[str, str], obs_shapes: dict[str, tuple[int, ...]], what: str = "obs_proc"
) -> None:
    """Check that every key exists in ``obs_shapes`` and every processing type is known.

    Args:
        obs_proc: Observation key -> processing type.
        obs_shapes: Observation key -> shape without the batch dim (what the env provides).
        what: Name of the config field, used in error messages.

    Raises:
        KeyError: A key is not provided by the env (lists the available keys and shapes).
        ValueError: Unknown processing type, a dotted key, an ``identity`` key that is not 1-D, or no non-gated key.
    """
    if not obs_proc:
        raise ValueError(f"{what} is empty: at least one observation key is needed")
    available = {k: tuple(v) for k, v in obs_shapes.items()}
    for key, kind in obs_proc.items():
        if key not in obs_shapes:
            raise KeyError(
                f"Observation key '{key}' requested by {what} is not in the env's observations. "
                f"Available keys and shapes: {available}"
            )
        if "." in key:
            raise ValueError(f"Observation key '{key}' in {what} contains '.', which is not allowed in module names")
        if kind not in PROCESSING_TYPES:
            raise ValueError(
                f"Invalid processing type '{kind}' for observation key '{key}' in {what}. "
                f"Valid types are: {list(PROCESSING_TYPES)}"
            )
        if kind == "identity" and len(obs_shapes[key]) != 1:
            raise ValueError(
                f"Observation key '{key}' in {what} has shape {tuple(obs_shapes[key])} (without batch); "
                "'identity' needs a 1-D observation (N, D). Use 'flatten' or 'embed' for multi-dimensional ones."
            )
    if all(kind == "gated_to_hidden" for kind in obs_proc.values()):
        raise ValueError(f"{what} needs at least one key that is not 'gated_to_hidden', got {dict(obs_proc)}")


class _Term(nn.Module):
    """A non-gated input term: reads its slice of the (normalised) raw concatenation."""

    def __init__(self, start: int, end: int, net: nn.Module) -> None:
        super().__init__()
        self.start = start
        self.end = end
        self.net = net

    def forward(self, flat: torch.Tensor) -> torch.Tensor:
        """Process this term's slice ``flat[:, start:end]``."""
        return self.net(flat[:, self.start : self.end])


class _GatedTerm(nn.Module):
    """``proj(flatten(obs[key])) * gate``, with the gate initialised to zero."""

    def __init__(self, key: str, in_dim: int, width: int) -> None:
        super().__init__()
        self.key = key
        self.proj = nn.Linear(in_dim, width)
        self.gate = nn.Parameter(torch.zeros(width))

    def forward(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Gated projection ``(N, width)`` of ``obs[key]``."""
        return self.proj(torch.flatten(obs[self.key], 1)) * self.gate


class ObsEncoder(nn.Module):
    """Observation dict -> ``(x, pre_activation)`` for an :class:`rsl_rl.modules.mlp.MLP`.

    Attributes:
        keys: All keys this encoder reads, in config order.
        term_keys: The non-gated keys, in concatenation order.
        gated_keys: The ``gated_to_hidden`` keys.
        raw_dim: Width of the raw (flattened) concatenation of the non-gated keys (the normaliser width).
        out_dim: Width of ``x`` (after embeddings).
    """

    keys: list[str]
    term_keys: list[str]
    gated_keys: list[str]
    processing: dict[str, str]

    def __init__(
        self,
        obs_shapes: dict[str, tuple[int, ...]],
        obs_proc: dict[str, str],
        hidden_width: int,
        embed_dim: int,
        activation: str,
        normalize: bool,
        what: str = "obs_proc",
    ) -> None:
        """Build the encoder.

        Args:
            obs_shapes: Observation key -> shape without batch dim (may contain keys this encoder does not use).
            obs_proc: Observation key -> processing type; dict order is the concatenation order.
            hidden_width: Width of the MLP's first layer output (target of gated projections).
            embed_dim: Output width of ``embed`` terms.
            activation: Activation name used by ``embed`` terms.
            normalize: Whether to apply a running normaliser to the raw non-gated concatenation.
            what: Config field name for error messages.
        """
        super().__init__()
        validate_obs_proc(obs_proc, obs_shapes, what)
        self.keys = list(obs_proc.keys())
        self.term_keys = [k for k, t in obs_proc.items() if t != "gated_to_hidden"]
        self.gated_keys = [k for k, t in obs_proc.items() if t == "gated_to_hidden"]
        self.processing = dict(obs_proc)
        self.terms = nn.ModuleDict()
        self.gated = nn.ModuleDict()
        start = 0
        out_dim = 0
        for key in self.term_keys:
            size = int(math.prod(obs_shapes[key]))
            if obs_proc[key] == "embed":
                net: nn.Module = nn.Sequential(nn.Linear(size, embed_dim), resolve_activation(activation))
                out_dim += embed_dim
            else:
                net = nn.Identity()
                out_dim += size
            self.terms[key] = _Term(start, start + size, net)
            start += size
        for key in self.gated_keys:
            self.gated[key] = _GatedTerm(key, int(math.prod(obs_shapes[key])), hidden_width)
        self.raw_dim = start
        self.out_dim = out_dim
        self.normalize = normalize
        self.normalizer = RunningNormalizer(self.raw_dim) if normalize else nn.Identity()

    def raw_input(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Flatten and concatenate the non-gated keys: ``(N, raw_dim)``."""
        parts: list[torch.Tensor] = []
        for key in self.term_keys:
            parts.append(torch.flatten(obs[key], 1))
        if len(parts) == 1:  # avoid a copy for the common single-key case
            return parts[0]
        return torch.cat(parts, dim=1)

    def forward(self, obs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Return ``(x (N, out_dim), pre_activation (N, hidden) or None)``."""
        flat = self.normalizer(self.raw_input(obs))
        outs: list[torch.Tensor] = []
        for term in self.terms.values():
            outs.append(term(flat))
        x = outs[0] if len(outs) == 1 else torch.cat(outs, dim=1)
        extra: Optional[torch.Tensor] = None
        for gated in self.gated.values():
            y = gated(obs)
            if extra is None:
                extra = y
            else:
                extra = extra + y
        return x, extra

    @torch.no_grad()
    def update_normalization(self, obs: dict[str, torch.Tensor]) -> None:
        """Update the running normaliser with a batch (no-op when normalisation is off)."""
        if isinstance(self.normalizer, RunningNormalizer):
            self.normalizer.update(self.raw_input(obs))

    def gate_stats(self) -> dict[str, tuple[float, float]]:
        """Return ``{key: (mean |gate|, max |gate|)}`` for every gated key."""
        stats: dict[str, tuple[float, float]] = {}
        for key, gated in self.gated.items():
            g = gated.gate.detach().abs()
            stats[key] = (float(g.mean()), float(g.max()))
        return stats
