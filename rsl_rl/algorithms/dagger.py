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
With ``bc_loss_coef = 1`` the PPO actor terms get weight 0 (pure cloning) while the critic still learns
(:meth:`PPO.actor_loss_weight` is ``1 - bc_loss_coef``; ``L_BC`` is PPO's auxiliary loss ``bc``). The config is
:class:`rsl_rl.config.DAggerCfg`; a DAgger config with ``bc_loss_coef = 0``, no teacher and no
``take_teacher_actions`` builds plain PPO (RL fine-tuning of a student, the seed's last stage), saying so.

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
from rsl_rl.config import DAggerCfg, coerce_cfg
from rsl_rl.modules.actor_critic import ActorCritic
from rsl_rl.storage.rollout_storage import Batch, RolloutStorage, Transition

__all__ = ["DAgger", "MultiTeacher", "Teacher", "TeacherError", "load_multi_teacher", "load_teacher"]


class DAgger(PPO):
    """PPO plus a behaviour-cloning loss towards a frozen teacher (see the module docstring)."""

    cfg: DAggerCfg

    def __init__(
        self,
        actor_critic: ActorCritic,
        cfg: DAggerCfg | dict[str, Any] | None,
        teacher: Teacher | MultiTeacher,
        device: str | torch.device = "cpu",
        world_size: int = 1,
    ) -> None:
        """Like :class:`PPO`, with a loaded :class:`Teacher` (or a :class:`MultiTeacher` routing per env).

        Raises:
            ValueError: ``bc_loss_coef`` outside [0, 1].
        """
        cfg = coerce_cfg(cfg, DAggerCfg)
        if not 0.0 <= cfg.bc_loss_coef <= 1.0:
            raise ValueError(f"algorithm.bc_loss_coef must be in [0, 1], got {cfg.bc_loss_coef}")
        super().__init__(actor_critic, cfg, device=device, world_size=world_size)
        self.teacher = teacher

    @classmethod
    def construct_algorithm(
        cls,
        actor_critic: ActorCritic,
        cfg: DAggerCfg,
        env_obs_shapes: dict[str, tuple[int, ...]],
        device: str | torch.device = "cpu",
        world_size: int = 1,
    ) -> PPO:
        """Load the teacher named by ``cfg.policy_to_clone`` (or, with ``use_multi_teacher``, the teachers of
        ``cfg.teacher_paths``) and build the algorithm; plain :class:`PPO` when there is nothing to clone
        (``bc_loss_coef=0``, no teacher, no ``take_teacher_actions``).

        Raises:
            ValueError: ``cfg`` is not a :class:`DAggerCfg`.
            TeacherError: No teacher while cloning is asked for, or a teacher that cannot be loaded / does not fit.
        """
        if not isinstance(cfg, DAggerCfg):
            raise ValueError(f"algorithm.class_name='DAgger' needs a DAggerCfg (the teacher and bc_loss_coef fields), "
                             f"got {type(cfg).__name__}: use a *_dagger task or DAggerCfg")
        cfg = coerce_cfg(cfg, DAggerCfg)
        if (not cfg.policy_to_clone and not cfg.use_multi_teacher and cfg.bc_loss_coef == 0.0
                and not cfg.take_teacher_actions):
            print("[rsl_rl] DAgger with bc_loss_coef=0 and no teacher: training the student with PPO", flush=True)
            return PPO(actor_critic, cfg, device=device, world_size=world_size)
        teacher: Teacher | MultiTeacher
        if cfg.use_multi_teacher:
            teacher = load_multi_teacher(
                cfg.teacher_paths, cfg.teacher_index_key, env_obs_shapes, actor_critic.num_actions,
                cfg.policy_to_clone_jitted, device,
            )
        else:
            if not cfg.policy_to_clone:
                raise TeacherError(
                    f"algorithm.class_name='DAgger' with bc_loss_coef={cfg.bc_loss_coef} / take_teacher_actions="
                    f"{cfg.take_teacher_actions} needs algorithm.policy_to_clone (a checkpoint file or run directory)"
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

    def actor_loss_weight(self) -> float:
        """``1 - bc_loss_coef``: pure cloning (coefficient 1) leaves only the critic's PPO terms."""
        return 1.0 - self.cfg.bc_loss_coef

    def auxiliary_losses(
        self, batch: Batch, mu: torch.Tensor, sigma: torch.Tensor
    ) -> dict[str, tuple[float, torch.Tensor]]:
        """The behaviour-cloning term ``bc``, weighted by ``bc_loss_coef``."""
        return {"bc": (self.cfg.bc_loss_coef, self.bc_loss(batch, mu, sigma))}

    def bc_loss(self, batch: Batch, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """``mean((a_teacher - mu)^2)`` (+ ``mean((sigma - sigma_teacher)^2)`` for ActorCritic teachers), with
        each sample's own teacher action and std."""
        assert batch.teacher_actions is not None
        loss = (batch.teacher_actions - mu).pow(2).mean()
        if batch.teacher_std is not None:
            loss = loss + (sigma - batch.teacher_std).pow(2).mean()
        return loss
