"""Offscreen videos of one environment of a backend: MuJoCo's renderer, a camera that follows the robot, MP4 files.

Rendering needs an OpenGL context without a display: the scripts set ``MUJOCO_GL=egl`` (software EGL works on
machines without a GPU) before MuJoCo is imported when a video is asked for.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import mujoco
import numpy as np

__all__ = ["VideoRecorder", "write_mp4"]


class VideoRecorder:
    """Collects frames of environment ``env_id`` of a :class:`~legged_gym.sim.base.SimBackend` (its qpos drawn on the
    nominal model) seen by a camera that follows the root body."""

    def __init__(self, sim: Any, env_id: int = 0, width: int = 640, height: int = 480) -> None:
        if not 0 <= env_id < sim.num_envs:
            raise ValueError(f"--video_env: expected an environment from 0 to {sim.num_envs - 1}, got {env_id}")
        if mujoco.GLContext.__module__.endswith("glfw") and not os.environ.get("DISPLAY"):
            # GLFW without a display aborts the whole process inside MuJoCo: refuse before that
            raise RuntimeError("video: MuJoCo cannot render offscreen (MUJOCO_GL=glfw without a display): set "
                               "MUJOCO_GL=egl before MuJoCo is imported (the scripts do this for --video)")
        self.sim, self.env_id = sim, env_id
        self.model = copy.copy(sim.model)  # brighter light for the video only
        self.model.vis.headlight.ambient[:] = 0.45
        self.model.vis.headlight.diffuse[:] = 0.6
        self.data = mujoco.MjData(self.model)
        try:
            self.renderer = mujoco.Renderer(self.model, height, width)
        except Exception as exc:  # noqa: BLE001 - no GL context here: say which and how to fix it
            raise RuntimeError(f"video: MuJoCo cannot render offscreen (MUJOCO_GL={os.environ.get('MUJOCO_GL')}): "
                               f"{str(exc).splitlines()[0]}; install libegl1 / libosmesa6") from None
        self.camera = mujoco.MjvCamera()
        self.camera.distance, self.camera.azimuth, self.camera.elevation = 3.0, 135.0, -15.0
        self.frames: list[np.ndarray] = []

    def capture(self) -> None:
        """Render the environment's current state."""
        state = self.sim.get_state()[self.env_id].cpu().numpy()
        self.data.qpos[:] = state[1 : 1 + self.model.nq]
        mujoco.mj_kinematics(self.model, self.data)
        self.camera.lookat[:] = self.data.qpos[:3]
        self.renderer.update_scene(self.data, camera=self.camera)
        self.frames.append(self.renderer.render().copy())

    def save(self, path: str, fps: float) -> str:
        """Write the frames as an MP4 and forget them; returns the path."""
        write_mp4(path, self.frames, fps)
        self.frames = []
        return path

    def close(self) -> None:
        self.renderer.close()


def write_mp4(path: str, frames: list[np.ndarray], fps: float) -> None:
    """H.264 MP4 through imageio's ffmpeg plugin (the ``imageio-ffmpeg`` package ships the encoder)."""
    import imageio

    if not frames:
        raise ValueError(f"video {path}: no frames were captured")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    imageio.mimsave(path, frames, fps=fps, codec="libx264", macro_block_size=8)
