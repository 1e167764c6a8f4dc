"""One name, one formula: the foot contact state, term tables, pure observation terms."""

from __future__ import annotations

import ast
import math
import os
from collections import defaultdict

import pytest
import torch

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs.base.foot_contact import FootContact
from tests.env_helpers import make_task_env

ENVS_DIR = os.path.join(LEGGED_GYM_ROOT_DIR, "legged_gym", "envs")


def _forces(fz: list[list[float]]) -> torch.Tensor:
    """(N, F, 3) contact forces with the given vertical components."""
    f = torch.zeros(len(fz), len(fz[0]), 3)
    f[..., 2] = torch.tensor(fz)
    return f


def test_foot_contact_touchdown_air_time_and_filter() -> None:
    feet = FootContact(1, torch.tensor([0, 1]), threshold=5.0, dt=0.1)
    feet.update(_forces([[10.0, 10.0]]))  # both down
    assert feet.contact.tolist() == [[True, True]] and not feet.first_contact.any()
    for _ in range(3):  # left foot in the air for three steps (4.9 N is below the threshold)
        feet.update(_forces([[4.9, 10.0]]))
    # the first airborne step still counts as contact for air time (filtered with the step before)
    assert feet.air_time[0, 0].item() == pytest.approx(0.2) and feet.air_time[0, 1].item() == 0.0
    assert feet.last_contact.tolist() == [[False, True]]
    feet.update(_forces([[50.0, 10.0]]))  # touchdown: air time including this step
    assert feet.first_contact.tolist() == [[True, False]]
    assert feet.air_time_at_contact[0, 0].item() == pytest.approx(0.3) and feet.air_time[0, 0].item() == 0.0
    feet.update(_forces([[50.0, 10.0]]))
    assert not feet.first_contact.any() and not feet.air_time_at_contact.any()


def test_foot_contact_stance_filter_and_reset() -> None:
    feet = FootContact(2, torch.tensor([1, 0]), threshold=1.0, dt=0.02)
    stance = torch.tensor([[True, False], [False, False]])
    for _ in range(3):
        feet.update(_forces([[0.0, 0.0], [0.0, 0.0]]), stance)
    # env 0's first foot (body 1) is in the gait's stance: its air time does not run; the other feet start in the air
    assert feet.air_time[0].tolist() == pytest.approx([0.0, 0.06]) and feet.air_time[1].tolist() == pytest.approx([0.06] * 2)
    feet.reset(torch.tensor([1]), torch.tensor([[True, False]]))
    assert feet.contact[1].tolist() == [True, False] and feet.last_contact[1].tolist() == [True, False]
    assert feet.air_time[1].tolist() == [0.0, 0.0] and feet.air_time[0, 1].item() == pytest.approx(0.06)
    with pytest.raises(ValueError, match="contact_force_threshold must be >= 0 N, got -1"):
        FootContact(1, torch.tensor([0]), threshold=-1.0, dt=0.02)


def test_no_term_method_is_defined_twice() -> None:
    """A ``_reward_<name>`` or ``_obs_<name>`` method exists in one class only: a task that needs another formula
    for a name binds it through its term table (``reward_terms`` / ``obs_terms``), never by overriding."""
    where: dict[str, list[str]] = defaultdict(list)
    for root, _, files in os.walk(ENVS_DIR):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                for node in ast.walk(ast.parse(open(path).read())):
                    if isinstance(node, ast.FunctionDef) and node.name.startswith(("_reward_", "_obs_")):
                        where[node.name].append(f"{os.path.relpath(path, ENVS_DIR)}:{node.lineno}")
    twice = {k: v for k, v in where.items() if len(v) > 1}
    assert not twice, twice


def test_term_tables_bind_each_task_to_its_formula() -> None:
    env, _ = make_task_env("humanoid_ppo", 2)
    bound = {name: fn.__name__ for name, fn in env.reward_functions.items()}
    assert bound["orientation"] == "_reward_upright_exp" and bound["base_height"] == "_reward_base_height_exp"
    assert bound["feet_air_time"] == "_reward_feet_air_time_clamped"
    assert env.feet.threshold == 5.0  # Humanoid-Gym's contact threshold, from the task's config
    terms = {t.name: t.fn.__name__ for terms in env.obs_manager.terms.values() for t in terms}
    assert terms["phase"] == "_obs_gait_phase"
    env.close()
    g1, _ = make_task_env("g1", 2, rewards__scales__orientation=-1.0)
    assert g1.reward_functions["orientation"].__name__ == "_reward_orientation" and g1.feet.threshold == 1.0
    g1.close()


def _tensor_state(env) -> dict[str, torch.Tensor]:
    out = {}
    for obj_name, obj in (("env", env), ("feet", env.feet)):
        for k, v in vars(obj).items():
            if torch.is_tensor(v):
                out[f"{obj_name}.{k}"] = v.clone()
    return out


@pytest.mark.parametrize("task", ["g1", "humanoid_ppo", "g1_deepmimic"])
def test_observation_terms_are_pure(task: str) -> None:
    """Computing every observation term leaves the environment's state as it was (terms only read)."""
    env, _ = make_task_env(task, 2)
    env.step(torch.zeros(2, env.num_actions))
    env.episode_length_buf += 7  # a term that recomputed state from the buffer would change something now
    before = _tensor_state(env)
    for terms in env.obs_manager.terms.values():
        for term in terms:
            term.fn()
    after = _tensor_state(env)
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert not changed, changed
    env.close()


