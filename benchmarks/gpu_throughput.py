"""MuJoCo Warp backend throughput: collection, bare engine and PPO iteration, in one run.

For each task (``g1``, ``g1_deepmimic``) and environment count, the environment is built on the MuJoCo Warp
backend and a policy of the task's size collects rollouts as the trainer does (observations -> actor ->
actions -> ``env.step``). The reference is the bare engine on the same compiled model and world count:
``mujoco_warp.step`` ``decimation`` times per control step with fixed controls and nothing else (captured as
a CUDA graph on a GPU, like the backend). Then one PPO iteration (rollout + update) is timed with the task's
train config. Repeats are interleaved; medians are reported.

    python benchmarks/gpu_throughput.py                                # cuda:0, 1024 / 4096 / 8192 envs
    python benchmarks/gpu_throughput.py --device cpu --envs 4 --steps 4 --repeats 1 --ppo_iterations 1

``--device cpu`` runs on Warp's CPU device: a smoke run that proves the script works, not a speed figure.
Targets on one H100: >= 150k env steps/s for ``g1_deepmimic`` collection at 4096+ environments, and
collection >= 0.4 of the bare engine rate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from types import SimpleNamespace

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from legged_gym.envs import task_registry  # noqa: E402
from legged_gym.sim import WARP_CPU  # noqa: E402
from rsl_rl.modules.actor_critic import ActorCritic  # noqa: E402
from rsl_rl.runners import OnPolicyRunner  # noqa: E402


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def build(task: str, num_envs: int, sim_device: str, rl_device: str):  # noqa: ANN201
    env_cfg, train_cfg = task_registry.get_cfgs(task)
    env_cfg.env.num_envs = num_envs
    args = SimpleNamespace(sim_device=sim_device, rl_device=rl_device)
    env, _ = task_registry.make_env(task, args=args, env_cfg=env_cfg)
    shapes = {k: tuple(v.shape[1:]) for k, v in env.get_observations().items()}
    policy = ActorCritic(shapes, env.num_actions, train_cfg.policy).to(rl_device)
    return env, policy, train_cfg


def time_collect(env, policy, steps: int) -> float:  # noqa: ANN001
    obs = env.get_observations()
    sync(env.device)
    t0 = time.perf_counter()
    with torch.inference_mode():
        for _ in range(steps):
            obs, _, _, _ = env.step(policy.act(obs))
    sync(env.device)
    return time.perf_counter() - t0


class BareEngine:
    """``mujoco_warp.step`` on the backend's compiled model, in a Data of its own (same world count)."""

    def __init__(self, backend) -> None:  # noqa: ANN001 - a MujocoWarpBackend
        import mujoco
        import mujoco_warp as mjw
        import warp as wp

        self.wp, self.mjw, self.b = wp, mjw, backend
        data = mujoco.MjData(backend.model)
        key = mujoco.mj_name2id(backend.model, mujoco.mjtObj.mjOBJ_KEY, "default")
        if key >= 0:
            mujoco.mj_resetDataKeyframe(backend.model, data, key)
        data.ctrl[backend.layout.actuator_ids] = data.qpos[backend.layout.joint_qpos_adr]
        spec = backend.spec
        with wp.ScopedDevice(backend._wp_device):
            self.d = mjw.put_data(backend.model, data, nworld=spec.num_envs, nconmax=spec.nconmax, njmax=spec.njmax)
        self.graph = None

    def _steps(self) -> None:
        for _ in range(self.b.spec.decimation):
            self.mjw.step(self.b.wm, self.d)

    def seconds(self, control_steps: int) -> float:
        wp = self.wp
        with wp.ScopedDevice(self.b._wp_device):
            if self.graph is None:
                self._steps()  # compile
                if self.b.device.type == "cuda":
                    with wp.ScopedCapture() as capture:
                        self._steps()
                    self.graph = capture.graph
            wp.synchronize()
            t0 = time.perf_counter()
            for _ in range(control_steps):
                if self.graph is not None:
                    wp.capture_launch(self.graph)
                else:
                    self._steps()
            wp.synchronize()
        return time.perf_counter() - t0


def ppo_seconds_per_iteration(env, train_cfg, rl_device: str, iterations: int) -> float:  # noqa: ANN001
    runner = OnPolicyRunner(env, train_cfg, None, device=rl_device)
    runner.learn(1)  # warm up (allocations, first update)
    sync(env.device)
    t0 = time.perf_counter()
    runner.learn(iterations)
    sync(env.device)
    return (time.perf_counter() - t0) / iterations


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda:0", help="cuda:N, or cpu for a smoke run on Warp's CPU device")
    p.add_argument("--tasks", nargs="+", default=["g1", "g1_deepmimic"])
    p.add_argument("--envs", type=int, nargs="+", default=[1024, 4096, 8192])
    p.add_argument("--steps", type=int, default=100, help="control steps per timed run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--ppo_iterations", type=int, default=3, help="timed PPO iterations (0 = skip)")
    a = p.parse_args()
    sim_device = WARP_CPU if a.device == "cpu" else a.device
    rl_device = "cpu" if a.device == "cpu" else a.device
    if a.device == "cpu":
        print("SMOKE RUN on Warp's CPU device: proves the script runs; the numbers are not GPU performance.")
    header = (f"{'task':<14}{'envs':>6}{'collect [env steps/s]':>23}{'bare engine':>13}{'ratio':>7}"
              f"{'physics [steps/s]':>19}{'PPO [s/iter]':>14}")
    print(header)
    print("-" * len(header))
    for task in a.tasks:
        for n in a.envs:
            env, policy, train_cfg = build(task, n, sim_device, rl_device)
            bare = BareEngine(env.sim)
            time_collect(env, policy, 2)  # compile / capture
            bare.seconds(1)
            ours, ref = [], []
            for _ in range(a.repeats):
                ours.append(time_collect(env, policy, a.steps))
                ref.append(bare.seconds(a.steps))
            r_ours = n * a.steps / statistics.median(ours)
            r_bare = n * a.steps / statistics.median(ref)
            ppo = ppo_seconds_per_iteration(env, train_cfg, rl_device, a.ppo_iterations) if a.ppo_iterations else float("nan")
            physics = r_bare * env.sim.decimation
            print(f"{task:<14}{n:>6}{r_ours:>23,.0f}{r_bare:>13,.0f}{r_ours / r_bare:>7.3f}{physics:>19,.0f}{ppo:>14.3f}",
                  flush=True)
            print(f"{'':<14}health: nan resets {env.sim.nan_reset_count}, buffer overflows {env.sim.overflow_count}")
            env.close()


if __name__ == "__main__":
    main()
