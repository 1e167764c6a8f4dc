"""Evaluation of a trained motion-tracking policy over every clip of its task.

Pipeline (:func:`run_eval`, used by ``legged_gym/scripts/eval.py``):

1. Resolve the checkpoint like ``train.py --resume``: ``<log_root or <repo>/logs>/<experiment_name>``, latest run
   and latest ``model_<n>.pt`` unless ``--load_run`` / ``--checkpoint`` say otherwise.
2. Build the configs: task defaults -> the run's recorded ``--env.*`` / ``--train.*`` overrides (read from the
   checkpoint; skipped with ``--ignore_run_overrides``) -> evaluation settings (:data:`EVAL_ENV_SETTINGS`: no
   observation or sensor noise, no pushes, no friction/mass/gain/delay randomisation, no action blending or
   action noise, every clip from frame 0, one terrain row) -> this command line's flags and dotted overrides, so an explicit override always wins.
3. Run ``repeats`` episodes of every clip with the deterministic policy. Episodes are dealt to the environments
   round robin; :class:`TrackingProbe` pins the clip each environment starts and reads the environment's own
   per-step tracking record (``legged_gym.envs.base.tracking_record``, taken right after its termination check),
   so the frame on which an episode ends is measured too. Each environment stops counting at its first termination or at
   its clip's end.
4. Accumulate per-clip metrics (:class:`ClipMetrics`) and write ``eval.json``, a plot and a table.

Metric definitions (``frames`` are the stepped frames 1..k of an episode; frame 0 is the reference-state
initialisation itself and is not counted):

* success: the episode reached its clip's last frame without a termination (the environment's time-out).
* joint error [rad]: mean over joints and frames of ``|q - q_ref|``.
* link position error [m]: mean over tracked links and frames of ``||p - p_ref||`` (world frame, terrain offsets
  applied to the reference); the root-relative variant first subtracts each side's root position.
* contact match: fraction of foot-frames where the measured contact equals the reference contact.
* frames tracked: the clip length for a success, else the number of frames before the failing one; reported as a
  mean and as a fraction of the clip length.

Per-clip error means weight every frame equally (long episodes weigh more); overall numbers pool every frame or
episode of every clip, and ``success_rate_clip_mean`` is the unweighted mean over clips.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.eval.metrics import ClipMetrics
from legged_gym.eval.report import format_table, json_safe, plot_results
from legged_gym.utils.helpers import Args
from rsl_rl.utils.checkpoints import CheckpointError, get_load_path

__all__ = [
    "EVAL_ENV_SETTINGS",
    "EvalOutcome",
    "TrackingProbe",
    "apply_eval_settings",
    "default_out_dir",
    "evaluate_policy",
    "resolve_checkpoint",
    "run_eval",
]

# Applied to the environment config before the command line's overrides (which may turn any of them back on).
EVAL_ENV_SETTINGS: dict[str, Any] = {
    "noise.add_noise": False,
    "domain_rand.randomize_friction": False,
    "domain_rand.randomize_base_mass": False,
    "domain_rand.push_robots": False,
    "domain_rand.torque_rfi_rand": False,
    "domain_rand.p_gain_rand": False,
    "domain_rand.d_gain_rand": False,
    "domain_rand.control_delays": False,
    "domain_rand.action_delay": 0.0,
    "domain_rand.action_noise": 0.0,
    "init_state.dof_pos_noise_scale": 0.0,
    "init_state.root_vel_noise": 0.0,
    "terrain.n_rows": 1,
    "deepmimic.randomize_start_offset": False,
    "deepmimic.init_default_frac": 0.0,
    "deepmimic.init_dof_pos_noise": 0.0,
    "deepmimic.init_root_xy_noise": 0.0,
    "deepmimic.init_root_z_noise": 0.0,
    "deepmimic.randomize_terrain_offset": False,
    "deepmimic.truncate_rollout_length": -1,
    "height_sensor.white_noise": 0.0,
    "height_sensor.offset_noise": 0.0,
    "height_sensor.roll_pitch_noise": 0.0,
    "height_sensor.yaw_noise": 0.0,
    "height_sensor.max_delay": 1,
    "height_sensor.update_period_range": [1, 2],
    "height_sensor.bad_ray_fraction": 0.0,
}
DEFAULT_MAX_ENVS = 64  # environments used when --num_envs is not given (capped by the number of episodes)


# --------------------------------------------------------------------------------------------------- configs
def _get_path(cfg: Any, path: str) -> tuple[Any, str] | None:
    node = cfg
    parts = path.split(".")
    for p in parts[:-1]:
        if not hasattr(node, p):
            return None
        node = getattr(node, p)
    return (node, parts[-1]) if hasattr(node, parts[-1]) else None


def apply_eval_settings(env_cfg: Any, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Set the evaluation settings on ``env_cfg`` in place; fields the config lacks are skipped.

    Returns:
        The settings that were applied, by dotted path.
    """
    applied: dict[str, Any] = {}
    for path, value in (EVAL_ENV_SETTINGS if settings is None else settings).items():
        found = _get_path(env_cfg, path)
        if found is None:
            continue
        node, name = found
        setattr(node, name, list(value) if isinstance(value, list) else value)
        applied[path] = value
    return applied


