"""Run an exported policy in plain MuJoCo: policy runtime, action processing and the PD law.

Per control step (every ``decimation`` physics steps): observations from :class:`ObservationBuilder`,
``raw = policy(obs)``, ``a = clip(raw, ±clip_actions)``, ``a = beta * a + (1 - beta) * a_prev`` (EMA,
skipped when beta >= 1), ``target = default_joint_pos + action_scale * a``; ``a`` is the ``actions``
term of the next observation. This is the training environment's ``step`` order.

PD law, two documented modes:

- ``position`` (default, the faithful one): the robot's MuJoCo position actuators get the contract's
  gains (``gain = kp``, ``bias = [0, -kp, -kd]``, force range ``±effort_limits``), so MuJoCo applies
  ``tau = clip(kp * (target - q) - kd * qd, ±effort)`` at every physics step with the damping term
  integrated implicitly by ``implicitfast`` -- exactly how the training backend builds its scene.
- ``explicit``: the actuators become motors (``ctrl`` = torque, same force range) and the controller
  writes ``tau = clip(kp * (target - q) - kd * qd, ±effort)`` into ``data.ctrl`` before every physics
  step (what a real robot's joint driver does; the damping is then explicit, so very small ``kd``/large
  ``sim_dt`` behave slightly differently from training).
"""

from __future__ import annotations

import os
from typing import Any

import mujoco
import numpy as np

from legged_gym.deploy.contract import ContractError, PolicyContract
from legged_gym.deploy.observations import ControllerState, ObservationBuilder
from legged_gym.deploy.terms import TERMS
from legged_gym.sim.hfield import add_hfield_geom

__all__ = ["Controller", "PD_MODES", "PolicyRuntime", "build_model"]

PD_MODES = ("position", "explicit")
GROUND_GEOM = "ground"


def build_model(
    robot_xml: str,
    contract: PolicyContract,
    sim_dt: float,
    pd_mode: str = "position",
    solver_iterations: int = 10,
    friction: float = 1.0,
    heightfield: Any = None,
) -> tuple[mujoco.MjModel, np.ndarray]:
    """Compile ``robot_xml`` with a ground plane, the training integrator and the contract's PD gains.

    With ``heightfield`` (a :class:`legged_gym.sim.hfield.HeightField`) the ground is that height field,
    added exactly as the training scene adds it (geom ``terrain``) instead of the plane.

    Solver iterations (10) and ground friction (1.0) are the training defaults (``SimCfg``, ``SceneSpec``).
    Returns the model and the actuator id of each contract joint.

    Raises:
        FileNotFoundError: ``robot_xml`` does not exist.
        ContractError: a contract joint has no actuator, or ``pd_mode`` is unknown.
    """
    if pd_mode not in PD_MODES:
        raise ContractError(f"--pd must be one of {PD_MODES}, got {pd_mode!r}")
    if not os.path.exists(robot_xml):
        raise FileNotFoundError(f"--robot {robot_xml}: no such MJCF file")
    spec = mujoco.MjSpec.from_file(robot_xml)
    spec.option.timestep = sim_dt
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.iterations = solver_iterations
    if heightfield is not None:
        geom = add_hfield_geom(spec, heightfield, friction, "terrain")  # as the training scene adds it
        geom.rgba = [0.55, 0.6, 0.65, 1.0]
    else:
        spec.worldbody.add_geom(
            name=GROUND_GEOM, type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0.0, 0.0, 1.0],
            friction=[friction, 0.005, 0.0001], rgba=[0.55, 0.6, 0.65, 1.0],
        )
    spec.worldbody.add_light(pos=[0.0, 0.0, 4.0], dir=[0.0, 0.0, -1.0], diffuse=[0.8, 0.8, 0.8])
    by_joint = {a.target: a for a in spec.actuators}
    missing = [j for j in contract.joint_names if j not in by_joint]
    if missing:
        raise ContractError(f"{contract.path}: joints {missing} have no actuator in {robot_xml}")
    for name, kp, kd, effort in zip(contract.joint_names, contract.kp, contract.kd, contract.effort_limits):
        act = by_joint[name]
        act.gainprm[0] = kp if pd_mode == "position" else 1.0
        act.biasprm[0] = 0.0
        act.biasprm[1] = -kp if pd_mode == "position" else 0.0
        act.biasprm[2] = -kd if pd_mode == "position" else 0.0
        act.forcelimited = True
        act.forcerange = [-effort, effort]
        act.ctrllimited = False
    model = spec.compile()
    ids = np.array([mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_ACTUATOR, by_joint[j].name) for j in contract.joint_names])
    return model, ids


