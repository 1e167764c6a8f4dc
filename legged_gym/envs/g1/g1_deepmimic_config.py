"""G1 motion-tracking tasks: the teacher (``g1_deepmimic``), mocap, DAgger student and height-map variants.

Observation keys follow the seed: ``torso`` (79, privileged), ``torso_real`` (75, noisy proprioception)
and its 5-frame history (375), root-relative targets ``torso_xy_rel``/``torso_yaw_rel`` with 5-frame
histories, ``target_joints`` (23), ``target_root_roll``/``_pitch``, ``deepmimic`` (129, privileged),
``upper_body_joint_targets`` (11), ``terrain_height``/``terrain_height_noisy`` (11 x 11). The DAgger tasks
also expose ``teacher_checkpoint_index`` (1), the teacher of each env's clip, for multi-teacher distillation.
The teacher actor reads 415 values and the critic 623, as in the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from legged_gym.envs.base.deepmimic_config import (
    DeepMimicAssetCfg,
    DeepMimicCfg,
    DeepMimicRewardScales,
    DeepMimicRewardsCfg,
    LeggedRobotDeepMimicCfg,
)
from legged_gym.envs.base.legged_robot_config import (
    AssetCfg,
    ControlCfg,
    EnvCfg,
    InitStateCfg,
    LeggedRobotCfgPPO,
    NoiseCfg,
    NormalizationCfg,
    RewardsCfg,
    TerrainCfg,
    wandb_available,
)
from legged_gym.envs.g1.g1_config import g1_init_state, g1_tracking_control
from rsl_rl.config import AlgorithmCfg, DAggerCfg, PolicyCfg, RunnerCfg

TORSO_TERMS = ["root_height", "base_lin_vel", "base_ang_vel", "projected_gravity", "dof_pos", "dof_vel", "actions"]
TORSO_REAL_TERMS = ["base_ang_vel", "projected_gravity", "dof_pos", "dof_vel", "actions"]
TEACHER_KEYS = {
    "torso": TORSO_TERMS,
    "torso_real": TORSO_REAL_TERMS,
    "deepmimic": ["deepmimic"],
    "torso_xy_rel": ["torso_xy_rel"],
    "torso_yaw_rel": ["torso_yaw_rel"],
    "target_joints": ["target_joints"],
    "target_root_roll": ["target_root_roll"],
    "target_root_pitch": ["target_root_pitch"],
}
# the index of each env's clip teacher: read by a multi-teacher DAgger (algorithm.use_multi_teacher), by no network
TEACHER_INDEX_KEY = {"teacher_checkpoint_index": ["teacher_checkpoint_index"]}
HISTORY = {"torso_real": 5, "torso_xy_rel": 5, "torso_yaw_rel": 5}
NOISY_KEYS = ["torso_real", "torso_xy_rel", "torso_yaw_rel"]

TEACHER_ACTOR = {
    "history_torso_real": "flatten",
    "history_torso_xy_rel": "flatten",
    "history_torso_yaw_rel": "flatten",
    "target_joints": "identity",
    "target_root_roll": "identity",
    "target_root_pitch": "identity",
}
TEACHER_CRITIC = {"torso": "identity", "deepmimic": "identity", **TEACHER_ACTOR}


def deepmimic_env(extra_keys: dict[str, list[str]] | None = None, num_envs: int = 4096) -> EnvCfg:
    """Env section with the teacher's keys plus ``extra_keys``: the seed's 4096 environments on a GPU, 256 on the CPU
    backend (a 2-core machine collects about 2,500 env steps/s with them, learning included)."""
    keys = {**TEACHER_KEYS, **(extra_keys or {})}
    return EnvCfg(
        num_envs=num_envs,
        cpu_num_envs=256,
        num_actions=23,
        observations=keys,
        obs_history=dict(HISTORY),
        history_newest_first=True,
        obs_noise_keys=list(NOISY_KEYS),
    )


@dataclass
class G1DeepMimicCfg(LeggedRobotDeepMimicCfg):
    env: EnvCfg = field(default_factory=deepmimic_env)
    terrain: TerrainCfg = field(default_factory=lambda: TerrainCfg(mesh_type="deepmimic", n_rows=4))
    init_state: InitStateCfg = field(default_factory=g1_init_state)
    control: ControlCfg = field(default_factory=g1_tracking_control)
    normalization: NormalizationCfg = field(default_factory=lambda: NormalizationCfg(clip_actions=8.0))
    asset: AssetCfg = field(default_factory=DeepMimicAssetCfg)
    deepmimic: DeepMimicCfg = field(default_factory=DeepMimicCfg)


@dataclass
class G1DeepMimicMocapRewardScales(DeepMimicRewardScales):
    contact_no_vel: float = -5.0  # the seed's mocap config says +5 (rewarding sliding); we penalise
    feet_air_time: float = 0.0
    dof_pos_limits: float = -5.0
    action_rate: float = -0.1


@dataclass
class G1DeepMimicMocapCfg(G1DeepMimicCfg):
    """Motion-capture clips only, the seed's mocap settings: no observation noise, long clips cut at 1000 frames."""

    deepmimic: DeepMimicCfg = field(
        default_factory=lambda: DeepMimicCfg(
            use_human_videos=False, cut_off_import_length=1000, link_pos_error_threshold=0.5
        )
    )
    rewards: RewardsCfg = field(default_factory=lambda: DeepMimicRewardsCfg(scales=G1DeepMimicMocapRewardScales()))
    noise: NoiseCfg = field(default_factory=lambda: NoiseCfg(add_noise=False))


