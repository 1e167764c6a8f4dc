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
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs.base.tracking_record import frame_errors
from legged_gym.utils.helpers import Args
from rsl_rl.utils.checkpoints import CheckpointError, get_load_path

__all__ = [
    "EVAL_ENV_SETTINGS",
    "ClipMetrics",
    "EpisodeRecord",
    "EvalOutcome",
    "TrackingProbe",
    "apply_eval_settings",
    "default_out_dir",
    "evaluate_policy",
    "format_table",
    "plot_results",
    "resolve_checkpoint",
    "run_eval",
    "write_svg",
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
METRIC_KEYS = (
    "success_rate",
    "joint_error_rad",
    "link_pos_error_m",
    "link_pos_error_root_rel_m",
    "contact_match",
    "frames_tracked_frac",
)


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


# --------------------------------------------------------------------------------------------------- metrics
@dataclass
class EpisodeRecord:
    """One evaluated episode."""

    clip: int
    repeat: int
    env: int
    success: bool
    frames_tracked: int


class ClipMetrics:
    """Per-clip sums of frame errors and episode outcomes; :meth:`summary` turns them into means."""

    def __init__(self, clip_names: list[str], clip_lengths: list[int]) -> None:
        if len(clip_names) != len(clip_lengths):
            raise ValueError(
                f"ClipMetrics: expected as many clip lengths as names, got {len(clip_lengths)} and {len(clip_names)}"
            )
        self.clip_names = list(clip_names)
        self.clip_lengths = [int(n) for n in clip_lengths]
        c = len(clip_names)
        z = lambda: torch.zeros(c, dtype=torch.float64)  # noqa: E731
        self.frames = z()
        self.joint_sum = z()
        self.link_sum = z()
        self.link_rel_sum = z()
        self.contact_matches = z()
        self.contact_total = z()
        self.episodes = z()
        self.successes = z()
        self.frames_tracked = z()
        self.records: list[EpisodeRecord] = []
        # per clip and frame of the clip: summed joint and link errors and their count (errors over the clip's time)
        # (one flat array over the clips; clip c owns [frame_base[c], frame_base[c] + length + 1))
        sizes = np.array([n + 1 for n in self.clip_lengths], dtype=np.int64)
        self.frame_base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.frame_sizes = sizes
        self.frame_joint = np.zeros(int(sizes.sum()))
        self.frame_link = np.zeros(int(sizes.sum()))
        self.frame_count = np.zeros(int(sizes.sum()))

    def add_frames(self, clip: Tensor, errors: dict[str, Tensor], frame: Tensor | None = None) -> None:
        """Add one frame per entry of ``clip`` (n,) with the matching rows of :func:`frame_errors`'s output;
        ``frame`` (n,), each entry's frame within its clip, also files the errors by time."""
        clip = clip.detach().cpu().long()
        if clip.numel() == 0:
            return
        if frame is not None:
            c, f = clip.numpy(), frame.detach().cpu().long().numpy()
            keep = (f >= 0) & (f < self.frame_sizes[c])
            idx = self.frame_base[c[keep]] + f[keep]
            np.add.at(self.frame_joint, idx, errors["joint"].detach().cpu().double().numpy()[keep])
            np.add.at(self.frame_link, idx, errors["link"].detach().cpu().double().numpy()[keep])
            np.add.at(self.frame_count, idx, 1.0)
        g = lambda k: errors[k].detach().cpu().to(torch.float64)  # noqa: E731
        ones = torch.ones(clip.numel(), dtype=torch.float64)
        self.frames.index_add_(0, clip, ones)
        self.joint_sum.index_add_(0, clip, g("joint"))
        self.link_sum.index_add_(0, clip, g("link"))
        self.link_rel_sum.index_add_(0, clip, g("link_rel"))
        self.contact_matches.index_add_(0, clip, g("contact_matches"))
        self.contact_total.index_add_(0, clip, ones * float(errors["num_feet"]))

    def add_episode(self, clip: int, success: bool, frames_tracked: int, repeat: int = 0, env: int = -1) -> None:
        """Record a finished episode of ``clip``."""
        self.episodes[clip] += 1
        self.successes[clip] += float(success)
        self.frames_tracked[clip] += frames_tracked
        self.records.append(EpisodeRecord(int(clip), int(repeat), int(env), bool(success), int(frames_tracked)))

    @staticmethod
    def _ratio(num: float, den: float) -> float:
        return float(num) / float(den) if den > 0 else math.nan

    def error_curves(self, dt: float) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """clip -> (time [s], mean joint error [rad], mean link error [m]) at every frame some episode reached."""
        out = {}
        for i, name in enumerate(self.clip_names):
            span = slice(int(self.frame_base[i]), int(self.frame_base[i] + self.frame_sizes[i]))
            count, joint, link = self.frame_count[span], self.frame_joint[span], self.frame_link[span]
            seen = count > 0
            if seen.any():
                out[name] = (np.nonzero(seen)[0] * dt, joint[seen] / count[seen], link[seen] / count[seen])
        return out

    def _block(self, idx: list[int]) -> dict[str, Any]:
        s = lambda t: float(t[idx].sum())  # noqa: E731
        lengths = sum(self.clip_lengths[i] * float(self.episodes[i]) for i in idx)
        return {
            "episodes": int(s(self.episodes)),
            "successes": int(s(self.successes)),
            "success_rate": self._ratio(s(self.successes), s(self.episodes)),
            "joint_error_rad": self._ratio(s(self.joint_sum), s(self.frames)),
            "link_pos_error_m": self._ratio(s(self.link_sum), s(self.frames)),
            "link_pos_error_root_rel_m": self._ratio(s(self.link_rel_sum), s(self.frames)),
            "contact_match": self._ratio(s(self.contact_matches), s(self.contact_total)),
            "frames_tracked_mean": self._ratio(s(self.frames_tracked), s(self.episodes)),
            "frames_tracked_frac": self._ratio(s(self.frames_tracked), lengths),
            "frames_evaluated": int(s(self.frames)),
        }

    def summary(self) -> dict[str, Any]:
        """``{"clips": {name: metrics}, "overall": metrics}``; NaN where a clip has no data."""
        clips: dict[str, Any] = {}
        for i, name in enumerate(self.clip_names):
            key, k = name, 2
            while key in clips:  # repeated entries of one clip (e.g. oversampled videos) keep their own row
                key, k = f"{name}#{k}", k + 1
            clips[key] = {"index": i, "clip_length": self.clip_lengths[i], **self._block([i])}
        overall = self._block(list(range(len(self.clip_names))))
        rates = [c["success_rate"] for c in clips.values() if not math.isnan(c["success_rate"])]
        overall["success_rate_clip_mean"] = sum(rates) / len(rates) if rates else math.nan
        overall["clips"] = len(self.clip_names)
        return {"clips": clips, "overall": overall}


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


# --------------------------------------------------------------------------------------------------- report
def _fmt(x: float, spec: str) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def format_table(summary: dict[str, Any]) -> str:
    """A fixed-width table of per-clip and overall metrics."""
    head = (f"{'clip':<22} {'episodes':>8} {'success':>8} {'joint err':>10} {'link err':>9} {'link rel':>9} "
            f"{'contacts':>9} {'frames tracked':>16}")
    units = f"{'':<22} {'':>8} {'':>8} {'[rad]':>10} {'[m]':>9} {'[m]':>9} {'match':>9} {'mean / length':>16}"
    lines = [head, units, "-" * len(head)]

    def row(name: str, m: dict[str, Any], length: str) -> str:
        frames = f"{_fmt(m['frames_tracked_mean'], '.0f')} / {length}"
        return (f"{name:<22} {m['episodes']:>8d} {_fmt(m['success_rate'], '.2f'):>8} "
                f"{_fmt(m['joint_error_rad'], '.4f'):>10} {_fmt(m['link_pos_error_m'], '.4f'):>9} "
                f"{_fmt(m['link_pos_error_root_rel_m'], '.4f'):>9} {_fmt(m['contact_match'], '.3f'):>9} "
                f"{frames:>16}")

    for name, m in summary["clips"].items():
        lines.append(row(name, m, str(m["clip_length"])))
    lines.append("-" * len(head))
    o = summary["overall"]
    lines.append(row("overall", o, f"{_fmt(o['frames_tracked_frac'] * 100 if o['episodes'] else math.nan, '.0f')}%"))
    lines.append(f"mean success over clips: {_fmt(o['success_rate_clip_mean'], '.3f')}")
    return "\n".join(lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_svg(summary: dict[str, Any], path: str, title: str = "") -> None:
    """Two bar charts as a standalone SVG: success rate per clip, and link position errors per clip."""
    clips = list(summary["clips"].items())
    n = max(1, len(clips))
    label_w, bar_w, gap, row_h, top = 170, 300, 80, 26, 70
    width = label_w + 2 * bar_w + gap + 90
    height = top + n * row_h + 60
    err_max = max([m["link_pos_error_m"] for _, m in clips if not math.isnan(m["link_pos_error_m"])]
                  + [m["link_pos_error_root_rel_m"] for _, m in clips if not math.isnan(m["link_pos_error_root_rel_m"])]
                  + [1e-3])
    err_max = _nice_ceiling(err_max)
    x1 = label_w
    x2 = label_w + bar_w + gap
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{_esc(title)}</text>',
        f'<text x="{x1}" y="{top - 22}" font-weight="bold">success rate</text>',
        f'<text x="{x2}" y="{top - 22}" font-weight="bold">link position error [m]</text>',
        f'<rect x="{x2 + 170}" y="{top - 32}" width="10" height="10" fill="#d95f02"/>'
        f'<text x="{x2 + 184}" y="{top - 23}">global</text>',
        f'<rect x="{x2 + 230}" y="{top - 32}" width="10" height="10" fill="#7570b3"/>'
        f'<text x="{x2 + 244}" y="{top - 23}">root-rel.</text>',
    ]
    for i, (name, m) in enumerate(clips):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_esc(name)}</text>')
        sr = m["success_rate"]
        w = 0.0 if math.isnan(sr) else sr * bar_w
        out.append(f'<rect x="{x1}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="#eeeeee"/>')
        out.append(f'<rect x="{x1}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="#1b9e77"/>')
        out.append(f'<text x="{x1 + bar_w + 4}" y="{y + 15}">{_fmt(sr, ".2f")}</text>')
        for j, (key, colour) in enumerate((("link_pos_error_m", "#d95f02"), ("link_pos_error_root_rel_m", "#7570b3"))):
            v = m[key]
            w = 0.0 if math.isnan(v) else min(v / err_max, 1.0) * bar_w
            h = (row_h - 8) / 2
            out.append(f'<rect x="{x2}" y="{y + 3 + j * h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}"/>')
        out.append(f'<text x="{x2 + bar_w + 4}" y="{y + 15}">{_fmt(m["link_pos_error_m"], ".3f")}</text>')
    axis_y = top + n * row_h + 4
    for x0, lo, hi in ((x1, 0.0, 1.0), (x2, 0.0, err_max)):
        out.append(f'<line x1="{x0}" y1="{axis_y}" x2="{x0 + bar_w}" y2="{axis_y}" stroke="black"/>')
        for t in range(5):
            xt = x0 + bar_w * t / 4
            out.append(f'<line x1="{xt:.1f}" y1="{axis_y}" x2="{xt:.1f}" y2="{axis_y + 4}" stroke="black"/>')
            out.append(f'<text x="{xt:.1f}" y="{axis_y + 17}" text-anchor="middle">{lo + (hi - lo) * t / 4:.3g}</text>')
    o = summary["overall"]
    out.append(f'<text x="10" y="{height - 12}">overall: success {_fmt(o["success_rate"], ".2f")}, joint error '
               f'{_fmt(o["joint_error_rad"], ".4f")} rad, link error {_fmt(o["link_pos_error_m"], ".4f")} m '
               f'(root-rel. {_fmt(o["link_pos_error_root_rel_m"], ".4f")} m), contact match '
               f'{_fmt(o["contact_match"], ".3f")}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def _nice_ceiling(x: float) -> float:
    """Smallest of 1, 2, 2.5, 5 x 10^k that is >= x."""
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exp >= x:
            return m * 10**exp
    return 10.0 ** (exp + 1)  # pragma: no cover


def plot_results(summary: dict[str, Any], out_dir: str, title: str = "",
                 curves: dict[str, tuple[Any, Any, Any]] | None = None) -> str:
    """``eval.png`` with matplotlib when it is installed, else ``eval.svg``; returns the file's path. ``curves``:
    clip -> (time [s], mean joint error, mean link error) over the clip's frames (:meth:`ClipMetrics.error_curves`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        path = os.path.join(out_dir, "eval.svg")
        write_svg(summary, path, title)
        return path
    names = list(summary["clips"])
    m = list(summary["clips"].values())
    fig = plt.figure(figsize=(14, 1.5 + 0.4 * len(names) + (3.2 if curves else 0.0)))
    grid = fig.add_gridspec(2 if curves else 1, 3, height_ratios=[1.0 + 0.4 * len(names), 3.0] if curves else None)
    ax1 = fig.add_subplot(grid[0, 0])
    ax3 = fig.add_subplot(grid[0, 1], sharey=ax1)
    ax2 = fig.add_subplot(grid[0, 2], sharey=ax1)
    if curves:
        ax_j, ax_l = fig.add_subplot(grid[1, :2]), fig.add_subplot(grid[1, 2])
        for name, (t, joint, link) in curves.items():
            ax_j.plot(t, np.degrees(joint), label=name)
            ax_l.plot(t, 100 * link, label=name)
        ax_j.set_xlabel("time in the clip [s]")
        ax_j.set_ylabel("joint error [deg]")
        ax_l.set_xlabel("time in the clip [s]")
        ax_l.set_ylabel("link error [cm]")
        ax_j.legend(fontsize=7)
        ax_j.grid(alpha=0.3)
        ax_l.grid(alpha=0.3)
    ys = list(range(len(names)))
    ax1.barh(ys, [x["success_rate"] for x in m], color="#1b9e77")
    ax1.set_xlim(0, 1)
    ax1.set_xlabel("success rate (from frame 0)")
    ax1.set_yticks(ys, names)
    ax1.invert_yaxis()
    ax3.barh(ys, [x["frames_tracked_frac"] for x in m], color="#66a61e")
    ax3.set_xlim(0, 1)
    ax3.set_xlabel("frames tracked (fraction of the clip)")
    h = 0.4
    ax2.barh([y - h / 2 for y in ys], [x["link_pos_error_m"] for x in m], height=h, color="#d95f02", label="global")
    ax2.barh([y + h / 2 for y in ys], [x["link_pos_error_root_rel_m"] for x in m], height=h, color="#7570b3",
             label="root-relative")
    ax2.set_xlabel("link position error [m]")
    ax2.legend()
    fig.suptitle(title)
    fig.tight_layout()
    path = os.path.join(out_dir, "eval.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


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
        json.dump(_json_safe(report), f, indent=2)
    os.replace(tmp, json_path)
    report["json"] = json_path
    print_fn("")
    print_fn(format_table(summary))
    print_fn(f"\nwrote {json_path} and {plot_path}")
    return report
