"""Running an exported policy in plain MuJoCo: initial state, the control loop, falls, tracking errors, video."""

from __future__ import annotations

from typing import Any

import mujoco
import numpy as np

from legged_gym.deploy.contract import ContractError, PolicyContract, load_contract, resolve_model_path
from legged_gym.deploy.controller import Controller, PolicyRuntime, build_model
from legged_gym.deploy.gait import GaitStats
from legged_gym.deploy.render import follow_camera, make_renderer, write_video
from legged_gym.deploy.rotations import quat_rotate_inverse
from legged_gym.deploy.tracking import tracking_spec

FALL_HEIGHT = 0.5  # [m] pelvis height below which the robot counts as fallen
FALL_TILT = 1.0  # [rad] tilt of the base z axis from vertical above which the robot counts as fallen


def cycle_mean_errors(values: np.ndarray, target: np.ndarray, steps_per_cycle: int) -> float:
    """Mean over whole gait cycles of ``|cycle mean of values - target|`` (a trailing part cycle is left out).

    ``values`` (n, k) are per-step velocities, ``target`` (k,) the command: the tracking error without the sway
    within each step that the per-step error ``mean |v - cmd|`` also counts. NaN when no whole cycle was recorded.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    cycles = len(values) // max(int(steps_per_cycle), 1)
    if cycles == 0:
        return float("nan")
    means = values[: cycles * steps_per_cycle].reshape(cycles, steps_per_cycle, -1).mean(axis=1)
    return float(np.mean(np.linalg.norm(means - np.asarray(target, dtype=np.float64).reshape(1, -1), axis=1)))


def hold_joints(model: mujoco.MjModel, data: mujoco.MjData, contract: PolicyContract) -> None:
    """PD-hold the contract's ``held_joints`` at their default angles (position actuators with the contract's gains).

    Training holds the joints the policy does not drive the same way; the controller never writes their
    ``ctrl``, so the targets set here stay. Also sets their angles to the default (call before ``mj_forward``).

    Raises:
        ContractError: a held joint has no actuator in the model.
    """
    held = contract.held
    if held is None:
        return
    act_of = {int(model.actuator_trnid[a, 0]): a for a in range(model.nu)}
    for name, q0, kp, kd, effort in zip(held.joint_names, held.default_joint_pos, held.kp, held.kd, held.effort_limits):
        jid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name)
        if jid < 0 or jid not in act_of:
            raise ContractError(f"{contract.path}: env.held_joints names '{name}', which is not an actuated joint of the model")
        a = act_of[jid]
        model.actuator_gainprm[a, 0] = kp
        model.actuator_biasprm[a, :3] = [0.0, -kp, -kd]
        model.actuator_forcelimited[a] = 1
        model.actuator_forcerange[a] = [-effort, effort]
        model.actuator_ctrllimited[a] = 0
        data.ctrl[a] = q0
        data.qpos[model.jnt_qposadr[jid]] = q0


def initial_state(model: mujoco.MjModel, data: mujoco.MjData, ctrl: Controller) -> None:
    """The 'default' keyframe when the MJCF has one, then the contract's default joint pose (policy and held
    joints), at rest."""
    key = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_KEY, "default")
    if key >= 0:
        mujoco.mj_resetDataKeyframe(model, data, key)
    else:
        mujoco.mj_resetData(model, data)
        data.qpos[ctrl.builder.root_qpos + 2] = 0.8
    data.qpos[ctrl.builder.qpos_adr] = ctrl.contract.default_joint_pos
    hold_joints(model, data, ctrl.contract)
    data.qvel[:] = 0.0
    mujoco.mj_forward(model, data)


def fallen(data: mujoco.MjData, builder: Any) -> bool:
    """Whether the robot counts as fallen: pelvis below ``FALL_HEIGHT`` or base tilted more than ``FALL_TILT``."""
    gravity = quat_rotate_inverse(builder.root_quat(data), np.array([0.0, 0.0, -1.0]))
    tilt = float(np.arccos(np.clip(-gravity[2], -1.0, 1.0)))
    return bool(data.qpos[builder.root_qpos + 2] < FALL_HEIGHT or tilt > FALL_TILT)


def control_rates(contract: PolicyContract, sim_dt: float | None, decimation: int | None, allow: bool
                  ) -> tuple[float, int]:
    """``(sim_dt, decimation)`` from the flags (or the contract's); ``ValueError`` when their product is not the
    policy's control step and ``allow`` is False."""
    sim_dt = sim_dt or contract.sim_dt
    decimation = decimation or (contract.decimation if sim_dt == contract.sim_dt else round(contract.control_dt / sim_dt))
    if sim_dt <= 0 or decimation < 1:
        raise ValueError(f"--sim_dt must be > 0 and --decimation >= 1, got {sim_dt} and {decimation}")
    if abs(sim_dt * decimation - contract.control_dt) > 1e-9 and not allow:
        raise ValueError(
            f"--sim_dt {sim_dt} x --decimation {decimation} = {sim_dt * decimation:g} s but the policy was trained at "
            f"control_dt {contract.control_dt:g} s ({contract.path}); pass --allow_rate_change to run anyway"
        )
    return sim_dt, decimation


def run_sim2sim(args: Any) -> dict[str, float]:
    """Run the policy for ``--duration`` seconds; prints and returns the falls and tracking errors."""
    x = args.extra
    if not x.get("load_model"):
        raise ValueError("--load_model is required (an exported folder, policy.json, policy.onnx or policy.pt)")
    json_path, implied = resolve_model_path(x["load_model"])
    contract = load_contract(json_path)
    backend = x.get("backend") or implied or "onnx"
    sim_dt, decimation = control_rates(contract, x.get("sim_dt"), x.get("decimation"), x.get("allow_rate_change", False))
    spec = tracking_spec(contract)
    if spec is not None or x.get("motion"):  # a motion-tracking policy: play clips (deploy.tracking_episode)
        from legged_gym.deploy.tracking_episode import run_tracking

        return run_tracking(x, contract, spec, backend, x["load_model"] if implied else None, sim_dt, decimation)
    model, act_ids = build_model(x["robot"], contract, sim_dt, pd_mode=x.get("pd", "position"))
    policy = PolicyRuntime(contract, backend, x["load_model"] if implied else None)
    ctrl = Controller(contract, model, act_ids, policy, pd_mode=x.get("pd", "position"), decimation=decimation)
    data = mujoco.MjData(model)
    cmd = np.array(x["cmd"], dtype=np.float64)
    renderer, frames = make_renderer(model, x.get("render")), []
    initial_state(model, data, ctrl)
    ctrl.reset()
    ctrl.state.commands = cmd
    n = max(1, int(round(x["duration"] / ctrl.control_dt)))
    lin_err, yaw_err, vx, vy, wz, falls, first_fall = [], [], [], [], [], 0, None
    b = ctrl.builder
    start_xy, distance = data.qpos[b.root_qpos : b.root_qpos + 2].copy(), 0.0
    gait = GaitStats(model, contract.feet_body_names, ctrl.control_dt) if contract.feet_body_names else None
    for i in range(n):
        ctrl.step(data)
        quat = b.root_quat(data).copy()
        if fallen(data, b):
            distance += float(np.linalg.norm(data.qpos[b.root_qpos : b.root_qpos + 2] - start_xy))
            falls += 1
            first_fall = (i + 1) * ctrl.control_dt if first_fall is None else first_fall
            initial_state(model, data, ctrl)
            ctrl.reset()
            start_xy = data.qpos[b.root_qpos : b.root_qpos + 2].copy()
            if gait is not None:
                gait.reset()
            continue
        if gait is not None:
            gait.update(data)
        w, qx, qy, qz = quat
        yaw = np.arctan2(2 * (w * qz + qx * qy), 1 - 2 * (qy * qy + qz * qz))
        v = data.qvel[b.root_qvel : b.root_qvel + 2]
        c, s = np.cos(yaw), np.sin(yaw)
        v_heading = np.array([c * v[0] + s * v[1], -s * v[0] + c * v[1]])
        w_world = data.xmat[model.jnt_bodyid[0]].reshape(3, 3) @ data.qvel[b.root_qvel + 3 : b.root_qvel + 6]
        lin_err.append(float(np.linalg.norm(v_heading - cmd[:2])))
        vx.append(float(v_heading[0]))
        vy.append(float(v_heading[1]))
        wz.append(float(w_world[2]))
        yaw_err.append(abs(float(w_world[2]) - cmd[2]))
        if renderer is not None:
            renderer.update_scene(data, camera=follow_camera(data, b))
            frames.append(renderer.render())
    result = {
        "control_steps": n, "seconds": n * ctrl.control_dt, "falls": falls,
        "first_fall_s": float("nan") if first_fall is None else first_fall,
        "lin_vel_err": float(np.mean(lin_err)) if lin_err else float("nan"),
        "yaw_rate_err": float(np.mean(yaw_err)) if yaw_err else float("nan"),
        "forward_vel": float(np.mean(vx)) if vx else float("nan"),
        "forward_vel_err": float(np.mean(np.abs(np.asarray(vx) - cmd[0]))) if vx else float("nan"),
        "lateral_vel": float(np.mean(vy)) if vy else float("nan"),
        "yaw_rate": float(np.mean(wz)) if wz else float("nan"),
        "distance_m": distance + float(np.linalg.norm(data.qpos[b.root_qpos : b.root_qpos + 2] - start_xy)),
    }
    per_cycle = max(1, int(round(contract.gait_period / ctrl.control_dt)))
    result["lin_vel_err_cycle"] = cycle_mean_errors(np.stack([vx, vy], axis=1) if vx else np.zeros((0, 2)), cmd[:2],
                                                    per_cycle)
    result["yaw_rate_err_cycle"] = cycle_mean_errors(np.asarray(wz).reshape(-1, 1), cmd[2:3], per_cycle)
    if gait is not None:
        result.update(gait.summary())
    print(f"sim2sim: {contract.path} ({backend}, pd={ctrl.pd_mode}) on {x['robot']}")
    print(f"  {n} control steps = {result['seconds']:.2f} s at sim_dt {sim_dt:g} x decimation {decimation}, cmd {cmd.tolist()}")
    print(f"  falls: {falls}" + ("" if first_fall is None else f" (first at {first_fall:.2f} s)"))
    print(f"  tracking: mean |v_xy - cmd_xy| {result['lin_vel_err']:.3f} m/s, mean |yaw rate - cmd| {result['yaw_rate_err']:.3f} rad/s")
    print(f"  per gait cycle ({contract.gait_period:g} s): mean |cycle-mean v_xy - cmd_xy| "
          f"{result['lin_vel_err_cycle']:.3f} m/s, mean |cycle-mean yaw rate - cmd| {result['yaw_rate_err_cycle']:.3f} "
          f"rad/s")
    print(f"  forward: mean v_x {result['forward_vel']:.3f} m/s (cmd {cmd[0]:g}), mean |v_x - cmd_x| "
          f"{result['forward_vel_err']:.3f} m/s, base moved {result['distance_m']:.2f} m in total")
    print(f"  sideways and turning: mean v_y {result['lateral_vel']:.3f} m/s (cmd {cmd[1]:g}), mean yaw rate "
          f"{result['yaw_rate']:.3f} rad/s (cmd {cmd[2]:g})")
    if gait is not None:
        print(f"  gait: {result['steps_per_s']:.2f} steps/s (both feet), feet in the air {100 * result['air_fraction']:.0f} % "
              f"of the time, mean step clearance {result['clearance_m']:.3f} m ({', '.join(contract.feet_body_names)})")
    if renderer is not None:
        write_video(x["render"], frames, 1.0 / ctrl.control_dt)
    return result
