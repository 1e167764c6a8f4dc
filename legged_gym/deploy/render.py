"""Offscreen video of a deployment run: a camera that follows the robot, the renderer, the file writer."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import mujoco
import numpy as np

if TYPE_CHECKING:
    from legged_gym.deploy.observations import ObservationBuilder

__all__ = ["follow_camera", "make_renderer", "write_video"]


def follow_camera(data: mujoco.MjData, b: ObservationBuilder) -> mujoco.MjvCamera:
    """A camera 3 m from the robot's root, looking at it."""
    cam = mujoco.MjvCamera()
    cam.lookat[:] = data.qpos[b.root_qpos : b.root_qpos + 3]
    cam.distance, cam.azimuth, cam.elevation = 3.0, 135.0, -15.0
    return cam


def make_renderer(model: mujoco.MjModel, path: str | None) -> mujoco.Renderer | None:
    """An offscreen 640 x 480 renderer when a video is asked for (``path``) and one can be made, else None."""
    if not path:
        return None
    try:
        import imageio  # noqa: F401
    except ImportError:
        print("render: skipped, imageio is not installed (pip install imageio imageio-ffmpeg)")
        return None
    try:
        return mujoco.Renderer(model, 480, 640)
    except Exception as exc:  # noqa: BLE001 - any GL failure means no renderer here
        print(f"render: skipped, no offscreen renderer (MUJOCO_GL={os.environ.get('MUJOCO_GL')}): {exc}".splitlines()[0])
        return None


def write_video(path: str, frames: list[np.ndarray], fps: float) -> None:
    """Write ``frames`` to ``path`` (MP4 with imageio-ffmpeg, else a GIF next to it)."""
    import imageio

    try:
        imageio.mimsave(path, frames, fps=fps)
        print(f"render: wrote {len(frames)} frames to {path}")
    except Exception as exc:  # noqa: BLE001 - missing codec plugin (imageio-ffmpeg for .mp4)
        gif = os.path.splitext(path)[0] + ".gif"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"render: cannot write {path} ({reason}; .mp4 needs imageio-ffmpeg); writing {gif} instead")
        if gif != path:
            imageio.mimsave(gif, frames, duration=1000.0 / fps, loop=0)
            print(f"render: wrote {len(frames)} frames to {gif}")
