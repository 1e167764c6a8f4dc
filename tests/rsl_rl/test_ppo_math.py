# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""PPO pieces against hand-computed values: GAE, timeout bootstrap, clipping, adaptive lr, minibatches, factory."""

from __future__ import annotations

import math

import pytest
import torch

from rsl_rl.algorithms import PPO, DAgger, TeacherError, construct_algorithm
from rsl_rl.config import AlgorithmCfg, DAggerCfg, PolicyCfg
from rsl_rl.modules import ActorCritic
from rsl_rl.storage import RolloutStorage, Transition

SHAPES = {"state": (4,), "unused": (9,)}


def _ppo(**kw: object) -> PPO:
    ac = ActorCritic(SHAPES, 2, PolicyCfg(actor_hidden_dims=[8], critic_hidden_dims=[8],
                                          obs_proc_actor={"state": "identity"}, obs_proc_critic={"state": "identity"}))
    return PPO(ac, AlgorithmCfg(**kw))  # type: ignore[arg-type]


def _fill(storage: RolloutStorage, rewards: list[float], values: list[float], dones: list[bool]) -> None:
    for r, v, d in zip(rewards, values, dones, strict=True):
        z = torch.zeros(1, 2)
        storage.add(Transition(obs={}, actions=z, values=torch.tensor([v]), log_probs=torch.zeros(1), action_mean=z,
                               action_std=z + 1, rewards=torch.tensor([r]), dones=torch.tensor([d])))


def test_gae_matches_hand_computed_returns() -> None:
    st = RolloutStorage(1, 3, {}, 2)
    _fill(st, [1.0, 2.0, 3.0], [0.5, 1.0, 1.5], [False, True, False])
    st.compute_returns(torch.tensor([2.0]), gamma=0.9, lam=0.8, normalize_advantage=False)
    # t=2: d=3+0.9*2-1.5=3.3; t=1 (done): d=2-1=1; t=0: d=1+0.9*1-0.5=1.4, A=1.4+0.72*1=2.12
    torch.testing.assert_close(st.advantages.flatten(), torch.tensor([2.12, 1.0, 3.3]))
    torch.testing.assert_close(st.returns.flatten(), torch.tensor([2.62, 2.0, 4.8]))


def test_advantage_normalisation_per_rollout() -> None:
    st = RolloutStorage(2, 4, {}, 2)
    for _ in range(4):
        z = torch.zeros(2, 2)
        st.add(Transition(obs={}, actions=z, values=torch.rand(2), log_probs=torch.zeros(2), action_mean=z,
                          action_std=z + 1, rewards=torch.rand(2), dones=torch.zeros(2, dtype=torch.bool)))
    st.compute_returns(torch.zeros(2), 0.99, 0.95, normalize_advantage=True)
    assert abs(float(st.advantages.mean())) < 1e-6 and abs(float(st.advantages.std()) - 1.0) < 1e-5


def test_timeout_bootstrapping_adds_discounted_value() -> None:
    alg = _ppo(gamma=0.9)
    st = alg.init_storage(3, 2)
    obs = {"state": torch.randn(3, 4), "unused": torch.randn(3, 9)}
    alg.act(obs)
    values = alg.transition.values.clone()
    time_outs = torch.tensor([True, False, False])
    alg.process_env_step(torch.ones(3), torch.tensor([True, True, False]), {"time_outs": time_outs})
    expected = torch.ones(3) + 0.9 * values * torch.tensor([1.0, 0.0, 0.0])
    torch.testing.assert_close(st.rewards[0], expected)
    assert set(st.obs) == {"state"}  # only the keys the networks read are stored


def test_clipped_surrogate_known_ratio() -> None:
    alg = _ppo(clip_param=0.2)
    old = torch.zeros(3)
    new = torch.log(torch.tensor([1.5, 1.5, 0.5]))
    adv = torch.tensor([1.0, -1.0, 1.0])
    # per sample max(-A r, -A clip(r)): A=1,r=1.5 -> -1.2 ; A=-1,r=1.5 -> 1.5 ; A=1,r=0.5 -> -0.5
    assert math.isclose(float(alg.surrogate_loss(new, old, adv)), (-1.2 + 1.5 - 0.5) / 3, rel_tol=1e-6)


def test_clipped_value_loss() -> None:
    alg = _ppo(clip_param=0.2)
    v, v_old, ret = torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([1.0])
    assert math.isclose(float(alg.value_loss(v, v_old, ret)), 0.64, rel_tol=1e-6)  # max(0, (0.2-1)^2)
    alg.cfg.use_clipped_value_loss = False
    assert float(alg.value_loss(v, v_old, ret)) == 0.0


def test_bounds_loss() -> None:
    alg = _ppo(clip_actions=1.0)
    mu = torch.tensor([[2.0, 0.5], [-3.0, 1.5]])
    assert math.isclose(float(alg.bounds_loss(mu)), (1.0 + 2.5) / 2, rel_tol=1e-6)


def test_adaptive_learning_rate_direction_and_bounds() -> None:
    alg = _ppo(learning_rate=1e-3, desired_kl=0.01, lr_adapt_factor=1.5, min_lr=5e-4, max_lr=2e-3)
    assert math.isclose(alg.adapt_learning_rate(0.05), 1e-3 / 1.5)
    assert math.isclose(alg.optimizer.param_groups[0]["lr"], 1e-3 / 1.5)
    assert math.isclose(alg.adapt_learning_rate(0.05), 5e-4)  # clamped at min_lr
    assert math.isclose(alg.adapt_learning_rate(0.01), 5e-4)  # in band: unchanged
    assert math.isclose(alg.adapt_learning_rate(0.001), 7.5e-4)
    for _ in range(5):
        alg.adapt_learning_rate(0.001)
    assert math.isclose(alg.learning_rate, 2e-3)  # clamped at max_lr


