"""Configuration of :class:`~legged_gym.envs.base.legged_robot.LeggedRobot` as typed dataclasses.

Units sit in trailing comments. Tasks subclass these classes (or build instances and edit a few
fields) and register them with the task registry. Every field can be overridden from the command
line as ``--env.<section>.<field>=<value>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rsl_rl.config import RunnerCfg, TrainCfg



@dataclass
class EnvCfg:
    num_envs: int = 4096
    cpu_num_envs: int | None = None  # environments on the CPU backend when neither --num_envs nor env.num_envs is given
    num_actions: int = 23
    episode_length_s: float = 20.0  # [s]
    # observation key -> terms concatenated into it (each term is a method `_obs_<term>` of the env)
    observations: dict[str, list[str]] = field(default_factory=dict)
    # observation key -> number of frames kept as `history_<key>` (N, H, ...)
    obs_history: dict[str, int] = field(default_factory=dict)
    history_newest_first: bool = True  # frame order inside history_<key>
    # per-key frame order, "newest_first" | "oldest_first"; keys not listed follow history_newest_first
    history_order: dict[str, str] = field(default_factory=dict)
    # per-key history content after a reset: "first_frame" (every slot holds the first frame; the default) or
    # "zeros" (older slots zero, the newest slot holds the first frame, as a zero-filled deque)
    history_reset: dict[str, str] = field(default_factory=dict)
    obs_noise_keys: list[str] | None = None  # keys that receive observation noise (None = all)


@dataclass
class TerrainCfg:
    # velocity tasks: "plane" | "heightfield"; tracking tasks: "deepmimic" (each clip's own terrain, always)
    mesh_type: Literal["plane", "heightfield", "deepmimic"] = "plane"
    size: list[float] = field(default_factory=lambda: [20.0, 20.0])  # [m] extent of a generated height field
    resolution: float = 0.1  # [m] grid spacing of a generated height field
    roughness: float = 0.05  # [m] peak-to-peak height of random bumps on a generated height field
    smoothing: int = 1  # box-filter passes applied to the random bumps
    spawn_margin: float = 2.0  # [m] keep spawn points this far from the height field's border
    n_rows: int = 1  # rows of terrain copies (motion-tracking tasks)
    max_rows: int = 16  # rows actually built; row r uses copy r % max_rows (MuJoCo worlds never collide)
    flat_as_plane: bool = True  # tracking tasks: a terrain that is flat at z = 0 everywhere becomes a plane
    friction: float = 1.0  # sliding friction of the ground (combined with the robot's: domain_rand.friction_combine)


@dataclass
class CommandRangesCfg:
    lin_vel_x: list[float] = field(default_factory=lambda: [-1.0, 1.0])  # [m/s]
    lin_vel_y: list[float] = field(default_factory=lambda: [-1.0, 1.0])  # [m/s]
    ang_vel_yaw: list[float] = field(default_factory=lambda: [-1.0, 1.0])  # [rad/s]
    heading: list[float] = field(default_factory=lambda: [-3.14, 3.14])  # [rad]


@dataclass
class CommandsCfg:
    resampling_time: float = 10.0  # [s]
    heading_command: bool = True  # compute the yaw-rate command from a heading error
    still_fraction: float = 0.1  # fraction of environments commanded to stand still
    ranges: CommandRangesCfg = field(default_factory=CommandRangesCfg)


@dataclass
class InitStateCfg:
    pos: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.78])  # [m]
    rot: list[float] = field(default_factory=lambda: [1.0, 0.0, 0.0, 0.0])  # w, x, y, z
    lin_vel: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # [m/s]
    ang_vel: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # [rad/s]
    default_joint_angles: dict[str, float] = field(default_factory=dict)  # [rad] joint name -> angle, others 0
    dof_pos_noise_scale: float = 0.0  # reset joints at default * U(1 - s, 1 + s)
    root_vel_noise: float = 0.0  # [m/s, rad/s] uniform root velocity noise at reset


@dataclass
class ControlCfg:
    # PD position targets: tau = kp * (action_scale * a + q0 - q) - kd * qdot
    # PD gains by joint-name substring [N*m/rad], [N*m*s/rad]; the longest matching key wins
    stiffness: dict[str, float] = field(default_factory=dict)
    damping: dict[str, float] = field(default_factory=dict)
    action_scale: float = 0.25
    decimation: int = 4  # physics steps per policy step
    beta: float = 1.0  # action EMA: a = beta * clip(a_new) + (1 - beta) * a_prev (1.0 = no filter)
    # joint names the policy drives, in action order; the other actuated joints are held at their default
    # angles by PD (None = every actuated joint, in the robot file's actuator order)
    policy_joints: list[str] | None = None


@dataclass
class AssetCfg:
    file: str = "{LEGGED_GYM_ROOT_DIR}/resources/robots/g1/g1_23dof.xml"
    name: str = "g1"
    foot_name: str = "ankle_roll"  # bodies whose name contains this are feet
    mass_body: str = "torso_link"  # body that receives added-mass randomisation
    penalize_contacts_on: list[str] = field(default_factory=list)  # body name substrings
    terminate_after_contacts_on: list[str] = field(default_factory=list)  # body name substrings
    terminate_on_roll_pitch: float = 0.0  # [rad] end the episode beyond this tilt (0 = off)
    terminate_below_height: float = 0.0  # [m] end the episode when the base is this low above ground (0 = off)


@dataclass
class DomainRandCfg:
    randomize_friction: bool = True
    friction_range: list[float] = field(default_factory=lambda: [0.1, 1.25])
    friction_buckets: int = 64  # draw this many friction values and give each env one of them (0 = one per env)
    # how the robot's drawn friction meets the ground's (terrain.friction): "average" = (mu + mu_ground) / 2, the
    # seed engine's default combine rule, so [0.1, 1.25] acts as [0.55, 1.125]; "max" = MuJoCo's own rule (the
    # larger of the two), i.e. the drawn value itself acts, down to 0.1. Either way the backend writes the
    # resulting contact friction into every geom of the environment's model, terrain included.
    friction_combine: Literal["average", "max"] = "average"
    randomize_base_mass: bool = False
    added_mass_range: list[float] = field(default_factory=lambda: [-1.0, 3.0])  # [kg] on asset.mass_body
    push_robots: bool = False
    max_push_vel_interval: float = 10.0  # [s] between pushes (the seed's name; legged_gym: push_interval_s)
    max_push_vel_xy: float = 0.25  # [m/s] added to the root velocity
    max_push_vel_z: float = 0.1  # [m/s]
    torque_rfi_rand: bool = False  # random torque injection each physics step
    torque_rfi_rand_scale: float = 0.04  # fraction of each joint's effort limit
    p_gain_rand: bool = False
    p_gain_rand_scale: float = 0.03  # kp *= 1 + scale * N(0, 1), per joint, per episode
    d_gain_rand: bool = False
    d_gain_rand_scale: float = 0.03
    control_delays: bool = False
    control_delay_min: int = 0  # [physics steps]
    control_delay_max: int = 5  # [physics steps]
    max_push_ang_vel: float = 0.0  # [rad/s] added to the root angular velocity at pushes (uniform per axis)
    action_delay: float = 0.0  # a <- (1 - u) a + u a_prev, u ~ U[0, action_delay) per env and step (0 = off)
    action_noise: float = 0.0  # a <- a + action_noise * N(0, 1) * a per env, joint and step (0 = off)


@dataclass
class RewardScalesCfg:
    """Scales per reward term [per second]; a zero scale removes the term. Tasks subclass this."""

    termination: float = 0.0
    tracking_lin_vel: float = 1.0
    tracking_ang_vel: float = 0.5
    lin_vel_z: float = -2.0
    ang_vel_xy: float = -0.05
    orientation: float = 0.0
    torques: float = -0.00001
    dof_vel: float = 0.0
    dof_acc: float = -2.5e-7
    base_height: float = 0.0
    feet_air_time: float = 1.0
    collision: float = -1.0
    action_rate: float = -0.01
    stand_still: float = 0.0
    dof_pos_limits: float = 0.0
    alive: float = 0.0


@dataclass
class RewardsCfg:
    contact_force_threshold: float = 1.0  # [N] a foot is in contact above this vertical force (every task's feet)
    scales: RewardScalesCfg = field(default_factory=RewardScalesCfg)
    only_positive_rewards: bool = True  # clip the summed reward at zero (termination is added after)
    tracking_sigma: float = 0.25  # tracking reward = exp(-error^2 / sigma)
    tracking_sigma_yaw: float | None = None  # sigma of the yaw-rate tracking reward (None: tracking_sigma)
    soft_dof_pos_limit: float = 1.0  # fraction of the joint range before penalties start
    base_height_target: float = 0.78  # [m]
    max_contact_force: float = 500.0  # [N]
    feet_air_time_target: float = 0.5  # [s]
    feet_swing_height_target: float = 0.08  # [m]


@dataclass
class ObsScalesCfg:
    lin_vel: float = 2.0
    ang_vel: float = 0.25
    dof_pos: float = 1.0
    dof_vel: float = 0.05
    height_measurements: float = 5.0


@dataclass
class NormalizationCfg:
    obs_scales: ObsScalesCfg = field(default_factory=ObsScalesCfg)
    clip_observations: float = 100.0
    clip_actions: float = 100.0


@dataclass
class NoiseScalesCfg:
    """Uniform noise amplitude per observation term, in the term's physical units (before obs scaling)."""

    dof_pos: float = 0.01  # [rad]
    dof_vel: float = 1.5  # [rad/s]
    lin_vel: float = 0.1  # [m/s]
    ang_vel: float = 0.2  # [rad/s]
    gravity: float = 0.05
    height_measurements: float = 0.1  # [m]
    torso_rel: float = 0.01  # [m, rad] Gaussian noise of the root-relative targets (tracking tasks)
    reference_vel: float = 0.05  # [m/s, rad/s] Gaussian noise of the reference root velocity (tracking tasks)


