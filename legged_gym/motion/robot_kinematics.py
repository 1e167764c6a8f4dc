"""Link poses of joint-only clips: forward kinematics on our robot model, by joint name.

Wraps :class:`legged_gym.sim.kinematics.ForwardKinematics` with the body tree read from the robot's MJCF
(:func:`legged_gym.sim.robot_info.kinematic_tree_spec`). Clips name their joints; this module maps them onto the
model's joints by name, and joints the clip lacks (or the model has and the clip does not) are handled
explicitly rather than by column position.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from legged_gym.motion.clip import MotionFormatError

# Sole of the G1 foot, in the ankle-roll link frame: the bottom face of the foot box in
# resources/robots/g1/g1_23dof.xml (geom left_foot/right_foot: pos (0.04, 0, -0.029), half sizes (0.09, 0.03, 0.008)).
# tests/motion/test_contacts.py checks these numbers against the model file.
G1_SOLE_CORNERS = np.array(
    [[-0.05, -0.03, -0.037], [-0.05, 0.03, -0.037], [0.13, -0.03, -0.037], [0.13, 0.03, -0.037]]
)
G1_FOOT_LINKS = {"left_foot": "left_ankle_roll_link", "right_foot": "right_ankle_roll_link"}


class RobotKinematics:
    """Forward kinematics of every body of a robot MJCF, driven by named joint angles.

    Attributes:
        xml: path of the robot file.
        joint_names: the model's actuated joints, in actuator order.
        body_names: all bodies except the world body, root first.
    """

    def __init__(self, xml: str) -> None:
        # imported here: legged_gym.sim pulls in the engine, which only the FK path needs
        from legged_gym.sim.kinematics import ForwardKinematics
        from legged_gym.sim.robot_info import actuated_joint_names, kinematic_tree_spec

        self.xml = os.fspath(xml)
        if not os.path.isfile(self.xml):
            raise FileNotFoundError(f"robot model not found: {self.xml}")
        self.joint_names = list(actuated_joint_names(self.xml))
        self.spec = kinematic_tree_spec(self.xml)
        self.body_names = list(self.spec.body_names)
        self._fk = ForwardKinematics(self.spec, len(self.joint_names))

    def joints_to_model(
        self, source: str, names: list[str], joints: np.ndarray, fill_missing: bool = False
    ) -> np.ndarray:
        """Reorder (T, J) clip joints named ``names`` into the model's joint order (T, M).

        Joints the model has and the clip lacks raise MotionFormatError, or are set to 0 with ``fill_missing``.
        Clip joints the model lacks (e.g. wrists of a 29-DoF clip on the 23-DoF model) are ignored.
        """
        index = {n: i for i, n in enumerate(names)}
        missing = [n for n in self.joint_names if n not in index]
        if missing and not fill_missing:
            raise MotionFormatError(source, "joint_names", f"every joint of {self.xml}", f"no column for {missing}")
        out = np.zeros((joints.shape[0], len(self.joint_names)), dtype=np.float64)
        for m, n in enumerate(self.joint_names):
            if n in index:
                out[:, m] = joints[:, index[n]]
        return out

    def body_poses(
        self, root_pos: np.ndarray, root_quat: np.ndarray, model_joints: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """World positions (T, B, 3) and wxyz orientations (T, B, 4) of :attr:`body_names`.

        Args:
            root_pos: (T, 3) pelvis position [m].
            root_quat: (T, 4) pelvis orientation, wxyz.
            model_joints: (T, M) joint angles in :attr:`joint_names` order [rad].
        """
        out = self._fk.compute(
            np.asarray(root_pos, np.float64), np.asarray(root_quat, np.float64), np.asarray(model_joints, np.float64)
        )
        return out["pos"], out["quat"]


@functools.lru_cache(maxsize=4)
def robot_kinematics(xml: str) -> RobotKinematics:
    """A cached :class:`RobotKinematics` for ``xml``."""
    return RobotKinematics(xml)


def links_and_contacts(
    source: str,
    robot_xml: str,
    joint_names: list[str],
    joints: np.ndarray,
    root_pos: np.ndarray,
    root_quat: np.ndarray,
    fps: float,
    foot_links: dict[str, str] | None = None,
    sole_corners: np.ndarray = G1_SOLE_CORNERS,
) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Poses of every body of ``robot_xml`` and derived foot contacts for a joint-only clip.

    Joints are matched to the model by name; every model joint must be present (missing ones raise
    MotionFormatError naming ``source``). Contacts follow :func:`legged_gym.motion.contacts.derive_foot_contacts`.

    Args:
        source: file the clip came from (for errors).
        robot_xml: robot MJCF.
        joint_names, joints: the clip's joint names and (T, J) angles [rad].
        root_pos, root_quat: (T, 3) [m] and (T, 4) wxyz pelvis pose.
        fps: clip rate [Hz].
        foot_links: contact name -> foot body name (default: the G1 ankle-roll links).
        sole_corners: (K, 3) sole points in the foot body frame.

    Returns:
        (body names, link_pos (T, B, 3), link_quat (T, B, 4) wxyz, contacts name -> (T,) bool).
    """
    from legged_gym.motion.contacts import derive_foot_contacts

    kin = robot_kinematics(os.fspath(robot_xml))
    model_joints = kin.joints_to_model(source, list(joint_names), np.asarray(joints))
    pos, quat = kin.body_poses(root_pos, root_quat, model_joints)
    foot_links = dict(G1_FOOT_LINKS if foot_links is None else foot_links)
    missing = [b for b in foot_links.values() if b not in kin.body_names]
    if missing:
        raise MotionFormatError(source, "link_names", f"foot bodies {missing} in {kin.xml}", f"bodies {kin.body_names}")
    feet = {c: (pos[:, kin.body_names.index(b)], quat[:, kin.body_names.index(b)]) for c, b in foot_links.items()}
    contacts, _, _ = derive_foot_contacts(feet, fps, sole_corners)
    return list(kin.body_names), pos, quat, contacts
