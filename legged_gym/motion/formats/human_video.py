"""Reader for the seed's human-video clip folders (motion_formats.md section 4).

A folder holds ``retarget_poses_g1.h5`` (the motion) and ``background_mesh.obj`` (terrain in the same world
frame). The h5 file has datasets ``root_pos``, ``root_quat`` (xyzw), ``joints``, ``link_pos``, ``link_quat``
(xyzw), a group ``contacts/{left_foot,right_foot}``, and root attributes ``joint_names``, ``link_names``,
``fps``, spelled with or without a leading ``/`` depending on the writer.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence

import numpy as np

from legged_gym.motion.clip import CONTACT_NAMES, MotionClip, MotionFormatError, check_fps
from legged_gym.motion.formats.common import (
    check_declared_size,
    check_required,
    contacts_from,
    decode_names,
    float_array,
    require,
)
from legged_gym.motion.formats.g1_names import G1_WAIST_JOINTS
from legged_gym.motion.formats.seed_schema import clip_from_seed_fields

_DATASETS = ("root_pos", "root_quat", "joints", "link_pos", "link_quat")
_SOURCE_FPS = 30.0  # the capture rate that the folder name's _subsample_<k> divides


def _find(folder: str, pattern: str) -> str | None:
    if any(c in pattern for c in "*?["):
        hits = sorted(glob.glob(os.path.join(glob.escape(folder), pattern)))
        if len(hits) > 1:
            raise MotionFormatError(folder, pattern, "exactly one matching file", f"{len(hits)}: {hits}")
        return hits[0] if hits else None
    path = os.path.join(folder, pattern)
    return path if os.path.exists(path) else None


def _attr(attrs: object, name: str) -> object | None:
    """Attribute ``/name`` or ``name`` (both spellings exist in the wild), else None."""
    for key in ("/" + name, name):
        if key in attrs:  # type: ignore[operator]
            return attrs[key]  # type: ignore[index]
    return None


def _fps_from_folder(folder: str) -> float | None:
    match = re.search(r"_subsample_(\d+)", os.path.basename(os.path.normpath(folder)))
    return _SOURCE_FPS / int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _with_waist(names: list[str], joints: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Append zero columns for waist joints when ``waist_yaw_joint`` is absent (as the seed does)."""
    full = [n if n.endswith("_joint") else n + "_joint" for n in names]
    if "waist_yaw_joint" in full:
        return names, joints
    extra = [n for n in G1_WAIST_JOINTS if n not in full]
    return names + extra, np.concatenate([joints, np.zeros((joints.shape[0], len(extra)))], axis=1)


