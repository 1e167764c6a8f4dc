# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""DAgger: a student with different observation keys clones a PPO teacher (checkpoint, run dir, TorchScript)."""

from __future__ import annotations

import os

import pytest
import torch

from rsl_rl.algorithms import DAgger, TeacherError
from rsl_rl.runners import OnPolicyRunner
from tests.rsl_rl.helpers import small_cfg
from tests.rsl_rl.rsl_rl_toy_env import PointMassEnv

STUDENT_ACTOR = {"rel_hist": "flatten", "pos": "identity"}


def _student(path: str, jitted: bool = False, **kw: object) -> OnPolicyRunner:
    cfg = small_cfg(actor=STUDENT_ACTOR, critic={"state": "identity"}, bc_loss_coef=1.0, learning_rate=3e-3,
                    schedule="fixed", num_mini_batches=2, num_learning_epochs=4, **kw)
    cfg.algorithm.policy_to_clone = path
    cfg.algorithm.policy_to_clone_jitted = jitted
    return OnPolicyRunner(PointMassEnv(64, seed=7), cfg)


@torch.no_grad()
def _action_error(runner: OnPolicyRunner) -> float:
    """Mean squared difference between student mean and teacher action on fresh observations."""
    env = PointMassEnv(256, seed=99)
    obs = env.get_observations()
    teacher = runner.alg.teacher.act(obs)
    return float((runner.actor_critic.act_inference(obs) - teacher).pow(2).mean())


def _bc_losses(runner: OnPolicyRunner, iters: int) -> list[float]:
    losses = []
    original = runner.alg.update

    def spy() -> dict[str, float]:
        out = original()
        losses.append(out["bc"])
        return out

    runner.alg.update = spy  # type: ignore[method-assign]
    runner.learn(iters)
    return losses


@pytest.mark.parametrize("source", ["checkpoint", "run_dir", "jitted"])
def test_student_clones_teacher(teacher_run: dict, source: str) -> None:
    path = {"checkpoint": teacher_run["checkpoint"], "run_dir": teacher_run["run_dir"],
            "jitted": os.path.join(teacher_run["export_dir"], "policy.pt")}[source]
    runner = _student(path, jitted=source == "jitted")
    assert isinstance(runner.alg, DAgger)
    assert runner.alg.teacher.obs_keys == ["state"]
    assert set(runner.alg.storage.obs) == {"rel_hist", "pos", "state"}
    err0 = _action_error(runner)
    losses = _bc_losses(runner, 12)
    err1 = _action_error(runner)
    print(f"{source}: bc loss {losses[0]:.4f} -> {losses[-1]:.4f}, action error {err0:.4f} -> {err1:.4f}")
    assert losses[-1] < 0.5 * losses[0]
    assert err1 < 0.3 * err0


def test_run_dir_picks_latest_checkpoint(teacher_run: dict) -> None:
    runner = _student(teacher_run["run_dir"])
    assert runner.alg.teacher.path.endswith("model_30.pt")
    assert runner.alg.teacher.std is not None  # ActorCritic teacher: std matching term active
    summary = runner.describe()
    assert summary.startswith("[rsl_rl 1.0.0] DAgger on cpu") and "model_30.pt reads ['state']" in summary
    assert "actor: " in summary and "rel_hist (3, 2) flatten" in summary


def test_take_teacher_actions_steps_env_with_teacher(teacher_run: dict) -> None:
    runner = _student(teacher_run["checkpoint"], take_teacher_actions=True)
    obs = runner.env.get_observations()
    with torch.inference_mode():
        actions = runner.alg.act(obs)
    torch.testing.assert_close(actions, runner.alg.teacher.act(obs))


def test_missing_teacher_is_a_clear_error(tmp_path) -> None:
    missing = str(tmp_path / "nope")
    with pytest.raises(TeacherError, match=f"policy_to_clone '{missing}' does not exist"):
        _student(missing)
    empty = tmp_path / "empty_run"
    empty.mkdir()
    with pytest.raises(TeacherError, match="No model_<n>.pt checkpoint in"):
        _student(str(empty))
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(TeacherError, match=r"Could not read checkpoint '.*junk.pt'"):
        _student(str(junk))
    with pytest.raises(TeacherError, match="is not a TorchScript file"):
        _student(str(junk), jitted=True)


def test_teacher_with_unknown_obs_keys_or_action_dim(teacher_run: dict, tmp_path) -> None:
    ckpt = torch.load(teacher_run["checkpoint"], weights_only=True)
    ckpt["policy_cfg"]["obs_proc_actor"] = {"privileged_height": "flatten"}
    bad_keys = tmp_path / "bad_keys.pt"
    torch.save(ckpt, bad_keys)
    with pytest.raises(TeacherError, match=r"reads observation keys \['privileged_height'\].*Available keys"):
        _student(str(bad_keys))
    ckpt = torch.load(teacher_run["checkpoint"], weights_only=True)
    ckpt["num_actions"] = 5
    bad_actions = tmp_path / "bad_actions.pt"
    torch.save(ckpt, bad_actions)
    with pytest.raises(TeacherError, match="has 5 actions but the env has 2"):
        _student(str(bad_actions))
