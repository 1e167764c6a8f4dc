"""Task registry: ``register(name, EnvClass, env_cfg, train_cfg)``, ``make_env`` and ``make_alg_runner``."""

from __future__ import annotations

import copy
import datetime
import os
from dataclasses import dataclass
from typing import Any

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.utils.bounds import check_bounds
from legged_gym.utils.config import ConfigError, to_dict
from legged_gym.utils.helpers import Args, update_cfgs_from_args
from legged_gym.utils.teachers import resolve_teacher_paths
from rsl_rl.utils import provenance


@dataclass
class TaskEntry:
    task_class: type
    env_cfg: Any
    train_cfg: Any


class TaskRegistry:
    """Maps task names to an environment class and pristine copies of its configs."""

    def __init__(self) -> None:
        self._tasks: dict[str, TaskEntry] = {}

    def register(self, name: str, task_class: type, env_cfg: Any, train_cfg: Any) -> None:
        """Register a task. Configs may be classes or instances; each ``make_env`` gets a fresh copy."""
        if name in self._tasks:
            raise ValueError(f"task '{name}' is already registered")
        self._tasks[name] = TaskEntry(task_class, env_cfg, train_cfg)

    @property
    def task_names(self) -> list[str]:
        """Registered task names, sorted."""
        return sorted(self._tasks)

    def _entry(self, name: str | None) -> TaskEntry:
        if name not in self._tasks:
            raise ValueError(f"unknown task {name!r}; registered tasks: {', '.join(self.task_names)}")
        return self._tasks[name]

    def get_task_class(self, name: str) -> type:
        """The environment class of a task."""
        return self._entry(name).task_class

    def get_cfgs(self, name: str) -> tuple[Any, Any]:
        """Fresh (env_cfg, train_cfg) for a task."""
        e = self._entry(name)
        fresh = lambda c: c() if isinstance(c, type) else copy.deepcopy(c)  # noqa: E731
        return fresh(e.env_cfg), fresh(e.train_cfg)

    def load_cfgs(self, name: str, args: Args | None = None) -> tuple[Any, Any]:
        """Task defaults with the command line applied (flags first, then dotted overrides)."""
        env_cfg, train_cfg = self.get_cfgs(name)
        if args is not None:
            update_cfgs_from_args(env_cfg, train_cfg, args)
        check_bounds(env_cfg, train_cfg, args.sim_device if args is not None else "cpu")
        return env_cfg, train_cfg

    def make_env(self, name: str, args: Args | None = None, env_cfg: Any = None) -> tuple[Any, Any]:
        """Build the environment of a task; returns (env, env_cfg)."""
        task_class = self._entry(name).task_class
        if env_cfg is None:
            env_cfg, _ = self.load_cfgs(name, args)
        sim_device = args.sim_device if args else "cpu"
        rl_device = args.rl_device if args else "cpu"
        env = task_class(env_cfg, sim_device=sim_device, rl_device=rl_device)
        return env, env_cfg

    def make_alg_runner(
        self,
        env: Any,
        name: str | None = None,
        args: Args | None = None,
        train_cfg: Any = None,
        env_cfg: Any = None,
        log_root: str | None = "default",
    ) -> tuple[Any, Any]:
        """Build the runner; returns (runner, train_cfg).

        Logs go to ``logs/<experiment_name>/<YYYYmmdd_HHMMSS>_<run_name>``; with ``runner.resume`` the
        checkpoint is found under ``logs/<experiment_name>`` by ``load_run`` and ``checkpoint``
        (latest run and latest checkpoint by default) and training continues in a new run folder.
        Only rank 0 of a multi-process run creates the run folder. With ``algorithm.use_multi_teacher`` the
        env's per-clip teachers are resolved into ``algorithm.teacher_paths`` (``legged_gym.utils.teachers``).
        """
        from rsl_rl.runners import OnPolicyRunner

        if train_cfg is None:
            if name is None:
                raise ValueError("make_alg_runner needs a task name or a train_cfg")
            _, train_cfg = self.load_cfgs(name, args)
        r = train_cfg.runner
        if env_cfg is not None and hasattr(env_cfg, "normalization"):
            # one clip_actions: the env's clip is also the bound of PPO's bounds loss
            if args is not None and "algorithm.clip_actions" in args.train_overrides:
                raise ConfigError("--train.algorithm.clip_actions: the bound is the environment's; set "
                                  "--env.normalization.clip_actions instead")
            train_cfg.algorithm.clip_actions = float(env_cfg.normalization.clip_actions)
        base = args.log_root if args is not None and args.log_root else os.path.join(LEGGED_GYM_ROOT_DIR, "logs")
        if getattr(train_cfg.algorithm, "use_multi_teacher", False):
            train_cfg.algorithm.teacher_paths = resolve_teacher_paths(env, train_cfg.algorithm, base)
        if log_root == "default":
            log_root = os.path.join(base, r.experiment_name)
        log_dir = None
        if log_root is not None:
            stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
            log_dir = os.path.join(log_root, f"{stamp}_{r.run_name or r.experiment_name}")
            suffix = 1
            while os.path.exists(log_dir):  # two runs started within the same second
                log_dir = os.path.join(log_root, f"{stamp}_{r.run_name or r.experiment_name}_{suffix}")
                suffix += 1
        saved = {"task": name, "env": to_dict(env_cfg) if env_cfg is not None else None, "train": to_dict(train_cfg),
                 "provenance": provenance.collect()}
        if args is not None:
            saved["command_line"] = {"sim_device": args.sim_device, "rl_device": args.rl_device,
                                     "env_overrides": args.env_overrides, "train_overrides": args.train_overrides}
        multi = bool(args.multi_gpu) if args is not None else False
        device = args.rl_device if args is not None else "cpu"
        # with runner.resume the runner loads load_run/checkpoint from the runs beside log_dir
        runner = OnPolicyRunner(env, train_cfg, log_dir, device=device, cfg_to_save=saved, multi_gpu=multi)
        return runner, train_cfg


task_registry = TaskRegistry()
