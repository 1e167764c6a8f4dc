"""Reference motions for tracking: clips at the control rate, concatenated into flat torch tensors.

Per clip, in this order (seed_system.md section c):
1. resample to 1 / dt (:func:`~legged_gym.motion.resample.resample_clip`), or refuse another rate when
   ``upsample_data=False``;
2. ``cut_off_import_length``: keep the first N frames at the control rate (-1: keep all);
3. ``n_prepend`` / ``n_append``: repeat the first / last frame (every array, contacts included);
4. select joints by name into policy order, tracked and extra links and contacts by name;
5. add ``height_direct_offset`` to root and link z;
6. finite differences at dt: v[t] = (x[t+1] - x[t]) / dt for joints, root and links; angular velocities (world
   frame) are log(q[t+1] q[t]^-1) / dt; the last frame repeats the previous value (0 for a one-frame clip).

All clips are then concatenated; ``clip_start``/``clip_length`` locate each clip and ``clip_of_frame`` maps a
flat frame index back to its clip. Frame indices passed to the accessors are flat (global) indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from legged_gym.motion.clip import (
    MotionClip,
    MotionFormatError,
    canonical_joint_name,
    canonical_link_name,
    select_columns,
)
from legged_gym.motion.resample import resample_clip
from legged_gym.motion.rotations import quat_conjugate, quat_log, quat_mul
from legged_gym.motion.sampling import (
    FailureBins,
    SuccessTracker,
    clip_probabilities,
    num_valid_starts,
    sample_in_clip,
)

DEFAULT_TRACKED_LINKS = (
    "pelvis", "left_hip_pitch_link", "left_knee_link", "left_ankle_roll_link", "right_hip_pitch_link",
    "right_knee_link", "right_ankle_roll_link", "left_shoulder_pitch_link", "left_elbow_link", "left_wrist_yaw_link",
    "right_shoulder_pitch_link", "right_elbow_link", "right_wrist_yaw_link",
)
_PER_FRAME = (
    "root_pos", "root_quat", "root_lin_vel", "root_ang_vel", "joints", "joint_vel", "link_pos", "link_quat",
    "link_lin_vel", "link_ang_vel", "extra_link_pos", "extra_link_quat", "contacts",
)


@dataclass
class ReplayState:
    """Reference state at chosen frames; leading shape (n,) from get_state, (n, k) from get_next.

    Quaternions are wxyz; positions [m] and orientations world frame; velocities world frame [m/s, rad/s].
    ``joints``/``joint_vel`` follow the loader's ``joint_names``; ``link_*`` its ``tracked_link_names``;
    ``extra_link_*`` its ``extra_link_names``; ``contacts`` (float 0/1) its ``contact_names``.
    """

    root_pos: Tensor
    root_quat: Tensor
    root_lin_vel: Tensor
    root_ang_vel: Tensor
    joints: Tensor
    joint_vel: Tensor
    link_pos: Tensor
    link_quat: Tensor
    link_lin_vel: Tensor
    link_ang_vel: Tensor
    extra_link_pos: Tensor
    extra_link_quat: Tensor
    contacts: Tensor
    frame_idx: Tensor
    clip_idx: Tensor
    frame_in_clip: Tensor


def _diff(x: np.ndarray, dt: float) -> np.ndarray:
    v = np.zeros_like(x)
    if x.shape[0] > 1:
        v[:-1] = (x[1:] - x[:-1]) / dt
        v[-1] = v[-2]
    return v


def _ang_diff(q: np.ndarray, dt: float) -> np.ndarray:
    w = np.zeros(q.shape[:-1] + (3,))
    if q.shape[0] > 1:
        w[:-1] = quat_log(quat_mul(q[1:], quat_conjugate(q[:-1]))) / dt
        w[-1] = w[-2]
    return w


def _repeat_ends(x: np.ndarray, n_prepend: int, n_append: int) -> np.ndarray:
    parts = [np.repeat(x[:1], n_prepend, axis=0), x, np.repeat(x[-1:], n_append, axis=0)]
    return np.concatenate(parts, axis=0)


class ReplayDataLoader:
    """Clips prepared for tracking (see the module docstring), with per-frame access and start sampling.

    Attributes (torch, on ``device``; T = total frames over all clips, C = clips): ``root_pos`` (T, 3),
    ``root_quat`` (T, 4) wxyz, ``root_lin_vel``, ``root_ang_vel`` (T, 3), ``joints``, ``joint_vel`` (T, J),
    ``link_pos``, ``link_lin_vel``, ``link_ang_vel`` (T, L, 3), ``link_quat`` (T, L, 4), ``extra_link_pos``
    (T, E, 3), ``extra_link_quat`` (T, E, 4), ``contacts`` (T, K) float; ``clip_start``, ``clip_length`` (C,)
    long; ``clip_of_frame`` (T,) long; ``clip_names``, ``clip_sources``, ``clip_terrain_paths``,
    ``clip_contact_sources`` (lists of C).
    """

    def __init__(
        self,
        clips: Sequence[MotionClip],
        dt: float,
        joint_names: Sequence[str],
        tracked_link_names: Sequence[str] = DEFAULT_TRACKED_LINKS,
        extra_link_names: Sequence[str] = ("torso_link",),
        contact_names: Sequence[str] = ("left_foot", "right_foot"),
        cut_off_import_length: int = -1,
        n_prepend: int = 0,
        n_append: int = 0,
        height_direct_offset: float = 0.0,
        upsample_data: bool = True,
        device: str | torch.device = "cpu",
        generator: torch.Generator | None = None,
        success_window: int = 1000,
    ) -> None:
        """Prepare ``clips`` for a control step ``dt`` [s].

        Args:
            clips: the clips (any rate; see ``upsample_data``).
            dt: control step [s]; clips are brought to 1 / dt.
            joint_names: policy joints, in policy order (``_joint`` suffix optional).
            tracked_link_names: links whose poses and velocities are tracked.
            extra_link_names: further links whose poses are needed (e.g. ``torso_link``).
            contact_names: contact flags to keep, in this order.
            cut_off_import_length: keep only the first N control-rate frames of each clip (-1: all).
            n_prepend, n_append: frames to repeat at the start / end of each clip.
            height_direct_offset: [m] added to root and link z.
            upsample_data: resample clips whose fps differs from 1 / dt; when False such a clip is an error.
            device: where the tensors live.
            generator: torch CPU generator used by :meth:`sample_starts` (seed it for determinism).
            success_window: episodes per clip kept for the adaptive sampler.

        Raises:
            ValueError: empty ``clips``, a non-positive ``dt``, a zero ``cut_off_import_length`` or negative repeats.
            MotionFormatError: a clip lacks a requested joint, link or contact, or has the wrong rate with
                ``upsample_data=False`` (the message names the clip's file).
        """
        if not clips:
            raise ValueError("ReplayDataLoader needs at least one clip")
        if not dt > 0:
            raise ValueError(f"dt must be positive, got {dt}")
        if cut_off_import_length == 0 or cut_off_import_length < -1:
            raise ValueError(f"cut_off_import_length must be -1 (off) or positive, got {cut_off_import_length}")
        if n_prepend < 0 or n_append < 0:
            raise ValueError(f"n_prepend and n_append must be >= 0, got {n_prepend} and {n_append}")
        self.dt = float(dt)
        self.device = torch.device(device)
        self.joint_names = [canonical_joint_name(n) for n in joint_names]
        self.tracked_link_names = [canonical_link_name(n) for n in tracked_link_names]
        self.extra_link_names = [canonical_link_name(n) for n in extra_link_names]
        self.contact_names = list(contact_names)
        self.generator = generator
        self._options = dict(
            cut=cut_off_import_length, n_prepend=n_prepend, n_append=n_append,
            height=float(height_direct_offset), upsample=upsample_data,
        )
        processed = [self._process(c) for c in clips]
        self.clip_names = [c.name for c in clips]
        self.clip_sources = [c.source for c in clips]
        self.clip_terrain_paths = [c.terrain_path for c in clips]
        self.clip_contact_sources = [c.contact_source for c in clips]
        lengths = [p["root_pos"].shape[0] for p in processed]
        self.clip_length = torch.tensor(lengths, dtype=torch.long, device=self.device)
        self.clip_start = torch.cumsum(self.clip_length, 0) - self.clip_length
        self.clip_of_frame = torch.repeat_interleave(torch.arange(len(lengths), device=self.device), self.clip_length)
        for key in _PER_FRAME:
            stacked = np.concatenate([p[key] for p in processed], axis=0)
            setattr(self, key, torch.as_tensor(stacked, dtype=torch.float32, device=self.device))
        self.success = SuccessTracker(len(lengths), success_window)
        self.failure_bins = FailureBins(num_valid_starts(self.clip_length.cpu()), bin_frames=max(1, round(1.0 / self.dt)))

    # ------------------------------------------------------------------ preparation
    def _process(self, clip: MotionClip) -> dict[str, np.ndarray]:
        src = clip.source or clip.name
        rate = 1.0 / self.dt
        if abs(clip.fps - rate) > 1e-6 * rate:
            if not self._options["upsample"]:
                raise MotionFormatError(
                    src, "fps", f"{rate:g} Hz (1/dt) since upsample_data=False", f"{clip.fps:g} Hz"
                )
            clip = resample_clip(clip, rate)
        j = select_columns(src, "joint_names", clip.joint_names, self.joint_names)
        links = select_columns(src, "link_names", clip.link_names, self.tracked_link_names)
        extra = select_columns(src, "link_names", clip.link_names, self.extra_link_names)
        missing = [n for n in self.contact_names if n not in clip.contacts]
        if missing:
            raise MotionFormatError(src, "contacts", f"keys including {missing}", f"keys {sorted(clip.contacts)}")
        out = {
            "root_pos": clip.root_pos.astype(np.float64),
            "root_quat": clip.root_quat.astype(np.float64),
            "joints": clip.joints[:, j].astype(np.float64),
            "link_pos": clip.link_pos[:, links].astype(np.float64),
            "link_quat": clip.link_quat[:, links].astype(np.float64),
            "extra_link_pos": clip.link_pos[:, extra].astype(np.float64),
            "extra_link_quat": clip.link_quat[:, extra].astype(np.float64),
            "contacts": np.stack([clip.contacts[n] for n in self.contact_names], axis=-1).astype(np.float64)
            if self.contact_names else np.zeros((clip.num_frames, 0)),
        }
        cut = self._options["cut"]
        for key, arr in out.items():
            if cut > 0:
                arr = arr[:cut]
            out[key] = _repeat_ends(arr, self._options["n_prepend"], self._options["n_append"])
        for key in ("root_pos", "link_pos", "extra_link_pos"):
            out[key][..., 2] += self._options["height"]
        out["joint_vel"] = _diff(out["joints"], self.dt)
        out["root_lin_vel"] = _diff(out["root_pos"], self.dt)
        out["root_ang_vel"] = _ang_diff(out["root_quat"], self.dt)
        out["link_lin_vel"] = _diff(out["link_pos"], self.dt)
        out["link_ang_vel"] = _ang_diff(out["link_quat"], self.dt)
        return out

    # ------------------------------------------------------------------ sizes
    @property
    def num_clips(self) -> int:
        """Number of clips C."""
        return int(self.clip_length.shape[0])

    @property
    def num_frames(self) -> int:
        """Total frames T over all clips."""
        return int(self.root_pos.shape[0])

    # ------------------------------------------------------------------ per-frame access
    def _check_frames(self, frame_idx: Tensor) -> Tensor:
        frame_idx = torch.as_tensor(frame_idx, dtype=torch.long, device=self.device)
        if frame_idx.numel() and (int(frame_idx.min()) < 0 or int(frame_idx.max()) >= self.num_frames):
            raise IndexError(f"frame index out of range [0, {self.num_frames}): {frame_idx.tolist()}")
        return frame_idx

    def _state_at(self, idx: Tensor) -> ReplayState:
        clip = self.clip_of_frame[idx]
        fields = {key: getattr(self, key)[idx] for key in _PER_FRAME}
        return ReplayState(**fields, frame_idx=idx, clip_idx=clip, frame_in_clip=idx - self.clip_start[clip])

    def get_state(self, frame_idx: Tensor) -> ReplayState:
        """Reference state at flat frame indices (n,) long; every field has leading shape (n,)."""
        return self._state_at(self._check_frames(frame_idx))

    def get_next(self, frame_idx: Tensor, k: int) -> ReplayState:
        """Reference states at the next ``k`` frames (frame + 1 ... frame + k) of each index (n,), clamped at the
        clip's last frame; every field has leading shape (n, k)."""
        frame_idx = self._check_frames(frame_idx)
        last = self.clip_end(frame_idx)
        steps = torch.arange(1, k + 1, device=self.device)
        idx = torch.minimum(frame_idx[:, None] + steps[None, :], last[:, None])
        return self._state_at(idx)

    def clip_end(self, frame_idx: Tensor) -> Tensor:
        """Flat index (n,) of the last frame of each frame's clip."""
        clip = self.clip_of_frame[self._check_frames(frame_idx)]
        return self.clip_start[clip] + self.clip_length[clip] - 1

    def frames_remaining(self, frame_idx: Tensor) -> Tensor:
        """Frames (n,) from each index to its clip's last frame (0 at the last frame): the episode length limit."""
        return self.clip_end(frame_idx) - self._check_frames(frame_idx)

    def advance(self, frame_idx: Tensor, steps: int = 1) -> Tensor:
        """Flat indices ``steps`` frames later, clamped at each clip's last frame."""
        return torch.minimum(self._check_frames(frame_idx) + steps, self.clip_end(frame_idx))

    # ------------------------------------------------------------------ sampling
    def clip_weights(self, clip_weighting_strategy: str = "uniform_step") -> Tensor:
        """Probability (C,) float64 of choosing each clip (see :mod:`legged_gym.motion.sampling`)."""
        return clip_probabilities(self.clip_length.cpu(), clip_weighting_strategy, self.success.rates())

    def sample_starts(
        self,
        n: int,
        randomize_start_offset: bool = True,
        weighting_strategy: str = "uniform",
        clip_weighting_strategy: str = "uniform_step",
        generator: torch.Generator | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Sample ``n`` episode starts.

        With ``randomize_start_offset``: a clip by ``clip_weighting_strategy``, then a start in
        [0, max(len - 3, 1)) by ``weighting_strategy`` (see :mod:`legged_gym.motion.sampling`). Without: a
        uniformly chosen clip, started at its first frame.

        Args:
            n: number of starts.
            randomize_start_offset: sample the start frame (else frame 0 of the clip).
            weighting_strategy: ``"uniform"``, ``"linear"`` or ``"failure_adaptive"``.
            clip_weighting_strategy: ``"uniform_step"``, ``"uniform_clip"`` or ``"success_rate_adaptive"``.
            generator: CPU generator for this call (default: the loader's ``generator``).

        Returns:
            (clip index (n,) long, flat frame index (n,) long), on the loader's device.
        """
        gen = generator if generator is not None else self.generator
        dev = gen.device if gen is not None else torch.device("cpu")  # draw where the generator lives
        lengths = self.clip_length.to(dev)
        if randomize_start_offset:
            probs = clip_probabilities(lengths.cpu(), clip_weighting_strategy, self.success.rates()).to(dev)
        else:
            probs = clip_probabilities(lengths.cpu(), "uniform_clip").to(dev)
        clip = torch.multinomial(probs, n, replacement=True, generator=gen)
        if randomize_start_offset and weighting_strategy == "failure_adaptive":
            offset = self.failure_bins.sample(clip, gen).to(dev)
        elif randomize_start_offset:
            offset = sample_in_clip(num_valid_starts(lengths)[clip], weighting_strategy, gen)
        else:
            offset = torch.zeros(n, dtype=torch.long, device=dev)
        frame = self.clip_start.to(dev)[clip] + offset
        return clip.to(self.device), frame.to(self.device)

    def record_episode(self, clip_idx: Tensor, success: Tensor, end_frame: Tensor | None = None) -> None:
        """Record finished episodes (clip index (n,) long, success (n,) bool and, for the failure-time sampler, the
        frame (n,) within the clip where each ended) for the adaptive samplers."""
        self.success.record(clip_idx, success)
        if end_frame is not None:
            self.failure_bins.record(clip_idx, end_frame, ~success.bool())

    def success_rates(self) -> Tensor:
        """Per-clip success rate (C,) over the last <= ``success_window`` episodes; 0 for clips without any."""
        return self.success.rates()
