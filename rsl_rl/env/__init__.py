# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Environment contract."""

from rsl_rl.env.vec_env import VecEnv

__all__ = ["VecEnv"]
