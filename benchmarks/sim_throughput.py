"""Physics throughput of our MuJoCo CPU backend against a bare ``mujoco.rollout`` loop on the same model.

Both sides step the same compiled G1 scene (flat plane or rough height field) from the same initial
state with the same PD targets, ``decimation`` physics steps per call, on the same number of threads.
Repeats are interleaved (ours, bare, ours, bare, ...) so machine noise hits both alike; the table
reports medians and the ratio ours / bare (1.0 = no overhead).

    python benchmarks/sim_throughput.py [--envs 64 256 1024] [--steps 50] [--repeats 5] [--threads 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.bare_rollout import bare_rollout_seconds  # noqa: E402
from legged_gym import LEGGED_GYM_ROOT_DIR  # noqa: E402
from legged_gym.envs.base.legged_robot import match_by_substring  # noqa: E402
from legged_gym.envs.g1.g1_config import G1_DAMPING, G1_DEFAULT_JOINT_ANGLES, G1_STIFFNESS  # noqa: E402
from legged_gym.sim import SceneSpec  # noqa: E402
from legged_gym.sim.mujoco_cpu import MujocoCpuBackend, available_cores  # noqa: E402
from legged_gym.sim.robot_info import actuated_joint_names  # noqa: E402
from legged_gym.terrain.rough import make_rough_heightfield  # noqa: E402

G1_XML = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")


def make_backend(num_envs: int, terrain: str, threads: int) -> MujocoCpuBackend:
    joints = actuated_joint_names(G1_XML)
    hf = make_rough_heightfield((20.0, 20.0), 0.1, 0.05, 1, seed=0) if terrain == "rough" else None
    spec = SceneSpec(
        robot_xml=G1_XML, num_envs=num_envs, dt=0.005, decimation=4, joint_names=joints,
        kp=match_by_substring(joints, G1_STIFFNESS, "stiffness"), kd=match_by_substring(joints, G1_DAMPING, "damping"),
        contact_bodies=["left_ankle_roll_link", "right_ankle_roll_link"], heightfield=hf, mass_body="torso_link",
        num_threads=threads,
    )
    return MujocoCpuBackend(spec)


def time_ours(b: MujocoCpuBackend, state0: torch.Tensor, targets: torch.Tensor, steps: int) -> float:
    b.set_state(state0)
    t0 = time.perf_counter()
    for _ in range(steps):
        b.step(targets)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--envs", type=int, nargs="+", default=[64, 256, 1024])
    p.add_argument("--terrains", nargs="+", default=["flat", "rough"])
    p.add_argument("--steps", type=int, default=50, help="control steps per timed run")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="0 = all cores")
    a = p.parse_args()
    threads = a.threads or available_cores()
    torch.set_num_threads(1)
    print(f"threads: {threads}, decimation 4, dt 0.005 s, {a.steps} control steps x {a.repeats} repeats (median)")
    header = f"{'terrain':<8}{'envs':>6}{'ours [phys steps/s]':>22}{'bare rollout':>16}{'ours/bare':>11}"
    print(header)
    print("-" * len(header))
    for terrain in a.terrains:
        for n in a.envs:
            b = make_backend(n, terrain, threads)
            q0 = torch.tensor([[G1_DEFAULT_JOINT_ANGLES.get(j, 0.0) for j in b.joint_names]]).expand(n, -1)
            state0 = b.get_state()
            time_ours(b, state0, q0, 2)  # warm up
            ours, bare = [], []
            for _ in range(a.repeats):
                ours.append(time_ours(b, state0, q0, a.steps))
                bare.append(bare_rollout_seconds(b, state0.numpy(), q0.double().numpy(), a.steps))
            phys = n * a.steps * b.spec.decimation
            r_ours, r_bare = phys / statistics.median(ours), phys / statistics.median(bare)
            print(f"{terrain:<8}{n:>6}{r_ours:>22,.0f}{r_bare:>16,.0f}{r_ours / r_bare:>11.3f}")
            b.close()


if __name__ == "__main__":
    main()
