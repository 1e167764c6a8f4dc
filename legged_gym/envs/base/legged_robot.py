"""The base legged-robot environment: PD-controlled joints, dict observations, rewards by name, randomisation.

Step order (``step``): clip actions -> action EMA -> PD targets -> ``decimation`` physics steps in the
backend -> ``post_physics_step``: counters -> state refresh -> ``_update_state`` (contacts, air time) ->
``_post_physics_step_callback`` (commands, pushes) -> terminations -> rewards -> resets -> observations.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
from torch import Tensor

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs.base.domain_rand import DomainRandomizer
from legged_gym.envs.base.foot_contact import FootContact
from legged_gym.envs.base.legged_robot_config import LeggedRobotCfg
from legged_gym.envs.base.mirror import key_mirror, named_mirror
from legged_gym.envs.base.observations import ObservationManager
from legged_gym.envs.base.rewards import LeggedRobotRewards
from legged_gym.sim import SceneSpec, make_backend
from legged_gym.utils.math import quat_rotate_inverse, quat_to_euler_xyz, wrap_to_pi
from legged_gym.terrain.rough import make_rough_heightfield
from rsl_rl.algorithms.symmetry import Mirror, SignedPermutation
from rsl_rl.env import VecEnv


def match_by_substring(names: list[str], table: dict[str, float], what: str) -> list[float]:
    """Value per name from a substring table; the longest matching key wins.

    Raises:
        ValueError: when a name matches no key.
    """
    out = []
    for name in names:
        keys = [k for k in table if k in name]
        if not keys:
            raise ValueError(f"{what}: no entry matches joint '{name}' (keys: {sorted(table)})")
        out.append(float(table[max(keys, key=len)]))
    return out


class LeggedRobot(LeggedRobotRewards, VecEnv):
    """A batch of legged robots on flat ground or a height field, tracking velocity commands by default."""

    # observation term name in the config -> method suffix, where a task's formula for that name is not the generic one
    obs_terms: ClassVar[dict[str, str]] = {}
    # term -> (obs_scales field, noise_scales field[, "gaussian"]); terms not listed are unscaled and noise-free
    obs_term_units: dict[str, tuple[str | None, ...]] = {
        "base_lin_vel": ("lin_vel", "lin_vel"),
        "base_ang_vel": ("ang_vel", "ang_vel"),
        "projected_gravity": (None, "gravity"),
        "dof_pos": ("dof_pos", "dof_pos"),
        "dof_vel": ("dof_vel", "dof_vel"),
        "root_height": (None, "height_measurements"),
    }
    # term -> its left-right mirror kind (legged_gym.envs.base.mirror), for symmetric PPO; tasks add their terms
    obs_mirror: ClassVar[dict[str, str]] = {
        "base_lin_vel": "polar", "base_ang_vel": "axial", "projected_gravity": "polar", "commands": "command",
        "dof_pos": "joints", "dof_vel": "joints", "actions": "joints", "root_height": "even",
    }
    # the trainer may start with random episode counters so that resets spread out over time
    random_initial_episode_length = True

    def __init__(self, cfg: LeggedRobotCfg, sim_device: str = "cpu", rl_device: str = "cpu") -> None:
        self.cfg = cfg
        self.device = torch.device(rl_device)
        self.num_envs = cfg.env.num_envs
        self.num_actions = cfg.env.num_actions
        self.dt = cfg.control.decimation * cfg.sim.dt
        self.max_episode_length_s = cfg.env.episode_length_s
        self.max_episode_length = int(math.ceil(self.max_episode_length_s / self.dt))
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(cfg.seed)
        torch.manual_seed(cfg.seed)
        self.sim = make_backend(self._scene_spec(), sim_device)
        self.num_dof = self.sim.num_dof
        self._resolve_policy_joints()
        self._init_buffers()
        self.domain_rand = DomainRandomizer(self)
        self._prepare_reward_function()
        self.reset_idx(torch.arange(self.num_envs, device=self.device))
        self._refresh_state()
        self.obs_manager = ObservationManager(self)
        self.obs_dict = self.obs_manager.compute()

    # --- construction -----------------------------------------------------------------------------
    def _robot_file(self) -> str:
        return self.cfg.asset.file.replace("{LEGGED_GYM_ROOT_DIR}", LEGGED_GYM_ROOT_DIR)

    def _joint_names(self) -> list[str]:
        """Actuated joints in action order, read from the robot file's actuators."""
        from legged_gym.sim.robot_info import actuated_joint_names

        return actuated_joint_names(self._robot_file())

    def _resolve_policy_joints(self) -> None:
        """``policy_dof_ids``: the joints the actions drive (None = all); the others are held at default by PD.

        Raises:
            ValueError: ``control.policy_joints`` names a joint the robot lacks or twice, or ``env.num_actions``
                differs from the number of policy joints.
        """
        names = self.cfg.control.policy_joints
        self.policy_dof_ids: Tensor | None = None
        self.policy_dof_names = list(self.dof_names)
        if names is not None:
            unknown = [n for n in names if n not in self.dof_names]
            if unknown or len(set(names)) != len(names):
                raise ValueError(f"control.policy_joints: {unknown or 'a repeated name'} is not a list of distinct "
                                 f"actuated joints of {self._robot_file()}; joints: {self.dof_names}")
            self.policy_dof_ids = torch.tensor([self.dof_names.index(n) for n in names], device=self.device)
            self.policy_dof_names = list(names)
        if len(self.policy_dof_names) != self.num_actions:
            what = "control.policy_joints lists" if names is not None else "the robot has"
            raise ValueError(f"env.num_actions is {self.num_actions} but {what} {len(self.policy_dof_names)} joints")

    def _policy_cols(self, x: Tensor) -> Tensor:
        """The policy joints' columns of a per-joint tensor (N, num_dof) (all columns without policy_joints)."""
        return x if self.policy_dof_ids is None else x[:, self.policy_dof_ids]

    def _make_heightfield(self):  # noqa: ANN202 - HeightField | None
        t = self.cfg.terrain
        if t.mesh_type == "plane":
            return None
        if t.mesh_type == "heightfield":
            return make_rough_heightfield(tuple(t.size), t.resolution, t.roughness, t.smoothing, self.cfg.seed)
        raise ValueError(f"terrain.mesh_type must be 'plane' or 'heightfield', got {t.mesh_type!r}")

    def _contact_bodies(self, all_bodies: list[str]) -> list[str]:
        a = self.cfg.asset
        wanted = [a.foot_name] + a.penalize_contacts_on + a.terminate_after_contacts_on
        return [b for b in all_bodies if any(w and w in b for w in wanted)]

    def _scene_spec(self) -> SceneSpec:
        from legged_gym.sim.robot_info import body_names

        joints = self._joint_names()
        self.dof_names = joints
        c, dr = self.cfg.control, self.cfg.domain_rand
        bodies = body_names(self._robot_file())
        self.heightfield = self._make_heightfield()
        return SceneSpec(
            robot_xml=self._robot_file(),
            num_envs=self.num_envs,
            dt=self.cfg.sim.dt,
            decimation=c.decimation,
            joint_names=joints,
            kp=match_by_substring(joints, c.stiffness, "control.stiffness"),
            kd=match_by_substring(joints, c.damping, "control.damping"),
            contact_bodies=self._contact_bodies(bodies),
            heightfield=self.heightfield,
            mass_body=self.cfg.asset.mass_body,
            max_control_delay=dr.control_delay_max if dr.control_delays else 0,
            num_threads=self.cfg.sim.num_threads,
            seed=self.cfg.seed,
            solver_iterations=self.cfg.sim.solver_iterations,
            friction=self.cfg.terrain.friction,
            max_variant_memory_mb=self.cfg.sim.max_variant_memory_mb,
            nconmax=self.cfg.sim.nconmax,
            njmax=self.cfg.sim.njmax,
            graph_capture=self.cfg.sim.graph_capture,
            raise_on_overflow=self.cfg.sim.raise_on_overflow,
        )

    def _init_buffers(self) -> None:
        n, j, dev = self.num_envs, self.num_actions, self.device
        f = dict(device=dev, dtype=torch.float32)
        a = self.cfg.asset
        contact_names = self.sim.contact_body_names
        self.feet_indices = torch.tensor([i for i, b in enumerate(contact_names) if a.foot_name in b], device=dev)
        self.feet_body_names = tuple(contact_names[i] for i in self.feet_indices.tolist())
        pick = lambda subs: torch.tensor(  # noqa: E731
            [i for i, b in enumerate(contact_names) if any(s in b for s in subs)], device=dev, dtype=torch.long
        )
        self.penalised_contact_indices = pick(a.penalize_contacts_on)
        self.termination_contact_indices = pick(a.terminate_after_contacts_on)
        self.default_dof_pos = torch.tensor(
            [self.cfg.init_state.default_joint_angles.get(name, 0.0) for name in self.dof_names], **f
        ).unsqueeze(0)
        self.base_init_pos = torch.tensor(self.cfg.init_state.pos, **f)
        self.base_init_quat = torch.tensor(self.cfg.init_state.rot, **f)
        self.gravity_vec = torch.tensor([0.0, 0.0, -1.0], **f).expand(n, 3)
        self.actions = torch.zeros(n, j, **f)
        self.last_actions = torch.zeros(n, j, **f)
        self.last_last_actions = torch.zeros(n, j, **f)
        self.last_dof_vel = torch.zeros(n, self.num_dof, **f)
        self.last_root_vel = torch.zeros(n, 6, **f)
        self.rew_buf = torch.zeros(n, **f)
        self.reset_buf = torch.ones(n, dtype=torch.bool, device=dev)
        self.time_out_buf = torch.zeros(n, dtype=torch.bool, device=dev)
        self.episode_length_buf = torch.zeros(n, dtype=torch.long, device=dev)
        self.common_step_counter = 0
        self.commands = torch.zeros(n, 4, **f)  # vx, vy, yaw rate, heading
        self.feet = FootContact(n, self.feet_indices, self.cfg.rewards.contact_force_threshold, self.dt)
        self.env_origins = torch.zeros(n, 3, **f)
        limits = self.sim.dof_limits
        mid, half = (limits[:, 0] + limits[:, 1]) / 2, (limits[:, 1] - limits[:, 0]) / 2
        s = self.cfg.rewards.soft_dof_pos_limit
        self.soft_dof_pos_limits = torch.stack([mid - s * half, mid + s * half], dim=1)
        self.torque_limits = self.sim.effort_limits
        self.extras: dict[str, Any] = {}
        self._refresh_state()

    # --- stepping ---------------------------------------------------------------------------------
    def step(self, actions: Tensor) -> tuple[dict[str, Tensor], Tensor, Tensor, dict[str, Any]]:
        """Apply actions (N, A) for one control step; returns (obs, rewards, dones, extras)."""
        clip = self.cfg.normalization.clip_actions
        clipped = torch.clamp(actions.to(self.device), -clip, clip)
        beta = self.cfg.control.beta
        clipped = self.domain_rand.perturb_actions(clipped, self.actions)
        self.actions = clipped if beta >= 1.0 else beta * clipped + (1.0 - beta) * self.actions
        self.sim.step(self._compute_targets(self.actions))
        self.post_physics_step()
        return self.obs_dict, self.rew_buf, self.reset_buf, self.extras

    def _compute_targets(self, actions: Tensor) -> Tensor:
        """PD position targets for the backend: default pose + scaled action (held joints: default pose)."""
        if self.policy_dof_ids is None:
            return actions * self.cfg.control.action_scale + self.default_dof_pos
        targets = self.default_dof_pos.repeat(self.num_envs, 1)
        targets[:, self.policy_dof_ids] += actions * self.cfg.control.action_scale
        return targets

    def post_physics_step(self) -> None:
        """Everything after physics: state, callbacks, terminations, rewards, resets, observations."""
        self.episode_length_buf += 1
        self.common_step_counter += 1
        self._refresh_state()
        self._update_state()
        self._post_physics_step_callback()
        self.check_termination()
        self.compute_reward()
        env_ids = self.reset_buf.nonzero(as_tuple=False).flatten()
        self.extras = {"time_outs": self.time_out_buf.clone(), "episode": {}}
        if len(env_ids) > 0:
            self.reset_idx(env_ids)
            self._refresh_state()
        self.obs_dict = self.obs_manager.compute()
        self.last_last_actions[:] = self.last_actions
        self.last_actions[:] = self.actions
        self.last_dof_vel[:] = self.dof_vel
        self.last_root_vel[:] = torch.cat([self.root_lin_vel_w, self.root_ang_vel_w], dim=1)

    def _refresh_state(self) -> None:
        """Derived state tensors from the backend (base frame velocities, gravity, contacts)."""
        s = self.sim
        self.root_pos_w = s.root_pos_w
        self.base_quat = s.root_quat_w
        self.root_lin_vel_w = s.root_lin_vel_w
        self.root_ang_vel_w = s.root_ang_vel_w
        self.dof_pos = s.dof_pos
        self.dof_vel = s.dof_vel
        self.torques = s.applied_torques
        self.contact_forces = s.contact_forces_w
        self.base_lin_vel = quat_rotate_inverse(self.base_quat, self.root_lin_vel_w)
        self.base_ang_vel = quat_rotate_inverse(self.base_quat, self.root_ang_vel_w)
        self.projected_gravity = quat_rotate_inverse(self.base_quat, self.gravity_vec)

    def _update_state(self) -> None:
        """Stateful quantities that several rewards read, updated exactly once per step."""
        self.feet.update(self.contact_forces, self._feet_stance())

    def _feet_stance(self) -> Tensor | None:
        """Feet a gait has in stance this step, counted as contact by the air-time filter (None: no gait)."""
        return None

    def _post_physics_step_callback(self) -> None:
        """Command resampling, heading control and pushes."""
        period = max(1, int(self.cfg.commands.resampling_time / self.dt))
        env_ids = (self.episode_length_buf % period == 0).nonzero(as_tuple=False).flatten()
        self._resample_commands(env_ids)
        if self.cfg.commands.heading_command:
            heading = quat_to_euler_xyz(self.base_quat)[:, 2]
            self.commands[:, 2] = torch.clip(0.5 * wrap_to_pi(self.commands[:, 3] - heading), -1.0, 1.0)
        self.domain_rand.maybe_push()

    def check_termination(self) -> None:
        """Contacts on terminating bodies, tilt and height limits, and timeouts."""
        a = self.cfg.asset
        reset = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        if len(self.termination_contact_indices) > 0:
            forces = self.contact_forces[:, self.termination_contact_indices].norm(dim=-1)
            reset |= (forces > 1.0).any(dim=1)
        if a.terminate_on_roll_pitch > 0:
            rp = quat_to_euler_xyz(self.base_quat)[:, :2].abs()
            reset |= (rp > a.terminate_on_roll_pitch).any(dim=1)
        if a.terminate_below_height > 0:
            reset |= self._obs_root_height()[:, 0] < a.terminate_below_height
        reset |= self.sim.nan_envs.to(self.device)  # put back to the default pose by the backend: start afresh
        self.time_out_buf = self.episode_length_buf >= self.max_episode_length
        self.reset_buf = reset | self.time_out_buf

    # --- resets -----------------------------------------------------------------------------------
    def reset(self) -> dict[str, Tensor]:
        """Reset every environment; returns the first observations."""
        self.reset_idx(torch.arange(self.num_envs, device=self.device))
        self._refresh_state()
        self.obs_dict = self.obs_manager.compute()
        return self.obs_dict

    def get_observations(self) -> dict[str, Tensor]:
        """The current observation dict."""
        return self.obs_dict

    def reset_idx(self, env_ids: Tensor) -> None:
        """Reset the chosen environments: log episode sums, new state, commands and randomisation."""
        if len(env_ids) == 0:
            return
        self._log_episode(env_ids)
        self.feet.reset(env_ids)  # before the new state, which may set the feet's contacts (a reference's)
        self._reset_root_and_dofs(env_ids)
        self._resample_commands(env_ids)
        self.domain_rand.on_reset(env_ids)
        self.actions[env_ids] = 0.0
        self.last_actions[env_ids] = 0.0
        self.last_last_actions[env_ids] = 0.0
        self.last_dof_vel[env_ids] = 0.0
        self.last_root_vel[env_ids] = 0.0
        self.episode_length_buf[env_ids] = 0
        self.reset_buf[env_ids] = True
        if hasattr(self, "obs_manager"):
            self.obs_manager.reset(env_ids)

    def _reset_root_and_dofs(self, env_ids: Tensor) -> None:
        n = len(env_ids)
        init = self.cfg.init_state
        s = init.dof_pos_noise_scale
        dof_pos = self.default_dof_pos.expand(n, -1) * (1.0 + s * (2 * self._rand(n, self.num_dof) - 1))
        lin = torch.tensor(init.lin_vel, device=self.device).expand(n, 3) + init.root_vel_noise * (2 * self._rand(n, 3) - 1)
        ang = torch.tensor(init.ang_vel, device=self.device).expand(n, 3) + init.root_vel_noise * (2 * self._rand(n, 3) - 1)
        self._place_env_origins(env_ids)
        root_pos = self.base_init_pos.expand(n, 3) + self.env_origins[env_ids]
        self.sim.reset_envs(
            env_ids, root_pos, self.base_init_quat.expand(n, 4), lin, ang, dof_pos, torch.zeros_like(dof_pos)
        )

    def _place_env_origins(self, env_ids: Tensor) -> None:
        """Spawn points: the origin on a plane (worlds do not interact), random spots on a height field."""
        if self.heightfield is None:
            return
        n = len(env_ids)
        sx, sy = self.heightfield.size_xy
        cx, cy = self.heightfield.center_xy
        m = self.cfg.terrain.spawn_margin
        xy = torch.stack(
            [cx + (sx / 2 - m) * (2 * self._rand(n) - 1), cy + (sy / 2 - m) * (2 * self._rand(n) - 1)], dim=1
        )
        self.env_origins[env_ids, :2] = xy
        self.env_origins[env_ids, 2] = self.sim.terrain.height_at(xy)

    def _resample_commands(self, env_ids: Tensor) -> None:
        if len(env_ids) == 0:
            return
        r = self.cfg.commands.ranges
        n = len(env_ids)
        uni = lambda lo_hi: lo_hi[0] + (lo_hi[1] - lo_hi[0]) * self._rand(n)  # noqa: E731
        self.commands[env_ids, 0] = uni(r.lin_vel_x)
        self.commands[env_ids, 1] = uni(r.lin_vel_y)
        self.commands[env_ids, 2] = uni(r.ang_vel_yaw)
        self.commands[env_ids, 3] = uni(r.heading)
        still = self._rand(n) < self.cfg.commands.still_fraction
        self.commands[env_ids[still], :3] = 0.0
        small = self.commands[env_ids, :2].norm(dim=1) < 0.2
        self.commands[env_ids[small], :2] = 0.0

    def _log_episode(self, env_ids: Tensor) -> None:
        ep = self.extras.setdefault("episode", {})
        for name in self.episode_sums:
            ep[f"rew_{name}"] = torch.mean(self.episode_sums[name][env_ids]) / self.max_episode_length_s
            self.episode_sums[name][env_ids] = 0.0
        ep["episode_length_s"] = torch.mean(self.episode_length_buf[env_ids].float()) * self.dt
        ep["sim_nan_resets"] = float(self.sim.nan_reset_count)  # backend health counters (cumulative)
        ep["sim_overflows"] = float(self.sim.overflow_count)

    def _rand(self, *shape: int) -> Tensor:
        """Uniform [0, 1) samples from the environment's seeded generator."""
        return torch.rand(shape, generator=self.generator, device=self.device)

    def _randn(self, *shape: int) -> Tensor:
        """Standard normal samples from the environment's seeded generator."""
        return torch.randn(shape, generator=self.generator, device=self.device)

    # --- observation terms (physical units; scaled and noised by the ObservationManager) ------------
    def _obs_base_lin_vel(self) -> Tensor:
        return self.base_lin_vel

    def _obs_base_ang_vel(self) -> Tensor:
        return self.base_ang_vel

    def _obs_projected_gravity(self) -> Tensor:
        return self.projected_gravity

    def _obs_commands_scale(self) -> Tensor:
        s = self.cfg.normalization.obs_scales
        return torch.tensor([s.lin_vel, s.lin_vel, s.ang_vel], device=self.device)

    def _obs_commands(self) -> Tensor:
        """Commanded (vx, vy, yaw rate), already multiplied by ``command_scales`` (see export_metadata)."""
        return self.commands[:, :3] * self._obs_commands_scale()

    def _obs_dof_pos(self) -> Tensor:
        """Offsets from the default pose of the policy joints (all joints without ``control.policy_joints``)."""
        return self._policy_cols(self.dof_pos - self.default_dof_pos)

    def _obs_dof_vel(self) -> Tensor:
        """Velocities of the policy joints (all joints without ``control.policy_joints``)."""
        return self._policy_cols(self.dof_vel)

    def _obs_actions(self) -> Tensor:
        return self.actions

    def _obs_root_height(self) -> Tensor:
        return (self.root_pos_w[:, 2] - self.sim.terrain.height_at(self.root_pos_w[:, :2])).unsqueeze(1)

    # --- symmetry ---------------------------------------------------------------------------------
    def mirror(self) -> Mirror:
        """The left-right mirror of every observation key (histories frame by frame) and of the actions.

        Raises:
            ValueError: An observation term without a mirror kind in ``obs_mirror``, or a joint or foot without its
                other-side partner.
        """
        joints, feet, kinds = self.policy_dof_names, list(self.feet_body_names), self._mirror_kinds()
        obs = {key: key_mirror([(t.name, t.dim) for t in terms], kinds, joints, feet, key)
               for key, terms in self.obs_manager.terms.items()}
        for key in self.obs_manager.history_len:
            obs[f"history_{key}"] = obs[key]
        index, sign = named_mirror(joints, "joint", negate_axes=True)
        return Mirror(obs, SignedPermutation(index, sign))

    def _mirror_kinds(self) -> dict[str, str]:
        """``obs_mirror`` keyed by the configured term names (a name in ``obs_terms`` takes its method's kind)."""
        kinds = dict(self.obs_mirror)
        for name, method in self.obs_terms.items():
            if method in self.obs_mirror and name not in kinds:
                kinds[name] = self.obs_mirror[method]
        return kinds

    # --- export -----------------------------------------------------------------------------------
    def export_metadata(self) -> dict[str, Any]:
        """The environment side of the policy contract, for policy.json.

        Joint fields list the policy joints in action order; with ``control.policy_joints`` the other
        joints, held at their default angles by PD, are listed under ``held_joints``.
        """
        c = self.cfg.control
        kp = match_by_substring(self.dof_names, c.stiffness, "control.stiffness")
        kd = match_by_substring(self.dof_names, c.damping, "control.damping")
        default, effort = self.default_dof_pos[0].tolist(), self.torque_limits.tolist()
        ids = list(range(self.num_dof)) if self.policy_dof_ids is None else self.policy_dof_ids.tolist()
        held = [i for i in range(self.num_dof) if i not in ids]
        pick = lambda values, idx: [values[i] for i in idx]  # noqa: E731
        meta = {
            "robot": self.cfg.asset.name,
            "joint_names": pick(self.dof_names, ids),
            "default_joint_pos": pick(default, ids),
            "kp": pick(kp, ids),
            "kd": pick(kd, ids),
            "effort_limits": pick(effort, ids),
            "action_scale": c.action_scale,
            "clip_actions": self.cfg.normalization.clip_actions,
            "action_ema_beta": c.beta,
            "sim_dt": self.cfg.sim.dt,
            "decimation": c.decimation,
            "control_dt": self.dt,
            "quaternion_order": "wxyz",
            "clip_observations": self.cfg.normalization.clip_observations,
            "command_scales": self._obs_commands_scale().tolist(),
            "observations": self.obs_manager.describe(),
            "feet_body_names": list(self.feet_body_names),
        }
        if held:
            meta["held_joints"] = {
                "joint_names": pick(self.dof_names, held), "default_joint_pos": pick(default, held),
                "kp": pick(kp, held), "kd": pick(kd, held), "effort_limits": pick(effort, held),
            }
        return meta

    def close(self) -> None:
        """Release the simulator."""
        self.sim.close()
