"""Building registered tasks with a few config fields edited, for tests."""

from __future__ import annotations

from typing import Any

from legged_gym.envs import task_registry


def make_task_env(task: str, num_envs: int = 4, **edits: Any) -> tuple[Any, Any]:
    """(env, train_cfg) of ``task`` with ``num_envs`` and edits given as ``section__field=value``."""
    env_cfg, train_cfg = task_registry.get_cfgs(task)
    env_cfg.env.num_envs = num_envs
    env_cfg.sim.num_threads = 2
    for path, value in edits.items():
        node = env_cfg
        parts = path.split("__")
        for p in parts[:-1]:
            node = getattr(node, p)
        setattr(node, parts[-1], value)
    env, _ = task_registry.make_env(task, env_cfg=env_cfg)
    return env, train_cfg
