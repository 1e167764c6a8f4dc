"""Settings and measurements for ``legged_gym/scripts/play.py`` (watching or probing a trained policy).

Configs are built in this order, so an explicit command-line override always wins:
task defaults -> the run's recorded ``--env.*`` / ``--train.*`` overrides (read from the checkpoint) -> play settings
(:data:`PLAY_ENV_SETTINGS`: the evaluation settings of :mod:`legged_gym.eval.evaluation` -- no observation or
sensor noise, no pushes, no friction/mass/gain/delay randomisation, one terrain row, every clip from frame 0 -- plus
the seed's ``init_velocities=True`` and one environment) -> this command line's flags and dotted overrides.

Measurements: tracking tasks reuse :class:`~legged_gym.eval.evaluation.TrackingProbe` and
:class:`~legged_gym.eval.metrics.ClipMetrics`; velocity tasks use :class:`VelocityProbe` (command-tracking error
and falls).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from torch import Tensor

from legged_gym.eval.evaluation import EVAL_ENV_SETTINGS, apply_eval_settings
from legged_gym.utils.helpers import Args
from legged_gym.eval.runs import load_run_configs

__all__ = [
    "PLAY_ENV_SETTINGS",
    "PlayConfig",
    "VelocityProbe",
    "apply_play_settings",
    "build_play_cfgs",
    "is_tracking_task",
]

# Applied before the command line's overrides (which may turn any of them back on).
PLAY_ENV_SETTINGS: dict[str, Any] = {
    **EVAL_ENV_SETTINGS,
    "env.num_envs": 1,
    "deepmimic.randomize_start_offset": False,
    "deepmimic.init_velocities": True,
    "terrain.n_rows": 1,
}


def apply_play_settings(env_cfg: Any) -> dict[str, Any]:
    """Set :data:`PLAY_ENV_SETTINGS` on ``env_cfg`` in place (fields the config lacks are skipped); returns them."""
    return apply_eval_settings(env_cfg, PLAY_ENV_SETTINGS)


def is_tracking_task(task: str) -> bool:
    """Whether the task's environment is a motion-tracking :class:`RobotDeepMimic`."""
    from legged_gym.envs import task_registry
    from legged_gym.envs.base.robot_deepmimic import RobotDeepMimic

    return issubclass(task_registry.get_task_class(task), RobotDeepMimic)


@dataclass
class PlayConfig:
    """What :func:`build_play_cfgs` resolved."""

    env_cfg: Any
    train_cfg: Any
    checkpoint: str
    iteration: int | None
    run_overrides: dict[str, dict[str, str]]


def build_play_cfgs(args: Args) -> PlayConfig:
    """Resolve the checkpoint (like ``train.py --resume``) and build the play configs for ``args.task``.

    Raises:
        ValueError: Missing/unknown task, bad ``--num_envs``, a recorded or command-line override that does not apply.
        CheckpointError: No run or checkpoint to load.
    """
    from legged_gym.envs import task_registry

    if args.task is None:
        raise ValueError(f"--task is required; registered tasks: {', '.join(task_registry.task_names)}")
    task_registry.get_task_class(args.task)  # unknown task: ValueError listing the tasks
    if args.num_envs is not None and args.num_envs < 1:
        raise ValueError(f"--num_envs: expected an integer >= 1, got {args.num_envs}")
    if args.multi_gpu or int(os.environ.get("WORLD_SIZE", 1)) > 1:
        raise ValueError("play.py runs in a single process: drop --multi_gpu / torchrun")

    # the run's size and launch settings are not the play's: keep its physics/observation overrides only
    rc = load_run_configs(args, apply_play_settings, "playing", drop_env_overrides=("env.num_envs",))
    if int(rc.env_cfg.env.num_envs) < 1:
        raise ValueError(f"--env.env.num_envs: expected an integer >= 1, got {rc.env_cfg.env.num_envs}")
    return PlayConfig(rc.env_cfg, rc.train_cfg, rc.checkpoint, rc.iteration, rc.run_overrides)


class VelocityProbe:
    """Context manager measuring command tracking and falls of a velocity-command environment every step.

    Wraps the environment's ``check_termination`` (an instance attribute, removed on exit) so the measurement sees
    the state that the step produced, before any reset. Per step and environment it accumulates the planar linear
    velocity error ``||v_cmd_xy - v_xy||`` [m/s] (base frame), the yaw-rate error ``|w_cmd_z - w_z|`` [rad/s], and
    counts falls (terminations that are not time-outs) and time-outs.
    """

    def __init__(self, env: Any) -> None:
        self.env = env
        self.steps = 0
        self.lin_err_sum = 0.0
        self.yaw_err_sum = 0.0
        self.frames = 0
        self.falls = 0
        self.timeouts = 0

    def __enter__(self) -> VelocityProbe:
        self._orig_check = self.env.check_termination
        self.env.check_termination = self._check_termination
        return self

    def __exit__(self, *exc: object) -> None:
        self.env.__dict__.pop("check_termination", None)

    def _check_termination(self) -> None:
        self._orig_check()
        env = self.env
        cmd: Tensor = env.commands
        lin = (cmd[:, :2] - env.base_lin_vel[:, :2]).norm(dim=-1)
        yaw = (cmd[:, 2] - env.base_ang_vel[:, 2]).abs()
        self.lin_err_sum += float(lin.sum())
        self.yaw_err_sum += float(yaw.sum())
        self.frames += int(lin.numel())
        fell = env.reset_buf & ~env.time_out_buf
        self.falls += int(fell.sum())
        self.timeouts += int((env.reset_buf & env.time_out_buf).sum())
        self.steps += 1

    def summary(self) -> dict[str, Any]:
        """Mean errors over every environment-step, fall and time-out counts."""
        n = max(self.frames, 1)
        return {
            "steps": self.steps,
            "env_steps": self.frames,
            "lin_vel_error_mps": self.lin_err_sum / n if self.frames else float("nan"),
            "yaw_rate_error_radps": self.yaw_err_sum / n if self.frames else float("nan"),
            "falls": self.falls,
            "timeouts": self.timeouts,
        }

