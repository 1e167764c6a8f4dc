"""Configuration of motion-tracking (DeepMimic) environments: data sources, sampling, terminations, rewards.

Field names follow the seed system's command line (``--env.deepmimic.n_append=50`` and so on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from legged_gym.envs.base.legged_robot_config import (
    AssetCfg,
    LeggedRobotCfg,
    RewardScalesCfg,
    RewardsCfg,
)

G1_TRACKED_BODIES = [
    "pelvis",
    "left_hip_pitch_link",
    "left_knee_link",
    "left_ankle_roll_link",
    "right_hip_pitch_link",
    "right_knee_link",
    "right_ankle_roll_link",
    "left_shoulder_pitch_link",
    "left_elbow_link",
    "left_wrist_yaw_link",
    "right_shoulder_pitch_link",
    "right_elbow_link",
    "right_wrist_yaw_link",
]


@dataclass
class DeepMimicCfg:
    # --- data sources ---------------------------------------------------------------------------
    use_amass: bool = True  # motion-capture clips (paired with flat and generated rough terrains)
    amass_data_root: str = "{LEGGED_GYM_ROOT_DIR}/resources/motions/sample/mocap"
    amass_replay_data_path: str = "*.pkl"  # glob under amass_data_root (pkl, csv, npz); or an absolute path
    amass_terrain_difficulty: int = 1  # each mocap clip gets terrains flat, rough_d1 .. rough_d(D-1); 1 = flat only
    use_human_videos: bool = True  # clips reconstructed from videos, each with its own terrain mesh
    data_root: str = "{LEGGED_GYM_ROOT_DIR}/resources/motions/sample/videos"
    alt_data_root: str | None = None  # searched when a folder is not found in data_root
    human_video_folders: list[str] = field(default_factory=lambda: ["walk_up_step"])  # folder names (substring match)
    human_motion_source: str | None = None  # motion list .yaml (folders + their teacher runs) or one folder name; replaces human_video_folders
    teacher_experiment_name: str = "g1_deepmimic"  # log folder (under the log root) holding the motion list's teacher runs
    human_video_data_pattern: str = "retarget_poses_g1.h5"
    human_video_terrain_pattern: str = "background_mesh.obj"
    human_video_oversample_factor: int = 1  # repeat each video clip (and its terrain) this many times
    auto_flat_if_mesh_missing: bool = False  # a video folder without a mesh gets a flat terrain instead of an error
    is_csv_joint_only: bool = False  # mocap files are Unitree 36-column CSVs (links and contacts from kinematics)
    default_data_fps: float = -1.0  # fps of files that do not store one (-1 = the control rate)
    upsample_data: bool = True  # resample clips to the control rate (error otherwise when rates differ)
    terrain_resolution: float = 0.05  # [m] grid of the height field cast from terrain meshes
    max_motion_array_bytes: int = 1 << 30  # one array of a motion file, checked before it is read (1 GiB)
    max_terrain_cells: int = 16_000_000  # height samples one clip's terrain may have (64 MB); refused beyond
    # --- clip processing ------------------------------------------------------------------------
    cut_off_import_length: int = -1  # keep the first N control-rate frames of each clip (-1 = all)
    n_prepend: int = 0  # repeat the first frame N times
    n_append: int = 0  # repeat the last frame N times (trains holding the final pose)
    height_direct_offset: float = 0.0  # [m] added to reference root and link heights
    tracked_body_names: list[str] = field(default_factory=lambda: list(G1_TRACKED_BODIES))
    extra_link_names: list[str] = field(default_factory=lambda: ["torso_link"])
    contact_names: list[str] = field(default_factory=lambda: ["left_foot", "right_foot"])
    contact_bodies: list[str] = field(default_factory=lambda: ["left_ankle_roll_link", "right_ankle_roll_link"])
    upper_body_joint_names: list[str] = field(
        default_factory=lambda: ["waist", "shoulder", "elbow"]
    )  # substrings selecting the joints of upper_body_joint_targets
    # --- reference-state initialisation and sampling --------------------------------------------
    init_velocities: bool = True  # start with the reference's velocities
    randomize_start_offset: bool = True  # start anywhere in a clip (else at frame 0 of a uniform clip)
    # start frame within a clip: "uniform" | "linear" (favours early frames) | "failure_adaptive" (1 s bins drawn by
    # where episodes fail, and just before; legged_gym.motion.sampling.FailureBins)
    weighting_strategy: Literal["uniform", "linear", "failure_adaptive"] = "uniform"
    clip_weighting_strategy: Literal["uniform_step", "uniform_clip", "success_rate_adaptive"] = "success_rate_adaptive"
    respawn_z_offset: float = 0.0  # [m] spawn this much above the reference root (the reference is not moved)
    init_default_frac: float = 0.0  # fraction of resets that start from the default joint pose
    init_dof_pos_noise: float = 0.0  # [rad] Gaussian noise on the initial joint angles
    init_root_xy_noise: float = 0.0  # [m]
    init_root_z_noise: float = 0.0  # [m]
    # --- episodes -------------------------------------------------------------------------------
    link_pos_error_threshold: float = 0.3  # [m] terminate when any tracked link is this far from its target
    truncate_rollout_length: int = -1  # cap episodes at this many steps (-1 = until the clip ends)
    num_next_obs: int = 1  # reference frames ahead shown in the `deepmimic` observation
    randomize_terrain_offset: bool = False  # jitter spawn xy within flat terrains
    terrain_offset_range: float = 0.0  # [m]
    viz_replay: bool = False  # kinematic replay: teleport the robot along the reference every step


@dataclass
class DeepMimicAssetCfg(AssetCfg):
    terminate_after_large_feet_contact_forces: bool = False
    large_feet_contact_force_threshold: float = 1000.0  # [N]
    use_alt_files: bool = False  # choose the robot file per rank from [file] + alt_files
    alt_files: list[str] = field(default_factory=list)
    penalize_contacts_on: list[str] = field(default_factory=lambda: ["wrist_yaw"])  # the hands


@dataclass
class DeepMimicRewardScales(RewardScalesCfg):
    """The seed's tracking rewards and default scales (per second; multiplied by dt)."""

    tracking_lin_vel: float = 0.0
    tracking_ang_vel: float = 0.0
    lin_vel_z: float = 0.0
    ang_vel_xy: float = 0.0
    torques: float = 0.0
    dof_acc: float = 0.0
    feet_air_time: float = 0.0
    joint_pos_tracking: float = 120.0
    joint_vel_tracking: float = 24.0
    link_pos_tracking: float = 30.0
    link_vel_tracking: float = 5.0
    torso_pos_tracking: float = 15.0
    torso_orientation_tracking: float = 15.0
    root_orientation_tracking: float = 15.0
    root_pos_tracking: float = 0.0
    root_vel_tracking: float = 0.0
    root_ang_vel_tracking: float = 0.0
    feet_contact_matching: float = 1.0
    contact_no_vel: float = -100.0
    collision: float = -15.0
    dof_pos_limits: float = -50.0
    action_rate: float = -0.2
    termination: float = -500.0
    alive: float = 0.0
    action_accel: float = 0.0
    ankle_action: float = 0.0
    feet_orientation: float = 0.0
    energy: float = 0.0


