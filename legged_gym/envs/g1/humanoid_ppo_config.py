"""Configuration of ``humanoid_ppo``: Humanoid-Gym's walking task (XBot-L) adapted to the G1's 12 leg joints.

Humanoid-Gym's settings carried over: 1 kHz physics with a 100 Hz policy, 0.64 s gait cycle, a 47-value
single-frame actor observation stacked over ``env.frame_stack`` (15) frames and a 73-value privileged critic
observation stacked over ``env.c_frame_stack`` (3) frames, both oldest first and zero-filled after a reset;
its reward terms and scales, its domain randomisation and its PPO settings. G1 specifics: stiffer leg gains
for walking (hip 100, knee 150, ankle 40 N m/rad), the G1's default pose (offsets are ``q - q_default``), the
upper body held at its default pose by PD, a base-height target measured on the G1 pelvis, a reference-gait
amplitude (0.3 rad instead of 0.17) that lifts the G1's swing foot to the clearance target, and terminations on
pelvis height (< 0.5 m) and tilt (> 1 rad) besides Humanoid-Gym's base contact: the G1 folds onto its knees
without touching the ground with its pelvis. On the CPU backend 256 environments and 1950 iterations (30 M env
steps; Humanoid-Gym's 4096 environments would give a CPU too few updates in that budget); yaw-rate commands are drawn
directly; a policy left-right symmetric by construction (``policy.mirror_symmetric``, as ``g1``'s) on Humanoid-Gym's
PPO settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from legged_gym.envs.base.legged_robot_config import (
    AssetCfg,
    CommandRangesCfg,
    CommandsCfg,
    ControlCfg,
    DomainRandCfg,
    EnvCfg,
    InitStateCfg,
    LeggedRobotCfg,
    LeggedRobotCfgPPO,
    NoiseCfg,
    NoiseScalesCfg,
    NormalizationCfg,
    ObsScalesCfg,
    RewardsCfg,
    RewardScalesCfg,
    SimCfg,
    wandb_available,
)
from legged_gym.envs.g1.g1_config import LEG_JOINTS, GaitCfg, g1_init_state, g1_walking_control
from rsl_rl.config import AlgorithmCfg, PolicyCfg, RunnerCfg

# single frame of the actor (47 values on the G1's 12 leg joints)
ACTOR_TERMS = ["phase", "commands", "dof_pos", "dof_vel", "actions", "base_ang_vel", "base_euler_xyz"]
# single frame of the critic (73 values): Humanoid-Gym's privileged layout
CRITIC_TERMS = [
    "phase", "commands", "dof_pos", "dof_vel", "actions", "ref_dof_error", "base_lin_vel", "base_ang_vel",
    "base_euler_xyz", "push_force", "push_torque", "friction", "added_mass", "stance_mask", "contact_mask",
]


@dataclass
class HumanoidPPOEnvCfg(EnvCfg):
    """``obs_history`` is derived from the two stack sizes when the environment is built."""

    frame_stack: int = 15  # frames of the actor observation (oldest first)
    c_frame_stack: int = 3  # frames of the critic observation (oldest first)


@dataclass
class HumanoidPPOAssetCfg(AssetCfg):
    knee_name: str = "knee_link"  # bodies whose name contains this are knees (knee_distance)


@dataclass
class HumanoidPPORewardScales(RewardScalesCfg):
    """Humanoid-Gym's scales [per second]; the base terms it does not use are off."""

    joint_pos: float = 1.6
    feet_clearance: float = 1.0
    feet_contact_number: float = 1.2
    feet_air_time: float = 1.0
    foot_slip: float = -0.05
    feet_distance: float = 0.2
    knee_distance: float = 0.2
    feet_contact_forces: float = -0.01
    tracking_lin_vel: float = 1.2
    tracking_ang_vel: float = 1.1
    vel_mismatch_exp: float = 0.5
    low_speed: float = 0.2
    track_vel_hard: float = 0.5
    default_joint_pos: float = 0.5
    orientation: float = 1.0
    base_height: float = 0.2
    base_acc: float = 0.2
    action_smoothness: float = -0.002
    torques: float = -1e-5
    dof_vel: float = -5e-4
    dof_acc: float = -1e-7
    collision: float = -1.0
    lin_vel_z: float = 0.0
    ang_vel_xy: float = 0.0
    action_rate: float = 0.0


