"""legged_gym on MuJoCo: humanoid motion tracking and locomotion, trained with rsl_rl."""

import os

LEGGED_GYM_ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEGGED_GYM_ENVS_DIR = os.path.join(LEGGED_GYM_ROOT_DIR, "legged_gym", "envs")
