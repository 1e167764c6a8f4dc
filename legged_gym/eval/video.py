"""Videos of the policy during training: every ``runner.video_interval`` iterations, a separate one-environment copy
of the task (play settings: no noise, no randomisation; a tracking task plays its clips from frame 0) runs the
deterministic policy for ``video_steps`` control steps, recorded offscreen to ``<run dir>/videos/it_<N>.mp4`` and
handed to the log writers (W&B: the MP4; TensorBoard: four frames as an image)."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from legged_gym.eval.play_settings import apply_play_settings

__all__ = ["PolicyVideo"]


class PolicyVideo:
    """Records the deterministic policy in its own one-environment copy of the task."""

    def __init__(self, task_class: type, env_cfg: Any, out_dir: str, steps: int = 250, sim_device: str = "cpu",
                 rl_device: str = "cpu") -> None:
        from legged_gym.sim.video import VideoRecorder

        cfg = copy.deepcopy(env_cfg)
        apply_play_settings(cfg)
        cfg.env.num_envs = 1
        self.env = task_class(cfg, sim_device=sim_device, rl_device=rl_device)
        self.recorder = VideoRecorder(self.env.sim, 0)
        self.out_dir, self.steps, self.device = out_dir, int(steps), rl_device

    def __call__(self, policy: Callable[[dict[str, Tensor]], Tensor], iteration: int) -> tuple[str, list[Any]]:
        """Play and record from a fresh reset; returns the MP4's path and its frames."""
        with torch.no_grad():  # not inference mode: the environment's buffers are updated in place afterwards too
            obs = self.env.reset()
            for _ in range(self.steps):
                obs, _, _, _ = self.env.step(policy({k: v.to(self.device) for k, v in obs.items()}))
                self.recorder.capture()
        frames = list(self.recorder.frames)
        path = self.recorder.save(os.path.join(self.out_dir, "videos", f"it_{iteration}.mp4"), 1.0 / float(self.env.dt))
        return path, frames

    def close(self) -> None:
        self.recorder.close()
        self.env.close()
