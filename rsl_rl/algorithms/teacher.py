# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""The frozen teacher of DAgger: loading and validating it, and acting with it.

The teacher comes from ``algorithm.policy_to_clone``: a checkpoint file, or a run directory (its highest-numbered
``model_<n>.pt``). It is rebuilt as ``ActorCritic(env_obs_shapes, num_actions, checkpoint["policy_cfg"])``, so it keeps
its own observation processing and reads its own keys (e.g. privileged targets, a clean heightmap) from the same
observation dict as the student. With ``policy_to_clone_jitted=True`` the path is a TorchScript file exported by
:func:`rsl_rl.utils.export.export_policy` (or a directory holding ``policy.pt``).

Every problem with the teacher (missing path, not a checkpoint, observation keys the env lacks, different action
dimension) raises :class:`TeacherError` when it is loaded, before any rollout.
"""

from __future__ import annotations

import os
import warnings

import torch

from rsl_rl.modules.actor_critic import ActorCritic
from rsl_rl.utils.checkpoints import CheckpointError, latest_checkpoint_in, load_checkpoint

__all__ = ["Teacher", "TeacherError", "load_teacher"]


class TeacherError(ValueError):
    """The teacher policy cannot be used with this environment / student."""


class Teacher:
    """A frozen teacher policy: ``act(obs) -> mean action (N, A)`` plus its std vector (or ``None``)."""

    def __init__(self, module: torch.nn.Module, obs_keys: list[str], std: torch.Tensor | None, path: str) -> None:
        """Wrap a loaded teacher.

        Args:
            module: An :class:`ActorCritic` or a TorchScript policy taking the observation dict.
            obs_keys: Observation keys the teacher reads.
            std: ``(A,)`` teacher action std, or ``None`` (TorchScript teacher).
            path: Where it was loaded from (for messages).
        """
        self.module = module.eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self.obs_keys = list(obs_keys)
        self.std = std
        self.path = path

    @torch.no_grad()
    def act(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Deterministic teacher action (its mean), ``(N, A)``."""
        sub = {k: obs[k] for k in self.obs_keys}
        if isinstance(self.module, ActorCritic):
            return self.module.act_inference(sub)
        return self.module(sub)

    def action_std(self, obs: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """The teacher's std for every env, ``(N, A)``, or ``None`` (TorchScript teacher: no std)."""
        if self.std is None:
            return None
        n = next(iter(obs.values())).shape[0]
        return self.std.unsqueeze(0).expand(n, -1)


def _check_keys(path: str, keys: list[str], env_obs_shapes: dict[str, tuple[int, ...]]) -> None:
    missing = [k for k in keys if k not in env_obs_shapes]
    if missing:
        raise TeacherError(
            f"Teacher '{path}' reads observation keys {missing} that the env does not provide. "
            f"Available keys and shapes: {dict(env_obs_shapes)}"
        )


def _load_actor_critic_teacher(
    path: str, env_obs_shapes: dict[str, tuple[int, ...]], num_actions: int, device: torch.device
) -> Teacher:
    if os.path.isdir(path):
        try:
            path = latest_checkpoint_in(path)
        except CheckpointError as e:
            raise TeacherError(f"policy_to_clone: {e}") from e
    try:
        ckpt = load_checkpoint(path, map_location=device)
    except CheckpointError as e:
        raise TeacherError(f"policy_to_clone: {e}") from e
    policy_cfg = ckpt["policy_cfg"]
    keys = list(dict.fromkeys([*policy_cfg.get("obs_proc_actor", {}), *policy_cfg.get("obs_proc_critic", {})]))
    _check_keys(path, keys, env_obs_shapes)
    teacher_shapes = ckpt.get("obs_shapes") or {}
    wrong = {
        k: (tuple(teacher_shapes[k]), tuple(env_obs_shapes[k]))
        for k in keys
        if k in teacher_shapes and tuple(teacher_shapes[k]) != tuple(env_obs_shapes[k])
    }
    if wrong:
        raise TeacherError(f"Teacher '{path}' was trained on other observation shapes (teacher, env): {wrong}")
    std = ckpt["model_state_dict"].get("std")
    teacher_actions = int(ckpt.get("num_actions", std.shape[0] if std is not None else num_actions))
    if teacher_actions != num_actions:
        raise TeacherError(f"Teacher '{path}' has {teacher_actions} actions but the env has {num_actions}")
    try:
        teacher = ActorCritic(env_obs_shapes, num_actions, policy_cfg)
        teacher.load_state_dict(ckpt["model_state_dict"], strict=True)
    except (KeyError, ValueError, RuntimeError) as e:
        raise TeacherError(f"Cannot rebuild the teacher from '{path}': {e}") from e
    teacher.to(device)
    return Teacher(teacher, keys, teacher.policy_std().detach(), path)


def _load_jit_teacher(
    path: str, env_obs_shapes: dict[str, tuple[int, ...]], num_actions: int, device: torch.device
) -> Teacher:
    if os.path.isdir(path):
        candidate = os.path.join(path, "policy.pt")
        if not os.path.isfile(candidate):
            raise TeacherError(
                f"policy_to_clone (jitted): directory '{path}' has no policy.pt; it has {sorted(os.listdir(path))}"
            )
        path = candidate
    if not os.path.isfile(path):
        raise TeacherError(f"policy_to_clone (jitted): TorchScript file '{path}' does not exist")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch>=2.10 marks TorchScript deprecated
            module = torch.jit.load(path, map_location=device)
    except Exception as e:  # noqa: BLE001 - re-raised with the path
        raise TeacherError(
            f"policy_to_clone (jitted): '{path}' is not a TorchScript file: {type(e).__name__}: {e}"
        ) from e
    if not hasattr(module, "input_keys"):
        raise TeacherError(
            f"policy_to_clone (jitted): '{path}' has no 'input_keys' attribute; export it with "
            "rsl_rl.utils.export.export_policy"
        )
    keys = list(module.input_keys)
    _check_keys(path, keys, env_obs_shapes)
    probe = {k: torch.zeros(2, *env_obs_shapes[k], device=device) for k in keys}
    try:
        with torch.no_grad():
            out = module(probe)
    except Exception as e:  # noqa: BLE001 - re-raised with the path
        raise TeacherError(f"Teacher '{path}' failed on env-shaped observations {dict(env_obs_shapes)}: {e}") from e
    if out.dim() != 2 or out.shape[1] != num_actions:
        raise TeacherError(
            f"Teacher '{path}' outputs shape {tuple(out.shape)} for batch 2; the env has {num_actions} actions"
        )
    bad = [n for n, p in module.named_parameters() if not bool(torch.isfinite(p).all())]
    if bad or not bool(torch.isfinite(out).all()):
        raise TeacherError(f"Teacher '{path}' is a non-finite policy (NaN or infinite weights {bad[:5]} or outputs)")
    return Teacher(module, keys, None, path)


def load_teacher(
    path: str,
    env_obs_shapes: dict[str, tuple[int, ...]],
    num_actions: int,
    jitted: bool = False,
    device: str | torch.device = "cpu",
) -> Teacher:
    """Load and validate a teacher policy (see the module docstring).

    Args:
        path: Checkpoint file or run directory (or, with ``jitted``, a TorchScript file or a folder with policy.pt).
        env_obs_shapes: The env's observation key -> shape without batch.
        num_actions: The env's action dimension.
        jitted: Load a TorchScript export instead of a checkpoint.
        device: Device for the teacher.

    Raises:
        TeacherError: Missing path, unreadable file, missing observation keys or different action dimension.
    """
    if not path:
        raise TeacherError("policy_to_clone is empty: give a checkpoint file or a run directory")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise TeacherError(f"policy_to_clone '{path}' does not exist (expected a checkpoint file or a run directory)")
    shapes = {k: tuple(v) for k, v in env_obs_shapes.items()}
    loader = _load_jit_teacher if jitted else _load_actor_critic_teacher
    return loader(path, shapes, int(num_actions), torch.device(device))
