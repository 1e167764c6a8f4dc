"""Builds the MuJoCo scene (robot + terrain + sensors) that every MuJoCo-based backend steps.

The CPU backend, the MuJoCo Warp backend and the sim2sim check all compile the same scene from the
same robot MJCF, so a policy sees the same physics in each.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from legged_gym.sim.base import SceneSpec
from legged_gym.sim.hfield import HeightField, add_hfield_geom
from legged_gym.sim.kinematics import KinematicTreeSpec
from legged_gym.sim.pd_control import position_actuator_params

TERRAIN_GEOM = "terrain"


@dataclass
class SceneLayout:
    """Indices into the compiled model that backends need."""

    joint_qpos_adr: np.ndarray  # (J,) qpos address of each policy joint
    joint_dof_adr: np.ndarray  # (J,) qvel address of each policy joint
    actuator_ids: np.ndarray  # (J,) actuator of each policy joint
    contact_sensor_adr: np.ndarray  # (C,) sensordata address of each contact body's net force (3 values)
    torque_sensor_adr: np.ndarray  # (J,) sensordata address of each joint's actuator force
    body_ids: np.ndarray  # (B,) model body ids of the kinematic tree (root first)
    mass_body_id: int
    terrain_geom_id: int


def add_terrain(spec: mujoco.MjSpec, heightfield: HeightField | None, friction: float) -> None:
    """Add a ground plane (``heightfield`` None) or a height field geom named ``terrain`` to the world."""
    if heightfield is None:
        spec.worldbody.add_geom(
            name=TERRAIN_GEOM, type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0.0, 0.0, 1.0], friction=[friction, 0.005, 0.0001]
        )
        return
    add_hfield_geom(spec, heightfield, friction, TERRAIN_GEOM)


def build_scene(spec_in: SceneSpec) -> tuple[mujoco.MjModel, SceneLayout]:
    """Compile the robot MJCF with terrain, PD gains and sensors for ``spec_in``.

    Raises:
        ValueError: when a joint, actuator or body named in the spec is not in the model.
    """
    spec = mujoco.MjSpec.from_file(spec_in.robot_xml)
    spec.option.timestep = spec_in.dt
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.iterations = spec_in.solver_iterations
    add_terrain(spec, spec_in.heightfield, spec_in.friction)
    joint_names = [j.name for j in spec.joints if j.type == mujoco.mjtJoint.mjJNT_HINGE]
    missing = [n for n in spec_in.joint_names if n not in joint_names]
    if missing:
        raise ValueError(f"{spec_in.robot_xml}: joints {missing} not in the model; it has {joint_names}")
    actuators = {a.target: a for a in spec.actuators}
    for name, kp, kd in zip(spec_in.joint_names, spec_in.kp, spec_in.kd):
        act = actuators.get(name)
        if act is None:
            raise ValueError(f"{spec_in.robot_xml}: no actuator drives joint '{name}'")
        act.gainprm[0], act.biasprm[1], act.biasprm[2] = position_actuator_params(float(kp), float(kd))
    body_names = [b.name for b in spec.bodies]
    for body in spec_in.contact_bodies + [spec_in.mass_body]:
        if body not in body_names:
            raise ValueError(f"{spec_in.robot_xml}: body '{body}' not in the model; it has {body_names[1:]}")
    for body in spec_in.contact_bodies:
        spec.add_sensor(
            name=f"contact_{body}",
            type=mujoco.mjtSensor.mjSENS_CONTACT,
            objtype=mujoco.mjtObj.mjOBJ_BODY,
            objname=body,
            reftype=mujoco.mjtObj.mjOBJ_GEOM,
            refname=TERRAIN_GEOM,  # ground reaction only: self-collisions are not counted
            intprm=[2, 3, 1],  # data=force, reduce=netforce, num=1
        )
    for name in spec_in.joint_names:
        spec.add_sensor(
            name=f"torque_{name}",
            type=mujoco.mjtSensor.mjSENS_ACTUATORFRC,
            objtype=mujoco.mjtObj.mjOBJ_ACTUATOR,
            objname=actuators[name].name,
        )
    model = spec.compile()
    return model, _layout(model, spec_in)


def _layout(model: mujoco.MjModel, spec_in: SceneSpec) -> SceneLayout:
    jid = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, n) for n in spec_in.joint_names]
    act_by_joint = {int(model.actuator_trnid[a, 0]): a for a in range(model.nu)}
    sensor_adr = lambda name: int(model.sensor_adr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SENSOR, name)])  # noqa: E731
    root = next(b for b in range(1, model.nbody) if model.body_parentid[b] == 0 and model.body_jntnum[b] > 0)
    tree = [b for b in range(1, model.nbody) if _is_descendant(model, b, root)]
    return SceneLayout(
        joint_qpos_adr=np.array([model.jnt_qposadr[j] for j in jid]),
        joint_dof_adr=np.array([model.jnt_dofadr[j] for j in jid]),
        actuator_ids=np.array([act_by_joint[j] for j in jid]),
        contact_sensor_adr=np.array([sensor_adr(f"contact_{b}") for b in spec_in.contact_bodies], dtype=np.int64),
        torque_sensor_adr=np.array([sensor_adr(f"torque_{n}") for n in spec_in.joint_names], dtype=np.int64),
        body_ids=np.array(tree),
        mass_body_id=mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, spec_in.mass_body),
        terrain_geom_id=mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, TERRAIN_GEOM),
    )


def _is_descendant(model: mujoco.MjModel, body: int, root: int) -> bool:
    while body > 0:
        if body == root:
            return True
        body = int(model.body_parentid[body])
    return False


def kinematic_tree(model: mujoco.MjModel, layout: SceneLayout) -> KinematicTreeSpec:
    """Describe the floating robot's body tree for :class:`~legged_gym.sim.kinematics.ForwardKinematics`."""
    ids = [int(b) for b in layout.body_ids]
    index = {b: i for i, b in enumerate(ids)}
    policy_dof = {int(adr): i for i, adr in enumerate(layout.joint_qpos_adr)}
    parent, dof, axis, anchor = [], [], [], []
    for b in ids:
        parent.append(index.get(int(model.body_parentid[b]), -1))
        j = int(model.body_jntadr[b]) if model.body_jntnum[b] == 1 else -1
        if j >= 0 and model.jnt_type[j] == mujoco.mjtJoint.mjJNT_HINGE:
            dof.append(policy_dof.get(int(model.jnt_qposadr[j]), -1))
            axis.append(model.jnt_axis[j].copy())
            anchor.append(model.jnt_pos[j].copy())
        else:
            if model.body_jntnum[b] > 1 or (j >= 0 and b != ids[0]):
                raise ValueError(f"body {mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, b)}: unsupported joints")
            dof.append(-1)
            axis.append(np.array([0.0, 0.0, 1.0]))
            anchor.append(np.zeros(3))
    return KinematicTreeSpec(
        body_names=[mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, b) for b in ids],
        parent=np.array(parent),
        pos=model.body_pos[ids].copy(),
        quat=model.body_quat[ids].copy(),
        joint_dof=np.array(dof),
        joint_axis=np.array(axis),
        joint_anchor=np.array(anchor),
    )