class PolicyRuntime:
    """The exported policy: ONNX through onnxruntime (default) or TorchScript through torch."""

    def __init__(self, contract: PolicyContract, backend: str = "onnx", path: str | None = None) -> None:
        self.contract = contract
        self.backend = backend
        path = path or contract.file(backend)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: exported {backend} policy not found (named in {contract.path})")
        if backend == "onnx":
            import onnxruntime as ort

            try:
                self._sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types: one line naming the file
                raise ContractError(f"{path}: not a loadable ONNX model ({str(exc).splitlines()[0][:200]})") from None
            names = [i.name for i in self._sess.get_inputs()]
            if set(names) != set(contract.input_names):
                raise ContractError(f"{path}: ONNX inputs {names} differ from policy.json inputs {contract.input_names}")
        elif backend == "torchscript":
            import torch

            self._torch = torch
            try:
                self._module = torch.jit.load(path, map_location="cpu").eval()
            except Exception as exc:  # noqa: BLE001 - torch raises RuntimeError for any non-TorchScript file
                raise ContractError(f"{path}: not a TorchScript policy ({str(exc).splitlines()[0][:200]}); "
                                    "export it with export.py") from None
        else:
            raise ContractError(f"--backend must be 'onnx' or 'torchscript', got {backend!r}")

    def __call__(self, obs: dict[str, np.ndarray]) -> np.ndarray:
        """Action mean (num_actions,) for one observation dict (no batch dimension)."""
        feeds = {k: np.asarray(obs[k], dtype=np.float32)[None] for k in self.contract.input_names}
        if self.backend == "onnx":
            out = self._sess.run(None, feeds)[0]
        else:
            with self._torch.inference_mode():
                out = self._module({k: self._torch.from_numpy(v) for k, v in feeds.items()}).numpy()
        return np.asarray(out[0], dtype=np.float64)


class Controller:
    """Observation -> policy -> processed action -> PD targets, stepping ``MjData`` at the physics rate."""

    def __init__(
        self,
        contract: PolicyContract,
        model: mujoco.MjModel,
        actuator_ids: np.ndarray,
        policy: PolicyRuntime | Any,
        pd_mode: str = "position",
        decimation: int | None = None,
    ) -> None:
        self.contract = contract
        self.model = model
        self.actuator_ids = actuator_ids
        self.policy = policy
        self.pd_mode = pd_mode
        self.decimation = decimation or contract.decimation
        self.control_dt = self.decimation * float(model.opt.timestep)
        self.builder = ObservationBuilder(contract, model, TERMS)
        self.state = ControllerState(last_action=np.zeros(contract.num_actions))
        self.target = contract.default_joint_pos.copy()
        self.last_obs: dict[str, np.ndarray] = {}

    def reset(self) -> None:
        """New episode: zero action, time 0, histories refilled from the next frame, targets at the default pose."""
        self.state.last_action = np.zeros(self.contract.num_actions)
        self.state.time = 0.0
        self.builder.reset()
        self.target = self.contract.default_joint_pos.copy()

    def observe(self, data: mujoco.MjData) -> dict[str, np.ndarray]:
        """The policy's observations for the current state (advances the histories)."""
        self.last_obs = self.builder.compute(data, self.state)
        return self.last_obs

    def apply_action(self, raw: np.ndarray) -> np.ndarray:
        """Clip, EMA and PD target of a raw policy output; returns the applied action."""
        c = self.contract
        a = np.clip(np.asarray(raw, dtype=np.float64), -c.clip_actions, c.clip_actions)
        beta = c.action_ema_beta
        if beta < 1.0:
            a = beta * a + (1.0 - beta) * self.state.last_action
        self.state.last_action = a
        self.target = c.default_joint_pos + c.action_scale * a
        return a

    def physics_step(self, data: mujoco.MjData) -> None:
        """One physics step under the PD law of ``pd_mode``."""
        if self.pd_mode == "position":
            data.ctrl[self.actuator_ids] = self.target
        else:
            c = self.contract
            q, qd = self.builder.dof_pos(data), self.builder.dof_vel(data)
            tau = c.kp * (self.target - q) - c.kd * qd
            data.ctrl[self.actuator_ids] = np.clip(tau, -c.effort_limits, c.effort_limits)
        mujoco.mj_step(self.model, data)

    def step(self, data: mujoco.MjData) -> np.ndarray:
        """One control step: observe, run the policy, apply the action for ``decimation`` physics steps."""
        obs = self.observe(data)
        action = self.apply_action(self.policy(obs))
        for _ in range(self.decimation):
            self.physics_step(data)
        self.state.time += self.control_dt
        return action