def _read_settings(env_cfg: Any, paths: list[str]) -> dict[str, Any]:
    """Current values of ``paths`` (after every override), for the report."""
    out = {}
    for path in paths:
        found = _get_path(env_cfg, path)
        if found is not None:
            value = getattr(*found)
            out[path] = list(value) if isinstance(value, (list, tuple)) else value
    return out


def resolve_checkpoint(task: str, args: Args, train_cfg: Any) -> str:
    """The checkpoint file ``train.py --resume`` would load for these arguments.

    Raises:
        CheckpointError: No experiment folder, no run with checkpoints, or no such run / checkpoint; the message
            names the folder searched and the flags that change it.
    """
    r = train_cfg.runner
    base = args.log_root if args.log_root else os.path.join(LEGGED_GYM_ROOT_DIR, "logs")
    root = os.path.join(base, r.experiment_name)
    load_run = args.load_run if args.load_run is not None else r.load_run
    checkpoint = args.checkpoint if args.checkpoint is not None else r.checkpoint
    try:
        return get_load_path(root, load_run, checkpoint)
    except CheckpointError as exc:
        raise CheckpointError(
            f"no checkpoint found for task '{task}': {exc}. Train one with "
            f"`python legged_gym/scripts/train.py --task={task}`, or point --log_root / --experiment_name / "
            "--load_run / --checkpoint at an existing one"
        ) from None


def default_out_dir(checkpoint_path: str) -> str:
    """``<run dir>/eval_<n>`` for ``model_<n>.pt`` (``eval_<file stem>`` for other file names)."""
    stem = os.path.splitext(os.path.basename(checkpoint_path))[0]
    tag = stem[len("model_"):] if stem.startswith("model_") else stem
    return os.path.join(os.path.dirname(os.path.abspath(checkpoint_path)), f"eval_{tag}")


# --------------------------------------------------------------------------------------------------- rollout
class TrackingProbe:
    """Context manager that pins the clip each environment starts and reads its tracking every step.

    Inside the ``with`` block every reset of environment ``i`` (the environment's own reset path, including the
    automatic resets inside ``step``) starts clip ``next_clip[i]`` at its first frame, and :attr:`last` is the
    environment's own record of the step (:func:`legged_gym.envs.base.tracking_record.tracking_record`: clip,
    stepped frames, done, success and the frame's errors, taken right after its termination check). It only sets the
    environment's evaluation fields (``pinned_clips``, ``record_tracking``) and clears them on exit.
    """

    def __init__(self, env: Any) -> None:
        self.env = env
        self.next_clip = torch.zeros(env.num_envs, dtype=torch.long, device=env.device)

    @property
    def last(self) -> dict[str, Any] | None:
        """The environment's record of its last termination check (None before the first step)."""
        return self.env.tracking_record

    def __enter__(self) -> TrackingProbe:
        self.env.pinned_clips = self.next_clip  # the same tensor: in-place writes to next_clip re-pin
        self.env.record_tracking = True
        self.env.tracking_record = None
        return self

    def __exit__(self, *exc: object) -> None:
        self.env.pinned_clips = None
        self.env.record_tracking = False
        self.env.tracking_record = None


@dataclass
class EvalOutcome:
    """What :func:`evaluate_policy` measured."""

    metrics: ClipMetrics
    steps: int
    wall_time_s: float
    summary: dict[str, Any] = field(default_factory=dict)


