# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Checkpoints: round trip and resume, atomic writes, safe loading, clear errors, locating runs."""

from __future__ import annotations

import os

import pytest
import torch

import rsl_rl
from rsl_rl.runners import OnPolicyRunner
from rsl_rl.utils.checkpoints import CHECKPOINT_KEYS, CheckpointError, atomic_torch_save, get_load_path
from tests.rsl_rl.helpers import small_cfg
from tests.rsl_rl.rsl_rl_toy_env import PointMassEnv


def _runner(log_dir=None, **runner_kw: object) -> OnPolicyRunner:
    cfg = small_cfg(num_steps=8, num_mini_batches=2, num_learning_epochs=2)
    for k, v in runner_kw.items():
        setattr(cfg.runner, k, v)
    cfg.runner.save_interval = 2
    return OnPolicyRunner(PointMassEnv(16), cfg, log_dir=None if log_dir is None else str(log_dir),
                          cfg_to_save={"train": {"note": "x"}})


def test_save_load_resume_round_trip(tmp_path) -> None:
    run1 = tmp_path / "exp" / "20250101_000000_a"
    r1 = _runner(run1)
    r1.learn(3)
    names = os.listdir(run1)
    assert {"model_2.pt", "model_3.pt", "config.json"} <= set(names) and any(n.startswith("events.out") for n in names)
    data = torch.load(run1 / "model_3.pt", weights_only=True)
    assert set(CHECKPOINT_KEYS) <= set(data)
    assert data["iter"] == 3 and data["num_actions"] == 2 and data["rsl_rl_version"] == rsl_rl.__version__
    assert data["obs_shapes"] == {"state": [4]} and data["config"] == {"train": {"note": "x"}}
    assert data["policy_cfg"]["actor_hidden_dims"] == [32, 32]

    # resume from the latest run under the experiment dir into a new run dir
    run2 = tmp_path / "exp" / "20250102_000000_b"
    r2 = _runner(run2, resume=True)
    assert r2.current_learning_iteration == 3
    for k, v in r1.actor_critic.state_dict().items():
        assert torch.equal(v, r2.actor_critic.state_dict()[k])
    s1, s2 = r1.alg.optimizer.state_dict(), r2.alg.optimizer.state_dict()
    assert s1["param_groups"][0]["lr"] == s2["param_groups"][0]["lr"]
    for pid, st in s1["state"].items():
        assert torch.equal(st["exp_avg"], s2["state"][pid]["exp_avg"])
        assert int(st["step"]) == int(s2["state"][pid]["step"])
    r2.learn(2)
    assert r2.current_learning_iteration == 5
    assert {"model_4.pt", "model_5.pt"} <= set(os.listdir(run2))
    assert torch.load(run2 / "model_5.pt", weights_only=True)["iter"] == 5


def test_load_without_optimizer_and_re_init_std(tmp_path) -> None:
    r1 = _runner(tmp_path / "run")
    with torch.no_grad():
        r1.actor_critic.std.fill_(0.123)
    r1.current_learning_iteration = 7
    r1.save(str(tmp_path / "run" / "model_7.pt"))
    cfg = small_cfg()
    cfg.policy.re_init_std = True
    r2 = OnPolicyRunner(PointMassEnv(16), cfg)
    r2.load(str(tmp_path / "run" / "model_7.pt"), load_optimizer=False)
    assert r2.current_learning_iteration == 7
    assert torch.allclose(r2.actor_critic.std, torch.full((2,), 0.5))
    assert r2.alg.optimizer.state_dict()["state"] == {}


