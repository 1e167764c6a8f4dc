"""MuJoCo C engine on the CPU: all environments stepped by ``mujoco.rollout`` on a persistent thread pool.

One ``rollout`` call per control step runs ``decimation`` physics steps for every environment in C,
on all cores, with the PD law integrated implicitly by MuJoCo position actuators (gains per
environment through per-environment model copies, made only for environments whose parameters
differ from nominal). Control delay is a shifted per-substep target array, torque noise is an
applied joint force per substep. Nothing runs per environment in Python on the hot path.
"""

from __future__ import annotations

import copy
import os

import mujoco
import numpy as np
import torch
from mujoco import rollout
from torch import Tensor

from legged_gym.sim.base import SceneSpec
from legged_gym.sim.kinematics import BodyStates, ForwardKinematics, quat_to_matrix_np
from legged_gym.sim.mujoco_common import MujocoBackendBase
from legged_gym.sim.pd_control import MAX_STATE_VALUE, DelayedTargets, TorqueNoise, position_actuator_params
from legged_gym.utils.math import quat_rotate_inverse

_FULL = mujoco.mjtState.mjSTATE_FULLPHYSICS


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


class MujocoCpuBackend(MujocoBackendBase):
    """The embedded default backend. See :class:`~legged_gym.sim.base.SimBackend` for the contract."""

    def __init__(self, spec: SceneSpec, device: str | torch.device = "cpu") -> None:
        self._init_scene(spec, device)
        m = self.model
        self.nthread = spec.num_threads if spec.num_threads > 0 else available_cores()
        self._pool = rollout.Rollout(nthread=self.nthread)
        self._datas = [mujoco.MjData(m) for _ in range(self.nthread)]
        self._models: list[mujoco.MjModel] = [m] * self.num_envs
        # randomised parameters live in model copies, one per distinct parameter set (environments with equal
        # parameters, e.g. the same friction bucket, share one); a large terrain makes copies expensive, so at
        # most `num_variants` copies exist
        approx_bytes = m.hfield_data.nbytes + 200_000
        budget = int(spec.max_variant_memory_mb * 2**20)
        self.num_variants = int(max(1, min(self.num_envs, budget // approx_bytes)))
        self._variants = ModelVariants(m, self.num_envs, self.num_dof, self.num_variants, self._write_params)

        self.nstate = mujoco.mj_stateSize(m, _FULL)
        self._qpos0 = 1  # state layout: time, qpos, qvel, act, ...
        self._qvel0 = 1 + m.nq
        n, dec = self.num_envs, spec.decimation
        self._state = np.zeros((n, self.nstate))
        self._state_out = np.zeros((n, dec, self.nstate))
        self._sens_out = np.zeros((n, dec, m.nsensordata))
        self._control = np.zeros((n, dec, m.nu))  # ctrl only (contiguous, handed to rollout as is)
        self._control_noise = np.zeros((n, dec, m.nu + m.nv))  # ctrl + applied joint forces (torque noise)
        self._targets = DelayedTargets(n, self.num_dof, dec, spec.max_control_delay, torch.device("cpu"), torch.float64)

        self._kp = np.asarray(spec.kp, dtype=np.float64)
        self._kd = np.asarray(spec.kd, dtype=np.float64)
        self._act = self.layout.actuator_ids
        self._jq = self.layout.joint_qpos_adr
        self._jv = self.layout.joint_dof_adr
        self._noise = TorqueNoise(n, self.effort_limits.cpu().double(), spec.seed)
        self._fk: dict[tuple[str, ...] | None, ForwardKinematics] = {}

        mujoco.mj_getState(m, self.default_data, self._state[0], _FULL)
        self._default_state = self._state[0].copy()  # where an environment with a broken state is put back
        self._default_state[0] = 0.0
        self._state[:] = self._state[0]
        self._targets.reset(torch.arange(n), torch.from_numpy(self._state[:, self._qpos0 + self._jq]))
        self._sensors = np.zeros((n, m.nsensordata))
        self._refresh()

    # --- stepping -------------------------------------------------------------------------------
    def step(self, joint_targets: Tensor) -> None:
        dec = self.spec.decimation
        broken_in = self._broken(self._state)
        if broken_in.any():  # written by set_state or a push: never hand it to the engine
            self._state[broken_in] = self._default_state
        expected_time = self._state[:, 0] + dec * self.model.opt.timestep
        self._control[:, :, self._act] = self._targets.push(joint_targets.detach().cpu()).numpy()
        spec = mujoco.mjtState.mjSTATE_CTRL
        control = self._control
        if self._noise.active:
            control = self._control_noise
            control[:, :, : self.model.nu] = self._control
            control[:, :, self.model.nu + self._jv] = self._noise.sample(dec).numpy()
            spec |= mujoco.mjtState.mjSTATE_QFRC_APPLIED
        self._pool.rollout(
            self._models,
            self._datas,
            self._state,
            control,
            control_spec=int(spec),
            skip_checks=True,
            nstep=dec,
            state=self._state_out,
            sensordata=self._sens_out,
        )
        self._state[:] = self._state_out[:, -1]
        self._sensors = self._sens_out[:, -1]
        self._check_health(broken_in, expected_time)
        self._refresh()

    @staticmethod
    def _broken(state: np.ndarray) -> np.ndarray:
        """Environments whose state holds a NaN, an infinity or a value MuJoCo itself would reject (> 1e10)."""
        return ~np.isfinite(state).all(axis=1) | (np.abs(state) > MAX_STATE_VALUE).any(axis=1)

    def _check_health(self, broken_in: np.ndarray, expected_time: np.ndarray) -> None:
        """Flag environments whose state was broken before the step, broke during it, or was reset by MuJoCo.

        MuJoCo answers a NaN or huge value in its state or accelerations by resetting that environment's data
        mid-step (to time 0) with only a printed warning: a simulated time that did not advance by the control
        period reveals it. Flagged environments are put back to the default pose (``nan_envs``; the environment
        resets them through its own reset path) and counted in ``nan_reset_count``.
        """
        reset_by_engine = np.abs(self._state[:, 0] - expected_time) > 0.5 * self.model.opt.timestep
        bad = broken_in | reset_by_engine | self._broken(self._state)
        count = int(bad.sum())
        if count:
            self._state[bad] = self._default_state
            self._sensors[bad] = 0.0
        self._flag_broken(torch.from_numpy(bad), count)

    def _refresh(self, rows: np.ndarray | None = None) -> None:
        """Copy the engine state into the float32 torch tensors the environment reads (two conversions).

        ``rows``: only these environments changed (resets, pushes), so cached body states are updated for them
        alone; otherwise the cache is dropped.
        """
        q0, v0 = self._qpos0, self._qvel0
        s = torch.from_numpy(self._state[:, q0 : v0 + self.model.nv]).to(self.device, torch.float32)
        sens = torch.from_numpy(self._sensors[:, self._sensor_cols_np]).to(self.device, torch.float32)
        self._publish(s[:, : v0 - q0], s[:, v0 - q0 :], sens)
        if rows is None or not hasattr(self, "_bodies"):
            self._bodies: dict[tuple, BodyStates] = {}
        elif len(rows):
            self._update_cached_bodies(rows)

    def body_states(self, bodies: tuple[str, ...] | None = None, with_velocities: bool = True) -> BodyStates:
        key = (bodies, with_velocities)
        if key not in self._bodies:
            if bodies not in self._fk:
                ids = None if bodies is None else [self._body_index(b) for b in bodies]
                self._fk[bodies] = ForwardKinematics(self.tree, self.num_dof, ids)
            out = self._fk[bodies].compute(*self._fk_args(slice(None), with_velocities))
            t = lambda name: torch.from_numpy(out[name]).to(self.device, torch.float32) if name in out else None  # noqa: E731
            self._bodies[key] = BodyStates(pos=t("pos"), quat=t("quat"), lin_vel=t("lin_vel"), ang_vel=t("ang_vel"))
        return self._bodies[key]

    def _fk_args(self, rows: slice | np.ndarray, with_velocities: bool) -> list[np.ndarray]:
        st, q0, v0 = self._state[rows], self._qpos0, self._qvel0
        quat = st[:, q0 + 3 : q0 + 7]
        args = [st[:, q0 : q0 + 3], quat, st[:, q0 + self._jq]]
        if with_velocities:
            ang_w = np.einsum("nij,nj->ni", quat_to_matrix_np(quat), st[:, v0 + 3 : v0 + 6])
            args += [st[:, v0 : v0 + 3], ang_w, st[:, v0 + self._jv]]
        return args

    def _update_cached_bodies(self, rows: np.ndarray) -> None:
        """Recompute cached body states for the environments in ``rows`` only (after resets of a few)."""
        index = torch.as_tensor(rows, device=self.device)
        for (bodies, with_velocities), cached in self._bodies.items():
            out = self._fk[bodies].compute(*self._fk_args(rows, with_velocities))
            for name, value in out.items():
                getattr(cached, name)[index] = torch.from_numpy(value).to(self.device, torch.float32)

    # --- writing state -----------------------------------------------------------------------------
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
        ids = env_ids.cpu().numpy()
        if ids.size == 0:
            return
        q0, v0 = self._qpos0, self._qvel0
        qpos, qvel = self._pack_rows(root_pos_w, root_quat_w, root_lin_vel_w, root_ang_vel_w, dof_pos, dof_vel,
                                     torch.float64, torch.device("cpu"))
        rows = np.zeros((ids.size, self.nstate))
        rows[:, q0:v0] = qpos.numpy()
        rows[:, v0 : v0 + self.model.nv] = qvel.numpy()
        self._state[ids] = rows  # time 0 (the engine's clock restarts with each episode)
        self._targets.reset(torch.from_numpy(ids), torch.from_numpy(rows[:, q0 + self._jq]))
        self._sensors[ids] = 0.0
        self._refresh(ids)

    def add_root_velocity(self, env_ids: Tensor, lin_vel_w: Tensor, ang_vel_w: Tensor | None = None) -> None:
        ids = env_ids.cpu().numpy()
        v0 = self._qvel0
        self._state[ids, v0 : v0 + 3] += lin_vel_w.detach().cpu().double().numpy()
        if ang_vel_w is not None:
            quat = self.root_quat_w[env_ids]
            local = quat_rotate_inverse(quat, ang_vel_w.to(quat))
            self._state[ids, v0 + 3 : v0 + 6] += local.cpu().double().numpy()
        self._refresh(ids)

    def get_state(self) -> Tensor:
        return torch.from_numpy(self._state.copy())

    def set_state(self, state: Tensor, env_ids: Tensor | None = None) -> None:
        arr = state.detach().cpu().double().numpy()
        if env_ids is None:
            self._state[:] = arr
            ids = np.arange(self.num_envs)
        else:
            ids = env_ids.cpu().numpy()
            self._state[ids] = arr
        self._targets.reset(torch.from_numpy(ids), torch.from_numpy(self._state[ids][:, self._qpos0 + self._jq]))
        self._refresh(None if env_ids is None else ids)

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
        ids = env_ids.cpu().numpy()
        if torque_noise is not None:
            self._noise.set_scale(env_ids.cpu(), torque_noise.cpu().double())
        if control_delay is not None:
            self._targets.set_delay(env_ids.cpu(), control_delay.cpu())
        if friction is None and added_mass is None and kp_scale is None and kd_scale is None:
            return
        for env, model in self._variants.update(ids, friction, added_mass, kp_scale, kd_scale):
            self._models[env] = model

    def _write_params(self, model: mujoco.MjModel, friction: float, mass: float, kp: np.ndarray, kd: np.ndarray) -> None:
        """Write one parameter set into a model copy (NaN = leave the nominal value)."""
        if not np.isnan(friction):
            model.geom_friction[:, 0] = friction
        model.body_mass[self.layout.mass_body_id] = self._base_mass + (0.0 if np.isnan(mass) else mass)
        gain, bias_p, bias_d = position_actuator_params(self._kp * kp, self._kd * kd)
        model.actuator_gainprm[self._act, 0] = gain
        model.actuator_biasprm[self._act, 1] = bias_p
        model.actuator_biasprm[self._act, 2] = bias_d

    def model_for_env(self, env_id: int) -> mujoco.MjModel:
        """The (possibly randomised) model that steps environment ``env_id``."""
        return self._models[env_id]

    def close(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()
            self._pool = None


class ModelVariants:
    """Per-environment physical parameters and the model copies that carry them.

    Each environment has a parameter set (friction, added mass, per-joint kp and kd scales; NaN friction/mass
    = nominal). Environments with equal sets share one copy, so the seed's 64 friction buckets need at most
    64 copies whatever the number of environments; a copy no environment uses any more is recycled. Beyond
    ``capacity`` distinct sets (the memory budget), a new set is approximated by the existing copy with the
    nearest parameters.
    """

    def __init__(self, model: mujoco.MjModel, num_envs: int, num_dof: int, capacity: int, write) -> None:  # noqa: ANN001
        self.nominal = model
        self.capacity = capacity
        self.write = write  # (model, friction, mass, kp, kd) -> None
        self.params = np.concatenate(
            [np.full((num_envs, 2), np.nan), np.ones((num_envs, 2 * num_dof))], axis=1
        )  # friction, mass, kp scale (J), kd scale (J)
        self.num_dof = num_dof
        self.env_key: list[bytes | None] = [None] * num_envs  # None = the nominal model
        self.models: dict[bytes, mujoco.MjModel] = {}
        self.users: dict[bytes, int] = {}
        self.free: list[mujoco.MjModel] = []

    def __len__(self) -> int:
        return len(self.models)

    def update(self, ids: np.ndarray, friction, mass, kp, kd) -> list[tuple[int, mujoco.MjModel]]:  # noqa: ANN001
        """Store new parameters of environments ``ids``; returns (env, model) for each of them."""
        j = self.num_dof
        cols = {"friction": slice(0, 1), "mass": slice(1, 2), "kp": slice(2, 2 + j), "kd": slice(2 + j, 2 + 2 * j)}
        for name, value in (("friction", friction), ("mass", mass), ("kp", kp), ("kd", kd)):
            if value is not None:
                arr = value.detach().cpu().double().numpy().reshape(len(ids), -1)
                self.params[ids, cols[name]] = arr  # a scalar per env broadcasts over the joints
        return [(int(env), self._assign(int(env))) for env in ids]

    def _assign(self, env: int) -> mujoco.MjModel:
        row = self.params[env]
        key = np.round(row, 9).tobytes()
        old = self.env_key[env]
        if old == key:
            return self.models[key]
        if old is not None:
            self._release(old)
        if key not in self.models:
            if len(self.models) >= self.capacity:
                key = self._nearest(row)
            else:
                model = self.free.pop() if self.free else copy.copy(self.nominal)
                j = self.num_dof
                self.write(model, row[0], row[1], row[2 : 2 + j], row[2 + j :])
                self.models[key] = model
                self.users[key] = 0
        self.users[key] += 1
        self.env_key[env] = key
        return self.models[key]

    def _release(self, key: bytes) -> None:
        self.users[key] -= 1
        if self.users[key] == 0:
            self.free.append(self.models.pop(key))
            del self.users[key]

    def _nearest(self, row: np.ndarray) -> bytes:
        keys = list(self.models)
        table = np.stack([np.frombuffer(k) for k in keys])
        diff = np.nan_to_num(table - row, nan=0.0)
        return keys[int(np.argmin((diff**2).sum(axis=1)))]
