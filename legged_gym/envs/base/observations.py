"""Observation dictionary assembly: terms by name, per-term scale and noise, optional frame history.

``cfg.env.observations`` maps each observation key to a list of term names; term ``t`` is computed by
the environment's method ``_obs_<t>()`` in physical units, then scaled by its observation scale and
perturbed by uniform noise of its noise scale (both looked up through ``env.obs_term_units``).
Noise is uniform in [-s, s] unless the term's unit entry says ``"gaussian"`` (then s is the standard
deviation); only keys listed in ``cfg.env.obs_noise_keys`` receive noise (all keys when it is None).
``cfg.env.obs_history`` adds ``history_<key>`` tensors of shape (N, H, ...) that keep the last H frames,
newest first unless ``cfg.env.history_order[key]`` (or ``history_newest_first`` for all keys) says
``"oldest_first"``. After a reset every slot holds the first frame of the new episode, or, with
``cfg.env.history_reset[key] = "zeros"``, the newest slot holds it and the older slots are zero (a
zero-filled deque, as Humanoid-Gym's frame stacks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

if TYPE_CHECKING:
    from legged_gym.envs.base.legged_robot import LeggedRobot


@dataclass
class ObsTerm:
    """One named term of an observation key."""

    name: str
    fn: Callable[[], Tensor]
    scale: float
    noise: float
    gaussian: bool
    dim: int
    shape: tuple[int, ...]


class ObservationManager:
    """Computes the observation dict of an environment."""

    def __init__(self, env: LeggedRobot) -> None:
        self.env = env
        cfg = env.cfg
        self.num_envs = env.num_envs
        self.device = env.device
        self.clip = cfg.normalization.clip_observations
        self.terms: dict[str, list[ObsTerm]] = {}
        for key, names in cfg.env.observations.items():
            if not names:
                raise ValueError(f"env.observations['{key}'] lists no terms")
            self.terms[key] = [self._make_term(key, name) for name in names]
        noise_keys = cfg.env.obs_noise_keys
        unknown_noise = [k for k in (noise_keys or []) if k not in self.terms]
        if unknown_noise:
            raise ValueError(f"env.obs_noise_keys names keys {unknown_noise} that are not in env.observations")
        self.noisy_keys = set(self.terms) if noise_keys is None else set(noise_keys)
        self.shapes: dict[str, tuple[int, ...]] = {}
        for key, terms in self.terms.items():
            if len(terms) == 1:
                self.shapes[key] = terms[0].shape
            else:
                bad = [t.name for t in terms if len(t.shape) != 1]
                if bad:
                    raise ValueError(f"env.observations['{key}']: terms {bad} are not flat and cannot be concatenated")
                self.shapes[key] = (sum(t.dim for t in terms),)
        self.history_len: dict[str, int] = dict(cfg.env.obs_history)
        unknown = [k for k in self.history_len if k not in self.terms]
        if unknown:
            raise ValueError(f"env.obs_history names keys {unknown} that are not in env.observations {list(self.terms)}")
        self.newest_first = {key: self._history_option(cfg.env.history_order, key, "order") for key in self.history_len}
        self.reset_zeros = {key: self._history_option(cfg.env.history_reset, key, "reset") for key in self.history_len}
        self.history = {
            key: torch.zeros((self.num_envs, h) + self.shapes[key], device=self.device)
            for key, h in self.history_len.items()
        }
        self._fresh = torch.ones(self.num_envs, dtype=torch.bool, device=self.device)
        self.add_noise = cfg.noise.add_noise
        self.noise_level = cfg.noise.noise_level

    _HISTORY_OPTIONS = {"order": ("newest_first", "oldest_first"), "reset": ("first_frame", "zeros")}

    def _history_option(self, table: dict[str, str], key: str, what: str) -> bool:
        """True for newest-first order (``what='order'``) or zero fill (``what='reset'``) of ``history_<key>``."""
        field_name = {"order": "history_order", "reset": "history_reset"}[what]
        unknown = [k for k in table if k not in self.history_len]
        if unknown:
            raise ValueError(f"env.{field_name} names keys {unknown} that have no env.obs_history entry")
        choices = self._HISTORY_OPTIONS[what]
        default = choices[0] if what == "reset" or self.env.cfg.env.history_newest_first else choices[1]
        value = table.get(key, default)
        if value not in choices:
            raise ValueError(f"env.{field_name}['{key}'] must be one of {list(choices)}, got {value!r}")
        return value == ("newest_first" if what == "order" else "zeros")

    def _make_term(self, key: str, name: str) -> ObsTerm:
        fn = getattr(self.env, f"_obs_{self.env.obs_terms.get(name, name)}", None)
        if fn is None:
            known = sorted({n[5:] for n in dir(self.env) if n.startswith("_obs_")} | set(self.env.obs_terms))
            raise ValueError(f"env.observations['{key}']: unknown term '{name}'; known terms: {known}")
        units = self.env.obs_term_units.get(name, (None, None))
        scale_name, noise_name = units[0], units[1]
        gaussian = len(units) > 2 and units[2] == "gaussian"
        cfg = self.env.cfg
        scale = float(getattr(cfg.normalization.obs_scales, scale_name)) if scale_name else 1.0
        noise = float(getattr(cfg.noise.noise_scales, noise_name)) if noise_name else 0.0
        value = fn()
        return ObsTerm(name, fn, scale, noise, gaussian, int(value[0].numel()), tuple(value.shape[1:]))

    def compute(self) -> dict[str, Tensor]:
        """Observation dict for the current state (also advances the histories)."""
        obs: dict[str, Tensor] = {}
        for key, terms in self.terms.items():
            parts = []
            noisy = self.add_noise and key in self.noisy_keys
            for t in terms:
                v = t.fn()
                if noisy and t.noise > 0:
                    sample = torch.randn_like(v) if t.gaussian else 2.0 * torch.rand_like(v) - 1.0
                    v = v + sample * (t.noise * self.noise_level)
                parts.append(v * t.scale if t.scale != 1.0 else v)
            value = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)
            obs[key] = value.clamp(-self.clip, self.clip)
        fresh = self._fresh
        for key, buf in self.history.items():
            frame = obs[key].unsqueeze(1)
            if self.newest_first[key]:
                buf[:] = torch.cat([frame, buf[:, :-1]], dim=1)
            else:
                buf[:] = torch.cat([buf[:, 1:], frame], dim=1)
            if fresh.any():
                if self.reset_zeros[key]:
                    newest = 0 if self.newest_first[key] else -1
                    buf[fresh] = 0.0
                    buf[fresh, newest] = frame[fresh, 0]
                else:
                    buf[fresh] = frame[fresh].expand_as(buf[fresh])
            obs[f"history_{key}"] = buf.clone()
        self._fresh[:] = False
        return obs

    def reset(self, env_ids: Tensor) -> None:
        """Mark environments whose histories restart at the next :meth:`compute`."""
        self._fresh[env_ids] = True

    def describe(self) -> dict[str, Any]:
        """JSON-able layout of every key: shape, terms with dims, scales and noise, history length and order."""
        out: dict[str, Any] = {}
        for key, terms in self.terms.items():
            out[key] = {
                "shape": list(self.shapes[key]),
                "terms": [
                    {"name": t.name, "dim": t.dim, "scale": t.scale,
                     "noise": t.noise if key in self.noisy_keys else 0.0,
                     "noise_type": "gaussian" if t.gaussian else "uniform"}
                    for t in terms
                ],
            }
        for key, h in self.history_len.items():
            out[f"history_{key}"] = {
                "shape": [h] + list(self.shapes[key]),
                "history_of": key,
                "length": h,
                "order": "newest_first" if self.newest_first[key] else "oldest_first",
                "reset": ("the newest slot holds the first frame, older slots are zero, after a reset"
                          if self.reset_zeros[key] else "every slot holds the first frame after a reset"),
                "reset_fill": "zeros" if self.reset_zeros[key] else "first_frame",
            }
        return out
