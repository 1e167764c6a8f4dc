# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Training runners."""

from rsl_rl.runners.on_policy_runner import OnPolicyRunner

__all__ = ["OnPolicyRunner"]
