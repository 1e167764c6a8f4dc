"""From-frame-0 tracking evaluation during training: the signal that says whether a teacher tracks its clips.

Success counted over training episodes is measured from random start frames: an episode that starts near a
clip's end succeeds without tracking anything. :class:`TrackingEvaluator` instead plays every clip from its first
frame with the deterministic policy, in a separate environment with the evaluation settings of ``eval.py``
(:data:`~legged_gym.eval.evaluation.EVAL_ENV_SETTINGS`: no noise, no randomisation, one terrain row), and reports
per clip whether it reached the end (``success``) and the fraction of its frames tracked before the first
termination (``frames_tracked``). ``train.py`` runs it every ``runner.eval_interval`` iterations; the runner logs
the numbers under ``Eval/`` and appends them to ``<run dir>/eval_curve.csv``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from legged_gym.envs.base.motion_sources import discover_clips
from legged_gym.eval.evaluation import apply_eval_settings, evaluate_policy

__all__ = ["TrackingEvaluator"]


class TrackingEvaluator:
    """Plays every clip of a tracking task once from frame 0 with a deterministic policy.

    Args:
        task_class: the environment class of the task (a ``RobotDeepMimic``).
        env_cfg: the training environment's config; a copy gets the evaluation settings and one environment per
            clip (at most ``max_envs``).
        max_envs: cap on the evaluation environments (clips beyond it are played one after another).
        sim_device, rl_device: as for the training environment.
    """

    def __init__(
        self, task_class: type, env_cfg: Any, max_envs: int = 64, sim_device: str = "cpu", rl_device: str = "cpu"
    ) -> None:
        cfg = copy.deepcopy(env_cfg)
        apply_eval_settings(cfg)
        cfg.env.num_envs = max(1, min(len(discover_clips(cfg.deepmimic)), max_envs))
        self.env = task_class(cfg, sim_device=sim_device, rl_device=rl_device)
        self.device = rl_device

    @property
    def clip_names(self) -> list[str]:
        return list(self.env.replay.clip_names)

    def __call__(self, policy: Callable[[dict[str, Tensor]], Tensor]) -> dict[str, float]:
        """Evaluate ``policy``; returns flat metrics: ``success/<clip>``, ``frames_tracked/<clip>`` (fraction of the
        clip's frames), ``success/mean``, ``frames_tracked/mean`` (unweighted over clips) and ``success/all`` (1 when
        every clip finished)."""
        with torch.no_grad():
            outcome = evaluate_policy(self.env, policy, repeats=1, device=self.device)
        out: dict[str, float] = {}
        succ, frac = [], []
        for name, m in outcome.summary["clips"].items():
            out[f"success/{name}"] = float(m["success_rate"])
            out[f"frames_tracked/{name}"] = float(m["frames_tracked_frac"])
            out[f"link_error_m/{name}"] = float(m["link_pos_error_m"])
            succ.append(float(m["success_rate"]))
            frac.append(float(m["frames_tracked_frac"]))
        out["success/mean"] = sum(succ) / len(succ)
        out["frames_tracked/mean"] = sum(frac) / len(frac)
        out["success/all"] = float(all(s >= 1.0 for s in succ))
        return out

    def close(self) -> None:
        self.env.close()
