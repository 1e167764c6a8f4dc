# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Rollout storage."""

from rsl_rl.storage.rollout_storage import Batch, RolloutStorage, Transition

__all__ = ["Batch", "RolloutStorage", "Transition"]
