"""MuJoCo's interactive (passive) viewer on one environment of a MuJoCo-backed task."""

from __future__ import annotations

import os
from typing import Any

NO_DISPLAY_HINT = "rerun with --headless to play without a window and print the policy's metrics"


class ViewerUnavailable(RuntimeError):
    """The interactive viewer cannot be opened here (no display, or the viewer failed to start)."""


def check_display() -> None:
    """Raise :class:`ViewerUnavailable` when no X11/Wayland display is available for the viewer."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ViewerUnavailable(f"no display for the MuJoCo viewer (DISPLAY and WAYLAND_DISPLAY are unset); "
                                f"{NO_DISPLAY_HINT}")


def _check_glfw() -> None:
    """Raise :class:`ViewerUnavailable` unless GLFW (the viewer's window library) can open the display.

    MuJoCo's viewer reports a GLFW failure by printing an error and ending the process, so it is tested here first.
    """
    import warnings

    try:
        import glfw
    except Exception as exc:  # noqa: BLE001 - any import failure means no window
        raise ViewerUnavailable(f"GLFW, the MuJoCo viewer's window library, is unavailable ({exc}); "
                                f"{NO_DISPLAY_HINT}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = glfw.init()
    if not ok:
        where = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        raise ViewerUnavailable(f"the MuJoCo viewer cannot open the display {where!r} (GLFW failed to initialise); "
                                f"{NO_DISPLAY_HINT}")


class MujocoPassiveViewer:
    """MuJoCo's passive viewer showing one environment of a MuJoCo-backed task, refreshed once per control step.

    The state of environment ``env_id`` (``env.sim.get_state()``, MuJoCo's full physics state) is copied into an
    ``MjData`` of the backend's model with ``mj_setState`` + ``mj_forward``. mujoco's viewer module is imported
    when a viewer is made, so importing this module needs no display.
    """

    def __init__(self, env: Any, env_id: int = 0, launch: bool = True) -> None:
        """Open the viewer on environment ``env_id`` (``launch=False``: only the state copy, no window)."""
        try:
            import mujoco
            import mujoco.viewer
        except Exception as exc:  # noqa: BLE001 - any import failure means no viewer
            raise ViewerUnavailable(f"the MuJoCo viewer cannot be imported ({exc}); {NO_DISPLAY_HINT}") from None
        sim = env.sim
        model_for_env = getattr(sim, "model_for_env", None)
        model = model_for_env(env_id) if callable(model_for_env) else getattr(sim, "model", None)
        if model is None:
            raise ViewerUnavailable(f"the simulator backend {type(sim).__name__} has no MuJoCo model to show; "
                                    f"{NO_DISPLAY_HINT}")
        self._mujoco = mujoco
        self.env, self.env_id, self.model = env, env_id, model
        self.data = mujoco.MjData(model)
        self._spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
        size = mujoco.mj_stateSize(model, self._spec)
        state_size = int(sim.get_state().shape[-1])
        if state_size != size:
            raise ViewerUnavailable(f"the backend's state has {state_size} entries, MuJoCo's full physics state "
                                    f"{size}: cannot show it; {NO_DISPLAY_HINT}")
        self.handle: Any = None
        self.update()
        if not launch:
            return
        _check_glfw()
        try:
            self.handle = mujoco.viewer.launch_passive(model, self.data)
        except Exception as exc:  # noqa: BLE001 - GLFW/GL errors vary by platform
            raise ViewerUnavailable(f"the MuJoCo viewer failed to start ({str(exc).strip() or type(exc).__name__}); "
                                    f"{NO_DISPLAY_HINT}") from None

    def update(self) -> None:
        """Copy the environment's current state into the viewer's ``MjData``."""
        state = self.env.sim.get_state()[self.env_id].detach().cpu().double().numpy()
        self._mujoco.mj_setState(self.model, self.data, state, self._spec)
        self._mujoco.mj_forward(self.model, self.data)

    def is_running(self) -> bool:
        """False once the user closed the window."""
        return bool(self.handle.is_running())

    def sync(self) -> None:
        """Show the environment's current state."""
        with self.handle.lock():
            self.update()
        self.handle.sync()

    def close(self) -> None:
        """Close the window."""
        if self.handle is not None:
            self.handle.close()
