"""Train a policy: ``python legged_gym/scripts/train.py --task=g1 --headless [--num_envs N] [--env.a.b=v] ...``.

Multi-process: ``torchrun --nproc-per-node N legged_gym/scripts/train.py --multi_gpu --task=...``.
"""

from __future__ import annotations

import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if "--video" in sys.argv:
    os.environ.setdefault("MUJOCO_GL", "egl")  # offscreen rendering; must precede the mujoco import

from legged_gym.envs import task_registry  # noqa: E402
from legged_gym.utils.helpers import Args, apply_device_defaults, get_args  # noqa: E402
from legged_gym.utils.wandb_setup import prepare_wandb  # noqa: E402


TRAIN_FLAGS = [
    {"name": "--print_config", "action": "store_true",
     "help": "print every configuration field of --task (with the other flags applied) and exit"},
    {"name": "--video", "action": "store_true",
     "help": "record the deterministic policy in a one-environment copy of the task every --video_interval "
             "iterations (<run dir>/videos/it_<N>.mp4, also to TensorBoard and W&B)"},
    {"name": "--video_interval", "type": int, "default": 200, "help": "iterations between videos (default 200)"},
    {"name": "--video_steps", "type": int, "default": 250, "help": "control steps per video (default 250)"},
]


def resume_command(argv: list[str], run_dir: str, iteration: int, end: int) -> str:
    """The command that continues an interrupted run to the iteration it was to reach (``end``): the same flags,
    resuming from ``run_dir``'s checkpoint, with ``--max_iterations`` (iterations *beyond* the checkpoint) set to
    what is left."""
    keep, skip = [], 0
    for tok in argv:
        if skip:
            skip -= 1
            continue
        if tok in ("--load_run", "--checkpoint", "--max_iterations"):
            skip = 1
            continue
        if tok == "--resume" or tok.startswith(("--load_run=", "--checkpoint=", "--max_iterations=")):
            continue
        keep.append(tok)
    return " ".join(["python legged_gym/scripts/train.py", *map(shlex.quote, keep), "--max_iterations",
                     str(max(end - iteration, 0)), "--resume", "--load_run", shlex.quote(run_dir), "--checkpoint",
                     str(iteration)])


def train(args: Args) -> str | None:
    """Build the task's environment and runner from the command line and learn; returns the run folder."""
    if args.task is None:
        raise SystemExit(f"error: --task is required; registered tasks: {', '.join(task_registry.task_names)}")
    env_cfg, train_cfg = task_registry.load_cfgs(args.task, args)
    apply_device_defaults(env_cfg, train_cfg, args)
    if args.extra.get("print_config"):
        from legged_gym.utils.config import describe_fields

        print("\n".join(describe_fields(env_cfg, "env") + describe_fields(train_cfg, "train")))
        return None
    prepare_wandb(train_cfg.runner)
    print(f"Building {args.task}: {env_cfg.env.num_envs} environments on {args.sim_device}", flush=True)
    env, env_cfg = task_registry.make_env(args.task, args, env_cfg=env_cfg)
    if hasattr(env, "describe_rewards") and int(os.environ.get("RANK", 0)) == 0:
        print(env.describe_rewards())
    runner, train_cfg = task_registry.make_alg_runner(env, args.task, args, train_cfg=train_cfg, env_cfg=env_cfg)
    if runner.log_dir is not None and int(os.environ.get("RANK", 0)) == 0:
        print(f"Run folder: {runner.log_dir}", flush=True)
    if train_cfg.runner.eval_interval > 0 and hasattr(env, "replay"):
        from legged_gym.eval.periodic import TrackingEvaluator

        print("Building the from-frame-0 evaluation environment (runner.eval_interval=0 turns it off)", flush=True)
        runner.evaluator = TrackingEvaluator(type(env), env_cfg, sim_device=args.sim_device, rl_device=args.rl_device)
    elif train_cfg.runner.eval_interval > 0 and hasattr(env, "commands") and int(os.environ.get("RANK", 0)) == 0:
        from legged_gym.eval.velocity import VelocityEvaluator

        print("Building the command-probe evaluation environment (runner.eval_interval=0 turns it off)", flush=True)
        runner.evaluator = VelocityEvaluator(type(env), env_cfg, sim_device=args.sim_device, rl_device=args.rl_device)
    if args.extra.get("video") and runner.log_dir is not None:
        from legged_gym.eval.video import PolicyVideo

        train_cfg.runner.video_interval = runner.cfg.runner.video_interval = int(args.extra["video_interval"])
        runner.video = PolicyVideo(type(env), env_cfg, runner.log_dir, steps=args.extra["video_steps"],
                                   sim_device=args.sim_device, rl_device=args.rl_device)
    # tracking tasks already start episodes at random frames; a random episode counter would end them early
    random_start = getattr(env, "random_initial_episode_length", True)
    try:
        runner.learn(num_learning_iterations=train_cfg.runner.max_iterations, init_at_random_ep_len=random_start)
    finally:
        env.close()
    return runner.log_dir


def stop_on_sigterm() -> None:
    """``kill <pid>`` and batch schedulers stop a run with SIGTERM: treat it as Ctrl-C (save the iteration, print the
    resume command). Multi-process runs keep the default, because torchrun stops its workers with SIGTERM."""
    import signal

    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


if __name__ == "__main__":
    from legged_gym.utils.helpers import USER_ERRORS

    from rsl_rl.runners.on_policy_runner import TrainingInterrupted

    stop_on_sigterm()
    try:
        train(get_args(extra_flags=TRAIN_FLAGS, description="Train a policy on a registered task"))
    except USER_ERRORS as exc:  # configuration and input errors: one clear line, no traceback
        raise SystemExit(f"error: {exc}") from None
    except TrainingInterrupted as stop:
        if stop.checkpoint is not None:
            print(f"Saved {stop.checkpoint}\nRun folder: {stop.log_dir}\nResume with:\n  "
                  f"{resume_command(sys.argv[1:], stop.log_dir, stop.iteration, stop.end)}", flush=True)
        else:
            print(f"Interrupted before the first iteration finished; nothing saved (run folder: {stop.log_dir})")
        raise SystemExit(130) from None
    except KeyboardInterrupt:  # while building, before training started
        print("\nInterrupted", flush=True)
        raise SystemExit(130) from None
