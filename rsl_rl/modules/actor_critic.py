# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Gaussian actor-critic over dict observations."""

from __future__ import annotations

from typing import Any, Optional

import torch
from torch import nn
from torch.distributions import Normal

from rsl_rl.config import PolicyCfg, coerce_cfg, to_dict
from rsl_rl.modules.mlp import MLP
from rsl_rl.modules.obs_processing import ObsEncoder
from rsl_rl.modules.signed_permutation import SignedPermutationModule

__all__ = ["ActorCritic", "ObsMLP"]


class ObsMLP(nn.Module):
    """Observation dict -> :class:`ObsEncoder` -> :class:`MLP` -> ``(N, out_dim)``, optionally mirror-symmetric.
    Scriptable."""

    __constants__ = ["symmetric"]

    def __init__(
        self,
        obs_shapes: dict[str, tuple[int, ...]],
        obs_proc: dict[str, str],
        out_dim: int,
        hidden_dims: list[int],
        activation: str,
        embed_dim: int,
        normalize: bool,
        what: str,
        symmetric: bool = False,
        equivariant: bool = True,
    ) -> None:
        """Build encoder and MLP (see :class:`ObsEncoder` for the arguments).

        With ``symmetric`` the network is its own mirror image by construction: ``f_sym(o) = (f(o) + m_out(f(m(o))))
        / 2``, equivariant (``f_sym(m(o)) = m_out(f_sym(o))``), or with ``equivariant=False`` invariant
        (``(f(o) + f(m(o))) / 2``). The mirrors are buffers set by :meth:`set_mirror`.
        """
        super().__init__()
        first_width = int(hidden_dims[0]) if len(hidden_dims) > 0 else out_dim
        self.encoder = ObsEncoder(obs_shapes, obs_proc, first_width, embed_dim, activation, normalize, what)
        self.mlp = MLP(self.encoder.out_dim, out_dim, list(hidden_dims), activation)
        self.symmetric = symmetric
        # the mirror of each input key and, for an equivariant output, of the output (identity until set_mirror)
        self.obs_mirror = nn.ModuleDict(
            {k: SignedPermutationModule(obs_shapes[k][-1]) for k in obs_proc} if symmetric else {}
        )
        self.out_mirror: Optional[SignedPermutationModule] = (
            SignedPermutationModule(out_dim) if symmetric and equivariant else None
        )

    def set_mirror(self, obs: dict[str, tuple[torch.Tensor, torch.Tensor]],
                   out: tuple[torch.Tensor, torch.Tensor] | None) -> None:
        """Set the input mirrors ``{key: (index, sign)}`` (every key the network reads) and the output mirror."""
        for key, perm in self.obs_mirror.items():
            if key not in obs:
                raise ValueError(f"symmetric policy: the environment's mirror has no entry for observation '{key}'")
            perm.assign(*obs[key], what=f"symmetric policy, observation '{key}'")
        if self.out_mirror is not None and out is not None:
            self.out_mirror.assign(*out, what="symmetric policy, actions")

    def _net(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        x, extra = self.encoder(obs)
        return self.mlp(x, extra)

    def forward(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Return the network output ``(N, out_dim)``; a symmetric network averages it with its value at the
        mirrored input (mirrored back for an equivariant output)."""
        y = self._net(obs)
        if self.symmetric:
            mirrored: dict[str, torch.Tensor] = {}
            for key, perm in self.obs_mirror.items():
                mirrored[key] = perm(obs[key])
            y_m = self._net(mirrored)
            out_mirror = self.out_mirror
            if out_mirror is not None:
                y_m = out_mirror(y_m)
            y = 0.5 * (y + y_m)
        return y


class ActorCritic(nn.Module):
    """Actor and critic MLPs with a state-independent Gaussian action std.

    The actor reads the keys of ``cfg.obs_proc_actor`` and the critic those of ``cfg.obs_proc_critic`` from the same
    observation dict; other keys are ignored. The std is a learned parameter vector ``std`` (A,), initialised to
    ``cfg.init_noise_std``. With ``cfg.mirror_symmetric`` the actor is mirror-equivariant and the critic
    mirror-invariant by construction (:class:`ObsMLP`; the mirror comes from :meth:`set_mirror`), and the std is
    averaged with its mirror image.

    Attributes:
        obs_shapes: Shapes (without batch) of the keys used by actor or critic.
        num_actions: Action dimension.
        actor_obs_keys / critic_obs_keys: The keys each network reads, in concatenation order.
        distribution: The last Gaussian built by :meth:`update_distribution` (or ``None``).
    """

    is_recurrent: bool = False

    def __init__(
        self,
        obs_shapes: dict[str, tuple[int, ...] | list[int]],
        num_actions: int,
        cfg: PolicyCfg | dict[str, Any] | None = None,
    ) -> None:
        """Build the networks.

        Args:
            obs_shapes: Env observation key -> shape without the batch dim (all keys the env provides).
            num_actions: Action dimension.
            cfg: Policy config (dataclass or dict as stored in checkpoints); defaults to ``PolicyCfg()``.

        Raises:
            KeyError: A configured key is missing from ``obs_shapes`` (lists the available keys and shapes).
            ValueError: Unknown activation or processing type, or invalid widths.
        """
        super().__init__()
        # private copy; dicts from checkpoints written by a config subclass may carry extra fields: ignored
        self.cfg: PolicyCfg = coerce_cfg(cfg, PolicyCfg, strict=False)
        if num_actions <= 0:
            raise ValueError(f"num_actions must be > 0, got {num_actions}")
        shapes = {k: tuple(int(d) for d in v) for k, v in obs_shapes.items()}
        self.num_actions = int(num_actions)
        self.actor = ObsMLP(
            shapes, self.cfg.obs_proc_actor, self.num_actions, self.cfg.actor_hidden_dims, self.cfg.activation,
            self.cfg.embed_dim, self.cfg.normalize_obs, "obs_proc_actor", symmetric=self.cfg.mirror_symmetric,
        )
        self.critic = ObsMLP(
            shapes, self.cfg.obs_proc_critic, 1, self.cfg.critic_hidden_dims, self.cfg.activation,
            self.cfg.embed_dim, self.cfg.normalize_obs, "obs_proc_critic", symmetric=self.cfg.mirror_symmetric,
            equivariant=False,
        )
        self.actor_obs_keys: list[str] = list(self.cfg.obs_proc_actor)
        self.critic_obs_keys: list[str] = list(self.cfg.obs_proc_critic)
        used = self.actor_obs_keys + [k for k in self.critic_obs_keys if k not in self.actor_obs_keys]
        self.obs_shapes: dict[str, tuple[int, ...]] = {k: shapes[k] for k in used}
        self.std = nn.Parameter(self.cfg.init_noise_std * torch.ones(self.num_actions))
        self.distribution: Normal | None = None

    # ------------------------------------------------------------------ config / bookkeeping
    @property
    def policy_cfg(self) -> dict[str, Any]:
        """The policy config as a JSON-able dict (stored in checkpoints to rebuild the network)."""
        return to_dict(self.cfg)

    @property
    def obs_keys(self) -> list[str]:
        """All observation keys read by actor or critic (actor order first)."""
        return list(self.obs_shapes)

    def set_mirror(self, obs: dict[str, tuple[torch.Tensor, torch.Tensor]], actions: tuple[torch.Tensor, torch.Tensor]
                   ) -> None:
        """Give a ``mirror_symmetric`` policy the environment's mirror: ``{key: (index, sign)}`` per observation key
        and ``(index, sign)`` for the actions (signed permutations of the last dimension); a no-op otherwise."""
        if self.cfg.mirror_symmetric:
            self.actor.set_mirror(obs, actions)
            self.critic.set_mirror(obs, None)

    def re_init_std(self) -> None:
        """Reset the action std to ``cfg.init_noise_std``."""
        with torch.no_grad():
            self.std.fill_(self.cfg.init_noise_std)

    @torch.no_grad()
    def update_normalization(self, obs: dict[str, torch.Tensor]) -> None:
        """Update the running observation normalisers (no-op when ``normalize_obs`` is False)."""
        self.actor.encoder.update_normalization(obs)
        self.critic.encoder.update_normalization(obs)

    def gate_stats(self) -> dict[str, tuple[float, float]]:
        """``{"actor/<key>" or "critic/<key>": (mean |gate|, max |gate|)}`` for every gated projection."""
        stats = {f"actor/{k}": v for k, v in self.actor.encoder.gate_stats().items()}
        stats.update({f"critic/{k}": v for k, v in self.critic.encoder.gate_stats().items()})
        return stats

    # ------------------------------------------------------------------ policy
    def policy_std(self) -> torch.Tensor:
        """The action std ``(A,)`` the policy samples with: ``std``, averaged with its mirror image for a symmetric
        policy (a joint's spread is its partner's), at least 1e-6."""
        std = self.std
        if self.actor.out_mirror is not None:
            std = 0.5 * (std + std[self.actor.out_mirror.index])
        return torch.clamp(std, min=1e-6)

    def _std_for(self, mean: torch.Tensor) -> torch.Tensor:
        return self.policy_std().expand_as(mean)

    def update_distribution(self, obs: dict[str, torch.Tensor]) -> Normal:
        """Build (and keep in ``self.distribution``) the Gaussian policy for ``obs``."""
        mean = self.actor(obs)
        self.distribution = Normal(mean, self._std_for(mean), validate_args=False)
        return self.distribution

    def act(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Sample actions ``(N, A)`` from the policy (also updates ``self.distribution``)."""
        return self.update_distribution(obs).sample()

    def act_inference(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Deterministic action: the policy mean ``(N, A)``."""
        return self.actor(obs)

    def evaluate(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Critic value ``(N, 1)``."""
        return self.critic(obs)

    def _require_distribution(self) -> Normal:
        if self.distribution is None:
            raise RuntimeError("No action distribution yet: call act() or update_distribution(obs) first")
        return self.distribution

    def get_actions_log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        """Log-probability ``(N,)`` of ``actions`` under the last distribution (summed over action dims)."""
        return self._require_distribution().log_prob(actions).sum(dim=-1)

    @property
    def entropy(self) -> torch.Tensor:
        """Entropy ``(N,)`` of the last distribution (summed over action dims)."""
        return self._require_distribution().entropy().sum(dim=-1)

    @property
    def action_mean(self) -> torch.Tensor:
        """Mean ``(N, A)`` of the last distribution."""
        return self._require_distribution().mean

    @property
    def action_std(self) -> torch.Tensor:
        """Std ``(N, A)`` of the last distribution."""
        return self._require_distribution().stddev

    def forward(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Return :meth:`act_inference` (so the module can be called directly)."""
        return self.act_inference(obs)
