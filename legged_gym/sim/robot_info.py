"""Facts read from a robot's MJCF file (joint and body names) without building a scene."""

from __future__ import annotations

import functools

import mujoco


@functools.lru_cache(maxsize=8)
def _model(path: str) -> mujoco.MjModel:
    try:
        return mujoco.MjModel.from_xml_path(path)
    except ValueError as exc:
        raise ValueError(f"cannot load robot model {path}: {exc}") from None


def actuated_joint_names(path: str) -> list[str]:
    """Joints driven by the model's actuators, in actuator order (the policy's action order)."""
    m = _model(path)
    names = []
    for a in range(m.nu):
        if m.actuator_trntype[a] != mujoco.mjtTrn.mjTRN_JOINT:
            raise ValueError(f"{path}: actuator {a} does not drive a joint")
        names.append(mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_JOINT, int(m.actuator_trnid[a, 0])))
    if not names:
        raise ValueError(f"{path}: the model has no actuators")
    return names


def body_names(path: str) -> list[str]:
    """All body names of the model except the world body."""
    m = _model(path)
    return [mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, b) for b in range(1, m.nbody)]


def kinematic_tree_spec(path: str):  # noqa: ANN201 - KinematicTreeSpec
    """The robot's body tree (root first) for :class:`~legged_gym.sim.kinematics.ForwardKinematics`.

    Joint indices in the spec follow :func:`actuated_joint_names`.
    """
    from legged_gym.sim.base import SceneSpec
    from legged_gym.sim.mujoco_scene import build_scene, kinematic_tree

    joints = actuated_joint_names(path)
    spec = SceneSpec(robot_xml=path, num_envs=1, dt=0.005, decimation=1, joint_names=joints,
                     kp=[0.0] * len(joints), kd=[0.0] * len(joints))
    model, layout = build_scene(spec)
    return kinematic_tree(model, layout)