@dataclass
class HumanoidPPORewardsCfg(RewardsCfg):
    scales: HumanoidPPORewardScales = field(default_factory=HumanoidPPORewardScales)
    contact_force_threshold: float = 5.0  # [N] Humanoid-Gym's contact mask threshold
    only_positive_rewards: bool = True
    tracking_sigma: float = 0.2  # exp(-err / 0.2) = Humanoid-Gym's exp(-5 err)
    base_height_target: float = 0.78  # [m] pelvis above (mean stance-foot height - 0.05 m): G1 standing at default
    max_contact_force: float = 700.0  # [N]
    # [rad] swing-leg hip pitch amplitude of the reference gait. Humanoid-Gym's 0.17 lifts the G1's foot by only
    # 2.5 cm (forward kinematics from the default pose), far from the 6 cm that feet_clearance rewards; 0.3 lifts it
    # by 5.6 cm, so following the reference also earns the clearance reward
    target_joint_pos_scale: float = 0.3
    target_feet_height: float = 0.06  # [m] swing-foot lift rewarded by feet_clearance
    min_dist: float = 0.2  # [m] feet (and knees) closer than this are penalised
    max_dist: float = 0.5  # [m] feet farther than this (knees: half) are penalised


@dataclass
class HumanoidPPOObsScales(ObsScalesCfg):
    lin_vel: float = 2.0
    ang_vel: float = 1.0
    dof_pos: float = 1.0
    dof_vel: float = 0.05
    quat: float = 1.0  # base Euler angles
    body_mass: float = 1.0 / 30.0  # added base mass [kg]


@dataclass
class HumanoidPPONoiseScales(NoiseScalesCfg):
    """Gaussian standard deviations in physical units (times noise_level)."""

    dof_pos: float = 0.05
    dof_vel: float = 0.5
    ang_vel: float = 0.1
    lin_vel: float = 0.05
    quat: float = 0.03
    height_measurements: float = 0.1


def humanoid_ppo_control() -> ControlCfg:
    """``g1_walking_control`` (walking leg gains, only the legs driven) with a 100 Hz policy over 1 kHz physics."""
    c = g1_walking_control()
    c.decimation = 10
    return c


def humanoid_ppo_init_state() -> InitStateCfg:
    return g1_init_state()