@dataclass
class DeepMimicRewardsCfg(RewardsCfg):
    scales: RewardScalesCfg = field(default_factory=DeepMimicRewardScales)
    only_positive_rewards: bool = False
    soft_dof_pos_limit: float = 0.98
    joint_pos_tracking_k: float = 2.0
    joint_vel_tracking_k: float = 0.01
    link_pos_tracking_k: float = 5.0
    link_vel_tracking_k: float = 0.1
    torso_pos_tracking_k: float = 50.0
    torso_orientation_tracking_k: float = 3.0
    root_orientation_tracking_k: float = 3.0
    root_pos_tracking_k: float = 20.0
    root_vel_tracking_k: float = 10.0
    root_ang_vel_tracking_k: float = 0.01
    feet_orientation_k: float = 6.0


@dataclass
class HeightSensorCfg:
    size: list[float] = field(default_factory=lambda: [1.0, 1.0])  # [m] grid extent under the body
    resolution: float = 0.1  # [m] -> 11 x 11 rays for a 1 m grid
    body: str = "torso_link"
    max_distance: float = 5.0  # [m]
    # terrain_height_noisy: the seed's noise model
    white_noise: float = 0.02  # [m] per-step Gaussian noise
    offset_noise: float = 0.02  # [m] per-environment constant offset
    roll_pitch_noise: float = 0.04  # [rad] per-environment sensor tilt
    yaw_noise: float = 0.08  # [rad]
    max_delay: int = 3  # pose delay drawn from {0 .. max_delay - 1} steps
    update_period_range: list[int] = field(default_factory=lambda: [1, 5])  # held for U[lo, hi) steps
    bad_ray_fraction: float = 0.01  # rays replaced by U[0, 2 * mean]


@dataclass
class LeggedRobotDeepMimicCfg(LeggedRobotCfg):
    deepmimic: DeepMimicCfg = field(default_factory=DeepMimicCfg)
    asset: AssetCfg = field(default_factory=DeepMimicAssetCfg)
    rewards: RewardsCfg = field(default_factory=DeepMimicRewardsCfg)
    height_sensor: HeightSensorCfg = field(default_factory=HeightSensorCfg)
