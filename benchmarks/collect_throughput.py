"""Rollout collection speed of the motion-tracking task against a bare ``mujoco.rollout`` loop.

For each terrain setting, the ``g1_deepmimic`` environment is built and a policy network of the task's
size (freshly initialised: speed does not depend on the weights) collects rollouts exactly as the
trainer does: observation dict -> actor -> sampled actions -> ``env.step`` (physics, kinematics,
observations, rewards, resets). Two references, both one ``mujoco.rollout`` call per control step with
the same number of environments and threads and no Python work in between:

* bare, same physics (the ratio that measures the framework): a second collection run records the
  state before every control step, its controls and the per-environment (randomised) models, and the
  bare loop redoes exactly those rollouts. How much work the engine does depends on the states
  (contacts, solver iterations), so only the same states make a fair reference.
* bare, fixed targets: from the current states with the default pose held as targets on the
  nominal model (robots stand, then fall; no resets), as ``sim_throughput.py`` does.

A third reference is the previous code path, built in the same run: the flat clip terrain as a fine height field
(``terrain.flat_as_plane=False``) and torch's default thread count during collection (the trainer now collects with
``runner.collect_threads`` = 1 torch thread). Repeats are interleaved; medians are reported with the ratios
ours / bare and ours / previous.

    python benchmarks/collect_throughput.py [--envs 256 1024] [--steps 24] [--repeats 3]

``--profile`` also prints where the environment's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.bare_rollout import StepRecorder, bare_rollout_seconds, replay_rollout_seconds  # noqa: E402
from legged_gym.envs import task_registry  # noqa: E402
from rsl_rl.modules.actor_critic import ActorCritic  # noqa: E402

SETTINGS = {
    "flat": {"use_human_videos": False},  # mocap clips on flat ground
    "video": {"use_amass": False},  # the human-video clip on its own terrain mesh
}


def build(setting: str, num_envs: int, threads: int, previous: bool = False):  # noqa: ANN201
    env_cfg, train_cfg = task_registry.get_cfgs("g1_deepmimic")
    env_cfg.env.num_envs = num_envs
    env_cfg.terrain.flat_as_plane = not previous
    env_cfg.sim.num_threads = threads
    for key, value in SETTINGS[setting].items():
        setattr(env_cfg.deepmimic, key, value)
    env, _ = task_registry.make_env("g1_deepmimic", env_cfg=env_cfg)
    obs = env.get_observations()
    shapes = {k: tuple(v.shape[1:]) for k, v in obs.items()}
    policy = ActorCritic(shapes, env.num_actions, train_cfg.policy)
    return env, policy


def time_collect(env, policy, steps: int, torch_threads: int = 1) -> float:  # noqa: ANN001
    torch.set_num_threads(torch_threads)
    obs = env.get_observations()
    t0 = time.perf_counter()
    with torch.inference_mode():
        for _ in range(steps):
            actions = policy.act(obs)
            obs, _, _, _ = env.step(actions)
    return time.perf_counter() - t0


def time_bare(env, steps: int) -> float:  # noqa: ANN001
    """Bare loop from the current states with the default pose as fixed targets (robots stand, then fall)."""
    targets = env.default_dof_pos.expand(env.num_envs, -1).double().numpy()
    return bare_rollout_seconds(env.sim, env.sim.get_state().numpy(), targets, steps)


def time_replay(env, policy, steps: int) -> float:  # noqa: ANN001
    """Bare rollouts of the very physics a collection run did (its states, controls and randomised models)."""
    recorder = StepRecorder(env.sim)
    time_collect(env, policy, steps)
    recorder.close()
    return replay_rollout_seconds(env.sim, recorder.steps)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--envs", type=int, nargs="+", default=[256, 1024])
    p.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    p.add_argument("--steps", type=int, default=24, help="control steps per timed run (one rollout)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="0 = all cores")
    p.add_argument("--profile", action="store_true")
    a = p.parse_args()
    default_threads = torch.get_num_threads()
    header = (f"{'terrain':<8}{'envs':>6}{'ours [env steps/s]':>20}{'bare, same physics':>20}{'ours/bare':>11}"
              f"{'bare, fixed targets':>21}{'ours/bare':>11}{'previous':>10}{'ours/previous':>15}")
    print(header)
    print("-" * len(header))
    for setting in a.settings:
        for n in a.envs:
            env, policy = build(setting, n, a.threads)
            old_env, old_policy = build(setting, n, a.threads, previous=True)
            time_collect(env, policy, 2)  # warm up
            time_collect(old_env, old_policy, 2, default_threads)
            ours, same, fixed, old = [], [], [], []
            for _ in range(a.repeats):
                ours.append(time_collect(env, policy, a.steps))
                old.append(time_collect(old_env, old_policy, a.steps, default_threads))
                same.append(time_replay(env, policy, a.steps))
                fixed.append(time_bare(env, a.steps))
            r_ours, r_same, r_fixed, r_old = (n * a.steps / statistics.median(t) for t in (ours, same, fixed, old))
            print(f"{setting:<8}{n:>6}{r_ours:>20,.0f}{r_same:>20,.0f}{r_ours / r_same:>11.3f}"
                  f"{r_fixed:>21,.0f}{r_ours / r_fixed:>11.3f}{r_old:>10,.0f}{r_ours / r_old:>15.2f}", flush=True)
            old_env.close()
            if a.profile:
                prof = cProfile.Profile()
                prof.enable()
                time_collect(env, policy, a.steps)
                prof.disable()
                pstats.Stats(prof).sort_stats("tottime").print_stats(12)
            env.close()


if __name__ == "__main__":
    main()
