"""A step in a terrain mesh is a step in the simulation: obj file -> height field -> MuJoCo -> G1 feet."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
import torch

from legged_gym.terrain import load_mesh, mesh_to_heightfield
from tests.terrain.helpers import step_mesh
from tests.test_sim_contract import FEET, default_pose, make

STEP = 0.2


@pytest.fixture(scope="module")
def step_heightfield(tmp_path_factory):
    path = tmp_path_factory.mktemp("step") / "step.obj"
    step_mesh(STEP).export(path)
    return mesh_to_heightfield(load_mesh(path), 0.025)


def test_step_mesh_becomes_a_step_heightfield(step_heightfield):
    hf = step_heightfield
    assert hf.origin == pytest.approx((-2.0, -2.0)) and hf.heights.shape == (161, 161)
    x = hf.origin[0] + hf.resolution * np.arange(hf.heights.shape[1])
    assert np.all(hf.heights[:, x < -1e-9] == 0.0)
    assert np.allclose(hf.heights[:, x > -1e-9], STEP)


def test_g1_stands_on_both_levels_of_the_step(step_heightfield):
    b = make("cpu", num_envs=2, heightfield=step_heightfield)
    # MuJoCo's own ray cast against the compiled height field geom sees both levels
    d = mujoco.MjData(b.model)
    mujoco.mj_forward(b.model, d)
    group = np.array([1, 0, 0, 0, 0, 0], np.uint8)  # the terrain geom only
    geom = np.zeros(1, np.int32)
    for x, ground in ((-1.0, 0.0), (1.0, STEP)):
        dist = mujoco.mj_ray(b.model, d, np.array([x, 0.3, 3.0]), np.array([0.0, 0.0, -1.0]), group, 1, -1, geom)
        assert geom[0] == b.layout.terrain_geom_id and 3.0 - dist == pytest.approx(ground, abs=1e-4)
    down = torch.tensor([0.0, 0.0, -1.0])
    dist = b.ray_distance(torch.tensor([[-1.0, 0.3, 3.0], [1.0, 0.3, 3.0]]), down, 5.0)
    assert torch.allclose(3.0 - dist, torch.tensor([0.0, STEP]), atol=1e-5)

    # drop the robot in its default pose 0.85 m above the local ground on each side, let it settle for 0.4 s
    q = default_pose(b)
    spawn = torch.tensor([[-1.0, 0.0, 0.85], [1.0, 0.0, STEP + 0.85]])
    upright = torch.tensor([[1.0, 0.0, 0.0, 0.0]]).expand(2, 4)
    b.reset_envs(torch.arange(2), spawn, upright, torch.zeros(2, 3), torch.zeros(2, 3), q, torch.zeros_like(q))
    for _ in range(int(round(0.4 / (b.dt * b.decimation)))):
        b.step(q)
    feet_z = b.body_states(tuple(FEET), with_velocities=False).pos[..., 2]  # (2 envs, 2 feet)
    rise = feet_z[1] - feet_z[0]
    assert torch.all((rise - STEP).abs() < 0.02), f"platform feet rest {rise.tolist()} m above ground feet"
    assert torch.all(feet_z[0] < 0.15) and torch.all(feet_z[1] < STEP + 0.15)  # standing, not still falling
    support = b.contact_forces_w[:, :2, 2].sum(dim=1)
    assert torch.all(support > 50.0), f"vertical foot contact force per env {support.tolist()} N"
    b.close()
