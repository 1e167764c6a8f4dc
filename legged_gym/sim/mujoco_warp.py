"""MuJoCo Warp: every environment is one world of a single batched ``mujoco_warp`` Data, stepped on a GPU.

The scene is the one the CPU backend steps (:func:`~legged_gym.sim.mujoco_scene.build_scene`): same robot,
terrain, position actuators and sensors. Randomised parameters are per-world model fields (``geom_friction``,
``body_mass``, ``actuator_gainprm``, ``actuator_biasprm`` carry a world dimension), so no model copies exist.
State is exchanged with torch through zero-copy views of the Warp arrays (``wp.to_torch``); delayed targets
and torque noise are torch tensors on the same device, handed to the engine through a per-substep buffer.

Health: contact and constraint buffers are sized explicitly (``SceneSpec.nconmax`` per world, ``njmax``);
an overflow raises (or is counted in ``overflow_count``). Worlds whose state turns non-finite are put back
to the default pose, flagged in ``nan_envs`` and counted in ``nan_reset_count``. On CUDA the
``decimation`` substeps are captured once as a CUDA graph and replayed every control step.

Devices: ``cuda:N`` (training), or Warp's CPU device (``warp-cpu`` in :func:`~legged_gym.sim.make_backend`),
which is correct but slow and compiles its kernels on first use; it exists for tests and smoke runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor

try:
    import mujoco_warp as mjw
    import warp as wp
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the MuJoCo Warp backend needs warp-lang and mujoco-warp: install the gpu extra (pip install -e '.[gpu]')"
    ) from exc

from legged_gym.sim.base import SceneSpec
from legged_gym.sim.kinematics import BodyStates
from legged_gym.sim.mujoco_common import MujocoBackendBase
from legged_gym.sim.pd_control import DelayedTargets, TorqueNoise, nonfinite_envs, position_actuator_params
from legged_gym.utils.math import quat_rotate_inverse

# overflows that mean missing contacts or constraints (wrong physics); solver iteration limits are not among them
CAPACITY_OVERFLOWS = {
    "njmax (constraints per world)": int(mjw.OverflowType.NEFC | mjw.OverflowType.NJMAX_NNZ),
    "nconmax (contacts, broadphase)": int(mjw.OverflowType.BROADPHASE),
    "nconmax (contacts, narrowphase)": int(mjw.OverflowType.NARROWPHASE | mjw.OverflowType.HFIELD),
    "nconmax (contacts, CCD)": int(mjw.OverflowType.CCD),
}
_CAPACITY_MASK = int(np.bitwise_or.reduce(list(CAPACITY_OVERFLOWS.values())))
# model fields that get one row per world, so parameters can differ per environment
PER_WORLD_FIELDS = ("geom_friction", "body_mass", "actuator_gainprm", "actuator_biasprm")


@wp.kernel
def _load_substep(
    ctrl_all: wp.array3d(dtype=wp.float32),
    qfrc_all: wp.array3d(dtype=wp.float32),
    k: int,
    ctrl: wp.array2d(dtype=wp.float32),
    qfrc_applied: wp.array2d(dtype=wp.float32),
):
    """Copy substep ``k``'s controls and applied joint forces into the engine's inputs (one thread per world)."""
    w = wp.tid()
    for i in range(ctrl.shape[1]):
        ctrl[w, i] = ctrl_all[w, k, i]
    for i in range(qfrc_applied.shape[1]):
        qfrc_applied[w, i] = qfrc_all[w, k, i]


def warp_device_for(device: torch.device) -> str:
    """The Warp device that serves torch ``device`` (``cuda:N`` or ``cpu``), checking that it exists.

    Raises:
        RuntimeError: for a CUDA device when Warp finds no CUDA driver or no such GPU.
    """
    wp.init()
    if device.type == "cpu":
        return "cpu"
    if device.type != "cuda":
        raise ValueError(f"the MuJoCo Warp backend runs on cuda:N or Warp's cpu device, not {device}")
    index = device.index or 0
    if not wp.is_cuda_available():
        raise RuntimeError(
            f"--sim_device {device}: Warp finds no CUDA driver. warp-lang >= 1.18 from PyPI needs an NVIDIA R580 or "
            "newer driver and a Turing (sm_75) or newer GPU; use --sim_device cpu for the MuJoCo CPU backend"
        )
    if index >= wp.get_cuda_device_count():
        raise RuntimeError(f"--sim_device {device}: Warp sees {wp.get_cuda_device_count()} CUDA device(s)")
    return f"cuda:{index}"


class MujocoWarpBackend(MujocoBackendBase):
    """MuJoCo Warp backend. See :class:`~legged_gym.sim.base.SimBackend` for the contract."""

    def __init__(self, spec: SceneSpec, device: str | torch.device = "cuda:0") -> None:
        self._wp_device = warp_device_for(torch.device(device))
        self._init_scene(spec, device)
        self._cuda = self.device.type == "cuda"
        m = self.model
        n, dec = spec.num_envs, spec.decimation
        if spec.nconmax < 1 or spec.njmax < 1:
            raise ValueError(f"SceneSpec.nconmax and njmax must be >= 1, got {spec.nconmax} and {spec.njmax}")

        data = self.default_data
        with wp.ScopedDevice(self._wp_device):
            self.wm = mjw.put_model(m, batch_sizes={f: n for f in PER_WORLD_FIELDS})
            self.wm.opt.warn_overflow = 0  # reported by this backend, once, with the knob to turn
            self.wd = mjw.put_data(m, data, nworld=n, nconmax=spec.nconmax, njmax=spec.njmax)
            self._ctrl_sub = wp.zeros((n, dec, m.nu), dtype=wp.float32)
            self._qfrc_sub = wp.zeros((n, dec, m.nv), dtype=wp.float32)
        v = wp.to_torch
        self._time, self._qpos, self._qvel, self._act = v(self.wd.time), v(self.wd.qpos), v(self.wd.qvel), v(self.wd.act)
        self._warmstart, self._sensordata = v(self.wd.qacc_warmstart), v(self.wd.sensordata)
        self._overflow = v(self.wd.overflow)
        self._ctrl_t, self._qfrc_t = v(self._ctrl_sub), v(self._qfrc_sub)
        self._friction, self._mass = v(self.wm.geom_friction), v(self.wm.body_mass)
        self._gainprm, self._biasprm = v(self.wm.actuator_gainprm), v(self.wm.actuator_biasprm)
        self._qpos_default = torch.as_tensor(data.qpos, device=self.device, dtype=torch.float32)

        self._act_ids = torch.as_tensor(self.layout.actuator_ids, device=self.device)
        self._jq = torch.as_tensor(self.layout.joint_qpos_adr, device=self.device)
        self._jv = torch.as_tensor(self.layout.joint_dof_adr, device=self.device)
        self._kp = torch.as_tensor(spec.kp, device=self.device, dtype=torch.float32)
        self._kd = torch.as_tensor(spec.kd, device=self.device, dtype=torch.float32)
        self._body_ids = torch.as_tensor(self.layout.body_ids, device=self.device)
        self._root_of_body = torch.as_tensor(m.body_rootid[self.layout.body_ids], device=self.device)

        self._targets = DelayedTargets(n, self.num_dof, dec, spec.max_control_delay, self.device, torch.float32)
        self._targets.reset(torch.arange(n, device=self.device), self._qpos_default[self._jq].expand(n, -1))
        self._noise = TorqueNoise(n, self.effort_limits, spec.seed)
        self._sensor_cols = torch.as_tensor(self._sensor_cols_np, device=self.device)
        self._graph = None
        self._use_graph = spec.graph_capture and self._cuda
        self._steps = 0
        self.overflow_count = 0
        self._sensordata.zero_()
        self._refresh()

    # --- engine calls ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _engine(self) -> Iterator[None]:
        """Run Warp work on this device, and on CUDA in torch's current stream (ordered with torch's work)."""
        with wp.ScopedDevice(self._wp_device):
            if self._cuda:
                with wp.ScopedStream(wp.stream_from_torch(self.device)):
                    yield
            else:
                yield

    def _substeps(self) -> None:
        n = self.num_envs
        for k in range(self.spec.decimation):
            wp.launch(_load_substep, dim=n, inputs=[self._ctrl_sub, self._qfrc_sub, k],
                      outputs=[self.wd.ctrl, self.wd.qfrc_applied])
            mjw.step(self.wm, self.wd)

    def _run_substeps(self) -> None:
        """The ``decimation`` physics steps: eagerly, or as a CUDA graph captured after the first (compiling) call."""
        if self._use_graph and self._graph is None and self._steps > 0:
            torch.cuda.synchronize(self.device)
            stream = wp.Stream(self._wp_device)
            with wp.ScopedCapture(device=self._wp_device, stream=stream) as capture:
                self._substeps()
            self._graph = capture.graph
        with self._engine():
            if self._graph is not None:
                wp.capture_launch(self._graph)
            else:
                self._substeps()
        self._steps += 1

    # --- stepping -------------------------------------------------------------------------------
    def step(self, joint_targets: Tensor) -> None:
        dec = self.spec.decimation
        self._ctrl_t[:, :, self._act_ids] = self._targets.push(joint_targets.detach().to(self.device))
        if self._noise.active:
            self._qfrc_t[:, :, self._jv] = self._noise.sample(dec)
        elif self._steps == 0 or self._noise_was_active:
            self._qfrc_t.zero_()
        self._noise_was_active = self._noise.active
        # a state broken before the step (set_state, an extreme push) never reaches the engine: masked writes,
        # no device sync
        broken_in = nonfinite_envs(self._qpos, self._qvel)
        self._qpos.copy_(torch.where(broken_in[:, None], self._qpos_default.expand_as(self._qpos), self._qpos))
        self._qvel.copy_(torch.where(broken_in[:, None], torch.zeros_like(self._qvel), self._qvel))
        self._run_substeps()
        self._check_health(broken_in)
        self._refresh()

    _noise_was_active = False

    def _check_health(self, broken_in: Tensor) -> None:
        """Count (or raise on) buffer overflows; put worlds with non-finite states back to the default pose."""
        bad = nonfinite_envs(self._qpos, self._qvel) | broken_in
        overflow = self._overflow & _CAPACITY_MASK
        any_bad, any_overflow = torch.stack([bad.any(), (overflow != 0).any()]).tolist()  # one device sync
        self._flag_broken(bad, 0)
        if any_overflow:
            worlds = int((overflow != 0).sum())
            flags = _or_all(overflow.unique())
            self.overflow_count += worlds
            self._overflow.zero_()
            if self.spec.raise_on_overflow:
                names = [name for name, bit in CAPACITY_OVERFLOWS.items() if flags & bit]
                raise RuntimeError(
                    f"MuJoCo Warp buffer overflow in {worlds} of {self.num_envs} environments: {', '.join(names)} "
                    f"too small (nconmax={self.spec.nconmax}, njmax={self.spec.njmax}); raise sim.nconmax / "
                    "sim.njmax, or set sim.raise_on_overflow = False to count overflows instead"
                )
        if any_bad:
            ids = bad.nonzero().flatten()
            self.nan_reset_count += int(ids.numel())  # counted here: the mask's sum would be a second device sync
            self._write_rows(ids, self._qpos_default.expand(ids.numel(), -1), torch.zeros(ids.numel(), self.model.nv,
                             device=self.device))

    def _refresh(self) -> None:
        """Snapshot the engine state into the float32 tensors the environment reads (device-local copies)."""
        self._publish(self._qpos.clone(), self._qvel.clone(), self._sensordata[:, self._sensor_cols])
        self._bodies: dict[tuple, BodyStates] = {}

    def body_states(self, bodies: tuple[str, ...] | None = None, with_velocities: bool = True) -> BodyStates:
        key = (bodies, with_velocities)
        if key not in self._bodies:
            if not self._bodies:
                with self._engine():  # poses and velocities of the current state (the step's are one substep old)
                    mjw.kinematics(self.wm, self.wd)
                    mjw.com_pos(self.wm, self.wd)
                    mjw.com_vel(self.wm, self.wd)
            idx = slice(None) if bodies is None else torch.as_tensor([self._body_index(b) for b in bodies])
            ids = self._body_ids[idx]
            pos = wp.to_torch(self.wd.xpos)[:, ids].clone()
            quat = wp.to_torch(self.wd.xquat)[:, ids].clone()
            lin = ang = None
            if with_velocities:
                cvel = wp.to_torch(self.wd.cvel)[:, ids]  # [angular, linear at the subtree CoM], world frame
                com = wp.to_torch(self.wd.subtree_com)[:, self._root_of_body[idx]]
                ang = cvel[..., :3].clone()
                lin = cvel[..., 3:] + torch.cross(ang, pos - com, dim=-1)
            self._bodies[key] = BodyStates(pos=pos, quat=quat, lin_vel=lin, ang_vel=ang)
        return self._bodies[key]

    # --- writing state -----------------------------------------------------------------------------
    def _write_rows(self, ids: Tensor, qpos: Tensor, qvel: Tensor) -> None:
        """Put worlds ``ids`` at (qpos, qvel) with a clean slate: time 0, no warm start, no sensor history."""
        self._qpos[ids] = qpos.to(self._qpos)
        self._qvel[ids] = qvel.to(self._qvel)
        self._time[ids] = 0.0
        self._warmstart[ids] = 0.0
        self._sensordata[ids] = 0.0
        if self._act.numel():
            self._act[ids] = 0.0
        self._targets.reset(ids, self._qpos[ids][:, self._jq])

    def reset_envs(
        self,
        env_ids: Tensor,
        root_pos_w: Tensor,
        root_quat_w: Tensor,
        root_lin_vel_w: Tensor,
        root_ang_vel_w: Tensor,
        dof_pos: Tensor,
        dof_vel: Tensor,
    ) -> None:
        ids = env_ids.to(self.device)
        if ids.numel() == 0:
            return
        qpos, qvel = self._pack_rows(root_pos_w, root_quat_w, root_lin_vel_w, root_ang_vel_w, dof_pos, dof_vel,
                                     torch.float32, self.device)
        self._write_rows(ids, qpos, qvel)
        self._refresh()

    def add_root_velocity(self, env_ids: Tensor, lin_vel_w: Tensor, ang_vel_w: Tensor | None = None) -> None:
        ids = env_ids.to(self.device)
        self._qvel[ids, 0:3] += lin_vel_w.detach().to(self._qvel)
        if ang_vel_w is not None:
            quat = self._qpos[ids, 3:7]
            self._qvel[ids, 3:6] += quat_rotate_inverse(quat, ang_vel_w.detach().to(quat))
        self._refresh()

    def get_state(self) -> Tensor:
        """(N, 1 + nq + nv + na): time, qpos, qvel, act; MuJoCo's FULLPHYSICS layout for this scene, float64."""
        return torch.cat([self._time[:, None], self._qpos, self._qvel, self._act], dim=1).double()

    def set_state(self, state: Tensor, env_ids: Tensor | None = None) -> None:
        ids = torch.arange(self.num_envs, device=self.device) if env_ids is None else env_ids.to(self.device)
        nq, nv, na = self.model.nq, self.model.nv, self.model.na
        expected = 1 + nq + nv + na
        if state.shape[-1] != expected:
            raise ValueError(f"state rows must hold {expected} values (time, qpos, qvel, act), got {state.shape[-1]}")
        s = state.detach().to(self.device, torch.float32)
        self._write_rows(ids, s[:, 1 : 1 + nq], s[:, 1 + nq : 1 + nq + nv])
        self._time[ids] = s[:, 0]
        if na:
            self._act[ids] = s[:, 1 + nq + nv :]
        self._refresh()

    # --- randomisation ----------------------------------------------------------------------------
    def set_params(
        self,
        env_ids: Tensor,
        friction: Tensor | None = None,
        added_mass: Tensor | None = None,
        kp_scale: Tensor | None = None,
        kd_scale: Tensor | None = None,
        torque_noise: Tensor | None = None,
        control_delay: Tensor | None = None,
    ) -> None:
        ids = env_ids.to(self.device)
        f = lambda x: x.detach().to(self.device, torch.float32)  # noqa: E731
        if torque_noise is not None:
            self._noise.set_scale(ids, f(torque_noise))
        if control_delay is not None:
            self._targets.set_delay(ids, control_delay)
        if friction is not None:
            self._friction[ids, :, 0] = f(friction)[:, None]
        if added_mass is not None:
            self._mass[ids, self.layout.mass_body_id] = self._base_mass + f(added_mass)
        act = self._act_ids
        if kp_scale is not None:
            kp = self._kp * f(kp_scale).reshape(ids.numel(), -1)
            gain, bias_p, _ = position_actuator_params(kp, self._kd)
            self._gainprm[ids[:, None], act[None, :], 0] = gain
            self._biasprm[ids[:, None], act[None, :], 1] = bias_p
        if kd_scale is not None:
            kd = self._kd * f(kd_scale).reshape(ids.numel(), -1)
            self._biasprm[ids[:, None], act[None, :], 2] = position_actuator_params(self._kp, kd)[2]

    def close(self) -> None:
        self._graph = None


def _or_all(x: Tensor) -> int:
    out = 0
    for value in x.tolist():
        out |= int(value)
    return out
