"""MuJoCo-specific checks of the CPU backend: our kinematics and terrain maths against the engine's own."""

from __future__ import annotations

import mujoco
import pytest
import numpy as np
import torch

from legged_gym.sim.heightfield import TerrainSampler
from legged_gym.utils.math import quat_rotate
from legged_gym.terrain.rough import make_rough_heightfield
from tests.test_sim_contract import default_pose, make, stand


def test_forward_kinematics_matches_mujoco():
    b = make("cpu", num_envs=3)
    stand(b, z=1.0)
    gen = torch.Generator().manual_seed(1)
    q = default_pose(b) + 0.4 * torch.randn(3, 23, generator=gen)
    quat = torch.nn.functional.normalize(torch.randn(3, 4, generator=gen), dim=1)
    lin, ang, qd = torch.randn(3, 3, generator=gen), torch.randn(3, 3, generator=gen), torch.randn(3, 23, generator=gen)
    b.reset_envs(torch.arange(3), torch.randn(3, 3, generator=gen), quat, lin, ang, q, qd)
    ours = b.body_states()
    m, state = b.model, b.get_state().numpy()
    d = mujoco.MjData(m)
    for env in range(3):
        mujoco.mj_setState(m, d, state[env], mujoco.mjtState.mjSTATE_FULLPHYSICS)
        mujoco.mj_forward(m, d)
        for i, name in enumerate(b.body_names):
            bid = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, name)
            np.testing.assert_allclose(ours.pos[env, i].numpy(), d.xpos[bid], atol=1e-5)
            # quaternions match up to sign
            dot = abs(float(np.dot(ours.quat[env, i].numpy(), d.xquat[bid])))
            assert dot > 1 - 1e-5, (name, dot)
            vel = np.zeros(6)
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_BODY, bid, vel, 0)  # world frame, [ang, lin] at the CoM
            origin_vel = vel[3:] + np.cross(vel[:3], d.xpos[bid] - d.xipos[bid])
            np.testing.assert_allclose(ours.ang_vel[env, i].numpy(), vel[:3], atol=1e-4)
            np.testing.assert_allclose(ours.lin_vel[env, i].numpy(), origin_vel, atol=1e-4)
    b.close()


def test_heightfield_lookup_matches_mujoco_ray():
    hf = make_rough_heightfield((4.0, 3.0), 0.1, 0.4, 0, seed=5)
    b = make("cpu", num_envs=1, heightfield=hf)
    m = b.model
    d = mujoco.MjData(m)
    mujoco.mj_forward(m, d)
    sampler = TerrainSampler(hf)
    rng = np.random.default_rng(0)
    geomid = np.zeros(1, dtype=np.int32)
    group = np.zeros(6, dtype=np.uint8)
    group[0] = 1  # the terrain geom is in group 0, the robot's collision geoms in group 3
    for _ in range(200):
        x, y = rng.uniform(-1.9, 1.9), rng.uniform(-1.4, 1.4)
        dist = mujoco.mj_ray(m, d, np.array([x, y, 3.0]), np.array([0.0, 0.0, -1.0]), group, 1, -1, geomid)
        assert geomid[0] == b.layout.terrain_geom_id
        ours = sampler.height_at(torch.tensor([[x, y]]))[0].item()
        assert abs((3.0 - dist) - ours) < 1e-4, (x, y, 3.0 - dist, ours)
    # tilted rays agree too
    for _ in range(50):
        o = np.array([rng.uniform(-1.5, 1.5), rng.uniform(-1.0, 1.0), 1.5])
        direction = np.array([rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1), -1.0])
        direction /= np.linalg.norm(direction)
        dist = mujoco.mj_ray(m, d, o, direction, group, 1, -1, geomid)
        ours = sampler.ray_distance(torch.tensor(o, dtype=torch.float32), torch.tensor(direction, dtype=torch.float32), 5.0)
        assert abs(ours.item() - dist) < 2e-3, (dist, ours.item())
    b.close()


def test_root_angular_velocity_is_world_frame():
    b = make("cpu", num_envs=1)
    quat = torch.tensor([[0.7071068, 0.7071068, 0.0, 0.0]])  # 90 deg about x
    w = torch.tensor([[0.0, 0.0, 2.0]])
    b.reset_envs(torch.tensor([0]), torch.tensor([[0.0, 0.0, 2.0]]), quat, torch.zeros(1, 3), w,
                 default_pose(b)[:1], torch.zeros(1, 23))
    qvel_local = b.get_state()[0, 1 + b.model.nq + 3 : 1 + b.model.nq + 6].float()
    assert torch.allclose(quat_rotate(quat, qvel_local.unsqueeze(0)), w, atol=1e-6)
    b.close()


