# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""The environment contract that rsl_rl trains on.

rsl_rl never imports a simulator: an environment is anything that subclasses :class:`VecEnv` (or provides the same
attributes and methods). All tensors live on ``env.device``; ``N`` below is ``num_envs``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch

__all__ = ["VecEnv"]


class VecEnv(ABC):
    """Abstract batched environment with dict observations.

    Attributes:
        num_envs: Number of parallel environments ``N``.
        num_actions: Action dimension ``A``.
        device: Device of every tensor the env returns and accepts.
        max_episode_length: Maximum episode length in env steps (timeouts happen at this length).
        episode_length_buf: ``(N,)`` long tensor, the current step count of each episode. The runner may randomise it
            once at the start of training (``learn(init_at_random_ep_len=True)``) to de-synchronise resets.

    Observation dict:
        Every method returning observations returns ``dict[str, Tensor]``. Each value has leading dim ``N`` and any
        trailing shape, e.g. ``torso`` ``(N, 79)``, ``history_torso_real`` ``(N, 5, 75)``, ``terrain_height``
        ``(N, 11, 11)``. The set of keys and their shapes must not change between calls. Networks choose the keys
        they read by name (``PolicyCfg.obs_proc_actor`` / ``obs_proc_critic``); extra keys are ignored.
    """

    num_envs: int
    num_actions: int
    device: torch.device
    max_episode_length: int
    episode_length_buf: torch.Tensor

    @abstractmethod
    def get_observations(self) -> dict[str, torch.Tensor]:
        """Return the current observations without stepping.

        Returns:
            The observation dict, each value of shape ``(N, ...)``.
        """

    @abstractmethod
    def step(
        self, actions: torch.Tensor
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, dict[str, Any]]:
        """Apply actions, advance one control step, reset the environments that finished.

        Args:
            actions: ``(N, A)`` float tensor.

        Returns:
            A tuple ``(obs, rewards, dones, extras)``:

            - ``obs``: observation dict after the step (for environments that were reset, the first observation of
              the new episode).
            - ``rewards``: ``(N,)`` float tensor.
            - ``dones``: ``(N,)`` bool tensor, True where the episode ended at this step (termination or timeout).
            - ``extras``: dict with the optional keys the library reads:

              - ``"time_outs"``: ``(N,)`` bool tensor, True where the episode ended because it reached its time
                limit (not a failure). PPO bootstraps the value on these: ``r += gamma * V(s) * time_out``.
              - ``"episode"``: dict ``name -> float or 0-dim tensor`` (e.g. ``rew_tracking_lin_vel``,
                ``success/overall``), usually filled when some environments reset. The runner averages each name over
                the iteration and logs it as ``Episode/<name>``.
        """

    @abstractmethod
    def reset(self) -> dict[str, torch.Tensor]:
        """Reset all environments.

        Returns:
            The observation dict of the first step, each value of shape ``(N, ...)``.
        """

    def export_metadata(self) -> dict[str, Any]:
        """Describe the env side of the policy contract for export (optional, JSON-able).

        Typical content: joint names, default joint positions, PD gains, action scale / clip, action EMA beta,
        control dt, decimation and the observation definitions (scale, noise, history layout). The exporter stores
        this dict under the ``"env"`` key of ``policy.json``.

        Returns:
            A JSON-able dict; empty by default.
        """
        return {}

    def mirror(self) -> Any:
        """The environment's left-right mirror, an :class:`rsl_rl.algorithms.symmetry.Mirror` (optional).

        Needed only for ``algorithm.symmetry_augmentation`` / ``symmetry_loss_coef``: one signed permutation per
        observation key the policy reads (acting on the last dimension) and one for the actions, such that the
        mirrored state under the mirrored action evolves into the mirrored next state with the same reward.

        Raises:
            NotImplementedError: The environment has no mirror (the default).
        """
        raise NotImplementedError("this environment defines no mirror()")
