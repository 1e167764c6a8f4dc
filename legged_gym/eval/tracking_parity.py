"""Parity check of the motion-tracking terms: keeps a deployment :class:`TrackingContext` in step with the env.

Used by :mod:`legged_gym.eval.parity`. The deployment side prepares each clip itself, from the clip's file, with
the contract's reference settings (:func:`legged_gym.eval.references.prepare_reference`, what ``export.py`` bakes
into ``references/``), and collides with the training environment's own
terrain. Only what the environment samples at a reset is copied: the clip, the start frame and the
clip-to-world offset of its terrain cell. From then on the context advances its reference frame by itself,
and the check fails when it drifts from the environment's.
"""

from __future__ import annotations

from typing import Any

import mujoco

from legged_gym.deploy.contract import PolicyContract
from legged_gym.deploy.controller import Controller
from legged_gym.deploy.tracking import ReferenceMotion, TrackingContext, TrackingSpec
from legged_gym.eval.references import prepare_reference

__all__ = ["NOISE_FREE_HEIGHT_SENSOR", "TrackingSync"]

# the height sensor's own noise model off (the deployment side reads the clean ray distances)
NOISE_FREE_HEIGHT_SENSOR = {
    "height_sensor.white_noise": 0.0, "height_sensor.offset_noise": 0.0, "height_sensor.roll_pitch_noise": 0.0,
    "height_sensor.yaw_noise": 0.0, "height_sensor.max_delay": 1, "height_sensor.update_period_range": [1, 2],
    "height_sensor.bad_ray_fraction": 0.0,
}


class TrackingSync:
    """Deployment reference playback for environment 0 of a tracking environment (see the module docstring)."""

    def __init__(self, env: Any, spec: TrackingSpec, contract: PolicyContract, model: mujoco.MjModel, ctrl: Controller) -> None:
        self.env, self.spec, self.contract, self.model, self.ctrl = env, spec, contract, model, ctrl
        self.motions: dict[int, ReferenceMotion] = {}
        self.ctx: TrackingContext | None = None

    def _env_frame(self) -> tuple[int, int]:
        env = self.env
        clip = int(env.ref_clip[0])
        return clip, int(env.ref_frame[0] - env.replay.clip_start[clip])

    def _motion(self, clip: int) -> ReferenceMotion:
        if clip not in self.motions:
            src = self.env.clip_sources[clip]
            self.motions[clip] = prepare_reference(src.path, self.contract, self.spec, self.env._robot_file())
        return self.motions[clip]

    def sync(self, data: mujoco.MjData) -> str | None:
        """Call once per control step after the env's state was copied into ``data`` (and ``mj_forward``).

        At the start of an episode: load the env's clip, start at its frame and offset, and reset the controller
        with the spawn-pose action. Otherwise: advance one frame. Returns a message when the frames disagree.
        """
        clip, frame = self._env_frame()
        if int(self.env.episode_length_buf[0]) == 0:
            motion = self._motion(clip)
            if self.ctx is None:
                self.ctx = TrackingContext(self.spec, self.contract, self.model, motion)
                self.ctrl.builder.tracking = self.ctx
            self.ctx.motion = motion
            self.ctx.start(frame, self.env.env_offsets[0].double().cpu().numpy())
            self.ctx.reset_controller(data, self.ctrl)
            return None
        self.ctx.advance()
        if self.ctx.frame != frame or self.ctx.motion is not self.motions.get(clip):
            return (f"reference frame: deployment at frame {self.ctx.frame} of {self.ctx.motion.name}, training at "
                    f"frame {frame} of clip {self.env.replay.clip_names[clip]}")
        return None
