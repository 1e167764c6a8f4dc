# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Fixed-size rollout buffer and its minibatch generator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

__all__ = ["Batch", "RolloutStorage", "Transition"]


@dataclass
class Transition:
    """One env step for all envs, filled by the algorithm before :meth:`RolloutStorage.add`.

    Shapes: ``obs`` dict of ``(N, ...)``; ``actions``, ``action_mean``, ``action_std``, ``teacher_actions``,
    ``teacher_std`` ``(N, A)``;
    ``values``, ``log_probs``, ``rewards``, ``dones`` ``(N,)``.
    """

    obs: dict[str, torch.Tensor]
    actions: torch.Tensor
    values: torch.Tensor
    log_probs: torch.Tensor
    action_mean: torch.Tensor
    action_std: torch.Tensor
    rewards: torch.Tensor | None = None
    dones: torch.Tensor | None = None
    teacher_actions: torch.Tensor | None = None
    teacher_std: torch.Tensor | None = None


@dataclass
class Batch:
    """A minibatch of ``B`` flattened samples (``(B, ...)`` tensors; ``teacher_actions`` only for DAgger,
    ``teacher_std`` only for DAgger with teachers that have a std)."""

    obs: dict[str, torch.Tensor]
    actions: torch.Tensor
    values: torch.Tensor
    returns: torch.Tensor
    advantages: torch.Tensor
    log_probs: torch.Tensor
    action_mean: torch.Tensor
    action_std: torch.Tensor
    teacher_actions: torch.Tensor | None
    teacher_std: torch.Tensor | None = None


