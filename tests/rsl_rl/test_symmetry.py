# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Mirror symmetry in PPO: the signed permutations, minibatch augmentation, the mirror loss and the runner wiring."""

from __future__ import annotations

import pytest
import torch

from rsl_rl.algorithms.symmetry import Mirror, SignedPermutation, augment_batch, env_mirror, symmetric_std
from rsl_rl.runners import OnPolicyRunner
from rsl_rl.storage.rollout_storage import Batch
from rsl_rl.utils.checkpoints import CheckpointError
from tests.rsl_rl.helpers import evaluate_return, small_cfg
from tests.rsl_rl.rsl_rl_toy_env import PointMassEnv


def test_signed_permutation_must_be_its_own_inverse() -> None:
    p = SignedPermutation([2, 1, 0], [1.0, -1.0, 1.0])
    x = torch.tensor([[1.0, 2.0, 3.0]])
    assert p(x).tolist() == [[3.0, -2.0, 1.0]]
    assert torch.equal(p(p(x)), x)
    with pytest.raises(ValueError, match="not its own inverse"):
        SignedPermutation([1, 2, 0], [1.0, 1.0, 1.0])  # a 3-cycle
    with pytest.raises(ValueError, match="not its own inverse"):
        SignedPermutation([1, 0], [1.0, -1.0])  # partners with different signs
    with pytest.raises(ValueError, match="permutation"):
        SignedPermutation([0, 0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        SignedPermutation([0, 1], [1.0, 0.5])


def test_mirror_check_names_the_uncovered_key_and_wrong_sizes() -> None:
    m = PointMassEnv(2).mirror()
    m.check({"state": (4,), "rel_hist": (3, 2)}, 2)
    with pytest.raises(ValueError, match="terrain"):
        m.check({"state": (4,), "terrain": (3, 3)}, 2)
    with pytest.raises(ValueError, match="'state' has 4 entries"):
        m.check({"state": (5,)}, 2)
    with pytest.raises(ValueError, match="3 actions"):
        m.check({"state": (4,)}, 3)


def test_augment_batch_appends_the_mirror_image() -> None:
    m = Mirror({"o": SignedPermutation([1, 0, 2], [1.0, 1.0, -1.0])}, SignedPermutation([1, 0], [-1.0, -1.0]))
    b = 5
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    batch = Batch(obs={"o": r(b, 3)}, actions=r(b, 2), values=r(b), returns=r(b), advantages=r(b), log_probs=r(b),
                  action_mean=r(b, 2), action_std=torch.tensor([[0.1, 0.2]]).expand(b, 2), teacher_actions=None)
    log_probs_m, mean_m, std_m = r(b), r(b, 2), torch.tensor([[0.3, 0.4]])
    aug = augment_batch(batch, m, log_probs_m, mean_m, std_m)
    assert aug.actions.shape == (2 * b, 2)
    torch.testing.assert_close(aug.obs["o"][b:], batch.obs["o"][:, [1, 0, 2]] * torch.tensor([1.0, 1.0, -1.0]))
    torch.testing.assert_close(aug.actions[b:], -batch.actions[:, [1, 0]])
    torch.testing.assert_close(aug.log_probs[b:], log_probs_m)
    torch.testing.assert_close(aug.action_mean[b:], mean_m)
    assert aug.action_std[b:, 0].eq(0.3).all() and aug.action_std[b:, 1].eq(0.4).all()
    for name in ("values", "returns", "advantages"):
        torch.testing.assert_close(getattr(aug, name)[b:], getattr(batch, name))
    for name in ("obs", "actions", "log_probs", "action_mean", "action_std"):
        first = getattr(aug, name)
        first = first["o"][:b] if name == "obs" else first[:b]
        torch.testing.assert_close(first, getattr(batch, name)["o"] if name == "obs" else getattr(batch, name))


def test_mirrored_half_is_weighted_against_the_pre_update_policy() -> None:
    env = PointMassEnv(16, seed=0)
    runner = OnPolicyRunner(env, small_cfg(symmetry_augmentation=True, num_steps=4))
    ac, m = runner.actor_critic, env.mirror()
    obs = {"state": env.get_observations()["state"]}
    actions = ac.act(obs)
    b = actions.shape[0]
    batch = Batch(obs=obs, actions=actions, values=torch.zeros(b), returns=torch.zeros(b),
                  advantages=torch.zeros(b), log_probs=ac.get_actions_log_prob(actions).detach(),
                  action_mean=ac.action_mean.detach(), action_std=ac.action_std.detach(), teacher_actions=None)
    aug = runner.alg._augmented(batch, m, ac)
    ac.update_distribution(aug.obs)
    ratio = torch.exp(ac.get_actions_log_prob(aug.actions) - aug.log_probs)
    torch.testing.assert_close(ratio, torch.ones(2 * b))  # before any gradient step both halves have ratio 1


def _mirror_error(runner: OnPolicyRunner, env: PointMassEnv) -> float:
    obs = {k: v for k, v in env.get_observations().items() if k == "state"}
    m = env.mirror()
    with torch.no_grad():
        ac = runner.actor_critic
        return float((ac.act_inference(m.mirror_obs(obs)) - m.actions(ac.act_inference(obs))).abs().mean())


def _train_toy(**alg: object) -> tuple[OnPolicyRunner, PointMassEnv, float]:
    torch.manual_seed(0)
    env = PointMassEnv(64, seed=0)
    runner = OnPolicyRunner(env, small_cfg(**alg))
    before = evaluate_return(runner.get_inference_policy())
    runner.learn(30)
    return runner, env, before


def test_symmetric_ppo_learns_and_the_mirror_loss_makes_the_policy_symmetric() -> None:
    runner, env, before = _train_toy(symmetry_augmentation=True, symmetry_loss_coef=1.0)
    after = evaluate_return(runner.get_inference_policy())
    assert runner.alg.mirror is not None
    assert after > before + 0.2 and after > 0.75
    plain, plain_env, _ = _train_toy()
    # the same seed without symmetry: its policy mean is measurably less mirror-symmetric
    assert _mirror_error(runner, env) < 0.5 * _mirror_error(plain, plain_env)


def test_symmetric_std_gives_partners_the_same_spread() -> None:
    m = Mirror(obs={}, actions=SignedPermutation([2, 1, 0], [1.0, -1.0, 1.0]))
    std = symmetric_std(torch.tensor([0.1, 0.4, 0.5]), m)
    assert torch.allclose(std, torch.tensor([0.3, 0.4, 0.3]))


def test_symmetry_needs_an_environment_with_a_mirror() -> None:
    class NoMirror(PointMassEnv):
        def mirror(self):
            raise NotImplementedError("no plane of symmetry")

    with pytest.raises(ValueError, match="NoMirror has no left-right mirror: no plane of symmetry"):
        OnPolicyRunner(NoMirror(4), small_cfg(symmetry_augmentation=True))
    with pytest.raises(ValueError, match="must return an rsl_rl Mirror"):
        env_mirror(object())
    OnPolicyRunner(NoMirror(4), small_cfg())  # not asked for: not needed


def test_normaliser_statistics_become_mirror_symmetric() -> None:
    cfg = small_cfg(symmetry_augmentation=True, num_steps=8)
    cfg.policy.normalize_obs = True
    env = PointMassEnv(16, seed=1)
    runner = OnPolicyRunner(env, cfg)
    runner.learn(1)
    norm = runner.actor_critic.actor.encoder.normalizer
    mean = norm.mean.reshape(-1)
    assert abs(float(mean[1])) < 1e-5 and abs(float(mean[3])) < 1e-5  # y components average out with their mirror
    assert float(norm.count) == 2 * 16 * 8


def test_mirrored_samples_far_in_the_tail_cannot_blow_up_the_gradient() -> None:
    from rsl_rl.algorithms.symmetry import MIRROR_MAX_RATIO

    runner = OnPolicyRunner(PointMassEnv(4), small_cfg())
    alg = runner.alg
    log_probs = torch.tensor([60.0, 0.1], requires_grad=True)  # a ratio of e^60 next to an on-policy one
    old, adv = torch.zeros(2), torch.tensor([-1.0, 1.0])
    loss = alg.surrogate_loss(log_probs, old, adv, max_ratio=MIRROR_MAX_RATIO)
    loss.backward()
    assert float(loss) == pytest.approx((MIRROR_MAX_RATIO - min(1.2, float(torch.exp(torch.tensor(0.1))))) / 2)
    assert torch.isfinite(log_probs.grad).all() and float(log_probs.grad[0]) == 0.0  # capped: no pull
    uncapped = torch.tensor([60.0, 0.1], requires_grad=True)
    alg.surrogate_loss(uncapped, old, adv).backward()
    assert float(uncapped.grad[0]) > 1e20  # what the cap prevents


def _symmetric_runner(tmp_path=None, **alg: object) -> tuple[OnPolicyRunner, PointMassEnv]:  # noqa: ANN001
    torch.manual_seed(0)
    env = PointMassEnv(64, seed=0)
    cfg = small_cfg(**alg)
    cfg.policy.mirror_symmetric = True
    cfg.policy.normalize_obs = True
    cfg.runner.save_interval = 5
    return OnPolicyRunner(env, cfg, log_dir=None if tmp_path is None else str(tmp_path)), env


def test_mirror_symmetric_policy_is_exactly_equivariant_and_learns(tmp_path) -> None:  # noqa: ANN001
    runner, env = _symmetric_runner(tmp_path)
    ac, m = runner.actor_critic, env.mirror()
    assert _mirror_error(runner, env) < 1e-6  # before training: symmetric by construction, not by learning
    before = evaluate_return(runner.get_inference_policy())
    runner.learn(30)
    assert evaluate_return(runner.get_inference_policy()) > before + 0.2
    assert _mirror_error(runner, env) < 1e-6
    obs = {"state": env.get_observations()["state"]}
    with torch.no_grad():  # the critic is invariant, the std its own mirror image
        torch.testing.assert_close(ac.evaluate(m.mirror_obs(obs)), ac.evaluate(obs))
        std = ac.update_distribution(obs).stddev[0]
    torch.testing.assert_close(std, std[m.actions.index])
    # a plain network is not: the same mirror error is far from zero
    plain = OnPolicyRunner(PointMassEnv(64, seed=0), small_cfg())
    assert _mirror_error(plain, env) > 1e-3


def test_mirror_symmetric_policy_survives_checkpoint_and_export(tmp_path) -> None:  # noqa: ANN001
    from rsl_rl.utils.export import check_export

    runner, env = _symmetric_runner(tmp_path / "run")
    runner.learn(5)
    cfg = small_cfg()
    cfg.policy.mirror_symmetric, cfg.policy.normalize_obs = True, True
    loaded = OnPolicyRunner(PointMassEnv(8), cfg)
    with torch.no_grad():  # scramble the mirror the environment gave: the checkpoint must bring its own back
        for perm in loaded.actor_critic.actor.obs_mirror.values():
            perm.sign.fill_(1.0)
    loaded.load(str(tmp_path / "run" / "model_5.pt"))
    obs = {"state": env.get_observations()["state"]}
    with torch.no_grad():
        torch.testing.assert_close(loaded.actor_critic.act_inference(obs), runner.actor_critic.act_inference(obs))
    runner.export(str(tmp_path / "exported"))
    check_export(str(tmp_path / "exported"), runner.get_inference_policy(), obs, tolerance=1e-5)
    plain_cfg = small_cfg()
    plain_cfg.policy.normalize_obs = True
    for strict in (True, False):  # a plain model would silently drop the symmetry: refused either way
        with pytest.raises(CheckpointError, match=r"mirror-symmetric policy .* --train.policy.mirror_symmetric=True"):
            OnPolicyRunner(PointMassEnv(8), plain_cfg).load(str(tmp_path / "run" / "model_5.pt"), strict=strict)


def test_mirror_symmetric_policy_needs_an_environment_with_a_mirror() -> None:
    class NoMirror(PointMassEnv):
        def mirror(self):
            raise NotImplementedError("no plane of symmetry")

    cfg = small_cfg()
    cfg.policy.mirror_symmetric = True
    with pytest.raises(ValueError, match="policy.mirror_symmetric: NoMirror has no left-right mirror"):
        OnPolicyRunner(NoMirror(4), cfg)


def test_a_symmetric_policy_skips_augmentation_and_mirror_loss_because_they_change_nothing() -> None:
    from rsl_rl.algorithms.symmetry import MIRROR_MAX_RATIO, mirror_loss

    runner, env = _symmetric_runner(symmetry_augmentation=True, symmetry_loss_coef=1.0)
    alg, ac, m = runner.alg, runner.actor_critic, env.mirror()
    assert not alg.augment and alg.mirror_loss_coef == 0.0 and not alg.uses_symmetry and alg.skipped_symmetry
    assert "no-ops and skipped" in runner.describe()
    runner.learn(2)  # trains without the environment's mirror in the algorithm
    assert alg.mirror is None

    # why: a mirrored sample of a symmetric policy carries the same ratio, value and advantage as its original
    g = torch.Generator().manual_seed(3)
    obs = {"state": env.get_observations()["state"]}
    with torch.no_grad():
        actions = ac.act(obs)
        b = actions.shape[0]
        batch = Batch(obs=obs, actions=actions, values=ac.evaluate(obs).reshape(-1),
                      returns=torch.randn(b, generator=g), advantages=torch.randn(b, generator=g),
                      log_probs=ac.get_actions_log_prob(actions), action_mean=ac.action_mean,
                      action_std=ac.action_std, teacher_actions=None)
        aug = alg._augmented(batch, m, ac)
        for p in ac.parameters():  # move away from the rollout policy so that the ratios differ from 1
            p.add_(0.05 * torch.randn(p.shape, generator=g))

    def grads(loss: torch.Tensor) -> list[torch.Tensor]:
        return [x.clone() for x in torch.autograd.grad(loss, list(ac.parameters()), allow_unused=False)]

    ac.update_distribution(batch.obs)
    lp, v = ac.get_actions_log_prob(batch.actions), ac.evaluate(batch.obs).reshape(-1)
    plain = alg.surrogate_loss(lp, batch.log_probs, batch.advantages) + alg.value_loss(v, batch.values, batch.returns)
    ac.update_distribution(aug.obs)
    lp_a, v_a = ac.get_actions_log_prob(aug.actions), ac.evaluate(aug.obs).reshape(-1)
    doubled = 0.5 * (alg.surrogate_loss(lp_a[:b], aug.log_probs[:b], aug.advantages[:b])
                     + alg.surrogate_loss(lp_a[b:], aug.log_probs[b:], aug.advantages[b:], max_ratio=MIRROR_MAX_RATIO))
    doubled = doubled + alg.value_loss(v_a, aug.values, aug.returns)
    torch.testing.assert_close(lp_a[b:], lp_a[:b])
    for a, c in zip(grads(plain), grads(doubled)):
        torch.testing.assert_close(a, c, atol=1e-6, rtol=1e-4)
    assert float(mirror_loss(ac.actor(obs), ac.actor(m.mirror_obs(obs)), m)) < 1e-10