def test_model_variants_are_shared_when_memory_is_short():
    hf = make_rough_heightfield((20.0, 20.0), 0.02, 0.1, 0, seed=1)  # about 4 MB of height data per model copy
    b = make("cpu", num_envs=6, heightfield=hf, max_variant_memory_mb=10.0)
    assert b.num_variants == 2
    b.set_params(torch.arange(6), friction=torch.tensor([0.2, 0.3, 0.4, 0.5, 0.6, 0.25]))
    assert len({id(b.model_for_env(e)) for e in range(6)}) == 2  # the budget: two copies
    assert b.model_for_env(0).geom_friction[0, 0] == pytest.approx(0.2)
    assert b.model_for_env(1).geom_friction[0, 0] == pytest.approx(0.3)
    assert b.model_for_env(4) is b.model_for_env(1)  # beyond the budget: the copy with the nearest parameters
    assert b.model_for_env(5).geom_friction[0, 0] in (pytest.approx(0.2), pytest.approx(0.3))
    b.close()
    b = make("cpu", num_envs=3)
    assert b.num_variants == 3
    b.close()


def test_environments_with_equal_parameters_share_one_model_copy():
    """Friction buckets: 8 environments, 2 distinct values -> 2 copies; a copy nobody uses is recycled."""
    b = make("cpu", num_envs=8)
    b.set_params(torch.arange(8), friction=torch.tensor([0.4, 0.9] * 4))
    models = {id(b.model_for_env(e)) for e in range(8)}
    assert len(models) == 2 and id(b.model) not in models
    assert [b.model_for_env(e).geom_friction[0, 0] for e in range(2)] == [pytest.approx(0.4), pytest.approx(0.9)]
    b.set_params(torch.arange(0, 8, 2), friction=torch.full((4,), 0.7))  # every 0.4 environment moves to 0.7
    assert len({id(b.model_for_env(e)) for e in range(8)}) == 2
    assert b.model_for_env(0).geom_friction[0, 0] == pytest.approx(0.7)
    assert b.model_for_env(1).geom_friction[0, 0] == pytest.approx(0.9)  # untouched
    b.set_params(torch.tensor([1]), kp_scale=torch.full((1, 23), 0.5))  # env 1 alone gets its own copy
    assert b.model_for_env(1) is not b.model_for_env(3)
    assert b.model_for_env(1).geom_friction[0, 0] == pytest.approx(0.9)  # keeps its friction
    assert b.model_for_env(1).actuator_gainprm[0, 0] == pytest.approx(0.5 * b.model.actuator_gainprm[0, 0])
    assert b.model_for_env(3).actuator_gainprm[0, 0] == pytest.approx(b.model.actuator_gainprm[0, 0])
    b.close()


def test_subset_kinematics_with_folded_fixed_links_matches_full():
    b = make("cpu", num_envs=2)
    gen = torch.Generator().manual_seed(3)
    q = default_pose(b) + 0.5 * torch.randn(2, 23, generator=gen)
    b.reset_envs(torch.arange(2), torch.randn(2, 3, generator=gen), torch.nn.functional.normalize(torch.randn(2, 4, generator=gen), dim=1),
                 torch.randn(2, 3, generator=gen), torch.randn(2, 3, generator=gen), q, torch.randn(2, 23, generator=gen))
    names = ("left_wrist_yaw_link", "right_elbow_link", "torso_link", "left_ankle_roll_link")
    full = b.body_states()
    sub = b.body_states(names)
    idx = [b.body_names.index(n) for n in names]
    for field in ("pos", "quat", "lin_vel", "ang_vel"):
        assert torch.allclose(getattr(sub, field), getattr(full, field)[:, idx], atol=1e-5), field
    b.close()


def test_cached_body_states_follow_partial_resets():
    b = make("cpu", num_envs=4)
    stand(b)
    b.step(default_pose(b))
    names = ("torso_link", "left_ankle_roll_link")
    cached = b.body_states(names)
    gen = torch.Generator().manual_seed(5)
    ids = torch.tensor([1, 3])
    b.reset_envs(ids, torch.randn(2, 3, generator=gen), torch.nn.functional.normalize(torch.randn(2, 4, generator=gen), dim=1),
                 torch.randn(2, 3, generator=gen), torch.randn(2, 3, generator=gen), default_pose(b)[:2] + 0.3, torch.randn(2, 23, generator=gen))
    b.add_root_velocity(torch.tensor([0]), torch.tensor([[0.5, 0.0, 0.0]]))
    updated = b.body_states(names)
    b._bodies.clear()  # force a full recomputation for comparison
    fresh = b.body_states(names)
    for field in ("pos", "quat", "lin_vel", "ang_vel"):
        assert torch.allclose(getattr(updated, field), getattr(fresh, field), atol=1e-6), field
    assert updated is cached
    b.close()