@dataclass
class G1DeepMimicDaggerCfg(G1DeepMimicCfg):
    """Student environment: adds the upper-body joint targets the student sees, and each env's teacher index."""

    env: EnvCfg = field(
        default_factory=lambda: deepmimic_env(
            {"upper_body_joint_targets": ["upper_body_joint_targets"], **TEACHER_INDEX_KEY}
        )
    )


@dataclass
class G1DeepMimicHeightfieldCfg(G1DeepMimicCfg):
    """Teacher with the clean 11 x 11 height map under the torso."""

    env: EnvCfg = field(default_factory=lambda: deepmimic_env({"terrain_height": ["terrain_height"]}))


@dataclass
class G1DeepMimicRootHeightfieldCfg(G1DeepMimicCfg):
    """Student environment: proprioception history, root-relative targets, the noisy height map, teacher index."""

    env: EnvCfg = field(
        default_factory=lambda: deepmimic_env(
            {"terrain_height": ["terrain_height"], "terrain_height_noisy": ["terrain_height_noisy"], **TEACHER_INDEX_KEY}
        )
    )


def deepmimic_runner(name: str = "g1_deepmimic") -> RunnerCfg:
    return RunnerCfg(
        experiment_name=name, num_steps_per_env=24, max_iterations=10000, cpu_max_iterations=1500, save_interval=500,
        eval_interval=25, use_wandb=wandb_available(),
    )


# the seed's PPO settings of the tracking tasks
_DEEPMIMIC_PPO: dict[str, object] = dict(
    entropy_coef=0.0025, learning_rate=1e-3, schedule="adaptive", desired_kl=0.02, lr_adapt_factor=1.2,
    num_learning_epochs=5, num_mini_batches=4, gamma=0.99, lam=0.95, max_grad_norm=1.0, bounds_loss_coef=5e-4,
)


def deepmimic_algorithm(**kw: object) -> AlgorithmCfg:
    """The seed's PPO settings for the G1 tracking tasks."""
    return AlgorithmCfg(**{**_DEEPMIMIC_PPO, **kw})  # type: ignore[arg-type]


def deepmimic_dagger(**kw: object) -> DAggerCfg:
    """The seed's PPO settings plus behaviour cloning (``bc_loss_coef``) for the DAgger students."""
    return DAggerCfg(**{**_DEEPMIMIC_PPO, **kw})  # type: ignore[arg-type]


@dataclass
class G1DeepMimicCfgPPO(LeggedRobotCfgPPO):
    policy: PolicyCfg = field(
        default_factory=lambda: PolicyCfg(
            init_noise_std=0.8, obs_proc_actor=dict(TEACHER_ACTOR), obs_proc_critic=dict(TEACHER_CRITIC),
            normalize_obs=True,
        )
    )
    algorithm: AlgorithmCfg = field(default_factory=deepmimic_algorithm)
    runner: RunnerCfg = field(default_factory=deepmimic_runner)


