# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Several frozen teachers, each env routed to its own: distilling per-clip teachers into one student.

The env reports, in the observation ``teacher_index_key`` (shape ``(N, 1)``, an integer stored as a float), the
index of the teacher each env should clone (in a motion-tracking task: the teacher trained on the clip the env is
tracking). :class:`MultiTeacher` has :class:`~rsl_rl.algorithms.teacher.Teacher`'s interface: ``act(obs)`` gives
each env its own teacher's mean action, and ``action_std(obs)`` its own teacher's std, which DAgger stores per step
so the BC loss compares each sample with the teacher its env had. Each teacher runs only on its own envs.

Teachers are loaded with :func:`~rsl_rl.algorithms.teacher.load_teacher` (a path listed twice is loaded once) and
every problem is a :class:`~rsl_rl.algorithms.teacher.TeacherError` before any rollout; an index out of range
is one at the step that sees it.
"""

from __future__ import annotations

import os

import torch

from rsl_rl.algorithms.teacher import Teacher, TeacherError, load_teacher

__all__ = ["MultiTeacher", "load_multi_teacher"]


class MultiTeacher:
    """Frozen teachers routed per env by an index observation (see the module docstring)."""

    def __init__(self, teachers: list[Teacher], index_key: str) -> None:
        """Route between loaded teachers.

        Args:
            teachers: Teacher ``k`` serves the envs whose index observation is ``k`` (the same object may repeat).
            index_key: Observation key holding each env's teacher index, ``(N, 1)``.
        """
        if not teachers:
            raise TeacherError("use_multi_teacher needs at least one teacher")
        self.teachers = list(teachers)
        self.index_key = index_key
        self.obs_keys = list(dict.fromkeys([k for t in self.teachers for k in t.obs_keys] + [index_key]))
        self.path = "[" + ", ".join(t.path for t in self.teachers) + f"] by '{index_key}'"
        stds = [t.std for t in self.teachers]
        # (K, A): row k is teacher k's std; None when a teacher has none (TorchScript), which turns std matching off
        self.std: torch.Tensor | None = None if any(s is None for s in stds) else torch.stack(stds)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.teachers)

    def indices(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Each env's teacher index ``(N,)`` (long), checked against the number of teachers.

        Raises:
            TeacherError: An index that is not an integer in ``[0, len(self))``.
        """
        raw = obs[self.index_key].reshape(obs[self.index_key].shape[0], -1)[:, 0]
        idx = raw.round().long()
        bad = ~torch.isfinite(raw) | (idx < 0) | (idx >= len(self.teachers)) | ((raw - idx).abs() > 1e-3)
        if bool(bad.any()):
            env = int(bad.nonzero()[0, 0])
            raise TeacherError(
                f"observation '{self.index_key}' gives env {env} the teacher index {float(raw[env]):g}, but there are "
                f"{len(self.teachers)} teachers (valid indices 0..{len(self.teachers) - 1}): {self.path}"
            )
        return idx

    @torch.no_grad()
    def act(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Each env's own teacher's deterministic action, ``(N, A)``."""
        idx = self.indices(obs)
        out: torch.Tensor | None = None
        for k, teacher in enumerate(self.teachers):
            rows = (idx == k).nonzero().squeeze(1)
            if rows.numel() == 0:
                continue
            actions = teacher.act({key: obs[key][rows] for key in teacher.obs_keys})
            if out is None:
                out = actions.new_zeros(idx.shape[0], actions.shape[1])
            out[rows] = actions
        assert out is not None  # every env has a valid index, so some teacher acted
        return out

    def action_std(self, obs: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """Each env's own teacher's std, ``(N, A)``, or ``None`` when a teacher has none."""
        if self.std is None:
            return None
        return self.std.to(obs[self.index_key].device)[self.indices(obs)]


def load_multi_teacher(
    paths: list[str],
    index_key: str,
    env_obs_shapes: dict[str, tuple[int, ...]],
    num_actions: int,
    jitted: bool = False,
    device: str | torch.device = "cpu",
) -> MultiTeacher:
    """Load one teacher per path (see :func:`~rsl_rl.algorithms.teacher.load_teacher`) and route by ``index_key``.

    Raises:
        TeacherError: No paths, the index key missing from the env's observations or not of shape (1,), or a
            teacher that does not load (the message names its index and path).
    """
    if not paths:
        raise TeacherError(
            "algorithm.use_multi_teacher=True needs algorithm.teacher_paths (one checkpoint or run directory per "
            "teacher index; train.py fills it from the env's teacher_checkpoints)"
        )
    shape = env_obs_shapes.get(index_key)
    if shape is None:
        raise TeacherError(
            f"algorithm.use_multi_teacher=True: the env has no observation '{index_key}' (algorithm.teacher_index_key)"
            f" giving each env its teacher index; its keys are {sorted(env_obs_shapes)}"
        )
    if tuple(shape) != (1,):
        raise TeacherError(f"observation '{index_key}' must have shape (1,) (one teacher index per env), got {shape}")
    loaded: dict[str, Teacher] = {}
    teachers = []
    for i, path in enumerate(paths):
        key = os.path.abspath(os.fspath(path)) if path else ""
        if key not in loaded:
            try:
                loaded[key] = load_teacher(path, env_obs_shapes, num_actions, jitted, device)
            except TeacherError as e:
                raise TeacherError(f"algorithm.teacher_paths[{i}] ({path!r}): {e}") from e
        teachers.append(loaded[key])
    return MultiTeacher(teachers, index_key)
