# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Two CPU processes (torchrun, gloo) with different seeds end with identical parameters; only rank 0 saves."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rsl_rl.utils.distributed import RankInfo, get_rank_info, init_distributed

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dist_worker.py")


def test_two_ranks_stay_in_sync(tmp_path) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for var in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(var, None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", WORKER,
           str(tmp_path)]
    for _attempt in range(2):  # a second try only if the rendezvous port was taken by a concurrent job
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        if proc.returncode == 0 or "address already in use" not in (proc.stdout + proc.stderr).lower():
            break
    log = f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, log
    r0 = json.loads((tmp_path / "rank0.json").read_text())
    r1 = json.loads((tmp_path / "rank1.json").read_text())
    assert r0["world_size"] == r1["world_size"] == 2, (r0, r1)
    assert r0["hash"] == r1["hash"], (r0, r1)  # parameters AND normaliser buffers identical
    assert r0["lr"] == r1["lr"], (r0, r1)
    assert r0["normalizer_count"] == 2 * 16 * 8 * 3, r0  # statistics merged over both ranks
    assert r0["iteration"] == r1["iteration"] == 3, (r0, r1)
    saved = sorted(n for n in os.listdir(tmp_path / "run_rank0") if n.endswith((".pt", ".json")))
    assert saved == ["config.json", "model_2.pt", "model_3.pt"], saved
    assert not os.path.exists(tmp_path / "run_rank1")  # rank 1 wrote nothing: no checkpoints, config or logs
    assert "Learning iteration" not in proc.stdout, log  # log_interval 100: nothing printed, and never by rank 1


def test_rank_info_and_single_process_defaults(monkeypatch) -> None:
    for var in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    assert get_rank_info() == RankInfo(0, 0, 1)
    assert init_distributed("cpu", multi_gpu=False) == RankInfo(0, 0, 1)
    with pytest.raises(RuntimeError, match="WORLD_SIZE is not set: launch with `torchrun"):
        init_distributed("cpu", multi_gpu=True)
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert get_rank_info() == RankInfo(1, 1, 2)
    with pytest.raises(RuntimeError, match=r"needs device 'cuda:1' \(LOCAL_RANK=1\), got 'cuda:0'"):
        init_distributed("cuda:0", multi_gpu=True)