class RolloutStorage:
    """Stores ``num_steps`` transitions of ``num_envs`` envs: ``(T, N, ...)`` tensors.

    Only the observation keys given in ``obs_shapes`` are stored (the keys the networks read), not the whole dict.
    """

    def __init__(
        self,
        num_envs: int,
        num_steps: int,
        obs_shapes: dict[str, tuple[int, ...]],
        num_actions: int,
        device: torch.device | str = "cpu",
        store_teacher_actions: bool = False,
        store_teacher_std: bool = False,
    ) -> None:
        """Allocate the buffers.

        Args:
            num_envs: ``N``.
            num_steps: ``T``, steps per env per rollout.
            obs_shapes: Key -> shape without batch dim, for the keys to store.
            num_actions: ``A``.
            device: Buffer device.
            store_teacher_actions: Also allocate a ``(T, N, A)`` teacher-action buffer (DAgger).
            store_teacher_std: Also allocate a ``(T, N, A)`` buffer of each env's teacher std (DAgger whose teachers
                have a std: the BC loss matches each sample's own teacher).
        """
        if num_envs <= 0 or num_steps <= 0:
            raise ValueError(f"num_envs and num_steps must be > 0, got num_envs={num_envs}, num_steps={num_steps}")
        self.num_envs = num_envs
        self.num_steps = num_steps
        self.device = torch.device(device)
        self.obs_shapes = {k: tuple(v) for k, v in obs_shapes.items()}
        t, n, a = num_steps, num_envs, num_actions

        def zeros(*shape: int) -> torch.Tensor:
            """Return a float zero buffer on the storage device."""
            return torch.zeros(*shape, device=self.device)

        self.obs = {k: zeros(t, n, *s) for k, s in self.obs_shapes.items()}
        self.actions = zeros(t, n, a)
        self.action_mean = zeros(t, n, a)
        self.action_std = zeros(t, n, a)
        self.values = zeros(t, n)
        self.log_probs = zeros(t, n)
        self.rewards = zeros(t, n)
        self.dones = torch.zeros(t, n, dtype=torch.bool, device=self.device)
        self.returns = zeros(t, n)
        self.advantages = zeros(t, n)
        self.teacher_actions = zeros(t, n, a) if store_teacher_actions else None
        self.teacher_std = zeros(t, n, a) if store_teacher_std else None
        self.step = 0

    def add(self, tr: Transition) -> None:
        """Append one transition (raises when the buffer is full; call :meth:`clear` after each update)."""
        if self.step >= self.num_steps:
            raise OverflowError(f"Rollout storage is full ({self.num_steps} steps); call clear() before adding more")
        if tr.rewards is None or tr.dones is None:
            raise ValueError("Transition.rewards and Transition.dones must be set before RolloutStorage.add")
        i = self.step
        with torch.no_grad():  # the buffers never carry autograd history
            for k in self.obs:
                self.obs[k][i].copy_(tr.obs[k])
            self.actions[i].copy_(tr.actions)
            self.action_mean[i].copy_(tr.action_mean)
            self.action_std[i].copy_(tr.action_std)
            self.values[i].copy_(tr.values.reshape(-1))
            self.log_probs[i].copy_(tr.log_probs.reshape(-1))
            self.rewards[i].copy_(tr.rewards.reshape(-1))
            self.dones[i].copy_(tr.dones.reshape(-1).bool())
            if self.teacher_actions is not None:
                if tr.teacher_actions is None:
                    raise ValueError("This storage keeps teacher actions but the transition has none")
                self.teacher_actions[i].copy_(tr.teacher_actions)
            if self.teacher_std is not None:
                if tr.teacher_std is None:
                    raise ValueError("This storage keeps teacher std but the transition has none")
                self.teacher_std[i].copy_(tr.teacher_std)
        self.step += 1

    def clear(self) -> None:
        """Start a new rollout (buffers are overwritten, not freed)."""
        self.step = 0

    def compute_returns(
        self, last_values: torch.Tensor, gamma: float, lam: float, normalize_advantage: bool = True
    ) -> None:
        """Generalised advantage estimation over the stored rollout.

        ``delta_t = r_t + gamma * (1 - done_t) * V_{t+1} - V_t``;
        ``A_t = delta_t + gamma * lam * (1 - done_t) * A_{t+1}``; returns ``R_t = A_t + V_t``; ``V_T`` is
        ``last_values``. Timeout bootstrapping is already folded into the stored rewards by the algorithm.
        Advantages are then normalised over the whole rollout when asked.

        Args:
            last_values: ``(N,)`` or ``(N, 1)`` value of the observation after the last step.
            gamma: Discount.
            lam: GAE lambda.
            normalize_advantage: Normalise advantages to zero mean, unit std.
        """
        next_values = last_values.detach().reshape(-1)
        advantage = torch.zeros_like(next_values)
        for t in reversed(range(self.num_steps)):
            not_done = (~self.dones[t]).float()
            delta = self.rewards[t] + gamma * not_done * next_values - self.values[t]
            advantage = delta + gamma * lam * not_done * advantage
            self.returns[t] = advantage + self.values[t]
            next_values = self.values[t]
        # in-place writes keep the buffers normal tensors even when called under torch.inference_mode()
        adv = self.returns - self.values
        if normalize_advantage:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        self.advantages.copy_(adv)

    def mini_batch_generator(self, num_mini_batches: int, num_epochs: int) -> Iterator[Batch]:
        """Yield ``num_epochs * num_mini_batches`` minibatches; each epoch is a fresh random permutation.

        Every sample appears exactly once per epoch (the last minibatch takes the remainder when ``T * N`` is not
        divisible by ``num_mini_batches``).
        """
        total = self.num_steps * self.num_envs
        if num_mini_batches <= 0 or num_mini_batches > total:
            raise ValueError(f"num_mini_batches must be in [1, {total}] (num_envs * num_steps), got {num_mini_batches}")
        size = total // num_mini_batches
        flat_obs = {k: v.flatten(0, 1) for k, v in self.obs.items()}
        flat = {
            "actions": self.actions.flatten(0, 1),
            "values": self.values.flatten(),
            "returns": self.returns.flatten(),
            "advantages": self.advantages.flatten(),
            "log_probs": self.log_probs.flatten(),
            "action_mean": self.action_mean.flatten(0, 1),
            "action_std": self.action_std.flatten(0, 1),
        }
        teacher = self.teacher_actions.flatten(0, 1) if self.teacher_actions is not None else None
        teacher_std = self.teacher_std.flatten(0, 1) if self.teacher_std is not None else None
        for _ in range(num_epochs):
            perm = torch.randperm(total, device=self.device)
            for b in range(num_mini_batches):
                end = total if b == num_mini_batches - 1 else (b + 1) * size
                idx = perm[b * size : end]
                yield Batch(
                    obs={k: v[idx] for k, v in flat_obs.items()},
                    teacher_actions=teacher[idx] if teacher is not None else None,
                    teacher_std=teacher_std[idx] if teacher_std is not None else None,
                    **{k: v[idx] for k, v in flat.items()},
                )
