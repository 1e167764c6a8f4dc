"""Viser web viewer for ``play.py --env.viser.enable=True``: a browser page showing one environment live.

Modules, one concern each:

* :mod:`~legged_gym.viewer.geometry`: triangle meshes of the robot's geoms and of the terrain height field.
* :mod:`~legged_gym.viewer.scene`: the 3-D scene (terrain, robot bodies, reference-motion markers) and its per-step
  update from the simulator's body poses.
* :mod:`~legged_gym.viewer.plots`: rolling plots of per-term rewards, tracking errors and foot contact forces.
* :mod:`~legged_gym.viewer.policy_files`: the checkpoints a run offers, loading one into the running policy, and
  the export into ``<run dir>/exported/``.
* :mod:`~legged_gym.viewer.panels`: the GUI panels (simulation, policy, motion, randomisation, manual control,
  display) and the callbacks that queue their commands.
* :mod:`~legged_gym.viewer.controller`: :class:`ViserPlayer`, the real-time play loop that steps the environment,
  runs queued GUI commands between steps and refreshes the scene and the plots.

Importing this package does not import viser; :class:`ViserPlayer` does when it is built.
"""

from __future__ import annotations

import socket

from legged_gym.viewer.pacer import Pacer

__all__ = ["Pacer", "ViserPlayer", "check_address", "run_viser_play"]


def check_address(host: str, port: int) -> None:
    """Fail early, before the environment is built, when the viewer could not listen on ``host:port``.

    Raises:
        ValueError: the port is outside 1..65535, or the address cannot be bound (in use, unknown host).
    """
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"--env.viser.port: expected a port in 1..65535, got {port}")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, int(port)))
    except OSError as exc:
        raise ValueError(f"--env.viser.host/port: cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def __getattr__(name: str):  # noqa: ANN202 - lazy import keeps viser out of ``import legged_gym.viewer``
    if name in ("ViserPlayer", "run_viser_play"):
        from legged_gym.viewer import controller

        return getattr(controller, name)
    raise AttributeError(f"module 'legged_gym.viewer' has no attribute {name!r}")
