"""Per-clip teachers: turning a motion-tracking env's ``teacher_checkpoints`` into the paths DAgger loads.

A motion list (``deepmimic.human_motion_source``) names, per clip, the run of the teacher trained on it. The env
keeps the distinct names in ``teacher_checkpoints`` (None for clips without one) and reports each env's index
into that list in the observation ``teacher_checkpoint_index``. With ``algorithm.use_multi_teacher=True`` the
training script resolves the names into ``algorithm.teacher_paths`` here, in the same order, so index k of the
env is teacher k of the algorithm:

- a run name is looked up as ``<log root>/<deepmimic.teacher_experiment_name>/<name>`` (``logs/g1_deepmimic``);
  an absolute path, or a path that exists, is used as is;
- None (clips without a teacher) is the default teacher, ``algorithm.policy_to_clone``.
"""

from __future__ import annotations

import os
from typing import Any

from rsl_rl.algorithms import TeacherError

__all__ = ["resolve_teacher_paths"]


def _clips_of(env: Any, k: int) -> list[str]:
    """Distinct names of the clips whose teacher is ``teacher_checkpoints[k]``."""
    index = env.clip_teacher_index.tolist()
    return list(dict.fromkeys(src.name for src, i in zip(env.clip_sources, index) if i == k))


def resolve_teacher_paths(env: Any, alg_cfg: Any, log_base: str) -> list[str]:
    """The teacher path of every entry of ``env.teacher_checkpoints`` (see the module docstring).

    Args:
        env: A motion-tracking env (``teacher_checkpoints``, ``clip_teacher_index``, ``clip_sources``).
        alg_cfg: The algorithm config (``policy_to_clone``, ``teacher_paths``).
        log_base: The log root (``--log_root``, default ``<repo>/logs``).

    Raises:
        TeacherError: The env has no per-clip teachers; explicit ``teacher_paths`` of another length; a clip
            without a teacher while ``policy_to_clone`` is unset (names the clips); a run that does not exist.
    """
    names = getattr(env, "teacher_checkpoints", None)
    if names is None:
        if alg_cfg.teacher_paths:
            return list(alg_cfg.teacher_paths)
        raise TeacherError(
            f"algorithm.use_multi_teacher=True: {type(env).__name__} has no per-clip teachers (teacher_checkpoints); "
            "set algorithm.teacher_paths yourself"
        )
    if alg_cfg.teacher_paths:  # given on the command line: must match the env's teacher indices
        if len(alg_cfg.teacher_paths) != len(names):
            raise TeacherError(
                f"algorithm.teacher_paths lists {len(alg_cfg.teacher_paths)} teachers but the env's clips have "
                f"{len(names)} ({names}); leave teacher_paths empty to resolve them from the motion list"
            )
        return list(alg_cfg.teacher_paths)
    experiment = getattr(getattr(env.cfg, "deepmimic", None), "teacher_experiment_name", "g1_deepmimic")
    paths = []
    for k, name in enumerate(names):
        if name is None:
            if not alg_cfg.policy_to_clone:
                raise TeacherError(
                    f"clips {_clips_of(env, k)} have no teacher_checkpoint_run_name in the motion list and "
                    "algorithm.policy_to_clone (the default teacher) is not set"
                )
            paths.append(alg_cfg.policy_to_clone)
            continue
        path = name if os.path.isabs(name) or os.path.exists(name) else os.path.join(log_base, experiment, name)
        if not os.path.exists(path):
            raise TeacherError(
                f"teacher run {name!r} of clips {_clips_of(env, k)} not found: {path} does not exist "
                f"(runs are looked up under --log_root/{experiment})"
            )
        paths.append(path)
    return paths
