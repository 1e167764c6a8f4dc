# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Learning algorithms and the ``construct_algorithm`` factory."""

from __future__ import annotations

import torch

from rsl_rl.algorithms.dagger import DAgger
from rsl_rl.algorithms.multi_teacher import MultiTeacher, load_multi_teacher
from rsl_rl.algorithms.ppo import PPO
from rsl_rl.algorithms.teacher import Teacher, TeacherError, load_teacher
from rsl_rl.config import AlgorithmCfg, coerce_cfg
from rsl_rl.modules.actor_critic import ActorCritic
from rsl_rl.utils.resolve import resolve_class

__all__ = [
    "ALGORITHMS", "DAgger", "MultiTeacher", "PPO", "Teacher", "TeacherError", "construct_algorithm",
    "load_multi_teacher", "load_teacher",
]

ALGORITHMS: dict[str, type[PPO]] = {"PPO": PPO, "DAgger": DAgger}


def construct_algorithm(
    cfg: AlgorithmCfg | dict,
    actor_critic: ActorCritic,
    env_obs_shapes: dict[str, tuple[int, ...]],
    device: str | torch.device = "cpu",
    world_size: int = 1,
) -> PPO:
    """Build the algorithm named by ``cfg.class_name``.

    ``class_name`` is a built-in name (:data:`ALGORITHMS`) or ``"package.module:ClassName"`` of a class with the
    same ``construct_algorithm`` classmethod. Distillation is chosen explicitly: ``"DAgger"`` with a
    :class:`~rsl_rl.config.DAggerCfg`.

    Raises:
        ValueError: Unknown class name (lists the valid ones).
        TeacherError: The teacher cannot be loaded / does not fit (before any rollout).
    """
    cfg = coerce_cfg(cfg, AlgorithmCfg)
    cls = resolve_class(cfg.class_name, ALGORITHMS, "algorithm.class_name")
    if not hasattr(cls, "construct_algorithm"):
        raise ValueError(
            f"algorithm.class_name='{cfg.class_name}' resolves to {cls!r}, which has no construct_algorithm"
        )
    return cls.construct_algorithm(actor_critic, cfg, env_obs_shapes, device=device, world_size=world_size)