def test_tracking_env_pins_starts_and_records_its_own_tracking() -> None:
    """The evaluation fields of a tracking environment: pinned clip and start frame, and the per-step record."""
    env, _ = make_task_env("g1_deepmimic", 3)
    lengths = env.replay.clip_length
    env.step(torch.zeros(3, env.num_actions))
    assert env.tracking_record is None  # off in training
    env.pinned_clips = torch.tensor([2, 1, 0], device=env.device)
    env.pinned_offsets = torch.tensor([0, 5, 10**6], device=env.device)
    env.record_tracking = True
    env.reset()
    start = env.ref_frame - env.replay.clip_start[env.ref_clip]
    assert env.ref_clip.tolist() == [2, 1, 0]
    assert start.tolist() == [0, 5, int(lengths[0]) - 2]  # the last offset is clamped to leave two frames
    env.step(torch.zeros(3, env.num_actions))
    rec = env.tracking_record
    assert rec["clip"].tolist() == [2, 1, 0] and rec["frame"].tolist() == [1, 6, int(lengths[0]) - 1]
    assert rec["done"][2] and rec["success"][2]  # env 2 started one frame before its clip's end
    assert set(rec["errors"]) == {"joint", "link", "link_rel", "contact_matches", "num_feet"}
    assert float(rec["errors"]["link"][0]) < 0.1  # one step after a reference-state start
    env.close()


def test_g1_upright_and_pose_terms() -> None:
    env, _ = make_task_env("g1", 2, rewards__scales__upright=1.0, rewards__scales__pose=1.0)
    env.dof_pos[:] = env.default_dof_pos
    env.projected_gravity[:] = torch.tensor([0.0, 0.0, -1.0])
    assert torch.allclose(env._reward_pose(), torch.ones(2)) and torch.allclose(env._reward_upright(), torch.ones(2))
    knee = env.dof_names.index("left_knee_joint")
    roll = env.dof_names.index("left_hip_roll_joint")
    env.dof_pos[0, knee] += 0.5  # one knee std (0.5 rad) off
    env.dof_pos[1, roll] += 0.3  # two hip-roll stds (0.15 rad) off
    n = len(env.dof_names)
    expected = torch.exp(-torch.tensor([1.0, 4.0]) / n)
    assert torch.allclose(env._reward_pose(), expected, atol=1e-5)
    tilt = 0.3
    env.projected_gravity[0] = torch.tensor([torch.sin(torch.tensor(tilt)), 0.0, -torch.cos(torch.tensor(tilt))])
    up = env._reward_upright()
    assert torch.isclose(up[0], torch.exp(-torch.sin(torch.tensor(tilt)) ** 2 / 0.2), atol=1e-6) and up[1] == 1.0
    env.close()
    with pytest.raises(ValueError, match=r"rewards.pose_std: no entry matches joint 'left_knee_joint'"):
        make_task_env("g1", 1, rewards__pose_std={"hip": 0.5, "ankle": 0.3, "waist": 0.2, "shoulder": 0.3, "elbow": 0.3})


@pytest.mark.parametrize("all_joints", [False, True])
def test_g1_reference_gait_follows_the_gait_clock(all_joints: bool) -> None:
    """Gait period 0.8 s, control dt 0.02 s, stance fraction 0.55: the left leg swings over steps 22-39 (peak near
    step 31, phase 0.775), the right leg (offset 0.5) over steps 2-19; the swing leg flexes by 0.3 * (-1, 2, -1)."""
    kw = {"control__policy_joints": None, "env__num_actions": 23} if all_joints else {}
    env, _ = make_task_env("g1", 3, **kw)
    assert env.reward_scales["joint_pos"] > 0.0 and len(env.policy_dof_names) == (23 if all_joints else 12)
    env.episode_length_buf[:] = torch.tensor([0, 31, 11])  # double support, left peak swing, right peak swing
    env._update_phase()
    names = env.policy_dof_names
    off = env.ref_dof_pos - env.default_policy_pos
    pitch = [names.index(f"{s}_{j}_joint") for s in ("left", "right") for j in ("hip_pitch", "knee", "ankle_pitch")]
    others = [i for i in range(len(names)) if i not in pitch]
    assert torch.equal(off[:, others], torch.zeros(3, len(others)))
    assert torch.equal(off[0], torch.zeros(len(names)))  # phase 0: left in stance, right (0.5) not yet swinging
    peak = 0.3 * torch.sin(torch.tensor(torch.pi * (0.775 - 0.55) / 0.45))
    assert torch.allclose(off[1, pitch[:3]], peak * torch.tensor([-1.0, 2.0, -1.0]), atol=1e-6)
    assert torch.allclose(off[1, pitch[3:]], torch.zeros(3))
    assert torch.allclose(off[2, pitch[3:]], peak * torch.tensor([-1.0, 2.0, -1.0]), atol=1e-6)
    env.dof_pos[:] = env.default_dof_pos
    env.dof_pos[:, [env.dof_names.index(n) for n in names]] = env.ref_dof_pos
    assert torch.allclose(env._reward_joint_pos(), torch.ones(3))  # on the reference: exp(0) - 0
    assert torch.allclose(env._obs_ref_dof_error(), torch.zeros(3, len(names)), atol=1e-6)
    env.dof_pos[:] = env.default_dof_pos  # standing still: the swing legs miss their flexion
    d = float(torch.norm(peak * torch.tensor([-1.0, 2.0, -1.0])))
    assert torch.isclose(env._reward_joint_pos()[1], torch.tensor(math.exp(-2 * d) - 0.2 * min(d, 0.5)), atol=1e-5)
    env.close()
