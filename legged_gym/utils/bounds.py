"""Range checks of the configuration fields a command line can set to something that crashes or exhausts memory.

Each check names the flag (``--num_envs`` / ``--env.<path>`` / ``--train.<path>``), what was expected and what
came, in one line, before anything is built.
"""

from __future__ import annotations

import math

from typing import Any

from legged_gym.utils.config import ConfigError

__all__ = ["MAX_CPU_ENVS", "MAX_ENVS", "MAX_HIDDEN_WIDTH", "check_bounds"]

MAX_ENVS = 65_536  # environments per process on a GPU
MAX_CPU_ENVS = 16_384  # on the CPU backend (about 1 GB of state and buffers)
MAX_HIDDEN_WIDTH = 16_384  # units of one hidden layer
MIN_TERRAIN_RESOLUTION = 0.01  # [m] grid of height fields cast from meshes


def _get(cfg: Any, path: str) -> Any:
    node = cfg
    for part in path.split("."):
        if not hasattr(node, part):
            return None
        node = getattr(node, part)
    return node


def check_bounds(env_cfg: Any, train_cfg: Any, sim_device: str = "cpu") -> None:
    """Raise :class:`ConfigError` for the first field outside its range.

    Checked: ``env.num_envs`` in [1, MAX_ENVS] on a GPU, [1, MAX_CPU_ENVS] otherwise; ``sim.dt`` in (0, 0.1]; ``control.decimation`` >= 1;
    ``runner.max_iterations`` >= 0; ``rewards.tracking_sigma`` and ``tracking_sigma_yaw`` > 0; ``algorithm.entropy_coef_final`` finite >= 0 and ``entropy_decay_iterations`` >= 0; every hidden width in [1, MAX_HIDDEN_WIDTH]; ``deepmimic.terrain_resolution`` >=
    MIN_TERRAIN_RESOLUTION.
    """
    checks: list[tuple[str, str, Any, bool, str]] = []

    def add(flag: str, root: Any, path: str, ok: Any, expected: str) -> None:
        value = _get(root, path)
        if value is not None:
            checks.append((flag, path, value, bool(ok(value)), expected))

    max_envs = MAX_ENVS if str(sim_device).startswith("cuda") else MAX_CPU_ENVS
    add("--num_envs (env.env.num_envs)", env_cfg, "env.num_envs", lambda v: 1 <= v <= max_envs,
        f"an integer from 1 to {max_envs} on {sim_device}")
    add("--env.sim.dt", env_cfg, "sim.dt", lambda v: 0.0 < v <= 0.1, "a time step in (0, 0.1] seconds")
    add("--env.control.decimation", env_cfg, "control.decimation", lambda v: v >= 1, "an integer >= 1")
    add("--env.deepmimic.terrain_resolution", env_cfg, "deepmimic.terrain_resolution",
        lambda v: v >= MIN_TERRAIN_RESOLUTION, f"a grid spacing >= {MIN_TERRAIN_RESOLUTION} m")
    for sigma in ("tracking_sigma", "tracking_sigma_yaw"):  # a zero or negative kernel width gives NaN or inf rewards
        add(f"--env.rewards.{sigma}", env_cfg, f"rewards.{sigma}", lambda v: v > 0.0, "a kernel width > 0")
    add("--train.algorithm.entropy_coef_final", train_cfg, "algorithm.entropy_coef_final",
        lambda v: math.isfinite(v) and v >= 0.0, "a finite entropy weight >= 0")
    add("--train.algorithm.entropy_decay_iterations", train_cfg, "algorithm.entropy_decay_iterations",
        lambda v: v >= 0, "an integer >= 0")
    add("--max_iterations (train.runner.max_iterations)", train_cfg, "runner.max_iterations", lambda v: v >= 0,
        "an integer >= 0")
    for which in ("actor_hidden_dims", "critic_hidden_dims"):
        add(f"--train.policy.{which}", train_cfg, f"policy.{which}",
            lambda v: len(v) >= 1 and all(1 <= int(w) <= MAX_HIDDEN_WIDTH for w in v),
            f"one or more layer widths from 1 to {MAX_HIDDEN_WIDTH}")
    for flag, _path, value, ok, expected in checks:
        if not ok:
            raise ConfigError(f"{flag}: expected {expected}, got {value!r}")
