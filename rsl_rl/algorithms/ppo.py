# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Proximal Policy Optimisation (clipped surrogate, clipped value loss, GAE, adaptive learning rate).

Per minibatch the loss is::

    L = w * (L_surr - entropy_coef * H) + value_loss_coef * L_V + bounds_loss_coef * L_bounds + sum_i c_i * L_i

with ``L_surr = mean(max(-A * r, -A * clip(r, 1 - eps, 1 + eps)))``, ``r = exp(log pi - log pi_old)``, the clipped
value loss ``mean(max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2))`` and
``L_bounds = mean_batch(sum_actions |clamp(mu, -clip_actions, clip_actions) - mu|)``. The actor weight ``w``
(:meth:`PPO.actor_loss_weight`, 1 here) and the auxiliary terms ``c_i * L_i`` (:meth:`PPO.auxiliary_losses`, none
here) are the hook an algorithm built on PPO uses: :class:`rsl_rl.algorithms.dagger.DAgger` adds behaviour cloning.
With an environment mirror (:meth:`PPO.set_mirror`, :mod:`rsl_rl.algorithms.symmetry`) each minibatch can be doubled
by its mirror image (``symmetry_augmentation``) and the loss can add the mirror term ``symmetry_loss_coef * L_sym``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from torch import nn

from rsl_rl.config import AlgorithmCfg, coerce_cfg
from rsl_rl.algorithms.symmetry import MIRROR_MAX_RATIO, Mirror, augment_batch, mirror_loss, symmetric_std
from rsl_rl.modules.actor_critic import ActorCritic
from rsl_rl.storage.rollout_storage import Batch, RolloutStorage, Transition
from rsl_rl.utils.checks import NonFiniteError
from rsl_rl.utils.distributed import all_reduce_gradients, all_reduce_mean

__all__ = ["PPO", "SCHEDULES"]

SCHEDULES = ("fixed", "adaptive")