def read_human_video_folder(
    folder: str | os.PathLike,
    data_pattern: str = "retarget_poses_g1.h5",
    terrain_pattern: str = "background_mesh.obj",
    fps: float | None = None,
    robot_xml: str | None = None,
    recompute_links: bool = False,
    required_joints: Sequence[str] | None = None,
    required_links: Sequence[str] | None = None,
    check_quat_order: bool = True,
) -> MotionClip:
    """Read a human-video clip folder (single-person h5 + optional terrain mesh).

    Args:
        folder: the clip folder.
        data_pattern: file name (or glob matching exactly one file) of the motion h5 inside ``folder``.
        terrain_pattern: file name (or glob) of the terrain mesh; ``terrain_path`` is None when absent.
        fps: rate [Hz] used when the file has no ``fps`` attribute and the folder name has no
            ``_subsample_<k>`` (which gives 30 / k).
        robot_xml: robot MJCF for forward kinematics. Needed when the file has no contact estimate (no
            ``contacts`` group, or all-zero contacts, which the writer stores for "unknown"): contacts are then
            derived (:mod:`legged_gym.motion.contacts`, ``contact_source="derived"``). The derivation assumes
            flat ground, so on a clip with stairs or slopes in its mesh derived contacts are unreliable.
        recompute_links: replace the file's link poses by FK of every body of ``robot_xml`` (the released
            stage-4 writer is suspected of storing one fixed posture for all frames).
        required_joints, required_links: names the caller needs.
        check_quat_order: refuse a ``root_quat`` array that looks wxyz.

    Raises:
        MotionFormatError: no h5 file, a multi-person file, a missing field or name, a bad shape, NaN, a
            non-unit or swapped quaternion, no usable fps, unknown contacts without ``robot_xml``.
    """
    import h5py

    folder = os.fspath(folder)
    data_path = _find(folder, data_pattern)
    if data_path is None:
        raise MotionFormatError(folder, data_pattern, "a motion file in the folder", "no such file")
    terrain_path = _find(folder, terrain_pattern)
    try:
        h5 = h5py.File(data_path, "r")
    except OSError as exc:
        raise MotionFormatError(data_path, "<file>", "an HDF5 file", f"an unreadable file ({exc})") from None
    with h5:
        if "root_pos" not in h5 and "persons" in h5:
            raise MotionFormatError(data_path, "root_pos", "a single-person file", "a multi-person file (persons/...)")
        for k in _DATASETS:
            d = require(data_path, h5, k)
            if isinstance(d, h5py.Dataset):
                check_declared_size(data_path, k, d.shape, d.dtype.itemsize)
        data: dict[str, object] = {k: np.asarray(require(data_path, h5, k)) for k in _DATASETS}
        for key in ("joint_names", "link_names"):
            value = _attr(h5.attrs, key)
            if value is None:
                raise MotionFormatError(data_path, key, f"a root attribute '/{key}' or '{key}'", f"{list(h5.attrs)}")
            data[key] = decode_names(data_path, key, value)
        file_fps = _attr(h5.attrs, "fps")
        contacts_group = h5["contacts"] if "contacts" in h5 and isinstance(h5["contacts"], h5py.Group) else None
        if contacts_group is not None:
            for k, v in contacts_group.items():
                if isinstance(v, h5py.Dataset):
                    check_declared_size(data_path, f"contacts/{k}", v.shape, v.dtype.itemsize)
        raw_contacts = {k: np.asarray(v) for k, v in contacts_group.items()} if contacts_group is not None else None
    if file_fps is not None:
        rate = check_fps(data_path, file_fps)
    else:
        rate = check_fps(data_path, _fps_from_folder(folder) or fps)
    joints = float_array(data_path, "joints", data["joints"], 2)
    data["joint_names"], data["joints"] = _with_waist(data["joint_names"], joints)  # type: ignore[arg-type]
    t = np.asarray(data["root_pos"]).shape[0]
    contacts, contact_source = None, "file"
    if raw_contacts is not None:
        contacts = contacts_from(data_path, raw_contacts, t, CONTACT_NAMES)
        if not any(c.any() for c in contacts.values()):
            contacts = None  # all zeros: the writer had no estimate (section 4), treated as unknown
    name = clip_name_of(folder)
    if (contacts is None or recompute_links) and robot_xml is None:
        what = "recompute link poses" if recompute_links else "derive contacts (the file has no estimate)"
        raise MotionFormatError(data_path, "robot_xml", f"a robot model to {what}", "robot_xml=None")
    placeholder = {n: np.zeros(t, bool) for n in CONTACT_NAMES}
    given = contacts if contacts is not None else placeholder
    clip = clip_from_seed_fields(data_path, name, data, rate, contacts=given, check_quat_order=check_quat_order)
    if contacts is None or recompute_links:
        clip = _fk_fill(clip, robot_xml, recompute_links, derive_contacts=contacts is None)  # type: ignore[arg-type]
        contact_source = clip.contact_source
    clip.contact_source = contact_source
    clip.terrain_path = terrain_path
    return check_required(clip, required_joints, required_links)


def clip_name_of(folder: str) -> str:
    """Clip name of a human-video folder: its last path component."""
    return os.path.basename(os.path.normpath(folder))


def _fk_fill(clip: MotionClip, robot_xml: str, recompute_links: bool, derive_contacts: bool) -> MotionClip:
    from legged_gym.motion.robot_kinematics import links_and_contacts

    names, pos, quat, contacts = links_and_contacts(
        clip.source, robot_xml, clip.joint_names, clip.joints, clip.root_pos, clip.root_quat, clip.fps
    )
    if recompute_links:
        clip.link_names, clip.link_pos, clip.link_quat = names, pos.astype(np.float32), quat.astype(np.float32)
    if derive_contacts:
        clip.contacts = contacts
        clip.contact_source = "derived"
    return clip.validate()

