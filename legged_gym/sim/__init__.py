"""Simulator backends. Only this package imports a physics engine."""

from __future__ import annotations

import torch

from legged_gym.sim.base import SceneSpec, SimBackend


def make_backend(spec: SceneSpec, sim_device: str = "cpu") -> SimBackend:
    """Build the backend for ``sim_device``: ``cpu`` is the MuJoCo C engine on all cores.

    Raises:
        ValueError: for a device string no backend in this installation can serve.
    """
    device = torch.device(sim_device)
    if device.type == "cpu":
        from legged_gym.sim.mujoco_cpu import MujocoCpuBackend

        return MujocoCpuBackend(spec, device)
    raise ValueError(
        f"--sim_device {sim_device!r}: no simulator backend for this device in this version; "
        "use --sim_device cpu (the MuJoCo CPU backend)"
    )


__all__ = ["SceneSpec", "SimBackend", "make_backend"]
