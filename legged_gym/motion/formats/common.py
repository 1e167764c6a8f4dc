"""Helpers shared by the format readers: field access with named errors, name decoding, name checks."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from legged_gym.motion.clip import MotionClip, MotionFormatError, canonical_joint_name, canonical_link_name
from legged_gym.motion.clip import check_finite
from legged_gym.motion.limits import array_limit


def clip_name(path: str) -> str:
    """Clip name of a file or folder path: its stem."""
    base = os.path.basename(os.path.normpath(path))
    return os.path.splitext(base)[0] if not os.path.isdir(path) else base


def check_declared_size(source: str, field_name: str, shape: tuple[int, ...], itemsize: int) -> None:
    """MotionFormatError when an array the file declares would exceed the limit in force once read
    (:func:`legged_gym.motion.limits.array_limit`, ``deepmimic.max_motion_array_bytes``)."""
    total, limit = int(itemsize), array_limit()
    for d in shape:
        total *= int(d)
    if total > limit:
        raise MotionFormatError(source, field_name, f"at most {limit:,} bytes of data (deepmimic.max_motion_array_bytes)",
                                f"shape {tuple(int(d) for d in shape)} ({total:,} bytes)")


def require(source: str, data: Mapping, key: str) -> object:
    """``data[key]``, or MotionFormatError naming the missing key and the keys present."""
    if key not in data:
        raise MotionFormatError(source, key, "a field of that name", f"only {sorted(map(str, data.keys()))}")
    return data[key]


def float_array(source: str, field_name: str, value: object, ndim: int, last: tuple[int, ...] = ()) -> np.ndarray:
    """``value`` as a finite float64 array with ``ndim`` dimensions whose trailing sizes are ``last``."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise MotionFormatError(source, field_name, "a numeric array", type(value).__name__) from None
    if arr.ndim != ndim or (last and arr.shape[arr.ndim - len(last):] != last):
        want = "(" + ", ".join(["T"] * (ndim - len(last)) + [str(n) for n in last]) + ")"
        raise MotionFormatError(source, field_name, f"shape {want}", f"shape {arr.shape}")
    check_finite(source, field_name, arr)
    return arr


def decode_names(source: str, field_name: str, value: object) -> list[str]:
    """A list of str from a list/array of str or bytes (h5py and numpy return either)."""
    if isinstance(value, (str, bytes)):
        raise MotionFormatError(source, field_name, "a list of names", f"a single {type(value).__name__}")
    try:
        items = list(np.asarray(value, dtype=object).ravel())
    except TypeError:
        raise MotionFormatError(source, field_name, "a list of names", type(value).__name__) from None
    out = []
    for item in items:
        if isinstance(item, (bytes, np.bytes_)):
            item = bytes(item).decode("utf-8")
        if not isinstance(item, str):
            raise MotionFormatError(source, field_name, "names (str)", f"an item of type {type(item).__name__}")
        out.append(item)
    return out


def contacts_from(source: str, value: object, frames: int, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Bool (T,) contact flags for ``names`` from a mapping of bool or float arrays (float > 0.5 is contact)."""
    if not isinstance(value, Mapping):
        raise MotionFormatError(source, "contacts", f"a mapping with keys {list(names)}", type(value).__name__)
    out = {}
    for name in names:
        if name not in value:
            raise MotionFormatError(source, "contacts", f"a key '{name}'", f"keys {sorted(map(str, value.keys()))}")
        arr = np.asarray(value[name])
        if arr.shape != (frames,):
            raise MotionFormatError(source, f"contacts/{name}", f"shape ({frames},)", f"shape {arr.shape}")
        if arr.dtype != bool:
            arr = float_array(source, f"contacts/{name}", arr, 1) > 0.5
        out[name] = arr
    return out


def check_required(
    clip: MotionClip, required_joints: Sequence[str] | None, required_links: Sequence[str] | None
) -> MotionClip:
    """Raise MotionFormatError if ``clip`` lacks any of the joints or links the caller needs; return ``clip``."""
    if required_joints is not None:
        missing = [n for n in map(canonical_joint_name, required_joints) if n not in clip.joint_names]
        if missing:
            raise MotionFormatError(clip.source, "joint_names", f"names including {missing}", f"{clip.joint_names}")
    if required_links is not None:
        missing = [n for n in map(canonical_link_name, required_links) if n not in clip.link_names]
        if missing:
            raise MotionFormatError(clip.source, "link_names", f"names including {missing}", f"{clip.link_names}")
    return clip


def finish_derived_clip(
    source: str,
    fps: float,
    joint_names: list[str],
    joints: np.ndarray,
    root_pos: np.ndarray,
    root_quat: np.ndarray,
    links: tuple[list[str], np.ndarray, np.ndarray],
    contacts: dict[str, np.ndarray],
    required_joints: Sequence[str] | None,
    required_links: Sequence[str] | None,
) -> MotionClip:
    """A validated clip whose links and contacts were derived by forward kinematics (CSV and npz readers)."""
    link_names, link_pos, link_quat = links
    clip = MotionClip(
        name=clip_name(source),
        source=source,
        fps=fps,
        joint_names=joint_names,
        joints=joints,
        root_pos=root_pos,
        root_quat=root_quat,
        link_names=link_names,
        link_pos=link_pos,
        link_quat=link_quat,
        contacts=contacts,
        contact_source="derived",
    )
    return check_required(clip.validate(), required_joints, required_links)