@dataclass
class NoiseCfg:
    add_noise: bool = True
    noise_level: float = 1.0  # multiplies every noise scale
    noise_scales: NoiseScalesCfg = field(default_factory=NoiseScalesCfg)


@dataclass
class SimCfg:
    dt: float = 0.005  # [s] physics step
    num_threads: int = 0  # CPU backend worker threads (0 = all cores)
    solver_iterations: int = 10
    max_variant_memory_mb: float = 1024.0  # CPU backend: memory for randomised per-environment model copies
    nconmax: int = 64  # MuJoCo Warp backend: contacts allocated per environment
    njmax: int = 256  # MuJoCo Warp backend: constraint rows allocated per environment
    graph_capture: bool = True  # MuJoCo Warp backend on CUDA: replay the physics substeps as a CUDA graph
    raise_on_overflow: bool = True  # MuJoCo Warp backend: buffer overflow raises (else counted and logged)


@dataclass
class ViserCfg:
    """The web viewer of ``play.py`` (``legged_gym/viewer``); open ``http://<host>:<port>`` in a browser."""

    enable: bool = False
    host: str = "127.0.0.1"  # loopback only; "0.0.0.0" serves every interface
    port: int = 8080
    env_id: int = 0  # the environment shown
    plot_window: int = 250  # control steps kept in the live plots


