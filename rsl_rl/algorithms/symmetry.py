# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Left-right mirror symmetry for PPO: data augmentation and a mirror loss.

A robot that is its own mirror image across its sagittal plane has a mirror MDP: the mirrored state ``m(s)`` under
the mirrored action ``m(a)`` evolves into the mirrored next state and earns the same reward. The environment
describes ``m`` as a :class:`Mirror`: one :class:`SignedPermutation` per observation key (acting on the last
dimension, so a history ``(N, H, D)`` is mirrored frame by frame) and one for the actions. A signed permutation
``y = x[..., index] * sign`` covers what a sagittal mirror does to a legged robot's observations: left and right
joints swap, roll and yaw angles and lateral velocities change sign.

With ``algorithm.symmetry_augmentation`` every minibatch is doubled by its mirror image (:func:`augment_batch`). The
mirrored sample keeps the sample's advantage, return and value (the mirrored trajectory earns the same rewards).
Its importance ratio is taken against the policy as it was when the update began, evaluated at the mirrored
observation (its log-probability of the mirrored action, its mean and std), so that the clipped surrogate keeps the
update inside the same trust region for both halves. (Weighting it against the mirrored behaviour policy
``mu(m(a')|m(s'))``, i.e. keeping the sample's own log-probability, is unbiased but gives ratios far from 1 while the
policy is not yet symmetric; on the toy task of the tests that stopped learning altogether.) A mirrored action can
still lie far in the tail of the pre-update policy at the mirrored observation when the policy is far from
symmetric (a policy trained without the mirror, resumed with it); its ratio then grows by orders of magnitude under a
small change of the mean, and a negative advantage keeps the unclipped ratio in PPO's surrogate: one such resumed
``humanoid_ppo`` run stopped after 142 iterations on a non-finite gradient. The mirrored half's ratio is therefore
capped at :data:`MIRROR_MAX_RATIO` (no gradient beyond it, the bound of dual-clip PPO). With
``algorithm.symmetry_loss_coef`` > 0 the loss adds ``mean((pi(m(o)) - m(pi(o)))^2)`` over the policy means
(:func:`mirror_loss`). With augmentation the state-independent action std is also kept mirror-symmetric after every
optimiser step (:func:`symmetric_std`: a joint's spread equals its partner's): the augmented loss alone left one
``g1`` run with std 0.08 on the left hip pitch and 0.54 on the right.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from rsl_rl.storage.rollout_storage import Batch

__all__ = ["MIRROR_MAX_RATIO", "Mirror", "SignedPermutation", "augment_batch", "env_mirror", "mirror_loss",
           "symmetric_std"]


MIRROR_MAX_RATIO = 3.0  # cap of the mirrored samples' importance ratio in the surrogate (dual-clip PPO's usual bound)


@dataclass
class SignedPermutation:
    """``y = x[..., index] * sign`` on the last dimension (``index`` a permutation, ``sign`` of +-1)."""

    index: torch.Tensor
    sign: torch.Tensor

    def __post_init__(self) -> None:
        self.index = torch.as_tensor(self.index, dtype=torch.long)
        self.sign = torch.as_tensor(self.sign, dtype=torch.float32)
        n = self.index.numel()
        if self.index.dim() != 1 or self.sign.shape != self.index.shape:
            raise ValueError(f"mirror: index and sign must be 1-D of equal length, got {tuple(self.index.shape)} "
                             f"and {tuple(self.sign.shape)}")
        if sorted(self.index.tolist()) != list(range(n)):
            raise ValueError(f"mirror: index must be a permutation of 0..{n - 1}, got {self.index.tolist()}")
        if not bool(((self.sign == 1.0) | (self.sign == -1.0)).all()):
            raise ValueError(f"mirror: signs must be +1 or -1, got {self.sign.tolist()}")
        # mirroring twice is the identity: the partner of i is index[i], and the pair shares one sign
        if not bool((self.index[self.index] == torch.arange(n)).all()) or not bool(
            (self.sign[self.index] == self.sign).all()
        ):
            raise ValueError("mirror: the signed permutation is not its own inverse (mirroring twice must give the "
                             f"input back); index {self.index.tolist()}, sign {self.sign.tolist()}")

    @property
    def size(self) -> int:
        return int(self.index.numel())

    def to(self, device: str | torch.device) -> SignedPermutation:
        return SignedPermutation(self.index.to(device), self.sign.to(device))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., self.index] * self.sign


