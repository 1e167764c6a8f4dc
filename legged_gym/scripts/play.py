"""Play a trained policy: watch it in MuJoCo's viewer, or run it headless and print its metrics.

``python legged_gym/scripts/play.py --task=<task> [--load_run R] [--checkpoint N] [--log_root DIR] [--num_envs K]
[--headless] [--steps S] [--export] [--env.a.b=v] [--train.a.b=v]``

* Loads the checkpoint ``train.py --resume`` would (latest run, latest ``model_<n>.pt`` under
  ``<log_root or <repo>/logs>/<experiment_name>``) and acts deterministically (``runner.get_inference_policy()``).
* Builds the environment with play settings (:mod:`legged_gym.eval.play_settings`): one environment, no observation
  noise, no pushes, no randomisation; tracking tasks start every clip at frame 0 with the reference velocities
  (``init_velocities=True``) on one terrain row. Environment ``i`` starts clip ``i mod C`` and moves on to the next
  clip whenever an episode ends. Any ``--env.*`` / ``--train.*`` override wins.
* ``--headless``: plays ``--steps`` control steps (default: one pass over every clip for tracking tasks, 500
  otherwise) and prints metrics -- per clip episodes, success, frames tracked and mean joint / link errors for
  tracking tasks; mean command-tracking error and falls for velocity tasks.
* Without ``--headless``: MuJoCo's passive viewer shows environment 0 in real time (until the window is closed or
  ``--steps`` steps); without a display it exits with a one-line message.
* ``--export``: writes ``policy.pt`` (TorchScript), ``policy.onnx`` and ``policy.json`` into ``<run dir>/exported/``
  and checks them against the policy, like ``export.py``.
* ``--env.viser.enable=True`` (host and port: ``--env.viser.host``, ``--env.viser.port``; default 127.0.0.1:8080):
  instead of MuJoCo's viewer, a web page (:mod:`legged_gym.viewer`) shows environment 0 in real time with play,
  pause, step, reset, checkpoint and clip selection, kinematic replay, randomisation, manual control, live plots and
  an Export button; it plays ``--steps`` control steps, or until Ctrl+C. Works with ``--headless``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if "--video" in sys.argv or any(a.startswith("--video=") for a in sys.argv):
    os.environ.setdefault("MUJOCO_GL", "egl")  # offscreen rendering; must precede the mujoco import

import torch  # noqa: E402
from torch import Tensor  # noqa: E402

from legged_gym.sim.viewer import MujocoPassiveViewer, ViewerUnavailable, check_display  # noqa: E402
from legged_gym.utils.helpers import Args, get_args  # noqa: E402
from legged_gym.viewer.pacer import Pacer  # noqa: E402

PLAY_FLAGS: list[dict[str, Any]] = [
    {
        "name": "--steps",
        "type": int,
        "default": None,
        "help": "control steps to play (default headless: one pass over all clips for tracking tasks, 500 otherwise; "
        "with a viewer: until the window is closed or Ctrl+C)",
    },
    {
        "name": "--video",
        "nargs": "?",
        "const": "",
        "default": None,
        "metavar": "MP4",
        "help": "record the played steps of --video_env offscreen to an MP4 (default file: "
        "<run dir>/videos/play_<iteration>.mp4)",
    },
    {"name": "--video_env", "type": int, "default": 0, "help": "environment recorded by --video (default 0)"},
    {
        "name": "--export",
        "action": "store_true",
        "help": "also export the policy (TorchScript, ONNX, policy.json) into <run dir>/exported/ and check it",
    },
]
DEFAULT_VELOCITY_STEPS = 500


# --------------------------------------------------------------------------------------------------- rollouts
Policy = Callable[[dict[str, Tensor]], Tensor]
StepHook = Callable[[], bool]  # called after every control step; returns False to stop


def one_pass_steps(clip_lengths: list[int]) -> int:
    """Control steps for one environment to play every clip once from frame 0 (a clip of L frames lasts L-1 steps)."""
    return sum(max(int(n) - 1, 1) for n in clip_lengths)


def play_tracking(
    env: Any,
    policy: Policy,
    steps: int | None,
    device: str,
    print_fn: Callable[[str], None] = print,
    on_step: StepHook | None = None,
) -> dict[str, Any]:
    """Play a tracking environment: env ``i`` starts clip ``i mod C``, then the next clip after each episode.

    Args:
        env: a :class:`~legged_gym.envs.base.robot_deepmimic.RobotDeepMimic`.
        policy: observation dict -> actions.
        steps: control steps to play; None plays until ``on_step`` returns False.
        device: where the policy expects its observations.
        print_fn: receives one line per finished episode and the final table.
        on_step: called after every step (the viewer); returning False stops.

    Returns:
        ``{"clips", "overall"}`` as :meth:`ClipMetrics.summary`, plus ``episodes``, ``in_progress`` and ``steps``.
    """
    from legged_gym.eval.evaluation import TrackingProbe
    from legged_gym.eval.metrics import ClipMetrics
    from legged_gym.eval.report import format_table

    names = list(env.replay.clip_names)
    lengths = [int(n) for n in env.replay.clip_length.tolist()]
    metrics = ClipMetrics(names, lengths)
    n, c = env.num_envs, len(names)
    done_steps = 0
    with TrackingProbe(env) as probe, torch.no_grad():
        probe.next_clip[:] = torch.arange(n, device=probe.next_clip.device) % c
        obs = env.reset()
        if on_step is not None and not on_step():
            steps = 0
        while steps is None or done_steps < steps:
            probe.next_clip[:] = ((env.ref_clip + 1) % c).to(probe.next_clip.device)
            obs, _, _, _ = env.step(policy({k: v.to(device) for k, v in obs.items()}))
            done_steps += 1
            last = probe.last
            if last is None:
                raise RuntimeError("play: the environment's termination check did not run during step()")
            metrics.add_frames(last["clip"], last["errors"])
            for i in last["done"].nonzero(as_tuple=False).flatten().tolist():
                clip = int(last["clip"][i])
                success = bool(last["success"][i])
                tracked = lengths[clip] if success else int(last["frame"][i])
                metrics.add_episode(clip, success, tracked, env=i)
                print_fn(f"  env {i:<3d} {names[clip]:<20} {'success' if success else 'failed '} "
                         f"{tracked}/{lengths[clip]} frames (step {done_steps})")
            if on_step is not None and not on_step():
                break
    in_progress = []
    start = env.replay.clip_start[env.ref_clip]
    for i in range(n):
        frame = int(env.ref_frame[i] - start[i])
        if int(env.episode_length_buf[i]) > 0:
            clip = int(env.ref_clip[i])
            in_progress.append({"env": i, "clip": names[clip], "frame": frame, "clip_length": lengths[clip]})
    summary = metrics.summary()
    print_fn("")
    print_fn(f"played {done_steps} control steps with {n} environment(s); per-clip tracking (finished episodes; "
             "errors also count unfinished ones):")
    print_fn(format_table(summary))
    for p in in_progress:
        print_fn(f"  env {p['env']} was still playing {p['clip']} at frame {p['frame']}/{p['clip_length']}")
    summary["episodes"] = [
        {"clip": names[r.clip], "env": r.env, "success": r.success, "frames_tracked": r.frames_tracked}
        for r in metrics.records
    ]
    summary["in_progress"] = in_progress
    summary["steps"] = done_steps
    return summary


def play_velocity(
    env: Any,
    policy: Policy,
    steps: int | None,
    device: str,
    print_fn: Callable[[str], None] = print,
    on_step: StepHook | None = None,
) -> dict[str, Any]:
    """Play a velocity-command environment and report mean command-tracking errors, falls and time-outs."""
    from legged_gym.eval.play_settings import VelocityProbe

    done_steps = 0
    with VelocityProbe(env) as probe, torch.no_grad():
        obs = env.reset()
        if on_step is not None and not on_step():
            steps = 0
        while steps is None or done_steps < steps:
            obs, _, _, _ = env.step(policy({k: v.to(device) for k, v in obs.items()}))
            done_steps += 1
            if on_step is not None and not on_step():
                break
    s = probe.summary()
    print_fn("")
    print_fn(f"played {s['steps']} control steps with {env.num_envs} environment(s) ({s['env_steps']} env-steps)")
    print_fn(f"command tracking error: linear velocity |v_cmd_xy - v_xy| {s['lin_vel_error_mps']:.4f} m/s, "
             f"yaw rate |w_cmd - w_z| {s['yaw_rate_error_radps']:.4f} rad/s (means over env-steps)")
    print_fn(f"falls: {s['falls']}, time-outs: {s['timeouts']}")
    return s


def viewer_step_hook(viewer: MujocoPassiveViewer, pacer: Pacer) -> StepHook:
    """Per-step hook of the MuJoCo viewer: sync the window, keep real time, stop when it is closed."""

    def on_step() -> bool:
        if not viewer.is_running():
            return False
        viewer.sync()
        pacer.wait()
        return True

    return on_step


def _recording(recorder: Any, then: StepHook | None) -> StepHook:
    """A step hook that captures a video frame, then runs ``then`` (the viewer's hook) if any."""

    def on_step() -> bool:
        recorder.capture()
        return then() if then is not None else True

    return on_step


# --------------------------------------------------------------------------------------------------- driver
def play(args: Args, print_fn: Callable[[str], None] = print) -> dict[str, Any]:
    """Load the run's policy, optionally export it, and play it (viewer or headless); returns the metrics.

    Raises:
        ValueError, CheckpointError: Bad flags, task or overrides; no checkpoint to load.
        ViewerUnavailable: Without ``--headless`` when no viewer can be opened.
    """
    from legged_gym.envs import task_registry
    from legged_gym.eval.play_settings import build_play_cfgs, is_tracking_task

    steps = args.extra.get("steps")
    if steps is not None and steps < 1:
        raise ValueError(f"--steps: expected an integer >= 1, got {steps}")
    cfg = build_play_cfgs(args)
    use_viser = bool(cfg.env_cfg.viser.enable)
    if use_viser:
        from legged_gym.viewer import check_address

        check_address(cfg.env_cfg.viser.host, cfg.env_cfg.viser.port)  # before the (slow) environment build
    elif not args.headless:
        check_display()  # before the (slow) environment build
    tracking = is_tracking_task(args.task)
    env, env_cfg = task_registry.make_env(args.task, args, env_cfg=cfg.env_cfg)
    viewer: MujocoPassiveViewer | None = None
    try:
        runner, train_cfg = task_registry.make_alg_runner(
            env, args.task, args, train_cfg=cfg.train_cfg, env_cfg=env_cfg, log_root=None
        )
        runner.load(cfg.checkpoint, load_optimizer=False, strict=train_cfg.runner.load_model_strict)
        print_fn(f"playing {cfg.checkpoint} (iteration {cfg.iteration}) on {args.task} with {env.num_envs} "
                 f"environment(s){'' if args.headless or use_viser else ', viewer on environment 0'}")
        if args.extra.get("export"):
            from rsl_rl.utils.export import check_export

            out = os.path.join(os.path.dirname(cfg.checkpoint), "exported")
            runner.export(out)
            check_export(out, runner.get_inference_policy(), env.get_observations())
        if use_viser:
            from legged_gym.viewer import run_viser_play

            result = run_viser_play(env, runner, cfg.checkpoint, env_cfg.viser, steps, args.rl_device,
                                    load_strict=train_cfg.runner.load_model_strict, print_fn=print_fn)
            result["checkpoint"] = cfg.checkpoint
            return result
        policy = runner.get_inference_policy(device=args.rl_device)
        on_step: StepHook | None = None
        if args.headless:
            if steps is None:
                steps = one_pass_steps(env.replay.clip_length.tolist()) if tracking else DEFAULT_VELOCITY_STEPS
        else:
            viewer = MujocoPassiveViewer(env, 0)
            on_step = viewer_step_hook(viewer, Pacer(float(env.dt)))
        recorder = None
        if args.extra.get("video") is not None:
            from legged_gym.sim.video import VideoRecorder

            recorder = VideoRecorder(env.sim, args.extra.get("video_env", 0))
            on_step = _recording(recorder, on_step)
        run = play_tracking if tracking else play_velocity
        result = run(env, policy, steps, args.rl_device, print_fn=print_fn, on_step=on_step)
        if recorder is not None:
            path = args.extra["video"] or os.path.join(os.path.dirname(cfg.checkpoint), "videos",
                                                       f"play_{cfg.iteration}.mp4")
            result["video"] = recorder.save(path, 1.0 / float(env.dt))
            recorder.close()
            print_fn(f"video: wrote {path}")
    finally:
        if viewer is not None:
            viewer.close()
        env.close()
    result["checkpoint"] = cfg.checkpoint
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the command line and play; returns the metrics."""
    args = get_args(argv, extra_flags=PLAY_FLAGS, description="Play a trained policy (viewer or headless metrics)", training=False)
    return play(args)


if __name__ == "__main__":
    from legged_gym.utils.helpers import USER_ERRORS

    try:
        main()
    except (*USER_ERRORS, ViewerUnavailable) as exc:  # input, checkpoint and display errors: one line, no traceback
        raise SystemExit(f"error: {exc}") from None
