"""Reader for BeyondMimic / mjlab tracking npz files (motion_formats.md section 7).

Keys: ``fps`` (shape (1,) or scalar), ``joint_pos`` (T, J) [rad], ``joint_vel``, ``body_pos_w`` (T, B, 3) [m,
world], ``body_quat_w`` (T, B, 4) **wxyz**, ``body_lin_vel_w``, ``body_ang_vel_w``. The writers store no names:
the joint and body axes follow the writing simulator's order (BeyondMimic/Isaac Lab: breadth-first; mjlab:
depth-first), and reading one as the other maps every target onto the wrong body. Files that do carry
``joint_names`` / ``body_names`` arrays are matched by those names.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence

import numpy as np

from legged_gym.motion.clip import MotionClip, MotionFormatError, check_fps, check_unit_quat
from legged_gym.motion.formats.common import (
    check_declared_size,
    decode_names,
    finish_derived_clip,
    float_array,
    require,
)
from legged_gym.motion.formats.g1_names import DEFAULT_ORDERS
from legged_gym.motion.quat_order import root_quat_to_wxyz
from legged_gym.motion.robot_kinematics import links_and_contacts, robot_kinematics

# body 3 is waist_yaw_link (on the pelvis origin) in BFS order, left_hip_yaw_link (0.16-0.30 m away) in DFS order
_BODY3_BFS_MAX = 0.02  # [m]
_BODY3_DFS_MIN = 0.10  # [m]


def _check_body_order(source: str, body_pos: np.ndarray, order: str) -> None:
    """Refuse a 30-body array whose geometry contradicts the assumed default order (section 7 test)."""
    if body_pos.shape[1] != 30:
        return
    d = float(np.median(np.linalg.norm(body_pos[:, 3] - body_pos[:, 0], axis=-1)))
    looks = "bfs" if d < _BODY3_BFS_MAX else "dfs" if d > _BODY3_DFS_MIN else None
    if looks is not None and looks != order:
        raise MotionFormatError(
            source, "body_pos_w", f"bodies in {order.upper()} order (default_order='{order}')",
            f"a layout that looks {looks.upper()} (median |body3 - body0| = {d:.3f} m); pass default_order='{looks}'",
        )


def read_mjlab_npz(
    path: str | os.PathLike,
    robot_xml: str,
    default_order: str = "bfs",
    link_source: str = "fk",
    required_joints: Sequence[str] | None = None,
    required_links: Sequence[str] | None = None,
    check_quat_order: bool = True,
) -> MotionClip:
    """Read a BeyondMimic/mjlab npz onto the robot ``robot_xml``, matching joints and bodies by name.

    Names: the file's ``joint_names`` and ``body_names`` arrays when present. Otherwise the documented default
    order of the 29-DoF G1 named by ``default_order``: ``"bfs"`` (BeyondMimic, Isaac Lab's breadth-first order,
    motion_formats.md section 1.3; the default) or ``"dfs"`` (mjlab, depth-first, section 1.2). With default
    names the 30-body layout is checked against the order (body 3 sits on the pelvis only in BFS) and a
    mismatch is refused.

    Root pose: the ``pelvis`` body. Joints: the model's actuated joints by name (wrist joints dropped).
    Links: ``link_source="fk"`` (default) recomputes every model body by forward kinematics (wrists at 0, our
    torso geometry); ``"file"`` keeps the file's bodies under their names. Contacts are always derived from FK.

    Raises:
        MotionFormatError: a missing key or name, bad shapes, NaN, non-unit or swapped quaternions, a bad
            ``fps``, a body layout that contradicts ``default_order``, an unknown ``default_order``/``link_source``.
    """
    source = os.fspath(path)
    if default_order not in DEFAULT_ORDERS:
        raise MotionFormatError(source, "default_order", f"one of {sorted(DEFAULT_ORDERS)}", repr(default_order))
    if link_source not in ("fk", "file"):
        raise MotionFormatError(source, "link_source", "'fk' or 'file'", repr(link_source))
    try:
        with np.load(source, allow_pickle=False) as npz:
            for k in npz.files:  # the header's shape, before the (possibly compressed) data is inflated
                with npz.zip.open(k + ".npy") as member:
                    version = np.lib.format.read_magic(member)
                    header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                        np.lib.format.read_array_header_2_0
                    shape, _, dtype = header(member)
                check_declared_size(source, k, shape, np.dtype(dtype).itemsize)
            data = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        what = "an empty file" if os.path.getsize(source) == 0 else f"an unreadable file ({exc})"
        raise MotionFormatError(source, "<file>", "an npz archive of plain arrays", what) from None
    rate = check_fps(source, data.get("fps"))
    joint_pos = float_array(source, "joint_pos", require(source, data, "joint_pos"), 2)
    body_pos = float_array(source, "body_pos_w", require(source, data, "body_pos_w"), 3, (3,))
    body_quat = float_array(source, "body_quat_w", require(source, data, "body_quat_w"), 3, (4,))
    t = joint_pos.shape[0]
    if body_pos.shape[0] != t or body_quat.shape[:2] != body_pos.shape[:2]:
        raise MotionFormatError(
            source, "body_pos_w/body_quat_w", f"({t}, B, 3) and ({t}, B, 4)", f"{body_pos.shape} and {body_quat.shape}"
        )
    default_joints, default_bodies = DEFAULT_ORDERS[default_order]
    if "joint_names" in data:
        joint_names = decode_names(source, "joint_names", data["joint_names"])
    else:
        joint_names = default_joints
    if "body_names" in data:
        body_names = decode_names(source, "body_names", data["body_names"])
    else:
        body_names = default_bodies
        _check_body_order(source, body_pos, default_order)
    if len(joint_names) != joint_pos.shape[1]:
        want = f"{len(joint_names)} columns (one per joint name)"
        raise MotionFormatError(source, "joint_pos", want, f"shape {joint_pos.shape}")
    if len(body_names) != body_pos.shape[1]:
        want = f"{len(body_names)} bodies (one per body name)"
        raise MotionFormatError(source, "body_pos_w", want, f"shape {body_pos.shape}")
    if "pelvis" not in body_names:
        raise MotionFormatError(source, "body_names", "a 'pelvis' body (the root)", f"{body_names}")
    root = body_names.index("pelvis")
    check_unit_quat(source, "body_quat_w", body_quat)
    root_quat = root_quat_to_wxyz(source, "body_quat_w[:, pelvis]", body_quat[:, root], "wxyz", check=check_quat_order)
    kin = robot_kinematics(os.fspath(robot_xml))
    joints = kin.joints_to_model(source, [n if n.endswith("_joint") else n + "_joint" for n in joint_names], joint_pos)
    root_pos = body_pos[:, root]
    fk_names, fk_pos, fk_quat, contacts = links_and_contacts(
        source, robot_xml, kin.joint_names, joints, root_pos, root_quat, rate
    )
    if link_source == "fk":
        link_names, link_pos, link_quat = fk_names, fk_pos, fk_quat
    else:
        link_names, link_pos, link_quat = body_names, body_pos, body_quat
    return finish_derived_clip(source, rate, kin.joint_names, joints, root_pos, root_quat,
                               (link_names, link_pos, link_quat), contacts, required_joints, required_links)
