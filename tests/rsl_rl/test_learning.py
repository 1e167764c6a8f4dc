# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""End-to-end learning on the toy task: PPO improves, runs are reproducible."""

from __future__ import annotations

import os

import torch

from rsl_rl.runners import OnPolicyRunner
from tests.rsl_rl.helpers import small_cfg
from tests.rsl_rl.rsl_rl_toy_env import PointMassEnv


def test_ppo_learns_target_reaching(teacher_run: dict) -> None:
    # per-step reward is 1 - distance; a random/untrained policy scores well below a trained one
    print(f"eval return before {teacher_run['before']:.3f} after {teacher_run['after']:.3f} "
          f"({teacher_run['seconds']:.1f}s for 30 iterations)")
    assert teacher_run["after"] > teacher_run["before"] + 0.2
    assert teacher_run["after"] > 0.75
    names = sorted(os.listdir(teacher_run["run_dir"]))
    assert {"config.json", "model_10.pt", "model_20.pt", "model_30.pt"} <= set(names)


def _train(seed: int, iters: int = 2) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    runner = OnPolicyRunner(PointMassEnv(16, seed=seed), small_cfg(num_steps=8, num_mini_batches=2,
                                                                   num_learning_epochs=2))
    runner.learn(iters)
    return {k: v.clone() for k, v in runner.actor_critic.state_dict().items()}


def test_same_seed_gives_identical_parameters() -> None:
    a, b, c = _train(3), _train(3), _train(4)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_normalized_and_embedded_inputs_train(tmp_path) -> None:
    cfg = small_cfg(actor={"rel_hist": "embed", "pos": "identity", "terrain": "gated_to_hidden"},
                    critic={"state": "identity", "terrain": "flatten"}, num_steps=8)
    cfg.policy.normalize_obs = True
    runner = OnPolicyRunner(PointMassEnv(16), cfg)
    runner.learn(2)
    norm = runner.actor_critic.actor.encoder.normalizer
    assert float(norm.count) == 16 * 8 * 2
    gate = runner.actor_critic.actor.encoder.gated["terrain"].gate
    assert float(gate.detach().abs().max()) > 0.0  # the gate receives gradient and opens


def test_random_episode_length_init_and_inference_policy(teacher_run: dict) -> None:
    env = PointMassEnv(32, max_episode_length=40)
    runner = OnPolicyRunner(env, small_cfg(num_steps=4))
    runner.learn(1, init_at_random_ep_len=True)
    assert len(set(env.episode_length_buf.tolist())) > 5  # de-synchronised episodes
    policy = runner.get_inference_policy()
    obs = env.get_observations()
    assert not runner.actor_critic.training
    torch.testing.assert_close(policy(obs), runner.actor_critic.act_inference(obs))


def test_runner_export_includes_env_metadata(teacher_run: dict) -> None:
    import json

    with open(os.path.join(teacher_run["export_dir"], "policy.json")) as f:
        contract = json.load(f)
    assert contract["env"] == PointMassEnv(1).export_metadata()
    assert [i["name"] for i in contract["inputs"]] == ["state"]
