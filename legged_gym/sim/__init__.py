"""Simulator backends. Only this package (and deployment, :mod:`legged_gym.deploy`) imports a physics engine.

Importing the package imports no torch: :mod:`legged_gym.sim.hfield` (numpy and mujoco) is what deployment uses;
``SceneSpec``, ``SimBackend`` and the backends load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from legged_gym.sim.base import SceneSpec, SimBackend

WARP_CPU = "warp-cpu"  # MuJoCo Warp on Warp's CPU device: slow, for tests and smoke runs only


def make_backend(spec: SceneSpec, sim_device: str = "cpu") -> SimBackend:
    """Build the backend for ``sim_device``.

    ``cpu`` is the MuJoCo C engine on all cores (the default); ``cuda:N`` is MuJoCo Warp on GPU N;
    ``warp-cpu`` is MuJoCo Warp on Warp's CPU device (state tensors on the torch CPU device), which is
    correct but slow and exists so that tests and smoke runs cover the Warp backend without a GPU.

    Raises:
        ImportError: for ``cuda:N`` / ``warp-cpu`` when warp-lang or mujoco-warp is missing (the ``gpu`` extra).
        RuntimeError: for ``cuda:N`` when Warp finds no CUDA driver or no such device.
        ValueError: for a device string no backend can serve.
    """
    import torch

    if sim_device == WARP_CPU:
        from legged_gym.sim.mujoco_warp import MujocoWarpBackend

        return MujocoWarpBackend(spec, "cpu")
    try:
        device = torch.device(sim_device)
    except RuntimeError as exc:
        raise ValueError(f"--sim_device {sim_device!r}: expected cpu, cuda:N or {WARP_CPU}") from exc
    if device.type == "cpu":
        from legged_gym.sim.mujoco_cpu import MujocoCpuBackend

        return MujocoCpuBackend(spec, device)
    if device.type == "cuda":
        from legged_gym.sim.mujoco_warp import MujocoWarpBackend

        return MujocoWarpBackend(spec, torch.device("cuda", device.index or 0))
    raise ValueError(f"--sim_device {sim_device!r}: expected cpu, cuda:N or {WARP_CPU}")


def backend_device(sim_device: str) -> torch.device:
    """The torch device on which the backend for ``sim_device`` keeps its state tensors."""
    import torch

    return torch.device("cpu") if sim_device == WARP_CPU else torch.device(sim_device)


def __getattr__(name: str) -> Any:
    """``SceneSpec`` and ``SimBackend`` (:mod:`legged_gym.sim.base`, which needs torch), imported on first use."""
    if name in ("SceneSpec", "SimBackend"):
        from legged_gym.sim import base

        return getattr(base, name)
    raise AttributeError(f"module 'legged_gym.sim' has no attribute {name!r}")


__all__ = ["SceneSpec", "SimBackend", "WARP_CPU", "backend_device", "make_backend"]
