"""Rebuilding a trained run's configuration for acting with it (eval, play): checkpoint, recorded overrides, settings."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from legged_gym.utils.bounds import check_bounds
from legged_gym.utils.config import apply_overrides
from legged_gym.utils.helpers import Args, update_cfgs_from_args
from rsl_rl.config import without_teacher
from rsl_rl.utils.checkpoints import holds_mirror_symmetric_policy, load_checkpoint


@dataclass
class RunConfigs:
    """A checkpoint and the configs to act with it."""

    env_cfg: Any
    train_cfg: Any
    checkpoint: str
    iteration: int | None
    run_overrides: dict[str, dict[str, str]]


def load_run_configs(
    args: Args,
    apply_settings: Callable[[Any], object],
    verb: str,
    ignore_run_overrides: bool = False,
    drop_env_overrides: tuple[str, ...] = (),
    print_fn: Callable[[str], None] = print,
) -> RunConfigs:
    """Configs in the order task defaults -> the run's recorded overrides -> ``apply_settings`` -> this command line.

    The checkpoint is the one ``train.py --resume`` would load for ``args``. The learner is set up to act only
    (no resume, no W&B, no teacher).

    Raises:
        CheckpointError: no run or checkpoint to load.
        ValueError: a recorded or command-line override that does not apply to ``args.task``.
    """
    from legged_gym.envs import task_registry
    from legged_gym.eval.evaluation import resolve_checkpoint

    _, probe_train_cfg = task_registry.load_cfgs(args.task, args)
    ckpt_path = os.path.abspath(resolve_checkpoint(args.task, args, probe_train_cfg))
    ckpt = load_checkpoint(ckpt_path)
    saved = ckpt.get("config") if isinstance(ckpt.get("config"), dict) else {}
    saved_task = saved.get("task")
    if saved_task and saved_task != args.task:
        print_fn(f"warning: {ckpt_path} was trained on task '{saved_task}', {verb} it on '{args.task}'")
    cmd = saved.get("command_line") or {}
    run_overrides = {"env": dict(cmd.get("env_overrides") or {}), "train": dict(cmd.get("train_overrides") or {})}
    if ignore_run_overrides:
        run_overrides = {"env": {}, "train": {}}
    for key in drop_env_overrides:
        run_overrides["env"].pop(key, None)
    env_cfg, train_cfg = task_registry.get_cfgs(args.task)
    for root, cfg in (("env", env_cfg), ("train", train_cfg)):
        try:
            apply_overrides(cfg, run_overrides[root], root)
        except ValueError as exc:
            raise ValueError(
                f"{ckpt_path}: the run's recorded --{root}.* override does not apply to task '{args.task}' ({exc})"
                + ("; pass --ignore_run_overrides to use the task's defaults" if verb == "evaluating" else "")
            ) from None
    # the checkpoint decides whether its policy is mirror-symmetric (a default may have changed since it was
    # trained); this command line may still turn a plain policy symmetric (export.py --symmetrize does)
    train_cfg.policy.mirror_symmetric = holds_mirror_symmetric_policy(ckpt)
    apply_settings(env_cfg)
    update_cfgs_from_args(env_cfg, train_cfg, args)
    check_bounds(env_cfg, train_cfg, args.sim_device)  # the run's overrides and this command line together
    train_cfg.runner.resume = False
    train_cfg.runner.use_wandb = False
    train_cfg.algorithm = without_teacher(train_cfg.algorithm)  # acting needs no teacher
    return RunConfigs(env_cfg, train_cfg, ckpt_path, ckpt.get("iter"), run_overrides)
