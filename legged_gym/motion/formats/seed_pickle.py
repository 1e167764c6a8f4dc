"""Reader for the seed's pickle clips (motion_formats.md section 3): one dict per file, quaternions xyzw."""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping, Sequence

from legged_gym.motion.clip import MotionClip, MotionFormatError, check_fps
from legged_gym.motion.formats.common import check_required, clip_name
from legged_gym.motion.formats.seed_schema import clip_from_seed_fields
from legged_gym.motion.safe_pickle import UnsafePickleError, load_pickle


def read_seed_pickle(
    path: str | os.PathLike,
    fps: float | None = None,
    required_joints: Sequence[str] | None = None,
    required_links: Sequence[str] | None = None,
    check_quat_order: bool = True,
) -> MotionClip:
    """Read a seed pickle clip (loaded with the allow-list unpickler, so it cannot run code).

    Args:
        path: the ``.pkl`` file.
        fps: the clip's rate [Hz] when the file stores none (the seed's exporter does not write it); the file's
            own ``fps`` wins when present. No rate at all is an error: the seed's silent default is not repeated.
        required_joints, required_links: names the caller needs (``_joint`` / ``.STL`` suffixes normalised).
        check_quat_order: refuse a ``root_quat`` array that looks wxyz (:mod:`legged_gym.motion.quat_order`).

    Returns:
        A validated clip with wxyz quaternions and the file's contacts (``contact_source="file"``).

    Raises:
        MotionFormatError: a missing field or name, a wrong shape, NaN, a non-unit or swapped quaternion, a bad fps.
        UnsafePickleError: the pickle names a global outside the allow-list.
    """
    source = os.fspath(path)
    try:
        data = load_pickle(source)
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise MotionFormatError(source, "<file>", "a pickle", f"an unreadable file ({exc})") from None
    if not isinstance(data, Mapping):
        raise MotionFormatError(source, "<top level>", "a dict of clip fields", type(data).__name__)
    file_fps = data.get("fps")
    rate = check_fps(source, file_fps if file_fps is not None else fps)
    clip = clip_from_seed_fields(source, clip_name(source), data, rate, check_quat_order=check_quat_order)
    return check_required(clip, required_joints, required_links)
