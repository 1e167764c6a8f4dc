"""MuJoCo Warp backend on Warp's CPU device: parity with the CPU backend, buffer overflow and NaN handling.

Skipped where warp-lang / mujoco-warp (the ``gpu`` extra) are not installed.
"""

from __future__ import annotations

import pytest
import torch

from tests.test_sim_contract import HAS_WARP, default_pose, make, stand

pytestmark = pytest.mark.skipif(not HAS_WARP, reason="warp-lang / mujoco-warp not installed (pip install -e '.[gpu]')")

# Parity tolerance over 20 control steps (0.4 s) of PD motion of a standing robot: the engines share the model,
# but Warp runs in float32 and carries its solver warm start across control steps. Measured: 1.8e-6 m / rad
# and 2.4e-4 m/s / rad/s at most; the bounds leave a margin of about 50.
POS_TOL = 1e-4  # [m] root and body positions, [rad] joint positions
VEL_TOL = 1e-2  # [m/s] root velocity, [rad/s] joint velocities


def _trajectory(device: str, steps: int = 20) -> list[torch.Tensor]:
    b = make(device, num_envs=2)
    b.set_params(torch.tensor([1]), kp_scale=torch.full((1, 23), 0.8), added_mass=torch.tensor([3.0]))
    stand(b)
    gen = torch.Generator().manual_seed(0)
    base = default_pose(b)
    states = []
    for k in range(steps):
        wave = 0.3 * torch.sin(torch.tensor(0.5 * k)) * torch.randn(2, 23, generator=gen).clamp(-1, 1)
        b.step(base + wave)
        states.append(torch.cat([b.root_pos_w, b.dof_pos, b.root_lin_vel_w, b.dof_vel, b.body_states().pos[:, 5]], 1))
    b.close()
    return states


def test_parity_with_the_cpu_backend():
    cpu, warp = _trajectory("cpu"), _trajectory("warp-cpu")
    for k, (a, b) in enumerate(zip(cpu, warp)):
        pos = torch.cat([a[:, :26] - b[:, :26], a[:, 55:] - b[:, 55:]], 1).abs().max().item()
        vel = (a[:, 26:55] - b[:, 26:55]).abs().max().item()
        assert pos < POS_TOL and vel < VEL_TOL, f"control step {k}: position error {pos:.2e}, velocity error {vel:.2e}"
    # the motion is not trivial: the robots moved, and env 1 (softer gains, heavier) differs from env 0
    assert (cpu[-1][:, 3:26] - cpu[0][:, 3:26]).abs().max() > 0.05
    assert (warp[-1][0, 3:26] - warp[-1][1, 3:26]).abs().max() > 1e-3


def test_contact_buffer_overflow_is_detected():
    b = make("warp-cpu", num_envs=2, nconmax=1, njmax=8)  # a standing G1 has ~8 contacts and ~55 constraint rows
    stand(b)
    with pytest.raises(RuntimeError, match="overflow.*njmax"):
        b.step(default_pose(b))
    counted = make("warp-cpu", num_envs=2, nconmax=1, njmax=8, raise_on_overflow=False)
    stand(counted)
    counted.step(default_pose(counted))
    assert counted.overflow_count == 2
    ok = make("warp-cpu", num_envs=2)
    stand(ok)
    ok.step(default_pose(ok))
    assert ok.overflow_count == 0