@dataclass
class LeggedRobotCfg:
    """Top-level environment configuration."""

    env: EnvCfg = field(default_factory=EnvCfg)
    terrain: TerrainCfg = field(default_factory=TerrainCfg)
    commands: CommandsCfg = field(default_factory=CommandsCfg)
    init_state: InitStateCfg = field(default_factory=InitStateCfg)
    control: ControlCfg = field(default_factory=ControlCfg)
    asset: AssetCfg = field(default_factory=AssetCfg)
    domain_rand: DomainRandCfg = field(default_factory=DomainRandCfg)
    rewards: RewardsCfg = field(default_factory=RewardsCfg)
    normalization: NormalizationCfg = field(default_factory=NormalizationCfg)
    noise: NoiseCfg = field(default_factory=NoiseCfg)
    sim: SimCfg = field(default_factory=SimCfg)
    viser: ViserCfg = field(default_factory=ViserCfg)
    seed: int = 1


def wandb_available() -> bool:
    """Whether the optional ``wandb`` package is installed (Weights & Biases logging defaults to on if so)."""
    import importlib.util

    return importlib.util.find_spec("wandb") is not None


def default_runner() -> RunnerCfg:
    """rsl_rl's runner defaults, with Weights & Biases on when installed (``--no_use_wandb`` turns it off)."""
    return RunnerCfg(use_wandb=wandb_available())


@dataclass
class LeggedRobotCfgPPO(TrainCfg):
    """Training configuration (rsl_rl's :class:`~rsl_rl.config.TrainCfg`)."""

    runner: RunnerCfg = field(default_factory=default_runner)
