# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""DAgger / policy distillation on top of PPO.

The teacher comes from ``algorithm.policy_to_clone`` (a checkpoint file, a run directory or a TorchScript export;
see :mod:`rsl_rl.algorithms.teacher`). With ``use_multi_teacher=True`` there is one teacher per entry of
``teacher_paths`` and each env is routed to its own by the observation ``teacher_index_key``
(:mod:`rsl_rl.algorithms.multi_teacher`).

At each env step the teacher's action is stored. We store the teacher's **mean** action (deterministic), not a
sample of its Gaussian: the sample adds noise to the regression target without adding information. Rollouts use the
student's sampled actions (on-policy DAgger) unless ``take_teacher_actions``.

``L_BC = mean((a_teacher - mu_student)^2)`` (mean over batch and action dims), plus
``mean((sigma_student - sigma_teacher)^2)`` when the teacher is an ActorCritic (a TorchScript teacher has no std).
Teacher action and std are stored per env step, so with several teachers each sample is compared with the action
and std of the teacher its env had at that step.
With ``bc_loss_coef = 1`` the PPO actor terms get weight 0 (pure cloning) while the critic still learns.

Every problem with the teacher (missing path, not a checkpoint, observation keys the env lacks, different action
dimension, no teacher index key) raises :class:`TeacherError` at construction, before any rollout; a teacher index
out of range raises it at the step that sees it.
"""

from __future__ import annotations

from typing import Any

import torch

from rsl_rl.algorithms.multi_teacher import MultiTeacher, load_multi_teacher
from rsl_rl.algorithms.ppo import PPO
from rsl_rl.algorithms.teacher import Teacher, TeacherError, load_teacher
from rsl_rl.config import AlgorithmCfg
from rsl_rl.modules.actor_critic import ActorCritic
from rsl_rl.storage.rollout_storage import Batch, RolloutStorage, Transition

__all__ = ["DAgger", "MultiTeacher", "Teacher", "TeacherError", "load_multi_teacher", "load_teacher"]


class DAgger(PPO):
    """PPO plus a behaviour-cloning loss towards a frozen teacher (see the module docstring)."""

    uses_teacher = True

    def __init__(
        self,
        actor_critic: ActorCritic,
        cfg: AlgorithmCfg | dict[str, Any] | None,
        teacher: Teacher | MultiTeacher,
        device: str | torch.device = "cpu",
        world_size: int = 1,
    ) -> None:
        """Like :class:`PPO`, with a loaded :class:`Teacher` (or a :class:`MultiTeacher` routing per env)."""
        super().__init__(actor_critic, cfg, device=device, world_size=world_size)
        self.teacher = teacher

    @classmethod
    def construct_algorithm(
        cls,
        actor_critic: ActorCritic,
        cfg: AlgorithmCfg,
        env_obs_shapes: dict[str, tuple[int, ...]],
        device: str | torch.device = "cpu",
        world_size: int = 1,
    ) -> DAgger:
        """Load the teacher named by ``cfg.policy_to_clone`` (or, with ``use_multi_teacher``, the teachers of
        ``cfg.teacher_paths``) and build the algorithm."""
        teacher: Teacher | MultiTeacher
        if cfg.use_multi_teacher:
            teacher = load_multi_teacher(
                cfg.teacher_paths, cfg.teacher_index_key, env_obs_shapes, actor_critic.num_actions,
                cfg.policy_to_clone_jitted, device,
            )
        else:
            if not cfg.policy_to_clone:
                raise TeacherError(
                    "algorithm.class_name='DAgger' needs algorithm.policy_to_clone (checkpoint or run dir)"
                )
            teacher = load_teacher(
                cfg.policy_to_clone, env_obs_shapes, actor_critic.num_actions, cfg.policy_to_clone_jitted, device
            )
        return cls(actor_critic, cfg, teacher, device=device, world_size=world_size)

    def init_storage(self, num_envs: int, num_steps: int) -> RolloutStorage:
        """Rollout storage that also keeps the teacher's action and, when it has one, its per-env std."""
        self.storage = RolloutStorage(
            num_envs, num_steps, self.actor_critic.obs_shapes, self.actor_critic.num_actions, self.device,
            store_teacher_actions=True, store_teacher_std=self.teacher.std is not None,
        )
        return self.storage

    def act(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Student step plus the teacher's action; returns the teacher's action if ``take_teacher_actions``."""
        tr: Transition = self._policy_step(obs)
        tr.teacher_actions = self.teacher.act(obs)
        tr.teacher_std = self.teacher.action_std(obs)
        if self.cfg.take_teacher_actions:
            tr.actions = tr.teacher_actions
            tr.log_probs = self.actor_critic.get_actions_log_prob(tr.actions)
        self.transition = tr
        return tr.actions

    def bc_loss(self, batch: Batch, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """``mean((a_teacher - mu)^2)`` (+ ``mean((sigma - sigma_teacher)^2)`` for ActorCritic teachers), with
        each sample's own teacher action and std."""
        assert batch.teacher_actions is not None
        loss = (batch.teacher_actions - mu).pow(2).mean()
        if batch.teacher_std is not None:
            loss = loss + (sigma - batch.teacher_std).pow(2).mean()
        return loss
