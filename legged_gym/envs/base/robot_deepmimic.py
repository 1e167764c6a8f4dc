"""Motion tracking (DeepMimic): the robot follows reference clips on the terrain each clip was captured on.

Construction: find the clips (``motion_sources``), load and process them into one flat reference
(``ReplayDataLoader``), lay their terrains out in an ``n_rows`` x clips grid (``DeepMimicTerrain``), then
build the simulator with that terrain. Each environment tracks one clip from a sampled start frame,
shifted by the offset of its terrain cell; its episode ends when the clip ends (success, bootstrapped
as a timeout), when any tracked link strays beyond ``link_pos_error_threshold``, or on other
terminations.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from typing import Any

import numpy as np
import torch
from torch import Tensor

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs.base.deepmimic_config import LeggedRobotDeepMimicCfg
from legged_gym.envs.base.deepmimic_observations import DeepMimicObservations
from legged_gym.envs.base.deepmimic_rewards import DeepMimicRewards
from legged_gym.envs.base.foot_contact import FootContact
from legged_gym.envs.base.tracking_record import tracking_record
from legged_gym.envs.base.height_sensor import HeightScanner
from legged_gym.envs.base.legged_robot import LeggedRobot
from legged_gym.envs.base.motion_sources import ClipSource, clip_teachers, discover_clips
from legged_gym.motion import MotionClip, ReplayDataLoader, load_motion
from legged_gym.sim.heightfield import HeightField
from legged_gym.sim.kinematics import BodyStates
from legged_gym.sim.robot_info import actuated_joint_names
from legged_gym.terrain import DeepMimicTerrain, make_amass_rough_terrain


class RobotDeepMimic(DeepMimicObservations, DeepMimicRewards, LeggedRobot):
    """A legged robot tracking reference motions on their own terrains."""

    cfg: LeggedRobotDeepMimicCfg
    # teacher run name per distinct teacher, first-appearance order over the clips (None = algorithm.policy_to_clone)
    teacher_checkpoints: list[str | None]
    # episodes start at sampled reference frames; randomising the step counter too would cut them short
    random_initial_episode_length = False

    def __init__(self, cfg: LeggedRobotDeepMimicCfg, sim_device: str = "cpu", rl_device: str = "cpu") -> None:
        cfg = copy.deepcopy(cfg)  # the environment fills in derived fields (episode length) on its own copy
        self.cfg = cfg
        self.device = torch.device(rl_device)
        self.dt = cfg.control.decimation * cfg.sim.dt
        self.clip_sources: list[ClipSource] = discover_clips(cfg.deepmimic)
        self.teacher_checkpoints, teacher_of_clip = clip_teachers(self.clip_sources)
        self.clip_teacher_index = torch.tensor(teacher_of_clip, dtype=torch.long, device=self.device)
        if len(self.teacher_checkpoints) > cfg.normalization.clip_observations:  # the index would be clipped
            raise ValueError(
                f"{len(self.teacher_checkpoints)} teachers exceed normalization.clip_observations="
                f"{cfg.normalization.clip_observations}, which would clip the teacher_checkpoint_index observation"
            )
        if self._is_main():
            print(f"Loading {len(self.clip_sources)} clip(s): {', '.join(s.name for s in self.clip_sources[:8])}"
                  f"{' ...' if len(self.clip_sources) > 8 else ''}", flush=True)
        clips = self._load_clips()
        self.replay = ReplayDataLoader(
            clips,
            dt=self.dt,
            joint_names=actuated_joint_names(self._robot_file()),
            tracked_link_names=cfg.deepmimic.tracked_body_names,
            extra_link_names=cfg.deepmimic.extra_link_names,
            contact_names=cfg.deepmimic.contact_names,
            cut_off_import_length=cfg.deepmimic.cut_off_import_length,
            n_prepend=cfg.deepmimic.n_prepend,
            n_append=cfg.deepmimic.n_append,
            height_direct_offset=cfg.deepmimic.height_direct_offset,
            upsample_data=cfg.deepmimic.upsample_data,
            device=self.device,
        )
        self.deepmimic_terrain = self._build_terrain(clips)
        if self._is_main():
            print(f"Terrain: {self.deepmimic_terrain.describe()}; building the simulator", flush=True)
        cfg.env.episode_length_s = float(self.replay.clip_length.max().item()) * self.dt
        super().__init__(cfg, sim_device, rl_device)

    # --- construction -----------------------------------------------------------------------------
    @staticmethod
    def _is_main() -> bool:
        return int(os.environ.get("RANK", 0)) == 0

    def _robot_file(self) -> str:
        a = self.cfg.asset
        files = [a.file] + list(a.alt_files)
        rank = int(os.environ.get("RANK", 0))
        chosen = files[rank % len(files)] if a.use_alt_files else a.file
        return chosen.replace("{LEGGED_GYM_ROOT_DIR}", LEGGED_GYM_ROOT_DIR)

    def _load_clips(self) -> list[MotionClip]:
        """Load every distinct (file, patterns, fps) once; entries that repeat one share its clip under their own
        name. Video clips use their own data/terrain patterns and fps override (from a motion list)."""
        dm = self.cfg.deepmimic
        fps = dm.default_data_fps if dm.default_data_fps > 0 else 1.0 / self.dt
        cache: dict[tuple[str, str, str, float], MotionClip] = {}
        clips = []
        for src in self.clip_sources:
            clip_fps = src.fps_override if src.fps_override is not None else fps
            key = (src.path, src.data_pattern, src.terrain_pattern, clip_fps)
            if key not in cache:
                cache[key] = load_motion(
                    src.path,
                    robot_xml=self._robot_file(),
                    default_fps=clip_fps,
                    data_pattern=src.data_pattern,
                    terrain_pattern=src.terrain_pattern,
                    max_array_bytes=self.cfg.deepmimic.max_motion_array_bytes,
                )
            clips.append(dataclasses.replace(cache[key], name=src.name))
        return clips

    def _build_terrain(self, clips: list[MotionClip]) -> DeepMimicTerrain:
        dm = self.cfg.deepmimic
        terrains: list[Any] = []
        for i, (src, clip) in enumerate(zip(self.clip_sources, clips)):
            if src.kind == "video" and src.terrain_mesh is not None:
                terrains.append(src.terrain_mesh)
            else:
                terrains.append(self._mocap_terrain(clip, src.rough_difficulty, seed=self.cfg.seed + i))
        t = self.cfg.terrain
        if t.n_rows < 1:
            raise ValueError(f"terrain.n_rows must be >= 1, got {t.n_rows}")
        # Each environment is its own MuJoCo world, so robots on the same terrain cell never collide: rows exist
        # to vary where environments stand, and copies beyond max_rows would only cost memory.
        return DeepMimicTerrain(terrains, n_rows=min(t.n_rows, max(1, t.max_rows)), resolution=dm.terrain_resolution,
                                max_cells=dm.max_terrain_cells)

    def _mocap_terrain(self, clip: MotionClip, difficulty: int, seed: int) -> HeightField:
        """Flat or generated rough ground under a motion-capture clip: at least 9 m x 9 m, 2 m beyond its path."""
        xy = np.asarray(clip.root_pos)[:, :2]
        lo, hi = xy.min(axis=0) - 2.0, xy.max(axis=0) + 2.0
        size = np.maximum(hi - lo, 9.0)
        centre = (lo + hi) / 2
        res = self.cfg.deepmimic.terrain_resolution
        hf = make_amass_rough_terrain(difficulty, size_xy=(float(size[0]), float(size[1])), resolution=res, seed=seed,
                                      max_cells=self.cfg.deepmimic.max_terrain_cells,
                                      source=f"ground under clip '{clip.name}' ({clip.source})")
        sx, sy = hf.size_xy
        return HeightField(hf.heights, origin=(float(centre[0] - sx / 2), float(centre[1] - sy / 2)), resolution=res)

    def _make_heightfield(self) -> HeightField | None:
        """The clips' terrain as one height field, or None (a plane at z = 0) when every cell is flat at z = 0:
        a plane steps about twice as fast as a fine flat height field (``terrain.flat_as_plane``)."""
        if self.cfg.terrain.mesh_type != "deepmimic":
            raise ValueError(f"terrain.mesh_type: tracking tasks build each clip's own terrain ('deepmimic'), got "
                             f"{self.cfg.terrain.mesh_type!r}")
        hf = self.deepmimic_terrain.heightfield
        if self.cfg.terrain.flat_as_plane and not np.any(hf.heights):
            return None
        return hf

    def _contact_bodies(self, all_bodies: list[str]) -> list[str]:
        bodies = super()._contact_bodies(all_bodies)
        missing = [b for b in self.cfg.deepmimic.contact_bodies if b not in all_bodies]
        if missing:
            raise ValueError(f"deepmimic.contact_bodies {missing} are not bodies of {self._robot_file()}")
        return bodies

    def _init_buffers(self) -> None:
        super()._init_buffers()
        dm, n, dev = self.cfg.deepmimic, self.num_envs, self.device
        self.link_names = tuple(dm.tracked_body_names) + tuple(dm.extra_link_names)
        self.num_tracked = len(dm.tracked_body_names)
        contact_names = self.sim.contact_body_names
        self.dm_feet_indices = torch.tensor([contact_names.index(b) for b in dm.contact_bodies], device=dev)
        self.upper_body_dof = torch.tensor(
            [i for i, name in enumerate(self.dof_names) if any(s in name for s in dm.upper_body_joint_names)], device=dev
        )
        self.ankle_dof = torch.tensor([i for i, name in enumerate(self.dof_names) if "ankle" in name], device=dev)
        self.ref_clip = torch.zeros(n, dtype=torch.long, device=dev)
        self.ref_frame = torch.zeros(n, dtype=torch.long, device=dev)
        self.ref_last = torch.zeros(n, dtype=torch.long, device=dev)
        self.episode_max_len = torch.ones(n, dtype=torch.long, device=dev)
        self.env_offsets = torch.zeros(n, 3, device=dev)
        # the contact state of the clip's contact bodies: the feet's own when they are the same bodies
        same = torch.equal(self.dm_feet_indices, self.feet_indices)
        self.dm_contact = self.feet if same else FootContact(
            n, self.dm_feet_indices, self.cfg.rewards.contact_force_threshold, self.dt)
        self.episode_started = torch.zeros(n, dtype=torch.bool, device=dev)
        # evaluation (legged_gym.envs.base.tracking_record): pinned starts and a per-step record; off in training
        self.pinned_clips: Tensor | None = None  # (N,) clip each environment starts on its next reset
        self.pinned_offsets: Tensor | None = None  # (N,) its start frame (None: 0; clamped to leave 2 frames)
        self.record_tracking = False
        self.tracking_record: dict[str, Any] | None = None
        self.height_scanner = HeightScanner(self, self.cfg.height_sensor)
        self._links = None
        self._ref_cache: dict[int, dict[str, Tensor]] = {}

    # --- reference --------------------------------------------------------------------------------
    def reference(self, ahead: int = 0) -> dict[str, Tensor]:
        """Reference state ``ahead`` frames after the current one (clamped at the clip end), offsets applied."""
        if ahead not in self._ref_cache:
            frame = torch.minimum(self.ref_frame + ahead, self.ref_last)
            r = self.replay
            off = self.env_offsets
            self._ref_cache[ahead] = {
                "frame": frame,
                "root_pos": r.root_pos[frame] + off,
                "root_quat": r.root_quat[frame],
                "root_lin_vel": r.root_lin_vel[frame],
                "root_ang_vel": r.root_ang_vel[frame],
                "joints": r.joints[frame],
                "joint_vel": r.joint_vel[frame],
                "link_pos": torch.cat([r.link_pos[frame], r.extra_link_pos[frame]], dim=1) + off.unsqueeze(1),
                "link_quat": torch.cat([r.link_quat[frame], r.extra_link_quat[frame]], dim=1),
                "link_lin_vel": r.link_lin_vel[frame],
                "contacts": r.contacts[frame],
            }
        return self._ref_cache[ahead]

    def links(self) -> Any:
        """World states of the tracked links followed by the extra links (N, L+E, ...)."""
        if self._links is None:
            self._links = self.sim.body_states(self.link_names)
        return self._links

    def _feet_states(self) -> Any:
        """World states of the contact bodies (feet), from the tracked links when they are among them."""
        if all(b in self.link_names for b in self.cfg.deepmimic.contact_bodies):
            idx = [self.link_names.index(b) for b in self.cfg.deepmimic.contact_bodies]
            links = self.links()
            return BodyStates(links.pos[:, idx], links.quat[:, idx], links.lin_vel[:, idx], links.ang_vel[:, idx])
        return self.sim.body_states(tuple(self.cfg.deepmimic.contact_bodies))

    # --- stepping ---------------------------------------------------------------------------------
    def _refresh_state(self) -> None:
        super()._refresh_state()
        self._links = None

    def _update_state(self) -> None:
        super()._update_state()
        if self.dm_contact is not self.feet:
            self.dm_contact.update(self.contact_forces)
        self.ref_frame = torch.minimum(self.ref_frame + 1, self.ref_last)
        self._ref_cache = {}
        if self.cfg.deepmimic.viz_replay:
            self._teleport_to_reference(torch.arange(self.num_envs, device=self.device))

    def _compute_targets(self, actions: Tensor) -> Tensor:
        """Kinematic replay drives every joint toward the next reference frame whatever the policy outputs, so the
        contact forces kept from that physics step belong to the reference, not to the policy."""
        if self.cfg.deepmimic.viz_replay:
            return self.reference(ahead=1)["joints"].clone()
        return super()._compute_targets(actions)

    def _teleport_to_reference(self, env_ids: Tensor) -> None:
        """Kinematic replay: put the robot on the reference; contact forces and torques stay those measured
        during the physics step that led here (which started from the previous reference frame)."""
        ref = self.reference()
        forces, torques = self.contact_forces, self.torques
        self.sim.reset_envs(
            env_ids, ref["root_pos"][env_ids], ref["root_quat"][env_ids], ref["root_lin_vel"][env_ids],
            ref["root_ang_vel"][env_ids], ref["joints"][env_ids], ref["joint_vel"][env_ids],
        )
        LeggedRobot._refresh_state(self)
        self.contact_forces, self.torques = forces, torques
        self._links = None

    def _post_physics_step_callback(self) -> None:
        self.domain_rand.maybe_push()

    def check_termination(self) -> None:
        """Tracking failure, contact terminations, large foot forces, and the end of the clip (timeout)."""
        super().check_termination()
        reset = self.reset_buf & ~self.time_out_buf
        dm, a = self.cfg.deepmimic, self.cfg.asset
        err = (self.links().pos[:, : self.num_tracked] - self.reference()["link_pos"][:, : self.num_tracked]).norm(dim=-1)
        reset |= (err > dm.link_pos_error_threshold).any(dim=1) & (self.episode_length_buf >= 2)
        if getattr(a, "terminate_after_large_feet_contact_forces", False):
            f = self.contact_forces[:, self.dm_feet_indices].norm(dim=-1)
            reset |= (f > a.large_feet_contact_force_threshold).any(dim=1)
        self.time_out_buf = (self.ref_frame >= self.ref_last) | (self.episode_length_buf >= self.episode_max_len)
        self.reset_buf = reset | self.time_out_buf
        if self.record_tracking:
            self.tracking_record = tracking_record(self)

    # --- resets -----------------------------------------------------------------------------------
    def reset_idx(self, env_ids: Tensor) -> None:
        if len(env_ids) == 0:
            return
        self._record_episodes(env_ids)
        super().reset_idx(env_ids)
        # the first PD target equals the spawn pose: no jerk at the start of an episode
        start = (self.sim.dof_pos[env_ids] - self.default_dof_pos) / self.cfg.control.action_scale
        self.actions[env_ids] = start
        self.last_actions[env_ids] = start
        self.last_last_actions[env_ids] = start
        self.height_scanner.resample(env_ids)
        self._ref_cache = {}
        self._links = None

    def _pinned_starts(self, env_ids: Tensor) -> tuple[Tensor, Tensor]:
        """Clip ``pinned_clips[i]`` at frame ``pinned_offsets[i]`` (clamped to leave two frames) for each reset."""
        assert self.pinned_clips is not None
        clip = self.pinned_clips[env_ids.to(self.pinned_clips.device)].to(self.device)
        frame = self.replay.clip_start[clip]
        if self.pinned_offsets is not None:
            offset = self.pinned_offsets[env_ids.to(self.pinned_offsets.device)].to(self.device)
            frame = frame + torch.minimum(offset, (self.replay.clip_length[clip] - 2).clamp(min=0))
        return clip, frame

    def _record_episodes(self, env_ids: Tensor) -> None:
        """Feed finished episodes (success = reached the clip's end) to the sampler and the logs."""
        done = env_ids[self.episode_started[env_ids]]
        self.episode_started[env_ids] = True
        if len(done) == 0:
            return
        success = self.time_out_buf[done]
        end_frame = None  # failure times feed only the failure-time start sampler
        if self.cfg.deepmimic.weighting_strategy == "failure_adaptive":
            end_frame = self.ref_frame[done] - self.replay.clip_start[self.ref_clip[done]]
        self.replay.record_episode(self.ref_clip[done], success, end_frame)
        ep = self.extras.setdefault("episode", {})
        ep["success/overall"] = success.float().mean()
        if self.common_step_counter % 100 == 0 or not self.cfg.deepmimic.randomize_start_offset:
            rates = self.replay.success_rates()
            for name, rate in zip(self.replay.clip_names, rates.tolist()):
                ep[f"success/clip_{name}"] = rate

    def _reset_root_and_dofs(self, env_ids: Tensor) -> None:
        dm, n = self.cfg.deepmimic, len(env_ids)
        if self.pinned_clips is not None:
            clip, frame = self._pinned_starts(env_ids)
        else:
            clip, frame = self.replay.sample_starts(
                n,
                randomize_start_offset=dm.randomize_start_offset,
                weighting_strategy=dm.weighting_strategy,
                clip_weighting_strategy=dm.clip_weighting_strategy,
                generator=self.generator,
            )
        last = self.replay.clip_start[clip] + self.replay.clip_length[clip] - 1
        self.ref_clip[env_ids] = clip
        self.ref_frame[env_ids] = frame
        self.ref_last[env_ids] = last
        max_len = last - frame
        if dm.truncate_rollout_length > 0:
            max_len = max_len.clamp(max=dm.truncate_rollout_length)
        self.episode_max_len[env_ids] = max_len.clamp(min=1)
        rows = self.deepmimic_terrain.random_rows(n, self.generator)
        offsets = self.deepmimic_terrain.env_offsets(clip, rows).to(self.device)
        if dm.randomize_terrain_offset and dm.terrain_offset_range > 0:
            offsets[:, :2] += dm.terrain_offset_range * self._randn(n, 2)
        self.env_offsets[env_ids] = offsets
        r = self.replay
        dof = r.joints[frame].clone()
        if dm.init_dof_pos_noise > 0:
            dof += dm.init_dof_pos_noise * self._randn(n, self.num_actions)
        if dm.init_default_frac > 0:
            use_default = self._rand(n) < dm.init_default_frac
            dof[use_default] = self.default_dof_pos.expand(n, -1)[use_default]
        root = r.root_pos[frame] + offsets
        root[:, 2] += dm.respawn_z_offset
        if dm.init_root_xy_noise > 0:
            root[:, :2] += dm.init_root_xy_noise * self._randn(n, 2)
        if dm.init_root_z_noise > 0:
            root[:, 2] += dm.init_root_z_noise * self._randn(n).abs()
        vel = dm.init_velocities
        zeros = torch.zeros(n, 3, device=self.device)
        self.sim.reset_envs(
            env_ids,
            root,
            r.root_quat[frame],
            r.root_lin_vel[frame] if vel else zeros,
            r.root_ang_vel[frame] if vel else zeros,
            dof,
            r.joint_vel[frame] if vel else torch.zeros_like(dof),
        )
        self.dm_contact.reset(env_ids, r.contacts[frame] > 0.5)

    def _log_episode(self, env_ids: Tensor) -> None:
        super()._log_episode(env_ids)
        ep = self.extras["episode"]
        ep["episode_length_s"] = torch.mean(self.episode_length_buf[env_ids].float()) * self.dt

    def export_metadata(self) -> dict[str, Any]:
        meta = super().export_metadata()
        meta["tracked_bodies"] = list(self.cfg.deepmimic.tracked_body_names)
        meta["clips"] = list(self.replay.clip_names)
        meta["tracking"] = self._tracking_metadata()
        return meta

    def _tracking_metadata(self) -> dict[str, Any]:
        """What a deployment needs to replay a clip and rebuild the tracking terms (``legged_gym.deploy.tracking``)."""
        dm, a, hs = self.cfg.deepmimic, self.cfg.asset, self.cfg.height_sensor
        return {
            "reference": {
                "tracked_links": list(dm.tracked_body_names), "extra_links": list(dm.extra_link_names),
                "torso_link": self.link_names[self._torso_index()], "contact_names": list(dm.contact_names),
                "contact_bodies": list(dm.contact_bodies), "num_next_obs": dm.num_next_obs,
                "upper_body_joints": [self.dof_names[i] for i in self.upper_body_dof.tolist()],
                "fps": "resampled to 1 / control_dt", "upsample_data": dm.upsample_data,
                "default_data_fps": dm.default_data_fps if dm.default_data_fps > 0 else 1.0 / self.dt,
                "cut_off_import_length": dm.cut_off_import_length, "n_prepend": dm.n_prepend, "n_append": dm.n_append,
                "height_direct_offset": dm.height_direct_offset, "data_pattern": dm.human_video_data_pattern,
                "terrain_pattern": dm.human_video_terrain_pattern, "terrain_resolution": dm.terrain_resolution,
            },
            "init": {"init_velocities": dm.init_velocities, "respawn_z_offset": dm.respawn_z_offset,
                     "initial_action": "spawn_pose"},
            "termination": {
                "link_pos_error_threshold": dm.link_pos_error_threshold, "min_steps": 2,
                "terminate_after_contacts_on": list(a.terminate_after_contacts_on),
                "terminate_on_roll_pitch": a.terminate_on_roll_pitch, "terminate_below_height": a.terminate_below_height,
                "large_feet_contact_force_threshold": a.large_feet_contact_force_threshold
                if getattr(a, "terminate_after_large_feet_contact_forces", False) else 0.0,
                "contact_force_threshold": self.cfg.rewards.contact_force_threshold,
            },
            "height_scan": {
                "body": hs.body, "size": list(hs.size), "resolution": hs.resolution,
                "shape": list(self.height_scanner.shape), "max_distance": hs.max_distance,
                "frame": "heading-aligned grid, x-major; downward rays from the body origin",
            },
        }

