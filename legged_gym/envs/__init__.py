"""Task registrations: one line a task."""

from legged_gym.envs.g1 import g1_deepmimic_config as dm
from legged_gym.envs.g1.g1_config import G1FlatCfg, G1FlatCfgPPO
from legged_gym.envs.g1.g1_deepmimic import G1DeepMimic
from legged_gym.envs.g1.g1_env import G1Robot
from legged_gym.envs.g1.humanoid_ppo import HumanoidPPO
from legged_gym.envs.g1.humanoid_ppo_config import HumanoidPPOCfg, HumanoidPPOCfgPPO
from legged_gym.utils.task_registry import task_registry

task_registry.register("g1", G1Robot, G1FlatCfg, G1FlatCfgPPO)
task_registry.register("humanoid_ppo", HumanoidPPO, HumanoidPPOCfg, HumanoidPPOCfgPPO)
task_registry.register("g1_deepmimic", G1DeepMimic, dm.G1DeepMimicCfg, dm.G1DeepMimicCfgPPO)
task_registry.register("g1_deepmimic_mocap", G1DeepMimic, dm.G1DeepMimicMocapCfg, dm.G1DeepMimicCfgPPO)
task_registry.register("g1_deepmimic_dagger", G1DeepMimic, dm.G1DeepMimicDaggerCfg, dm.G1DeepMimicCfgDagger)
task_registry.register(
    "g1_deepmimic_heightfield", G1DeepMimic, dm.G1DeepMimicHeightfieldCfg, dm.G1DeepMimicHeightfieldCfgPPO
)
task_registry.register(
    "g1_deepmimic_proj_heightfield", G1DeepMimic, dm.G1DeepMimicHeightfieldCfg, dm.proj_heightfield_ppo()
)
_ROOT = dm.G1DeepMimicRootHeightfieldCfg
task_registry.register(  # stages 3 and 4 of the seed's pipeline: the deployable student
    "g1_deepmimic_root_heightfield_no_history_dagger", G1DeepMimic, _ROOT,
    dm.student_dagger("g1_deepmimic_root_heightfield_no_history_dagger", {**dm.NO_HISTORY_ACTOR, **dm.HEIGHT_MAP}),
)
task_registry.register(
    "g1_deepmimic_root_heightfield_dagger", G1DeepMimic, _ROOT,
    dm.student_dagger("g1_deepmimic_root_heightfield_dagger", {**dm.ROOT_HISTORY_ACTOR, **dm.HEIGHT_MAP}),
)
task_registry.register(
    "g1_deepmimic_root_heightfield", G1DeepMimic, _ROOT,
    dm.student_ppo("g1_deepmimic_root_heightfield", {**dm.ROOT_HISTORY_ACTOR, **dm.HEIGHT_MAP}),
)
task_registry.register(
    "g1_deepmimic_root_dagger", G1DeepMimic, _ROOT, dm.student_dagger("g1_deepmimic_root_dagger", dm.ROOT_HISTORY_ACTOR),
)
task_registry.register(
    "g1_deepmimic_root_heightfield_no_history_with_proj_joints_ppo", G1DeepMimic, _ROOT,
    dm.student_ppo("g1_deepmimic_root_heightfield_no_history_with_proj_joints_ppo",
                   {**dm.NO_HISTORY_ACTOR, **dm.HEIGHT_MAP, "target_joints": "gated_to_hidden"}),
)
