# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Networks, observation processing and normalisation."""

from rsl_rl.modules.actor_critic import ActorCritic, ObsMLP
from rsl_rl.modules.mlp import ACTIVATIONS, MLP, resolve_activation
from rsl_rl.modules.normalizer import RunningNormalizer
from rsl_rl.modules.obs_processing import PROCESSING_TYPES, ObsEncoder, validate_obs_proc

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "PROCESSING_TYPES",
    "ActorCritic",
    "ObsEncoder",
    "ObsMLP",
    "RunningNormalizer",
    "resolve_activation",
    "validate_obs_proc",
]
