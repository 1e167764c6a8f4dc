"""The seed's clip schema (motion_formats.md section 0/3), shared by the pickle and human-video readers.

Fields: ``joint_names``, ``joints`` (T, J) [rad], ``root_pos`` (T, 3) [m], ``root_quat`` (T, 4) **xyzw**,
``link_names`` (``.STL`` suffix stripped), ``link_pos`` (T, L, 3) world, ``link_quat`` (T, L, 4) xyzw world,
``contacts`` {left_foot, right_foot} -> (T,), optional ``fps``. Extra fields are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from legged_gym.motion.clip import (
    CONTACT_NAMES,
    MotionClip,
    MotionFormatError,
    canonical_joint_name,
    canonical_link_name,
    check_unit_quat,
)
from legged_gym.motion.formats.common import contacts_from, decode_names, float_array, require
from legged_gym.motion.quat_order import root_quat_to_wxyz
from legged_gym.motion.rotations import xyzw_to_wxyz


def clip_from_seed_fields(
    source: str,
    name: str,
    data: Mapping,
    fps: float,
    contacts: dict[str, np.ndarray] | None = None,
    check_quat_order: bool = True,
) -> MotionClip:
    """Build a validated :class:`MotionClip` from seed-schema fields (quaternions xyzw in ``data``).

    Args:
        source: file the fields came from (for errors).
        name: clip name.
        data: mapping with the seed fields (a dict, or an h5py file/group).
        fps: the clip's rate [Hz], already resolved by the caller.
        contacts: contact flags to use instead of ``data['contacts']`` (e.g. derived ones).
        check_quat_order: refuse a root-quaternion array that looks wxyz (see :mod:`legged_gym.motion.quat_order`).
    """
    names = decode_names(source, "joint_names", require(source, data, "joint_names"))
    joint_names = [canonical_joint_name(n) for n in names]
    names = decode_names(source, "link_names", require(source, data, "link_names"))
    link_names = [canonical_link_name(n) for n in names]
    joints = float_array(source, "joints", require(source, data, "joints"), 2)
    root_pos = float_array(source, "root_pos", require(source, data, "root_pos"), 2, (3,))
    if root_pos.shape[0] == 0:
        raise MotionFormatError(source, "root_pos", "at least one frame", "0 frames")
    raw_quat = float_array(source, "root_quat", require(source, data, "root_quat"), 2, (4,))
    link_pos = float_array(source, "link_pos", require(source, data, "link_pos"), 3, (3,))
    raw_link_quat = float_array(source, "link_quat", require(source, data, "link_quat"), 3, (4,))
    t = root_pos.shape[0]
    arrays = {"joints": joints, "root_quat": raw_quat, "link_pos": link_pos, "link_quat": raw_link_quat}
    for field_name, arr in arrays.items():
        if arr.shape[0] != t:
            raise MotionFormatError(source, field_name, f"{t} frames (as root_pos)", f"{arr.shape[0]} frames")
    if joints.shape[1] != len(joint_names):
        want = f"{len(joint_names)} columns (one per joint name)"
        raise MotionFormatError(source, "joints", want, f"shape {joints.shape}")
    if link_pos.shape[1] != len(link_names) or raw_link_quat.shape[1] != len(link_names):
        raise MotionFormatError(
            source, "link_pos/link_quat", f"{len(link_names)} links (one per link name)",
            f"shapes {link_pos.shape} and {raw_link_quat.shape}",
        )
    check_unit_quat(source, "root_quat", raw_quat)
    check_unit_quat(source, "link_quat", raw_link_quat)
    root_quat = root_quat_to_wxyz(source, "root_quat", raw_quat, "xyzw", check=check_quat_order)
    if contacts is None:
        contacts = contacts_from(source, require(source, data, "contacts"), t, CONTACT_NAMES)
    clip = MotionClip(
        name=name,
        source=source,
        fps=fps,
        joint_names=joint_names,
        joints=joints,
        root_pos=root_pos,
        root_quat=root_quat,
        link_names=link_names,
        link_pos=link_pos,
        link_quat=xyzw_to_wxyz(raw_link_quat),
        contacts=contacts,
    )
    return clip.validate()