def test_update_reduces_lr_when_kl_is_large() -> None:
    torch.manual_seed(1)
    alg = _ppo(learning_rate=5e-2, desired_kl=1e-6, num_learning_epochs=2, num_mini_batches=2, max_lr=1.0)
    alg.init_storage(8, 4)
    for _ in range(4):
        obs = {"state": torch.randn(8, 4), "unused": torch.randn(8, 9)}
        alg.act(obs)
        alg.process_env_step(torch.randn(8), torch.zeros(8, dtype=torch.bool), {})
    alg.compute_returns(obs)
    out = alg.update()
    assert out["learning_rate"] < 5e-2 and out["kl"] > 0
    fixed = _ppo(learning_rate=5e-2, schedule="fixed")
    assert fixed.learning_rate == 5e-2


def test_minibatch_generator_covers_each_sample_once_per_epoch() -> None:
    st = RolloutStorage(5, 3, {"id": (1,)}, 2)
    for t in range(3):
        z = torch.zeros(5, 2)
        ids = (t * 5 + torch.arange(5)).float().unsqueeze(1)
        st.add(Transition(obs={"id": ids}, actions=z, values=torch.zeros(5), log_probs=torch.zeros(5),
                          action_mean=z, action_std=z, rewards=torch.zeros(5), dones=torch.zeros(5, dtype=torch.bool)))
    batches = list(st.mini_batch_generator(num_mini_batches=4, num_epochs=2))
    assert len(batches) == 8
    for epoch in (batches[:4], batches[4:]):
        seen = torch.cat([b.obs["id"].flatten() for b in epoch]).long().sort().values
        assert torch.equal(seen, torch.arange(15))
        assert [b.actions.shape[0] for b in epoch] == [3, 3, 3, 6]


def test_factory_resolves_names_and_lists_valid_ones() -> None:
    ac = _ppo().actor_critic
    assert type(construct_algorithm(AlgorithmCfg(), ac, SHAPES)) is PPO
    assert type(construct_algorithm(AlgorithmCfg(class_name="rsl_rl.algorithms.ppo:PPO"), ac, SHAPES)) is PPO
    with pytest.raises(ValueError, match=r"Unknown algorithm.class_name 'SAC'.*\['DAgger', 'PPO'\]"):
        construct_algorithm(AlgorithmCfg(class_name="SAC"), ac, SHAPES)
    with pytest.raises(ValueError, match=r"Invalid algorithm.schedule 'cosine'.*\['fixed', 'adaptive'\]"):
        construct_algorithm(AlgorithmCfg(schedule="cosine"), ac, SHAPES)
    with pytest.raises(TeacherError, match="bc_loss_coef=0.5.*needs algorithm.policy_to_clone"):
        construct_algorithm(DAggerCfg(bc_loss_coef=0.5), ac, SHAPES)
    with pytest.raises(TypeError):  # PPO's config has no teacher fields: distillation is chosen explicitly
        AlgorithmCfg(bc_loss_coef=0.5)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="'DAgger' needs a DAggerCfg"):
        construct_algorithm(AlgorithmCfg(class_name="DAgger"), ac, SHAPES)
    # a DAgger config with nothing to clone is plain PPO (the seed's student fine-tuning stage)
    assert type(construct_algorithm(DAggerCfg(bc_loss_coef=0.0), ac, SHAPES)) is PPO
    with pytest.raises(ValueError, match=r"bc_loss_coef must be in \[0, 1\], got 1.5"):
        DAgger(ac, DAggerCfg(bc_loss_coef=1.5), teacher=None)  # type: ignore[arg-type]


def test_entropy_schedule_is_linear_then_constant() -> None:
    alg = _ppo(entropy_coef=0.01, entropy_coef_final=0.001, entropy_decay_iterations=100)
    expected = {0: 0.01, 50: 0.0055, 100: 0.001, 5000: 0.001}
    for it, coef in expected.items():
        alg.set_iteration(it)
        assert math.isclose(alg.entropy_coef(), coef, rel_tol=1e-9), it
    assert _ppo(entropy_coef=0.02).entropy_coef() == 0.02  # no final: constant
    immediate = _ppo(entropy_coef=0.02, entropy_coef_final=0.0)
    assert immediate.entropy_coef() == 0.0


def _std_after_update(iteration: int, **kw: object) -> torch.Tensor:
    torch.manual_seed(3)
    alg = _ppo(learning_rate=1e-2, schedule="fixed", num_learning_epochs=1, num_mini_batches=1, **kw)
    alg.init_storage(8, 4)
    for _ in range(4):
        obs = {"state": torch.randn(8, 4), "unused": torch.randn(8, 9)}
        alg.act(obs)
        alg.process_env_step(torch.randn(8), torch.zeros(8, dtype=torch.bool), {})
    alg.compute_returns(obs)
    alg.set_iteration(iteration)
    alg.update()
    return alg.actor_critic.std.detach().clone()


def test_update_uses_the_scheduled_entropy_weight() -> None:
    schedule = {"entropy_coef": 5.0, "entropy_coef_final": 0.0, "entropy_decay_iterations": 10}
    without = _std_after_update(0, entropy_coef=0.0)
    assert torch.equal(_std_after_update(10, **schedule), without)  # past the decay: no entropy bonus
    assert not torch.equal(_std_after_update(0, **schedule), without)  # at the start: weight 5 moves the std
