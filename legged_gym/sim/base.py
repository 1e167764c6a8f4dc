"""The simulator backend interface. Environments talk to physics only through :class:`SimBackend`.

Every backend steps ``num_envs`` copies of one robot scene in lock step and exposes the state as
torch tensors on its device. Frames are named: ``_w`` is the world frame. Quaternions are wxyz.
Joint tensors follow ``joint_names`` (the policy's action order).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import torch
from torch import Tensor

from legged_gym.sim.heightfield import HeightField, TerrainSampler
from legged_gym.sim.kinematics import BodyStates


@dataclass
class SceneSpec:
    """What a backend needs to build its scene.

    Attributes:
        robot_xml: path of the robot's MJCF file (robot only; the backend adds terrain and sensors).
        num_envs: number of environments stepped together.
        dt: physics time step [s].
        decimation: physics steps per control step.
        joint_names: actuated joints in action order; must match the model's actuators.
        kp: proportional gain per joint [N*m/rad], in ``joint_names`` order.
        kd: derivative gain per joint [N*m*s/rad].
        contact_bodies: bodies whose net contact force is measured.
        heightfield: terrain grid, or None for a flat plane at z = 0.
        mass_body: body that receives ``added_mass`` randomisation.
        max_control_delay: largest control delay [physics steps] that may be requested.
        num_threads: worker threads for CPU stepping (0 = all available cores).
        seed: seed of the backend's own random streams (torque noise).
        solver_iterations: constraint solver iterations.
        friction: nominal sliding friction of all contacts.
        max_variant_memory_mb: memory allowed for per-environment copies of the physics model that carry
            randomised parameters (CPU backend). When one copy per environment does not fit (large terrains),
            environments share copies round robin and parameters set for one apply to all sharing it.
        nconmax: contacts allocated per environment (MuJoCo Warp backend; the buffer is shared by all).
        njmax: constraint rows allocated per environment (MuJoCo Warp backend).
        graph_capture: replay the physics substeps as a captured CUDA graph (MuJoCo Warp backend on CUDA).
        raise_on_overflow: a contact or constraint buffer overflow raises (True) or is only counted in
            ``overflow_count`` (False) (MuJoCo Warp backend).
    """

    robot_xml: str
    num_envs: int
    dt: float
    decimation: int
    joint_names: list[str]
    kp: list[float]
    kd: list[float]
    contact_bodies: list[str] = field(default_factory=list)
    heightfield: HeightField | None = None
    mass_body: str = "pelvis"
    max_control_delay: int = 0
    num_threads: int = 0
    seed: int = 0
    solver_iterations: int = 10
    friction: float = 1.0
    max_variant_memory_mb: float = 1024.0
    nconmax: int = 64
    njmax: int = 256
    graph_capture: bool = True
    raise_on_overflow: bool = True


class SimBackend(ABC):
    """Batched rigid-body simulation of one robot in ``num_envs`` environments.

    State tensors (read after :meth:`step` or :meth:`reset_envs`):
        root_pos_w (N,3), root_quat_w (N,4), root_lin_vel_w (N,3), root_ang_vel_w (N,3),
        dof_pos (N,J), dof_vel (N,J), applied_torques (N,J) [N*m, last physics step],
        contact_forces_w (N,C,3) [N, net force of the terrain on each of ``contact_bodies`` (self-collisions
        excluded), last physics step].
    Body states of every body in ``body_names`` come from :meth:`body_states`.

    Health counters (for the logs): ``nan_envs`` (N,) marks environments whose state became non-finite in
    the last step and were put back to the model's default pose (the environment should reset them);
    ``nan_reset_count`` and ``overflow_count`` count such resets and contact/constraint buffer overflows.
    """

    nan_reset_count: int = 0
    overflow_count: int = 0

    spec: SceneSpec
    device: torch.device
    num_envs: int
    num_dof: int
    joint_names: list[str]
    body_names: list[str]
    contact_body_names: list[str]
    dof_limits: Tensor  # (J, 2) [rad]
    effort_limits: Tensor  # (J,) [N*m]
    terrain: TerrainSampler

    @property
    def dt(self) -> float:
        """Physics time step [s]."""
        return self.spec.dt

    @property
    def decimation(self) -> int:
        """Physics steps per control step."""
        return self.spec.decimation

    # --- state -------------------------------------------------------------------------------
    root_pos_w: Tensor
    root_quat_w: Tensor
    root_lin_vel_w: Tensor
    root_ang_vel_w: Tensor
    dof_pos: Tensor
    dof_vel: Tensor
    applied_torques: Tensor
    contact_forces_w: Tensor

    @abstractmethod
    def body_states(self, bodies: tuple[str, ...] | None = None, with_velocities: bool = True) -> BodyStates:
        """World poses and velocities (N, B, ...) of ``bodies`` (names, in that order; None = all ``body_names``).

        Computed from the current state and cached until the state changes.
        """

    def _body_index(self, name: str) -> int:
        if name not in self.body_names:
            raise ValueError(f"unknown body '{name}'; the robot's bodies are {self.body_names}")
        return self.body_names.index(name)

    @abstractmethod
    def step(self, joint_targets: Tensor) -> None:
        """Advance every environment by ``decimation`` physics steps under PD control.

        Args:
            joint_targets: (N, J) PD position targets [rad]. Torque per physics step is
                ``kp*kp_scale*(target - q) - kd*kd_scale*qdot`` clipped to the effort limits, applied
                ``control_delay`` physics steps late, plus uniform torque noise of ``torque_noise * effort``.
        """

    @abstractmethod
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
        """Teleport the chosen environments to the given states (shapes (n, ...)); PD history is reset to dof_pos."""

    @abstractmethod
    def add_root_velocity(self, env_ids: Tensor, lin_vel_w: Tensor, ang_vel_w: Tensor | None = None) -> None:
        """Add world-frame velocity to the root of the chosen environments (pushes)."""

    @abstractmethod
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
        """Set per-environment physical parameters (each (n,) or (n, J) for gain scales); None leaves one as is."""

    @abstractmethod
    def get_state(self) -> Tensor:
        """A copy of the full physics state of every environment, (N, S)."""

    @abstractmethod
    def set_state(self, state: Tensor, env_ids: Tensor | None = None) -> None:
        """Restore states captured with :meth:`get_state` (rows for ``env_ids``, or all)."""

    @property
    def nan_envs(self) -> Tensor:
        """(N,) bool: environments reset by the backend in the last step because their state was not finite."""
        mask = getattr(self, "_nan_envs", None)
        if mask is None:
            mask = self._nan_envs = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        return mask

    @property
    def torque_noise_scale(self) -> Tensor:
        """(N,) torque noise per environment, as a fraction of the effort limits (set by :meth:`set_params`)."""
        return self._noise.scale

    def ray_distance(self, origins_w: Tensor, directions_w: Tensor, max_distance: float) -> Tensor:
        """Distance along rays (..., 3) to the terrain, ``max_distance`` where nothing is hit."""
        return self.terrain.ray_distance(origins_w, directions_w, max_distance)

    def close(self) -> None:
        """Release engine resources (thread pools)."""
