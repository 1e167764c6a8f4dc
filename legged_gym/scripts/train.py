"""Train a policy: ``python legged_gym/scripts/train.py --task=g1 --headless [--num_envs N] [--env.a.b=v] ...``.

Multi-process: ``torchrun --nproc-per-node N legged_gym/scripts/train.py --multi_gpu --task=...``.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from legged_gym.envs import task_registry  # noqa: E402
from legged_gym.utils.helpers import Args, get_args  # noqa: E402
from legged_gym.utils.wandb_setup import prepare_wandb  # noqa: E402


def train(args: Args) -> str | None:
    """Build the task's environment and runner from the command line and learn; returns the run folder."""
    if args.task is None:
        raise SystemExit(f"error: --task is required; registered tasks: {', '.join(task_registry.task_names)}")
    env_cfg, train_cfg = task_registry.load_cfgs(args.task, args)
    prepare_wandb(train_cfg.runner)
    env, env_cfg = task_registry.make_env(args.task, args, env_cfg=env_cfg)
    if hasattr(env, "describe_rewards") and int(os.environ.get("RANK", 0)) == 0:
        print(env.describe_rewards())
    runner, train_cfg = task_registry.make_alg_runner(env, args.task, args, train_cfg=train_cfg, env_cfg=env_cfg)
    if train_cfg.runner.eval_interval > 0 and hasattr(env, "replay"):
        from legged_gym.eval.periodic import TrackingEvaluator

        print("Building the from-frame-0 evaluation environment (runner.eval_interval=0 turns it off)", flush=True)
        runner.evaluator = TrackingEvaluator(type(env), env_cfg, sim_device=args.sim_device, rl_device=args.rl_device)
    # tracking tasks already start episodes at random frames; a random episode counter would end them early
    random_start = getattr(env, "random_initial_episode_length", True)
    runner.learn(num_learning_iterations=train_cfg.runner.max_iterations, init_at_random_ep_len=random_start)
    env.close()
    return runner.log_dir


if __name__ == "__main__":
    from legged_gym.utils.helpers import USER_ERRORS

    try:
        train(get_args(description="Train a policy on a registered task"))
    except USER_ERRORS as exc:  # configuration and input errors: one clear line, no traceback
        raise SystemExit(f"error: {exc}") from None