def evaluate_policy(
    env: Any,
    policy: Callable[[dict[str, Tensor]], Tensor],
    repeats: int = 1,
    device: str | torch.device = "cpu",
    progress: Callable[[str], None] | None = None,
) -> EvalOutcome:
    """Run ``repeats`` episodes of every clip of a tracking environment with ``policy`` and measure them.

    Episode ``j`` (clip ``j % C``, repeat ``j // C``) goes to environment ``j % num_envs``; each environment plays
    its episodes one after the other, each from frame 0, and stops counting at its first termination or its clip's
    end. Environments without work left keep stepping but are not counted.

    Args:
        env: a :class:`~legged_gym.envs.base.robot_deepmimic.RobotDeepMimic` (any number of environments).
        policy: maps the observation dict to actions (N, A), e.g. ``runner.get_inference_policy()``.
        repeats: episodes per clip.
        device: where the policy expects its observations.
        progress: called with a line of text as episodes finish (optional).
    """
    if repeats < 1:
        raise ValueError(f"--repeats: expected an integer >= 1, got {repeats}")
    names = list(env.replay.clip_names)
    lengths = [int(n) for n in env.replay.clip_length.tolist()]
    metrics = ClipMetrics(names, lengths)
    n, c = env.num_envs, len(names)
    jobs = [(j % c, j // c) for j in range(c * repeats)]
    queues = [jobs[i::n] for i in range(n)]
    pos = [0] * n
    active = torch.tensor([len(q) > 0 for q in queues], dtype=torch.bool)
    t0 = time.time()
    steps = 0
    max_steps = (max(lengths) + 2) * max(len(q) for q in queues) + 10
    with TrackingProbe(env) as probe, torch.no_grad():
        probe.next_clip[:] = torch.tensor([q[0][0] if q else 0 for q in queues], device=probe.next_clip.device)
        obs = env.reset()
        while bool(active.any()):
            # the clip an environment starts if this step ends its episode: its next job (or its current clip)
            nxt = [q[min(p + 1, len(q) - 1)][0] if q else 0 for q, p in zip(queues, pos)]
            probe.next_clip[:] = torch.tensor(nxt, device=probe.next_clip.device)
            actions = policy({k: v.to(device) for k, v in obs.items()})
            obs, _, _, _ = env.step(actions)
            steps += 1
            if steps > max_steps:
                raise RuntimeError(f"evaluate_policy: episodes did not end within {max_steps} steps")
            last = probe.last
            if last is None:
                raise RuntimeError("evaluate_policy: the environment's termination check did not run during step()")
            ids = active.nonzero(as_tuple=False).flatten()
            dev_ids = ids.to(last["clip"].device)
            metrics.add_frames(last["clip"][dev_ids], {k: (v[dev_ids] if v.dim() else v)
                                                      for k, v in last["errors"].items()}, last["frame"][dev_ids])
            done = last["done"].cpu() & active
            for i in done.nonzero(as_tuple=False).flatten().tolist():
                clip, repeat = queues[i][pos[i]]
                if int(last["clip"][i]) != clip:
                    raise RuntimeError(f"evaluate_policy: environment {i} played clip {int(last['clip'][i])}, "
                                       f"expected {clip}")
                success = bool(last["success"][i])
                tracked = lengths[clip] if success else int(last["frame"][i])
                metrics.add_episode(clip, success, tracked, repeat=repeat, env=i)
                if progress is not None:
                    progress(f"  {names[clip]:<20} repeat {repeat}: {'success' if success else 'failed '} "
                             f"{tracked}/{lengths[clip]} frames")
                pos[i] += 1
                if pos[i] >= len(queues[i]):
                    active[i] = False
    outcome = EvalOutcome(metrics, steps, time.time() - t0)
    outcome.summary = metrics.summary()
    return outcome


# --------------------------------------------------------------------------------------------------- driver
def run_eval(args: Args, print_fn: Callable[[str], None] = print) -> dict[str, Any]:
    """Evaluate a checkpoint of ``args.task`` over every clip; writes ``eval.json`` and a plot; returns the report.

    ``args.extra`` may hold ``repeats`` (int), ``out`` (folder) and ``ignore_run_overrides`` (bool).

    Raises:
        ValueError: Missing/unknown/non-tracking task, bad flag values, overrides that do not apply.
        CheckpointError: No run or checkpoint to load, or one that does not fit the policy.
    """
    from legged_gym.envs import task_registry
    from legged_gym.envs.base.motion_sources import discover_clips
    from legged_gym.envs.base.robot_deepmimic import RobotDeepMimic
    from legged_gym.eval.runs import load_run_configs

    t_start = time.time()
    tracking = [t for t in task_registry.task_names if issubclass(task_registry.get_task_class(t), RobotDeepMimic)]
    if args.task is None:
        raise ValueError(f"--task is required; motion-tracking tasks: {', '.join(tracking)}")
    task_cls = task_registry.get_task_class(args.task)  # unknown task: ValueError listing the tasks
    if args.task not in tracking:
        raise ValueError(
            f"--task={args.task} is not a motion-tracking task (its environment {task_cls.__name__} is not a "
            f"RobotDeepMimic); eval.py evaluates clip tracking: use one of {', '.join(tracking)}"
        )
    if args.multi_gpu or int(os.environ.get("WORLD_SIZE", 1)) > 1:
        raise ValueError("eval.py runs in a single process: drop --multi_gpu / torchrun")
    repeats = args.extra.get("repeats", 1)
    if repeats is None or int(repeats) < 1:
        raise ValueError(f"--repeats: expected an integer >= 1, got {repeats}")
    repeats = int(repeats)
    if args.num_envs is not None and args.num_envs < 1:
        raise ValueError(f"--num_envs: expected an integer >= 1, got {args.num_envs}")

    # 1-2. the checkpoint and the configs: defaults -> the run's overrides -> evaluation settings -> command line
    rc = load_run_configs(args, apply_eval_settings, "evaluating",
                          ignore_run_overrides=bool(args.extra.get("ignore_run_overrides")), print_fn=print_fn)
    env_cfg, train_cfg, ckpt_path, run_overrides = rc.env_cfg, rc.train_cfg, rc.checkpoint, rc.run_overrides
    ckpt = {"iter": rc.iteration}
    jobs = len(discover_clips(env_cfg.deepmimic)) * repeats
    requested = args.num_envs
    if requested is None and "env.num_envs" in args.env_overrides:
        requested = int(env_cfg.env.num_envs)
        if requested < 1:
            raise ValueError(f"--env.env.num_envs: expected an integer >= 1, got {requested}")
    env_cfg.env.num_envs = min(requested, jobs) if requested is not None else min(jobs, DEFAULT_MAX_ENVS)
    if requested is not None and requested > jobs:
        print_fn(f"note: --num_envs={requested} but there are only {jobs} episodes; using {jobs} environments")

    # 3. environment, policy and the rollouts
    env, env_cfg = task_registry.make_env(args.task, args, env_cfg=env_cfg)
    try:
        runner, train_cfg = task_registry.make_alg_runner(
            env, args.task, args, train_cfg=train_cfg, env_cfg=env_cfg, log_root=None
        )
        runner.load(ckpt_path, load_optimizer=False, strict=train_cfg.runner.load_model_strict)
        policy = runner.get_inference_policy(device=args.rl_device)
        print_fn(f"evaluating {ckpt_path} (iteration {ckpt.get('iter')}) on {len(env.replay.clip_names)} clips x "
                 f"{repeats} repeats with {env.num_envs} environments")
        outcome = evaluate_policy(env, policy, repeats=repeats, device=args.rl_device, progress=print_fn)
    finally:
        env.close()

    # 4. report
    out_dir = args.extra.get("out") or default_out_dir(ckpt_path)
    os.makedirs(out_dir, exist_ok=True)
    summary = outcome.summary
    names = outcome.metrics.clip_names
    settings_paths = list(EVAL_ENV_SETTINGS) + ["deepmimic.viz_replay", "env.num_envs", "sim.num_threads"]
    report: dict[str, Any] = {
        "task": args.task,
        "checkpoint": ckpt_path,
        "iteration": ckpt.get("iter"),
        "run_dir": os.path.dirname(ckpt_path),
        "created": datetime.datetime.now().isoformat(timespec="seconds"),
        "settings": {
            "repeats": repeats,
            "num_envs": env.num_envs,
            "seed": env_cfg.seed,
            "sim_device": args.sim_device,
            "rl_device": args.rl_device,
            "deterministic_policy": True,
            "env": _read_settings(env_cfg, settings_paths),
            "run_overrides": run_overrides,
            "command_line_overrides": {"env": dict(args.env_overrides), "train": dict(args.train_overrides)},
        },
        "clips": summary["clips"],
        "overall": summary["overall"],
        "episodes": [
            {"clip": names[r.clip], "repeat": r.repeat, "env": r.env, "success": r.success,
             "frames_tracked": r.frames_tracked, "clip_length": outcome.metrics.clip_lengths[r.clip]}
            for r in outcome.metrics.records
        ],
        "steps": outcome.steps,
        "rollout_time_s": round(outcome.wall_time_s, 3),
    }
    title = f"{args.task}: {os.path.basename(os.path.dirname(ckpt_path))}/{os.path.basename(ckpt_path)}"
    plot_path = plot_results(summary, out_dir, title, outcome.metrics.error_curves(float(env.dt)))
    report["plot"] = os.path.basename(plot_path)
    report["total_time_s"] = round(time.time() - t_start, 3)
    json_path = os.path.join(out_dir, "eval.json")
    tmp = json_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(json_safe(report), f, indent=2)
    os.replace(tmp, json_path)
    report["json"] = json_path
    print_fn("")
    print_fn(format_table(summary))
    print_fn(f"\nwrote {json_path} and {plot_path}")
    return report
