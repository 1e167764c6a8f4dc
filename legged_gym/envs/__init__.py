"""Task registrations: one line a task."""

from legged_gym.envs.g1.g1_config import G1FlatCfg, G1FlatCfgPPO
from legged_gym.envs.g1.g1_env import G1Robot
from legged_gym.utils.task_registry import task_registry

task_registry.register("g1", G1Robot, G1FlatCfg, G1FlatCfgPPO)
