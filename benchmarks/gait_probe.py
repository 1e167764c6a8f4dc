"""The training environment's view of a velocity policy: per command, how the deterministic policy (what sim2sim and
deployment run) and the stochastic one (what PPO collects with) move.

    python benchmarks/gait_probe.py --task g1 --load_run <run dir> [--checkpoint N] [--envs_per_command 4]
        [--steps 400] [--warmup 100] [--commands 0.5,0,0 -0.3,0,0 ...] [--json FILE] [--env.a.b=v ...]

The environment is built with play settings (no observation noise, pushes or randomisation, commands held for the
whole probe) from the run's saved config; ``--envs_per_command`` environments per command start from rest. After
``--warmup`` control steps it averages, per command and policy, the base-frame velocity (vx, vy, yaw rate) and the
fraction of time a foot is off the ground (a walking gait with the G1's clocks: about 0.45; standing: 0), the mean
tracking errors (``legged_gym.eval.velocity.probe_commands``) and the falls. A policy whose stochastic rollouts step
while its deterministic one stands relies on its exploration noise to step, and sim2sim will show it standing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch  # noqa: E402

DEFAULT_COMMANDS = ["0.5,0,0", "-0.3,0,0", "0,0.3,0", "0,-0.3,0", "0,0,0.5", "0,0,-0.5", "0,0,0"]


def main(argv: list[str] | None = None) -> list[dict]:
    from legged_gym.envs import task_registry
    from legged_gym.eval.play_settings import build_play_cfgs
    from legged_gym.eval.velocity import HOLD_COMMANDS_S, probe_commands
    from legged_gym.scripts.sim2sim import parse_command, protect_negative_commands
    from legged_gym.utils.helpers import get_args

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=True)
    ap.add_argument("--envs_per_command", type=int, default=4)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--commands", nargs="+", default=DEFAULT_COMMANDS, metavar="VX,VY,YAW")
    ap.add_argument("--json", default=None)
    own, rest = ap.parse_known_args(protect_negative_commands(sys.argv[1:] if argv is None else argv))
    if own.envs_per_command < 1 or own.steps <= own.warmup or own.warmup < 0:
        raise SystemExit(f"--envs_per_command >= 1 and --steps > --warmup >= 0 expected, got {own.envs_per_command}, "
                         f"{own.steps}, {own.warmup}")
    try:
        commands = torch.tensor([parse_command(c) for c in own.commands])
    except ValueError as e:
        raise SystemExit(str(e)) from None
    n = own.envs_per_command * len(commands)
    hold = f"--env.commands.resampling_time={HOLD_COMMANDS_S}"
    args = get_args([*rest, "--headless", "--num_envs", str(n), hold], training=False)
    torch.set_num_threads(1)
    cfg = build_play_cfgs(args)
    env, env_cfg = task_registry.make_env(args.task, args, env_cfg=cfg.env_cfg)
    runner, train_cfg = task_registry.make_alg_runner(
        env, args.task, args, train_cfg=cfg.train_cfg, env_cfg=env_cfg, log_root=None
    )
    runner.load(cfg.checkpoint, load_optimizer=False, strict=train_cfg.runner.load_model_strict)
    runner.alg.eval_mode()
    policies = {"deterministic": runner.get_inference_policy(), "stochastic": runner.actor_critic.act}
    out = []
    print(f"{cfg.checkpoint} (iteration {cfg.iteration}), {own.envs_per_command} envs per command, "
          f"steps {own.warmup}-{own.steps}")
    print(f"{'policy':<14}{'cmd vx':>8}{'cmd vy':>8}{'cmd yaw':>8}{'vx':>8}{'vy':>8}{'yaw':>8}{'|v err|':>8}"
          f"{'|w err|':>8}{'air':>7}{'falls':>7}")
    for name, act in policies.items():
        for r in probe_commands(env, act, commands, own.envs_per_command, own.steps, own.warmup, args.rl_device):
            r["policy"] = name
            out.append(r)
            print(f"{name:<14}{r['cmd_vx']:>8.2f}{r['cmd_vy']:>8.2f}{r['cmd_yaw']:>8.2f}{r['vx']:>8.2f}"
                  f"{r['vy']:>8.2f}{r['yaw']:>8.2f}{r['lin_vel_err']:>8.2f}{r['yaw_rate_err']:>8.2f}{r['air']:>7.2f}"
                  f"{r['falls']:>7d}")
    env.close()
    if own.json:
        with open(own.json, "w") as f:
            json.dump({"checkpoint": cfg.checkpoint, "iteration": cfg.iteration, "rows": out}, f, indent=1)
    return out


if __name__ == "__main__":
    main()
