# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Worker for the multi-process test: ``python -m torch.distributed.run --nproc-per-node 2 dist_worker.py OUT_DIR``.

Each rank seeds differently (seed + rank, the caller's job), trains 3 PPO iterations on the toy env on CPU (gloo)
and writes a hash of its final parameters and buffers to ``OUT_DIR/rank<r>.json``. Each rank gets its own log dir
``OUT_DIR/run_rank<r>`` so the test can prove that only rank 0 writes checkpoints, config and logs.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import torch  # noqa: E402

from rsl_rl.runners import OnPolicyRunner  # noqa: E402
from rsl_rl.utils.distributed import get_rank_info  # noqa: E402
from tests.rsl_rl.helpers import small_cfg  # noqa: E402
from tests.rsl_rl.rsl_rl_toy_env import PointMassEnv  # noqa: E402


def main(out_dir: str) -> None:
    torch.set_num_threads(1)
    info = get_rank_info()
    seed = 10 + info.rank
    torch.manual_seed(seed)
    cfg = small_cfg(num_steps=8, num_mini_batches=2, num_learning_epochs=2, desired_kl=0.001)
    cfg.policy.normalize_obs = True
    cfg.runner.save_interval = 2
    cfg.runner.log_interval = 100
    runner = OnPolicyRunner(PointMassEnv(16, seed=seed), cfg, log_dir=os.path.join(out_dir, f"run_rank{info.rank}"),
                            multi_gpu=True)
    runner.learn(3)
    digest = hashlib.sha256()
    for key, value in sorted(runner.actor_critic.state_dict().items()):
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    result = {
        "rank": info.rank,
        "world_size": info.world_size,
        "hash": digest.hexdigest(),
        "lr": runner.alg.learning_rate,
        "normalizer_count": float(runner.actor_critic.actor.encoder.normalizer.count),
        "iteration": runner.current_learning_iteration,
    }
    with open(os.path.join(out_dir, f"rank{info.rank}.json"), "w") as f:
        json.dump(result, f)
    torch.distributed.barrier()  # leave together: a rank tearing gloo down while its peer still talks can abort it
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
