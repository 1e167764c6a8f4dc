"""Reader for Unitree's LAFAN1 G1 retargeting CSVs (motion_formats.md section 5).

Plain text, comma-separated, no header, one row per frame, 36 columns: root position xyz [m] (0-2), root
quaternion **xyzw** (3-6), 29 joint angles [rad] in the G1's depth-first order (7-35). No rate is stored (30 fps
for the LAFAN set), no link poses and no contacts: links come from forward kinematics on our robot model and
contacts are derived (:mod:`legged_gym.motion.contacts`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np

from legged_gym.motion.clip import MotionClip, MotionFormatError, check_fps, check_unit_quat
from legged_gym.motion.formats.common import finish_derived_clip, float_array
from legged_gym.motion.formats.g1_names import G1_29_DFS_JOINTS
from legged_gym.motion.quat_order import root_quat_to_wxyz
from legged_gym.motion.robot_kinematics import links_and_contacts, robot_kinematics

NUM_COLUMNS = 7 + len(G1_29_DFS_JOINTS)  # 36


def read_unitree_csv(
    path: str | os.PathLike,
    robot_xml: str,
    fps: float = 30.0,
    required_joints: Sequence[str] | None = None,
    required_links: Sequence[str] | None = None,
    check_quat_order: bool = True,
) -> MotionClip:
    """Read a 36-column Unitree G1 CSV onto the robot ``robot_xml``.

    The clip's joints are the model's actuated joints in model order, taken from the CSV by name; the six wrist
    joints of the 29-DoF data are dropped (the 23-DoF model has them locked at 0). Link poses are those of every
    body of the model by forward kinematics (wrists at 0); contacts are derived (``contact_source="derived"``).

    Args:
        path: the CSV file.
        robot_xml: robot MJCF whose joints must all be among the CSV's 29 joints.
        fps: the file's rate [Hz] (not stored in the file; 30 for the LAFAN set).
        required_joints, required_links: names the caller needs.
        check_quat_order: refuse root quaternions that look wxyz (:mod:`legged_gym.motion.quat_order`).

    Raises:
        MotionFormatError: unreadable text, a column count other than 36, NaN, non-unit or swapped quaternions,
            a bad fps, a model joint the CSV lacks.
    """
    source = os.fspath(path)
    rate = check_fps(source, fps)
    if os.path.getsize(source) == 0:
        raise MotionFormatError(source, "<rows>", "at least one frame", "an empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": reported below
            table = np.loadtxt(source, delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise MotionFormatError(source, "<rows>", f"{NUM_COLUMNS} numeric comma-separated columns", f"{exc}") from None
    if table.shape[0] == 0:
        raise MotionFormatError(source, "<rows>", "at least one frame", "no data rows")
    if table.shape[1] != NUM_COLUMNS:
        raise MotionFormatError(
            source, "<columns>", f"{NUM_COLUMNS} columns (root xyz, root quat xyzw, {len(G1_29_DFS_JOINTS)} joints)",
            f"{table.shape[1]} columns",
        )
    if table.shape[0] < 1:
        raise MotionFormatError(source, "<rows>", "at least one frame", "an empty file")
    float_array(source, "<values>", table, 2)
    root_pos = table[:, 0:3]
    check_unit_quat(source, "root_quat (columns 3-6)", table[:, 3:7])
    root_quat = root_quat_to_wxyz(source, "root_quat (columns 3-6)", table[:, 3:7], "xyzw", check=check_quat_order)
    kin = robot_kinematics(os.fspath(robot_xml))
    joints = kin.joints_to_model(source, G1_29_DFS_JOINTS, table[:, 7:])
    link_names, link_pos, link_quat, contacts = links_and_contacts(
        source, robot_xml, kin.joint_names, joints, root_pos, root_quat, rate
    )
    return finish_derived_clip(source, rate, kin.joint_names, joints, root_pos, root_quat,
                               (link_names, link_pos, link_quat), contacts, required_joints, required_links)