@dataclass
class HumanoidPPOCfg(LeggedRobotCfg):
    env: HumanoidPPOEnvCfg = field(
        default_factory=lambda: HumanoidPPOEnvCfg(
            num_envs=4096,  # Humanoid-Gym's (GPU)
            cpu_num_envs=256,  # on the CPU backend: more updates per sample in a CPU's budget of env steps
            num_actions=len(LEG_JOINTS),
            episode_length_s=24.0,
            observations={"proprio": list(ACTOR_TERMS), "privileged": list(CRITIC_TERMS)},
            history_order={"proprio": "oldest_first", "privileged": "oldest_first"},
            history_reset={"proprio": "zeros", "privileged": "zeros"},
            obs_noise_keys=["proprio"],
        )
    )
    commands: CommandsCfg = field(
        # yaw-rate commands drawn directly (Humanoid-Gym steers by heading, which commands a rate only until the
        # heading is reached); ranges a little wider than the evaluated commands (vx 0.5 and -0.3, vy +-0.3,
        # yaw rate +-0.5)
        default_factory=lambda: CommandsCfg(
            resampling_time=8.0,
            heading_command=False,
            still_fraction=0.0,
            ranges=CommandRangesCfg(lin_vel_x=[-0.4, 0.7], lin_vel_y=[-0.4, 0.4], ang_vel_yaw=[-0.6, 0.6]),
        )
    )
    init_state: InitStateCfg = field(default_factory=humanoid_ppo_init_state)
    control: ControlCfg = field(default_factory=humanoid_ppo_control)
    asset: HumanoidPPOAssetCfg = field(
        default_factory=lambda: HumanoidPPOAssetCfg(
            mass_body="pelvis",
            penalize_contacts_on=["pelvis"],
            terminate_after_contacts_on=["pelvis", "torso"],
            # the G1 can kneel or sit with its pelvis and torso clear of the ground, which a contact-only
            # termination never ends (and positive-only rewards keep paying): end it by height and tilt too,
            # with sim2sim's fall criteria
            terminate_below_height=0.5,
            terminate_on_roll_pitch=1.0,
        )
    )
    domain_rand: DomainRandCfg = field(
        default_factory=lambda: DomainRandCfg(
            randomize_friction=True,
            friction_range=[0.1, 2.0],
            randomize_base_mass=True,
            added_mass_range=[-5.0, 5.0],
            push_robots=True,
            max_push_vel_interval=4.0,
            max_push_vel_xy=0.2,
            max_push_vel_z=0.0,
            max_push_ang_vel=0.4,
            action_delay=0.5,
            action_noise=0.02,
        )
    )
    rewards: HumanoidPPORewardsCfg = field(default_factory=HumanoidPPORewardsCfg)
    normalization: NormalizationCfg = field(
        default_factory=lambda: NormalizationCfg(
            obs_scales=HumanoidPPOObsScales(), clip_observations=18.0, clip_actions=18.0
        )
    )
    noise: NoiseCfg = field(
        default_factory=lambda: NoiseCfg(add_noise=True, noise_level=0.6, noise_scales=HumanoidPPONoiseScales())
    )
    sim: SimCfg = field(default_factory=lambda: SimCfg(dt=0.001))
    gait: GaitCfg = field(default_factory=lambda: GaitCfg(period=0.64, offset=0.5, stance_fraction=0.5))
    seed: int = 5


@dataclass
class HumanoidPPOCfgPPO(LeggedRobotCfgPPO):
    seed: int = 5
    policy: PolicyCfg = field(
        default_factory=lambda: PolicyCfg(
            init_noise_std=1.0,
            actor_hidden_dims=[512, 256, 128],
            critic_hidden_dims=[768, 256, 128],
            obs_proc_actor={"history_proprio": "flatten"},
            obs_proc_critic={"history_privileged": "flatten"},
            # actor mirror-equivariant and critic mirror-invariant by construction, as g1's: from scratch (run
            # msym_s1) 0 falls in every command probe from 1.9 M to 10 M env steps, where the run with mirror
            # augmentation and loss only (sym_s1) lost its deterministic gait at 8-10 M (0 -> 68 probe falls while
            # its mirror loss grew; benchmarks/results/walking_humanoid_ppo)
            mirror_symmetric=True,
        )
    )
    # Humanoid-Gym's PPO settings plus left-right symmetric PPO (mirror augmentation and loss; rsl_rl.algorithms.
    # symmetry), which the mirror-symmetric policy above makes no-ops (skipped) and which give a plain policy
    # (--train.policy.mirror_symmetric=False) its symmetry back: with them from scratch it walked forward at 0.39 m/s
    # by 2.3 M env steps, where the run without any mirror moved at 0.14 m/s at 5.8 M
    algorithm: AlgorithmCfg = field(
        default_factory=lambda: AlgorithmCfg(
            symmetry_augmentation=True,
            symmetry_loss_coef=1.0,
            entropy_coef=0.001,
            learning_rate=1e-5,
            schedule="adaptive",
            desired_kl=0.01,
            num_learning_epochs=2,
            num_mini_batches=4,
            gamma=0.994,
            lam=0.9,
        )
    )
    runner: RunnerCfg = field(
        default_factory=lambda: RunnerCfg(
            experiment_name="humanoid_ppo", num_steps_per_env=60, max_iterations=3001,
            cpu_max_iterations=1950, save_interval=100, eval_interval=25,  # the command probe, about 7 s a time
            use_wandb=wandb_available(),
        )
    )