@dataclass
class G1DeepMimicHeightfieldCfgPPO(G1DeepMimicCfgPPO):
    """The teacher plus the height map projected into the first hidden layer through a zero-initialised gate."""

    policy: PolicyCfg = field(
        default_factory=lambda: PolicyCfg(
            init_noise_std=0.8,
            normalize_obs=True,
            obs_proc_actor={**TEACHER_ACTOR, "terrain_height": "gated_to_hidden"},
            obs_proc_critic={**TEACHER_CRITIC, "terrain_height": "gated_to_hidden"},
        )
    )


@dataclass
class G1DeepMimicCfgDagger(G1DeepMimicCfgPPO):
    """Student cloned from a teacher run (``--train.algorithm.policy_to_clone=<run dir or checkpoint>``)."""

    policy: PolicyCfg = field(
        default_factory=lambda: PolicyCfg(
            init_noise_std=0.8,
            normalize_obs=True,
            obs_proc_actor={
                "history_torso_real": "flatten",
                "history_torso_xy_rel": "flatten",
                "history_torso_yaw_rel": "flatten",
                "upper_body_joint_targets": "identity",
            },
            obs_proc_critic=dict(TEACHER_CRITIC),
        )
    )
    algorithm: AlgorithmCfg = field(
        default_factory=lambda: deepmimic_dagger(bc_loss_coef=1.0, learning_rate=1e-4, schedule="fixed")
    )
    runner: RunnerCfg = field(default_factory=lambda: deepmimic_runner("g1_deepmimic_dagger"))


def student_policy(actor: dict[str, str]) -> PolicyCfg:
    """The deployable student's network: ``actor`` inputs, MLP 1024-512-256-128, the teacher's critic plus the clean
    height map projected into its first hidden layer."""
    return PolicyCfg(
        init_noise_std=0.8,
        normalize_obs=True,
        actor_hidden_dims=[1024, 512, 256, 128],
        obs_proc_actor=actor,
        obs_proc_critic={**TEACHER_CRITIC, "terrain_height": "gated_to_hidden"},
    )


ROOT_HISTORY_ACTOR = {  # proprioception and root-relative target histories (no reference joints)
    "history_torso_real": "flatten",
    "history_torso_xy_rel": "flatten",
    "history_torso_yaw_rel": "flatten",
}
NO_HISTORY_ACTOR = {  # proprioception history, the current root-relative target only
    "history_torso_real": "flatten",
    "torso_xy_rel": "identity",
    "torso_yaw_rel": "identity",
}
HEIGHT_MAP = {"terrain_height_noisy": "gated_to_hidden"}


def student_dagger(name: str, actor: dict[str, str]) -> G1DeepMimicCfgPPO:
    """A DAgger student (``--train.algorithm.policy_to_clone=<teacher run>``): BC weight 1, fixed lr 1e-3."""
    return G1DeepMimicCfgPPO(
        policy=student_policy(actor),
        algorithm=deepmimic_dagger(bc_loss_coef=1.0, learning_rate=1e-3, schedule="fixed"),
        runner=deepmimic_runner(name),
    )


def student_ppo(name: str, actor: dict[str, str]) -> G1DeepMimicCfgPPO:
    """A student-layout policy trained by RL alone."""
    return G1DeepMimicCfgPPO(policy=student_policy(actor), runner=deepmimic_runner(name))


def proj_heightfield_ppo() -> G1DeepMimicCfgPPO:
    """Stage 2 (terrain tracking): the teacher plus the clean height map projected into the first hidden layer
    through a zero-initialised gate, so a stage-1 checkpoint loads non-strictly and acts exactly as before."""
    return G1DeepMimicCfgPPO(
        policy=PolicyCfg(
            init_noise_std=0.8,
            normalize_obs=True,
            obs_proc_actor={**TEACHER_ACTOR, "terrain_height": "gated_to_hidden"},
            obs_proc_critic={**TEACHER_CRITIC, "terrain_height": "gated_to_hidden"},
        ),
        runner=deepmimic_runner("g1_deepmimic_proj_heightfield"),
    )