class PPO:
    """PPO on an :class:`ActorCritic`.

    Usage per iteration: ``act(obs)`` / ``process_env_step(rewards, dones, extras)`` for each env step (under
    ``torch.inference_mode()``), then ``compute_returns(last_obs)`` and ``update()``.

    Attributes:
        actor_critic: The trained policy.
        cfg: A private copy of the algorithm config.
        optimizer: Adam over all policy parameters.
        learning_rate: Current learning rate (changes with ``schedule="adaptive"``).
        storage: The rollout storage (after :meth:`init_storage`).
    """

    def __init__(
        self,
        actor_critic: ActorCritic,
        cfg: AlgorithmCfg | dict[str, Any] | None = None,
        device: str | torch.device = "cpu",
        world_size: int = 1,
    ) -> None:
        """Create the optimiser and validate the config.

        Args:
            actor_critic: Policy to train (moved to ``device``).
            cfg: Algorithm config; defaults to ``AlgorithmCfg()``.
            device: Training device.
            world_size: Number of processes averaging gradients (1 = single process).

        Raises:
            ValueError: Invalid schedule, epochs or minibatches.
        """
        self.cfg: AlgorithmCfg = coerce_cfg(cfg, AlgorithmCfg)
        c = self.cfg
        if c.schedule not in SCHEDULES:
            raise ValueError(f"Invalid algorithm.schedule '{c.schedule}'. Valid schedules are: {list(SCHEDULES)}")
        if c.num_learning_epochs <= 0 or c.num_mini_batches <= 0:
            raise ValueError(
                "num_learning_epochs and num_mini_batches must be > 0, "
                f"got {c.num_learning_epochs}, {c.num_mini_batches}"
            )
        self.device = torch.device(device)
        self.world_size = int(world_size)
        self.actor_critic = actor_critic.to(self.device)
        self.learning_rate = float(c.learning_rate)
        self.iteration = 0  # the learning iteration of the next update (set_iteration); drives the entropy schedule
        self.optimizer = torch.optim.Adam(self.actor_critic.parameters(), lr=self.learning_rate)
        self.storage: RolloutStorage | None = None
        self.transition: Transition | None = None
        self.mirror: Mirror | None = None
        if c.symmetry_loss_coef < 0.0:
            raise ValueError(f"algorithm.symmetry_loss_coef must be >= 0, got {c.symmetry_loss_coef}")
        # A policy that is its own mirror image (policy.mirror_symmetric) makes both symmetry terms exact no-ops: a
        # mirrored sample has the same log-probability ratio, value and advantage as its original, and the mirror
        # loss is zero. They would only double the cost of every update, so they are skipped.
        self.symmetric_policy = bool(getattr(getattr(actor_critic, "cfg", None), "mirror_symmetric", False))
        self.augment = bool(c.symmetry_augmentation) and not self.symmetric_policy
        self.mirror_loss_coef = 0.0 if self.symmetric_policy else float(c.symmetry_loss_coef)

    @property
    def skipped_symmetry(self) -> bool:
        """Whether the config asks for augmentation or a mirror loss that the symmetric policy makes redundant."""
        return self.symmetric_policy and (bool(self.cfg.symmetry_augmentation) or self.cfg.symmetry_loss_coef > 0.0)

    @property
    def uses_symmetry(self) -> bool:
        """Whether the update needs the environment's mirror (augmentation or a mirror loss that is not redundant)."""
        return self.augment or self.mirror_loss_coef > 0.0

    def set_mirror(self, mirror: Mirror) -> None:
        """Use the environment's left-right mirror (checked against the observation keys the policy reads)."""
        mirror.check(self.actor_critic.obs_shapes, self.actor_critic.num_actions)
        self.mirror = mirror.to(self.device)

    # ------------------------------------------------------------------ factory
    @classmethod
    def construct_algorithm(
        cls,
        actor_critic: ActorCritic,
        cfg: AlgorithmCfg,
        env_obs_shapes: dict[str, tuple[int, ...]],
        device: str | torch.device = "cpu",
        world_size: int = 1,
    ) -> PPO:
        """Build the algorithm from config (subclasses load extra pieces such as a teacher here)."""
        del env_obs_shapes  # PPO needs nothing beyond the policy
        return cls(actor_critic, cfg, device=device, world_size=world_size)

    # ------------------------------------------------------------------ rollout
    def init_storage(self, num_envs: int, num_steps: int) -> RolloutStorage:
        """Allocate the rollout storage for the observation keys the policy reads."""
        self.storage = RolloutStorage(
            num_envs, num_steps, self.actor_critic.obs_shapes, self.actor_critic.num_actions, self.device,
        )
        return self.storage

    def train_mode(self) -> None:
        """Put the policy in training mode."""
        self.actor_critic.train()

    def eval_mode(self) -> None:
        """Put the policy in evaluation mode."""
        self.actor_critic.eval()

    def _policy_step(self, obs: dict[str, torch.Tensor]) -> Transition:
        ac = self.actor_critic
        if ac.training:
            ac.update_normalization(obs)
            if self.mirror is not None:  # mirrored statistics, so that normalising commutes with the mirror
                ac.update_normalization(self.mirror.mirror_obs({k: obs[k] for k in ac.obs_shapes}))
        actions = ac.act(obs)
        return Transition(
            obs={k: obs[k] for k in ac.obs_shapes},
            actions=actions,
            values=ac.evaluate(obs).reshape(-1),
            log_probs=ac.get_actions_log_prob(actions),
            action_mean=ac.action_mean,
            action_std=ac.action_std,
        )

    def act(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Sample actions ``(N, A)`` for ``obs`` and record the transition (updates the normaliser in train mode)."""
        self.transition = self._policy_step(obs)
        return self.transition.actions

    def process_env_step(self, rewards: torch.Tensor, dones: torch.Tensor, extras: dict[str, Any]) -> None:
        """Record the env's response to the last :meth:`act`.

        On timeouts the return is bootstrapped: ``r += gamma * V(s) * time_out`` (``extras["time_outs"]``).
        """
        if self.transition is None or self.storage is None:
            raise RuntimeError("process_env_step() needs init_storage() and act() first")
        tr = self.transition
        r = rewards.detach().reshape(-1).to(self.device, torch.float32).clone()
        time_outs = extras.get("time_outs") if extras else None
        if time_outs is not None:
            r += self.cfg.gamma * tr.values.detach() * time_outs.reshape(-1).to(self.device, torch.float32)
        tr.rewards = r
        tr.dones = dones.reshape(-1).to(self.device)
        self.storage.add(tr)
        self.transition = None

    def compute_returns(self, last_obs: dict[str, torch.Tensor]) -> None:
        """GAE returns and advantages for the stored rollout, bootstrapped with ``V(last_obs)``."""
        if self.storage is None:
            raise RuntimeError("compute_returns() needs init_storage() first")
        last_values = self.actor_critic.evaluate(last_obs).detach()
        self.storage.compute_returns(last_values, self.cfg.gamma, self.cfg.lam, self.cfg.normalize_advantage)

    # ------------------------------------------------------------------ losses
    def surrogate_loss(
        self, log_probs: torch.Tensor, old_log_probs: torch.Tensor, advantages: torch.Tensor,
        max_ratio: float | None = None,
    ) -> torch.Tensor:
        """Clipped surrogate ``mean(max(-A r, -A clip(r, 1-eps, 1+eps)))``; with ``max_ratio``, ``r`` is first capped
        there (no gradient beyond it: the bound of dual-clip PPO, which keeps samples that the behaviour policy made
        unlikely from pulling with ratios far above 1)."""
        log_ratio = log_probs - old_log_probs
        if max_ratio is not None:
            log_ratio = log_ratio.clamp(max=math.log(max_ratio))
        ratio = torch.exp(log_ratio)
        eps = self.cfg.clip_param
        return torch.max(-advantages * ratio, -advantages * torch.clamp(ratio, 1.0 - eps, 1.0 + eps)).mean()

    def value_loss(self, values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
        """Clipped (or plain) squared value error."""
        if not self.cfg.use_clipped_value_loss:
            return (returns - values).pow(2).mean()
        eps = self.cfg.clip_param
        clipped = old_values + (values - old_values).clamp(-eps, eps)
        return torch.max((values - returns).pow(2), (clipped - returns).pow(2)).mean()

    def bounds_loss(self, mu: torch.Tensor) -> torch.Tensor:
        """``mean_batch(sum_actions |clamp(mu, +-clip_actions) - mu|)``."""
        b = self.cfg.clip_actions
        return (mu.clamp(-b, b) - mu).abs().sum(dim=-1).mean()

    # ------------------------------------------------------------------ entropy schedule
    def set_iteration(self, iteration: int) -> None:
        """Tell the algorithm which learning iteration the next :meth:`update` is (the entropy schedule's clock)."""
        self.iteration = int(iteration)

    def entropy_coef(self) -> float:
        """The entropy bonus's weight at the current iteration: ``entropy_coef`` moving linearly to
        ``entropy_coef_final`` over ``entropy_decay_iterations``, then constant; ``entropy_coef`` without a final."""
        c = self.cfg
        if c.entropy_coef_final is None:
            return c.entropy_coef
        if c.entropy_decay_iterations <= 0:
            return c.entropy_coef_final
        f = min(1.0, max(0.0, self.iteration / c.entropy_decay_iterations))
        return c.entropy_coef + f * (c.entropy_coef_final - c.entropy_coef)

    # ------------------------------------------------------------------ loss hook
    def actor_loss_weight(self) -> float:
        """Weight of the PPO actor terms (surrogate and entropy) in the loss; 1 for PPO."""
        return 1.0

    def auxiliary_losses(
        self, batch: Batch, mu: torch.Tensor, sigma: torch.Tensor
    ) -> dict[str, tuple[float, torch.Tensor]]:
        """Extra loss terms ``{name: (coefficient, loss)}`` added to each minibatch's loss and logged (unweighted)
        under ``name``; none for PPO."""
        del batch, mu, sigma
        return {}

    @staticmethod
    def kl_divergence(
        old_mu: torch.Tensor, old_sigma: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor
    ) -> torch.Tensor:
        """Mean over the batch of KL(old || new) between diagonal Gaussians (summed over action dims)."""
        kl = (
            torch.log(sigma / old_sigma)
            + (old_sigma.pow(2) + (old_mu - mu).pow(2)) / (2.0 * sigma.pow(2))
            - 0.5
        )
        return kl.sum(dim=-1).mean()

    def adapt_learning_rate(self, kl: float) -> float:
        """Adaptive schedule: divide lr by ``lr_adapt_factor`` if KL > 2 desired, multiply if KL < desired / 2.

        The result is clamped to ``[min_lr, max_lr]`` and written into the optimiser. Returns the new lr.
        """
        c = self.cfg
        if kl > 2.0 * c.desired_kl:
            self.learning_rate = max(c.min_lr, self.learning_rate / c.lr_adapt_factor)
        elif 0.0 < kl < 0.5 * c.desired_kl:
            self.learning_rate = min(c.max_lr, self.learning_rate * c.lr_adapt_factor)
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate
        return self.learning_rate

    # ------------------------------------------------------------------ update
    def update(self) -> dict[str, float]:
        """Run ``num_learning_epochs x num_mini_batches`` gradient steps on the stored rollout, then clear it.

        Returns:
            Mean losses over minibatches: ``value_function``, ``surrogate``, ``entropy``, ``bounds``, ``kl``, each
            auxiliary loss by its name (``bc`` for DAgger, ``symmetry`` for the mirror loss), and the final ``learning_rate``.
        """
        if self.storage is None or self.storage.step != self.storage.num_steps:
            raise RuntimeError("update() needs a full rollout in storage (num_steps transitions)")
        c = self.cfg
        ac = self.actor_critic
        mirror = self.mirror
        if self.uses_symmetry and mirror is None:
            raise RuntimeError("algorithm.symmetry_augmentation / symmetry_loss_coef need the environment's mirror "
                               "(PPO.set_mirror; the runner sets it from env.mirror())")
        actor_weight = self.actor_loss_weight()
        entropy_coef = self.entropy_coef()
        sums = {"value_function": 0.0, "surrogate": 0.0, "entropy": 0.0, "bounds": 0.0, "kl": 0.0}
        n = 0
        before = copy.deepcopy(ac) if self.augment else None  # the policy the trust region is about
        for batch in self.storage.mini_batch_generator(c.num_mini_batches, c.num_learning_epochs):
            size = batch.actions.shape[0]
            if before is not None and mirror is not None:
                batch = self._augmented(batch, mirror, before)
            ac.update_distribution(batch.obs)
            log_probs = ac.get_actions_log_prob(batch.actions)
            values = ac.evaluate(batch.obs).reshape(-1)
            mu, sigma, entropy = ac.action_mean, ac.action_std, ac.entropy.mean()

            with torch.no_grad():
                kl = all_reduce_mean(self.kl_divergence(batch.action_mean, batch.action_std, mu, sigma))
            kl_value = float(kl)
            if c.schedule == "adaptive" and c.desired_kl > 0.0:
                self.adapt_learning_rate(kl_value)

            if self.augment and mirror is not None:  # the mirrored half: ratio capped, see symmetry
                surrogate = 0.5 * (
                    self.surrogate_loss(log_probs[:size], batch.log_probs[:size], batch.advantages[:size])
                    + self.surrogate_loss(log_probs[size:], batch.log_probs[size:], batch.advantages[size:],
                                          max_ratio=MIRROR_MAX_RATIO)
                )
            else:
                surrogate = self.surrogate_loss(log_probs, batch.log_probs, batch.advantages)
            value_loss = self.value_loss(values, batch.values, batch.returns)
            bounds = self.bounds_loss(mu) if c.bounds_loss_coef > 0.0 else mu.new_zeros(())
            aux = self.auxiliary_losses(batch, mu, sigma)
            if self.mirror_loss_coef > 0.0 and mirror is not None:
                mu_m = mu[size:] if self.augment else ac.actor(mirror.mirror_obs(batch.obs))
                aux["symmetry"] = (self.mirror_loss_coef, mirror_loss(mu[:size], mu_m, mirror))
            loss = (
                actor_weight * (surrogate - entropy_coef * entropy)
                + c.value_loss_coef * value_loss
                + c.bounds_loss_coef * bounds
            )
            for coef, term in aux.values():
                loss = loss + coef * term

            parts = {"value loss": value_loss, "surrogate loss": surrogate, "entropy": entropy,
                     "bounds loss": bounds, **{f"{name} loss": term for name, (_, term) in aux.items()}}
            self._refuse_non_finite(parts, f"minibatch {n}")
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if self.world_size > 1:
                all_reduce_gradients(ac.parameters(), self.world_size)
            grad_norm = nn.utils.clip_grad_norm_(ac.parameters(), c.max_grad_norm)
            self._refuse_non_finite({"gradient norm": grad_norm}, f"minibatch {n}")
            self.optimizer.step()
            if self.augment and mirror is not None and isinstance(getattr(ac, "std", None), nn.Parameter):
                with torch.no_grad():
                    ac.std.copy_(symmetric_std(ac.std, mirror))

            sums["value_function"] += value_loss.item()
            sums["surrogate"] += surrogate.item()
            sums["entropy"] += entropy.item()
            for name, (_, term) in aux.items():
                sums[name] = sums.get(name, 0.0) + term.item()
            sums["bounds"] += bounds.item()
            sums["kl"] += kl_value
            n += 1
        self.storage.clear()
        bad = [name for name, p in ac.named_parameters() if not bool(torch.isfinite(p).all())]
        if bad:
            raise NonFiniteError(f"non-finite policy parameters after the update: {bad[:5]}")
        out = {k: v / max(n, 1) for k, v in sums.items()}
        out["learning_rate"] = self.learning_rate
        if c.entropy_coef_final is not None:
            out["entropy_coef"] = entropy_coef
        return out

    @staticmethod
    def _augmented(batch: Batch, mirror: Mirror, before: ActorCritic) -> Batch:
        """``batch`` and its mirror image, the mirrored half weighted against ``before`` (the pre-update policy)."""
        with torch.no_grad():
            obs_m = mirror.mirror_obs(batch.obs)
            actions_m = mirror.actions(batch.actions)
            before.update_distribution(obs_m)
            log_probs_m = before.get_actions_log_prob(actions_m)
            mean_m, std_m = before.action_mean, before.action_std
        return augment_batch(batch, mirror, log_probs_m, mean_m, std_m)

    @staticmethod
    def _refuse_non_finite(values: dict[str, torch.Tensor], where: str) -> None:
        """Raise :class:`NonFiniteError` naming the first of ``values`` that is NaN or infinite."""
        finite = torch.stack([torch.isfinite(v.detach()).all() for v in values.values()])
        if not bool(finite.all()):
            name = list(values)[int((~finite).nonzero()[0])]
            raise NonFiniteError(f"non-finite {name} in {where} of the update (the policy was not changed by it)")

    # ------------------------------------------------------------------ state
    def optimizer_state_dict(self) -> dict[str, Any]:
        """Optimiser state for checkpoints."""
        return self.optimizer.state_dict()

    def set_learning_rate(self, lr: float) -> None:
        """Set the current learning rate (clamped to ``[min_lr, max_lr]`` under the adaptive schedule)."""
        if self.cfg.schedule == "adaptive":
            lr = min(self.cfg.max_lr, max(self.cfg.min_lr, lr))
        self.learning_rate = float(lr)
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate

    def load_optimizer_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the optimiser; with ``schedule="adaptive"`` the saved lr is kept, with ``"fixed"`` the config lr."""
        self.optimizer.load_state_dict(state)
        if self.cfg.schedule == "adaptive":
            self.learning_rate = float(self.optimizer.param_groups[0]["lr"])
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate
