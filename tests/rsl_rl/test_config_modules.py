# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Config helpers, network construction errors, observation processing, normaliser."""

from __future__ import annotations

import json

import pytest
import torch

from rsl_rl.config import AlgorithmCfg, DAggerCfg, PolicyCfg, TrainCfg, from_dict, to_dict, without_teacher
from rsl_rl.modules import ActorCritic, RunningNormalizer

SHAPES = {"torso": (7,), "hist": (3, 5), "terrain": (4, 4)}


def _obs(n: int = 6) -> dict[str, torch.Tensor]:
    return {k: torch.randn(n, *s) for k, s in SHAPES.items()}


def test_config_round_trip_is_json_able() -> None:
    cfg = TrainCfg(seed=3, algorithm=DAggerCfg(learning_rate=3e-4, policy_to_clone="x"))
    d = to_dict(cfg)
    assert json.loads(json.dumps(d)) == d
    back = from_dict(TrainCfg, d)  # the stored class_name brings the DAgger config back
    assert back == cfg and back.algorithm.learning_rate == 3e-4 and type(back.algorithm) is DAggerCfg
    assert type(from_dict(TrainCfg, to_dict(TrainCfg())).algorithm) is AlgorithmCfg
    ppo = without_teacher(cfg.algorithm)
    assert type(ppo) is AlgorithmCfg and ppo.class_name == "PPO" and ppo.learning_rate == 3e-4
    assert from_dict(TrainCfg, {"policy": {"embed_dim": 5}}).policy.embed_dim == 5


def test_config_unknown_field_lists_valid_fields() -> None:
    with pytest.raises(KeyError, match=r"learning_rat.*Did you mean \['learning_rate'\]"):
        from_dict(TrainCfg, {"algorithm": {"learning_rat": 1.0}})


def test_invalid_activation_lists_valid() -> None:
    with pytest.raises(ValueError, match=r"Invalid activation function 'swish'.*'elu'"):
        ActorCritic(SHAPES, 2, PolicyCfg(activation="swish", obs_proc_actor={"torso": "identity"},
                                         obs_proc_critic={"torso": "identity"}))


def test_missing_obs_key_lists_available_keys() -> None:
    cfg = PolicyCfg(obs_proc_actor={"heightmap": "flatten"}, obs_proc_critic={"torso": "identity"})
    with pytest.raises(KeyError, match=r"'heightmap'.*obs_proc_actor.*Available keys and shapes.*'torso': \(7,\)"):
        ActorCritic(SHAPES, 2, cfg)


def test_bad_processing_type_and_identity_on_2d() -> None:
    with pytest.raises(ValueError, match=r"Invalid processing type 'conv'.*'identity', 'flatten'"):
        ActorCritic(SHAPES, 2, PolicyCfg(obs_proc_actor={"torso": "conv"}, obs_proc_critic={"torso": "identity"}))
    with pytest.raises(ValueError, match=r"'hist'.*\(3, 5\).*'identity' needs a 1-D"):
        ActorCritic(SHAPES, 2, PolicyCfg(obs_proc_actor={"hist": "identity"}, obs_proc_critic={"torso": "identity"}))


def test_processing_shapes_and_key_order() -> None:
    cfg = PolicyCfg(
        actor_hidden_dims=[16], critic_hidden_dims=[16], embed_dim=3,
        obs_proc_actor={"hist": "flatten", "torso": "identity", "terrain": "embed"},
        obs_proc_critic={"torso": "identity"},
    )
    ac = ActorCritic(SHAPES, 2, cfg)
    assert ac.actor.encoder.out_dim == 15 + 7 + 3
    assert ac.actor_obs_keys == ["hist", "torso", "terrain"]
    assert list(ac.obs_shapes) == ["hist", "torso", "terrain"]
    obs = _obs()
    x, extra = ac.actor.encoder(obs)
    assert extra is None
    torch.testing.assert_close(x[:, :15], obs["hist"].flatten(1))
    torch.testing.assert_close(x[:, 15:22], obs["torso"])
    assert ac.act(obs).shape == (6, 2) and ac.evaluate(obs).shape == (6, 1)


def test_gated_key_starts_identical_and_old_checkpoint_loads_non_strict() -> None:
    base = PolicyCfg(actor_hidden_dims=[16, 8], critic_hidden_dims=[16], obs_proc_actor={"torso": "identity"},
                     obs_proc_critic={"torso": "identity"})
    old = ActorCritic(SHAPES, 3, base)
    extended = {"torso": "identity", "terrain": "gated_to_hidden"}
    new_cfg = from_dict(PolicyCfg, {**to_dict(base), "obs_proc_actor": extended})
    new = ActorCritic(SHAPES, 3, new_cfg)
    with pytest.raises(RuntimeError, match="Missing key"):
        new.load_state_dict(old.state_dict(), strict=True)
    result = new.load_state_dict(old.state_dict(), strict=False)
    assert all("gated.terrain" in k for k in result.missing_keys) and not result.unexpected_keys
    obs = _obs()
    torch.testing.assert_close(new.act_inference(obs), old.act_inference(obs), rtol=0, atol=0)
    gate = new.actor.encoder.gated["terrain"].gate
    assert torch.all(gate == 0) and gate.requires_grad
    assert new.gate_stats() == {"actor/terrain": (0.0, 0.0)}


def test_normalizer_matches_batch_statistics() -> None:
    norm = RunningNormalizer(3)
    data = torch.randn(1000, 3) * torch.tensor([1.0, 5.0, 0.1]) + torch.tensor([2.0, -1.0, 0.0])
    for chunk in data.split(137):
        norm.update(chunk)
    torch.testing.assert_close(norm.mean, data.mean(0), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(norm.var, data.var(0, unbiased=False), atol=1e-4, rtol=1e-4)
    assert float(norm.count) == 1000.0
    before = norm.mean.clone()
    norm(torch.randn(10, 3))
    assert torch.equal(norm.mean, before)  # forward never updates (frozen at inference)


def test_re_init_std_and_distribution_api() -> None:
    cfg = PolicyCfg(init_noise_std=0.3, obs_proc_actor={"torso": "identity"}, obs_proc_critic={"torso": "identity"})
    ac = ActorCritic(SHAPES, 4, cfg)
    with torch.no_grad():
        ac.std.fill_(2.0)
    ac.re_init_std()
    assert torch.allclose(ac.std, torch.full((4,), 0.3))
    obs = _obs()
    a = ac.act(obs)
    assert ac.get_actions_log_prob(a).shape == (6,) and ac.entropy.shape == (6,)
    torch.testing.assert_close(ac.action_mean, ac.act_inference(obs))
    torch.testing.assert_close(ac.action_std, torch.full((6, 4), 0.3))
    assert ActorCritic(SHAPES, 4, ac.policy_cfg).policy_cfg == ac.policy_cfg


def test_coerce_cfg_copies_and_keeps_subclass_fields() -> None:
    from dataclasses import dataclass

    from rsl_rl.config import coerce_cfg

    @dataclass
    class MyPolicyCfg(PolicyCfg):
        note: str = "task specific"

    mine = MyPolicyCfg(obs_proc_actor={"torso": "identity"}, obs_proc_critic={"torso": "identity"})
    ac = ActorCritic(SHAPES, 2, mine)
    assert ac.cfg is not mine and ac.cfg.note == "task specific"
    mine.actor_hidden_dims.append(7)
    assert ac.cfg.actor_hidden_dims == [512, 256, 128]  # the caller's config is never shared or mutated
    rebuilt = ActorCritic(SHAPES, 2, ac.policy_cfg)  # dict with an extra field, e.g. from a checkpoint
    assert rebuilt.policy_cfg == {k: v for k, v in ac.policy_cfg.items() if k != "note"}
    assert coerce_cfg(None, AlgorithmCfg) == AlgorithmCfg()
    with pytest.raises(TypeError, match="Expected AlgorithmCfg, a dict or None, got int"):
        coerce_cfg(3, AlgorithmCfg)