@dataclass
class Mirror:
    """The mirror of an environment: a signed permutation per observation key and one for the actions."""

    obs: dict[str, SignedPermutation]
    actions: SignedPermutation

    def to(self, device: str | torch.device) -> Mirror:
        return Mirror({k: p.to(device) for k, p in self.obs.items()}, self.actions.to(device))

    def check(self, obs_shapes: dict[str, tuple[int, ...]], num_actions: int) -> None:
        """Raise ``ValueError`` unless every key in ``obs_shapes`` has a mirror of its last dimension's size."""
        missing = [k for k in obs_shapes if k not in self.obs]
        if missing:
            raise ValueError(f"symmetry: the environment's mirror covers observation keys {sorted(self.obs)}, "
                             f"not {missing}, which the policy reads")
        for k, shape in obs_shapes.items():
            if self.obs[k].size != shape[-1]:
                raise ValueError(f"symmetry: the mirror of observation '{k}' has {self.obs[k].size} entries, the "
                                 f"observation's last dimension {shape[-1]}")
        if self.actions.size != num_actions:
            raise ValueError(f"symmetry: the action mirror has {self.actions.size} entries, the policy "
                             f"{num_actions} actions")

    def mirror_obs(self, obs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The mirrored observation dict (keys without a mirror are dropped)."""
        return {k: self.obs[k](v) for k, v in obs.items() if k in self.obs}


def augment_batch(
    batch: Batch, mirror: Mirror, log_probs_m: torch.Tensor, mean_m: torch.Tensor, std_m: torch.Tensor
) -> Batch:
    """The minibatch followed by its mirror image (``2B`` samples).

    Mirrored half: observations and actions mirrored; advantage, return and value kept; behaviour log-probability,
    mean and std as given (the pre-update policy at the mirrored observations, see the module docstring);
    DAgger's teacher actions mirrored like the actions, its std permuted (a mirror moves a joint's spread to its
    partner).
    """
    m = mirror.actions

    def cat(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, y], dim=0)

    obs_m = mirror.mirror_obs(batch.obs)
    return replace(
        batch,
        obs={k: cat(v, obs_m[k]) for k, v in batch.obs.items()},
        actions=cat(batch.actions, m(batch.actions)),
        values=cat(batch.values, batch.values),
        returns=cat(batch.returns, batch.returns),
        advantages=cat(batch.advantages, batch.advantages),
        log_probs=cat(batch.log_probs, log_probs_m.reshape(batch.log_probs.shape)),
        action_mean=cat(batch.action_mean, mean_m),
        action_std=cat(batch.action_std, std_m.expand_as(batch.action_std)),
        teacher_actions=None if batch.teacher_actions is None else cat(batch.teacher_actions, m(batch.teacher_actions)),
        teacher_std=None if batch.teacher_std is None else cat(batch.teacher_std, batch.teacher_std[..., m.index]),
    )


def mirror_loss(mu: torch.Tensor, mu_of_mirrored: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    """``mean((pi(m(o)) - m(pi(o)))^2)``: how far the policy mean is from commuting with the mirror."""
    return (mu_of_mirrored - mirror.actions(mu)).pow(2).mean()


def symmetric_std(std: torch.Tensor, mirror: Mirror) -> torch.Tensor:
    """The mean of an action std vector (A,) and its mirror image: the mirror moves a joint's spread to its partner
    (signs do not apply to a spread)."""
    return 0.5 * (std + std[..., mirror.actions.index])


def env_mirror(env: object, option: str = "algorithm.symmetry_augmentation / symmetry_loss_coef") -> Mirror:
    """The environment's mirror (``env.mirror()``); ``ValueError`` naming ``option`` and the environment when it has
    none."""
    fn = getattr(env, "mirror", None)
    try:
        mirror = fn() if callable(fn) else None
    except NotImplementedError as e:
        raise ValueError(f"{option}: {type(env).__name__} has no left-right mirror: {e}") from None
    if not isinstance(mirror, Mirror):
        raise ValueError(f"{option}: {type(env).__name__}.mirror() must return an rsl_rl Mirror, got "
                         f"{type(mirror).__name__}")
    return mirror
