"""What the two MuJoCo backends share: scene bookkeeping, state publishing, root packing and health accounting.

:class:`MujocoBackendBase` builds the scene from a :class:`~legged_gym.sim.base.SceneSpec` and fills the
attributes every backend exposes (names, limits, terrain sampler, body list, default pose). Each backend keeps only
its engine storage and stepping, and hands its state to :meth:`MujocoBackendBase._publish` (one place that turns
``qpos``/``qvel``/sensor rows into the contract's tensors), builds reset rows with
:meth:`MujocoBackendBase._pack_rows` (one place that turns root and joint states into ``qpos``/``qvel`` rows)
and reports broken environments to :meth:`MujocoBackendBase._flag_broken` (one place that counts them).
"""

from __future__ import annotations

import mujoco
import numpy as np
import torch
from torch import Tensor

from legged_gym.sim.base import SceneSpec, SimBackend
from legged_gym.sim.heightfield import TerrainSampler
from legged_gym.sim.mujoco_scene import SceneLayout, build_scene, kinematic_tree
from legged_gym.utils.math import quat_rotate, quat_rotate_inverse

__all__ = ["MujocoBackendBase"]


class MujocoBackendBase(SimBackend):
    """Bookkeeping shared by the MuJoCo backends (see the module docstring).

    Attributes set by :meth:`_init_scene`: ``spec``, ``device``, ``model``, ``layout``, ``num_envs``, ``num_dof``,
    ``joint_names``, ``contact_body_names``, ``dof_limits``, ``effort_limits``, ``terrain``, ``tree``,
    ``body_names``, ``default_data`` (an ``MjData`` at the ``default`` keyframe), ``nan_reset_count``.
    """

    model: mujoco.MjModel
    layout: SceneLayout

    def _init_scene(self, spec: SceneSpec, device: str | torch.device) -> None:
        self.spec = spec
        self.device = torch.device(device)
        self.model, self.layout = build_scene(spec)
        m = self.model
        self.num_envs = spec.num_envs
        self.num_dof = len(spec.joint_names)
        self.joint_names = list(spec.joint_names)
        self.contact_body_names = list(spec.contact_bodies)
        jnt_ids = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, j) for j in self.joint_names]
        t = dict(device=self.device, dtype=torch.float32)
        self.dof_limits = torch.tensor(m.jnt_range[jnt_ids], **t)
        self.effort_limits = torch.tensor(m.actuator_forcerange[self.layout.actuator_ids, 1], **t)
        self.terrain = TerrainSampler(spec.heightfield, self.device)
        self.tree = kinematic_tree(m, self.layout)
        self.body_names = self.tree.body_names
        self._base_mass = float(m.body_mass[self.layout.mass_body_id])
        self.default_data = mujoco.MjData(m)
        key = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_KEY, "default")
        if key >= 0:  # no collision pass: the Warp backend sizes its buffers by nconmax/njmax
            mujoco.mj_resetDataKeyframe(m, self.default_data, key)
        contact_cols = (self.layout.contact_sensor_adr[:, None] + np.arange(3)[None, :]).ravel()
        self._sensor_cols_np = np.concatenate([self.layout.torque_sensor_adr, contact_cols]).astype(np.int64)
        self._jq_np = self.layout.joint_qpos_adr
        self._jv_np = self.layout.joint_dof_adr
        self._jq_t = torch.as_tensor(self._jq_np, device=self.device)  # index tensors where the state lives
        self._jv_t = torch.as_tensor(self._jv_np, device=self.device)
        self.nan_reset_count = 0
        self._nan_envs = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)

    # --- state publishing ------------------------------------------------------------------------
    def _publish(self, qpos: Tensor, qvel: Tensor, sensors: Tensor) -> None:
        """Set the contract's state tensors from float32 ``qpos`` (N, nq), ``qvel`` (N, nv) and the selected
        sensor columns ``sensors`` (N, J + 3C): joint torques, then the contact sensors' forces."""
        self.root_pos_w = qpos[:, 0:3]
        self.root_quat_w = qpos[:, 3:7]
        self.root_lin_vel_w = qvel[:, 0:3]
        self.root_ang_vel_w = quat_rotate(self.root_quat_w, qvel[:, 3:6])  # MuJoCo's free joint: body frame
        self.dof_pos = qpos[:, self._jq_t]
        self.dof_vel = qvel[:, self._jv_t]
        nj = self.num_dof
        self.applied_torques = sensors[:, :nj]
        # MuJoCo reports the force the body exerts on its contacts; the force *on* the body is its negative.
        self.contact_forces_w = -sensors[:, nj:].reshape(self.num_envs, -1, 3)

    # --- root packing ------------------------------------------------------------------------------
    def _pack_rows(
        self,
        root_pos_w: Tensor,
        root_quat_w: Tensor,
        root_lin_vel_w: Tensor,
        root_ang_vel_w: Tensor,
        dof_pos: Tensor,
        dof_vel: Tensor,
        dtype: torch.dtype,
        device: torch.device,
    ) -> tuple[Tensor, Tensor]:
        """``qpos`` (n, nq) and ``qvel`` (n, nv) rows for reset states: the default pose for everything not given,
        the root quaternion normalised, the world angular velocity turned into the free joint's body frame."""
        d = lambda x: x.detach().to(device, dtype)  # noqa: E731
        n = root_pos_w.shape[0]
        quat = d(root_quat_w)
        quat = quat / quat.norm(dim=-1, keepdim=True)
        qpos = torch.as_tensor(self.default_data.qpos, device=device, dtype=dtype).repeat(n, 1)
        qvel = torch.zeros(n, self.model.nv, device=device, dtype=dtype)
        qpos[:, 0:3], qpos[:, 3:7], qpos[:, self._jq_np] = d(root_pos_w), quat, d(dof_pos)
        qvel[:, 0:3], qvel[:, 3:6] = d(root_lin_vel_w), quat_rotate_inverse(quat, d(root_ang_vel_w))
        qvel[:, self._jv_np] = d(dof_vel)
        return qpos, qvel

    # --- health ----------------------------------------------------------------------------------
    def _flag_broken(self, bad: Tensor, count: int | None = None) -> None:
        """Record the (N,) mask of environments put back to the default pose in this step and count them."""
        self._nan_envs = bad.to(self.device)
        self.nan_reset_count += int(bad.sum()) if count is None else count
