# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Shared fixtures for the rsl_rl tests: repo root on sys.path, single-threaded torch, per-test seeding."""

from __future__ import annotations

import os
import sys

import pytest
import torch

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def teacher_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Train a PPO policy on the toy env once per session (also the PPO learning check).

    Returns a dict with the run directory, its checkpoint, the export dir, the eval return before and after
    training and the wall time of training.
    """
    import time

    from rsl_rl.runners import OnPolicyRunner
    from tests.rsl_rl.helpers import evaluate_return, small_cfg
    from tests.rsl_rl.rsl_rl_toy_env import PointMassEnv

    torch.manual_seed(0)
    run_dir = tmp_path_factory.mktemp("teacher") / "20250101_000000_teacher"
    env = PointMassEnv(64, seed=0)
    cfg = small_cfg(learning_rate=1e-3, num_mini_batches=2, num_learning_epochs=4)
    cfg.runner.save_interval = 10
    runner = OnPolicyRunner(env, cfg, log_dir=str(run_dir))
    before = evaluate_return(runner.get_inference_policy())
    runner.alg.train_mode()
    t0 = time.time()
    runner.learn(30)
    elapsed = time.time() - t0
    after = evaluate_return(runner.get_inference_policy())
    export_dir = run_dir / "exported"
    runner.export(str(export_dir))
    return {"run_dir": str(run_dir), "checkpoint": str(run_dir / "model_30.pt"), "export_dir": str(export_dir),
            "before": before, "after": after, "seconds": elapsed, "runner": runner}
