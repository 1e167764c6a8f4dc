# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Our own PPO + DAgger package with a stable, versioned API.

Layout (one concern per module):

- :mod:`rsl_rl.config`: dataclass configs (``TrainCfg``, ``PolicyCfg``, ``AlgorithmCfg``, ``RunnerCfg``).
- :mod:`rsl_rl.env.vec_env`: the ``VecEnv`` environment contract.
- :mod:`rsl_rl.modules`: ``ActorCritic``, observation processing, running normaliser.
- :mod:`rsl_rl.algorithms`: ``PPO``, ``DAgger`` and the ``construct_algorithm`` factory.
- :mod:`rsl_rl.storage`: ``RolloutStorage``.
- :mod:`rsl_rl.runners`: ``OnPolicyRunner`` (learn loop, save/load, logging).
- :mod:`rsl_rl.utils`: checkpoints, distributed helpers, log writers, export.

The public API changes only with a version bump of ``__version__``.
"""

__version__ = "1.0.0"

__all__ = ["__version__"]