def test_atomic_save_keeps_previous_checkpoint(tmp_path, monkeypatch) -> None:
    runner = _runner(tmp_path)
    path = tmp_path / "model_1.pt"
    runner.save(str(path))
    good = path.read_bytes()
    real_save = torch.save

    def crashing_save(obj, f, *a, **kw):  # writes half a file, then dies
        real_save(obj, f, *a, **kw)
        f.seek(len(good) // 2)
        f.truncate()
        raise KeyboardInterrupt("killed during save")

    monkeypatch.setattr(torch, "save", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        runner.save(str(path))
    monkeypatch.undo()
    assert path.read_bytes() == good
    assert torch.load(path, weights_only=True)["iter"] == 0
    assert sorted(os.listdir(tmp_path)) == sorted(n for n in os.listdir(tmp_path) if not n.endswith(".tmp"))
    assert not any(n.startswith(".model_1.pt") for n in os.listdir(tmp_path))


def test_leftover_partial_temp_file_is_ignored(tmp_path) -> None:
    run = tmp_path / "20250101_000000_x"
    run.mkdir()
    atomic_torch_save({"model_state_dict": {}, "policy_cfg": {}}, run / "model_5.pt")
    (run / ".model_6.pt.abc123.tmp").write_bytes(b"PK\x03\x04 half written")  # a save killed with SIGKILL
    assert get_load_path(str(tmp_path)) == str(run / "model_5.pt")


def test_get_load_path_orders_by_number_and_timestamp(tmp_path) -> None:
    for run in ("20250101_120000_old", "20250301_090000_new", "20250401_000000_empty"):
        (tmp_path / run).mkdir()
    minimal = {"model_state_dict": {}, "policy_cfg": {}}  # what load_checkpoint requires
    for n in (9, 10, 100):
        atomic_torch_save(minimal, tmp_path / "20250301_090000_new" / f"model_{n}.pt")
    atomic_torch_save(minimal, tmp_path / "20250101_120000_old" / "model_500.pt")
    new = tmp_path / "20250301_090000_new"
    assert get_load_path(str(tmp_path)) == str(new / "model_100.pt")  # latest run WITH checkpoints
    assert get_load_path(str(tmp_path), -1, 10) == str(new / "model_10.pt")
    assert get_load_path(str(tmp_path), "20250101_120000_old") == str(tmp_path / "20250101_120000_old" / "model_500.pt")
    assert get_load_path("/nonexistent", str(new)) == str(new / "model_100.pt")  # path to a run dir
    assert get_load_path("/nonexistent", str(new / "model_9.pt")) == str(new / "model_9.pt")  # a .pt file
    os.remove(new / "model_100.pt")
    assert get_load_path(str(tmp_path), "20250301_090000_new") == str(new / "model_10.pt")  # 10 > 9
    with pytest.raises(CheckpointError, match=r"model_11.pt not in .*available iterations: \[9, 10\]"):
        get_load_path(str(tmp_path), "20250301_090000_new", 11)
    with pytest.raises(CheckpointError, match=r"Run 'missing' not found.*20250101_120000_old"):
        get_load_path(str(tmp_path), "missing")
    with pytest.raises(CheckpointError, match=r"No model_<n>.pt checkpoint in .*empty"):
        get_load_path(str(tmp_path), "20250401_000000_empty")
    with pytest.raises(CheckpointError, match="No run directory with model_<n>.pt checkpoints"):
        get_load_path(str(tmp_path / "20250401_000000_empty"))


def test_corrupt_and_incompatible_checkpoints_give_clear_errors(tmp_path) -> None:
    runner = _runner(tmp_path)
    bad = tmp_path / "model_1.pt"
    bad.write_bytes(b"\x00garbage")
    with pytest.raises(CheckpointError, match=r"Could not read checkpoint '.*model_1.pt'"):
        runner.load(str(bad))
    with pytest.raises(CheckpointError, match="does not exist"):
        runner.load(str(tmp_path / "model_404.pt"))
    torch.save({"weights": torch.zeros(1)}, bad)
    with pytest.raises(CheckpointError, match=r"lacks the keys \['model_state_dict', 'policy_cfg'\]"):
        runner.load(str(bad))

    other_cfg = small_cfg()
    other_cfg.policy.actor_hidden_dims = [16, 32]
    other = OnPolicyRunner(PointMassEnv(16), other_cfg)
    other.save(str(bad))
    with pytest.raises(CheckpointError, match=r"model_1.pt' does not match the policy: shape mismatch: \['actor.mlp"):
        runner.load(str(bad))


def test_checkpoint_without_new_gated_projection_loads_non_strict(tmp_path) -> None:
    old = _runner()
    old.save(str(tmp_path / "model_4.pt"))
    cfg = small_cfg(actor={"state": "identity", "terrain": "gated_to_hidden"})
    new = OnPolicyRunner(PointMassEnv(16), cfg)
    with pytest.raises(CheckpointError, match=r"missing keys: \['actor.encoder.gated.terrain.gate'.*load_model_strict"):
        new.load(str(tmp_path / "model_4.pt"))
    new.load(str(tmp_path / "model_4.pt"), strict=False)
    obs = PointMassEnv(16).get_observations()
    torch.testing.assert_close(new.actor_critic.act_inference(obs), old.actor_critic.act_inference(obs))
    assert new.current_learning_iteration == 0


def test_only_tensors_and_plain_containers_in_checkpoint(tmp_path) -> None:
    runner = _runner(tmp_path)
    runner.learn(1)
    runner.save(str(tmp_path / "model_0.pt"))
    data = torch.load(tmp_path / "model_0.pt", weights_only=True)  # would raise on arbitrary objects

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                assert isinstance(k, (str, int))
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        else:
            assert x is None or isinstance(x, (torch.Tensor, str, int, float, bool)), type(x)

    walk(data)


def test_weights_only_resume_keeps_adapted_learning_rate_and_env_steps(tmp_path) -> None:
    """A checkpoint without optimiser state resumes at its adapted learning rate (a fresh Adam at the initial rate
    moves a trained policy far in its first update) and continues the env-step count."""
    from rsl_rl.utils.checkpoints import save_weights_only

    r1 = _runner(tmp_path / "run")
    r1.learn(2)
    r1.alg.set_learning_rate(3.3e-5)
    r1.save(str(tmp_path / "run" / "model_2.pt"))
    slim = save_weights_only(tmp_path / "run" / "model_2.pt", tmp_path / "slim.pt")
    assert "optimizer_state_dict" not in slim and slim["learning_rate"] == pytest.approx(3.3e-5)
    r2 = _runner()
    r2.load(str(tmp_path / "slim.pt"))
    assert r2.alg.learning_rate == pytest.approx(3.3e-5)
    assert r2.alg.optimizer.param_groups[0]["lr"] == pytest.approx(3.3e-5)
    assert r2.total_timesteps == r1.total_timesteps == 2 * 8 * 16
    # a checkpoint from before these keys: the config's rate, steps counted as iterations x steps per iteration
    del slim["learning_rate"], slim["total_timesteps"]
    torch.save(slim, tmp_path / "old.pt")
    r3 = _runner()
    r3.load(str(tmp_path / "old.pt"))
    assert r3.alg.learning_rate == pytest.approx(1e-3) and r3.total_timesteps == 2 * 8 * 16
    # with the fixed schedule the config's rate wins
    cfg = small_cfg(num_steps=8, schedule="fixed", learning_rate=2e-4)
    r4 = OnPolicyRunner(PointMassEnv(16), cfg)
    r4.load(str(tmp_path / "slim.pt"))
    assert r4.alg.learning_rate == pytest.approx(2e-4)
    bad = dict(slim, learning_rate=float("nan"))
    torch.save(bad, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match="field 'learning_rate': expected a finite number"):
        _runner().load(str(tmp_path / "bad.pt"))
