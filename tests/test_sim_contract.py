"""The contract every simulator backend must pass (run here on each available backend with the real G1).

``warp-cpu`` is the MuJoCo Warp backend on Warp's CPU device: the same code as on a GPU, slow but real, so the
contract covers it without a GPU (skipped where warp-lang / mujoco-warp, the ``gpu`` extra, are not installed).
Its state is float32, so state comparisons use a looser tolerance there.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
import torch

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs.g1.g1_config import G1_DAMPING, G1_DEFAULT_JOINT_ANGLES, G1_STIFFNESS
from legged_gym.envs.base.legged_robot import match_by_substring
from legged_gym.sim import SceneSpec, make_backend
from legged_gym.sim.robot_info import actuated_joint_names
from legged_gym.terrain.rough import make_rough_heightfield

G1_XML = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")
FEET = ["left_ankle_roll_link", "right_ankle_roll_link"]
HAS_WARP = importlib.util.find_spec("mujoco_warp") is not None and importlib.util.find_spec("warp") is not None
BACKENDS = [
    "cpu",
    pytest.param("warp-cpu", marks=pytest.mark.skipif(not HAS_WARP, reason="warp-lang / mujoco-warp not installed")),
]
STATE_ATOL = {"cpu": 1e-9, "warp-cpu": 1e-4}  # float64 engine vs float32 engine without carried warm start


def make(device: str, num_envs: int = 4, heightfield=None, **kw) -> object:
    joints = actuated_joint_names(G1_XML)
    spec = SceneSpec(
        robot_xml=G1_XML,
        num_envs=num_envs,
        dt=0.005,
        decimation=4,
        joint_names=joints,
        kp=kw.pop("kp", match_by_substring(joints, G1_STIFFNESS, "stiffness")),
        kd=kw.pop("kd", match_by_substring(joints, G1_DAMPING, "damping")),
        contact_bodies=FEET + ["pelvis", "torso_link"],
        heightfield=heightfield,
        mass_body="torso_link",
        num_threads=kw.pop("num_threads", 2),
        **kw,
    )
    return make_backend(spec, device)


def default_pose(backend) -> torch.Tensor:
    return torch.tensor([[G1_DEFAULT_JOINT_ANGLES.get(n, 0.0) for n in backend.joint_names]]).expand(
        backend.num_envs, -1
    )


def stand(backend, z: float = 0.7862) -> None:
    n = backend.num_envs
    ids = torch.arange(n)
    pos = torch.tensor([[0.0, 0.0, z]]).expand(n, 3)
    quat = torch.tensor([[1.0, 0.0, 0.0, 0.0]]).expand(n, 4)
    zeros3 = torch.zeros(n, 3)
    q = default_pose(backend)
    backend.reset_envs(ids, pos, quat, zeros3, zeros3, q, torch.zeros_like(q))


@pytest.fixture(params=BACKENDS)
def device(request) -> str:
    return request.param


def test_shapes_after_reset_and_step(device):
    b = make(device, num_envs=3)
    stand(b)
    b.step(default_pose(b))
    n, j = 3, 23
    assert b.root_pos_w.shape == (n, 3) and b.root_quat_w.shape == (n, 4)
    assert b.root_lin_vel_w.shape == (n, 3) and b.root_ang_vel_w.shape == (n, 3)
    assert b.dof_pos.shape == (n, j) and b.dof_vel.shape == (n, j) and b.applied_torques.shape == (n, j)
    assert b.contact_forces_w.shape == (n, 4, 3)
    bodies = b.body_states()
    assert bodies.pos.shape == (n, len(b.body_names), 3) and bodies.quat.shape == (n, len(b.body_names), 4)
    assert bodies.lin_vel.shape == bodies.pos.shape and bodies.ang_vel.shape == bodies.pos.shape
    assert b.body_names[0] == "pelvis" and "torso_link" in b.body_names
    assert torch.isfinite(b.get_state()).all()
    b.close()


def _rollout(device: str, seed: int, threads: int, steps: int = 10) -> torch.Tensor:
    b = make(device, num_envs=6, num_threads=threads, seed=seed)
    b.set_params(torch.arange(6), torque_noise=torch.full((6,), 0.05))
    stand(b)
    gen = torch.Generator().manual_seed(0)
    for _ in range(steps):
        b.step(default_pose(b) + 0.2 * torch.randn(6, 23, generator=gen))
    s = b.get_state()
    b.close()
    return s


def test_determinism_for_fixed_seed_and_threads(device):
    a = _rollout(device, seed=3, threads=2)
    b = _rollout(device, seed=3, threads=2)
    assert torch.equal(a, b)
    c = _rollout(device, seed=4, threads=2)
    assert not torch.equal(a, c), "a different seed must change the torque noise"


def test_state_round_trip(device):
    b = make(device, num_envs=2)
    stand(b)
    for _ in range(3):
        b.step(default_pose(b))
    saved = b.get_state()
    targets = default_pose(b) + 0.3
    for _ in range(5):
        b.step(targets)
    after_first = b.get_state()
    b.set_state(saved)
    assert torch.equal(b.get_state(), saved)
    for _ in range(5):
        b.step(targets)
    assert torch.allclose(b.get_state(), after_first, atol=STATE_ATOL[device])
    b.close()


def test_reset_places_the_requested_state(device):
    b = make(device, num_envs=3)
    ids = torch.tensor([1])
    q = default_pose(b)[:1] + 0.1
    quat = torch.tensor([[0.9238795, 0.0, 0.0, 0.3826834]])
    b.reset_envs(ids, torch.tensor([[1.0, 2.0, 1.5]]), quat, torch.tensor([[0.5, 0.0, 0.0]]),
                 torch.tensor([[0.0, 0.0, 1.0]]), q, torch.full((1, 23), 0.5))
    assert torch.allclose(b.root_pos_w[1], torch.tensor([1.0, 2.0, 1.5]))
    assert torch.allclose(b.root_quat_w[1], quat[0], atol=1e-6)
    assert torch.allclose(b.root_ang_vel_w[1], torch.tensor([0.0, 0.0, 1.0]), atol=1e-6)
    assert torch.allclose(b.dof_pos[1], q[0]) and torch.allclose(b.dof_vel[1], torch.full((23,), 0.5))
    assert not torch.allclose(b.root_pos_w[0], b.root_pos_w[1])
    b.close()


def test_contact_detection(device):
    b = make(device, num_envs=2)
    stand(b)
    # env 1 starts 1 m up: no contacts for the first steps
    b.reset_envs(torch.tensor([1]), torch.tensor([[0.0, 0.0, 1.8]]), torch.tensor([[1.0, 0, 0, 0]]),
                 torch.zeros(1, 3), torch.zeros(1, 3), default_pose(b)[:1], torch.zeros(1, 23))
    for _ in range(5):
        b.step(default_pose(b))
    f = b.contact_forces_w
    weight = 35.1121 * 9.81
    feet_z = f[0, :2, 2].sum().item()
    assert 0.5 * weight < feet_z < 1.5 * weight, feet_z
    assert (f[0, :2, 2] > 1.0).all(), "both feet of the standing robot touch the ground"
    assert f[0, 2:].norm() < 1e-6, "pelvis and torso do not touch anything"
    assert f[1].norm() < 1e-6, "the robot in the air has no contacts"
    b.close()


def test_pd_tracks_a_target(device):
    b = make(device, num_envs=1)
    stand(b)
    targets = default_pose(b).clone()
    elbow = b.joint_names.index("left_elbow_joint")
    shoulder = b.joint_names.index("right_shoulder_pitch_joint")
    targets[0, elbow] = 0.8
    targets[0, shoulder] = -0.5
    for _ in range(40):  # 0.8 s
        b.step(targets)
    assert abs(b.dof_pos[0, elbow].item() - 0.8) < 0.08
    assert abs(b.dof_pos[0, shoulder].item() + 0.5) < 0.08
    # the applied torque follows the PD law within the effort limit
    kp = 75.0
    err = (targets[0, elbow] - b.dof_pos[0, elbow]).item()
    assert abs(b.applied_torques[0, elbow].item()) <= b.effort_limits[elbow].item() + 1e-6
    assert abs(b.applied_torques[0, elbow].item() - (kp * err - 2.0 * b.dof_vel[0, elbow].item())) < 3.0
    b.close()


def test_gain_scale_and_delay_change_the_motion(device):
    def run(**params):
        b = make(device, num_envs=1, max_control_delay=5)
        stand(b, z=1.6)  # in the air: the arms move freely
        if params:
            b.set_params(torch.tensor([0]), **params)
        t = default_pose(b).clone()
        t[0, b.joint_names.index("left_elbow_joint")] = 1.0
        b.step(t)
        out = b.dof_pos[0, b.joint_names.index("left_elbow_joint")].item()
        b.close()
        return out

    nominal = run()
    assert run(kp_scale=torch.full((1, 23), 0.5)) < nominal - 1e-3
    assert run(control_delay=torch.tensor([3])) < nominal - 1e-3
    with pytest.raises(ValueError, match="control delay"):
        run(control_delay=torch.tensor([9]))


def test_added_mass_and_push(device):
    b = make(device, num_envs=2)
    stand(b)
    b.set_params(torch.tensor([1]), added_mass=torch.tensor([10.0]))
    for _ in range(5):
        b.step(default_pose(b))
    assert b.contact_forces_w[1, :2, 2].sum() > b.contact_forces_w[0, :2, 2].sum() + 50.0
    before = b.root_lin_vel_w.clone()
    b.add_root_velocity(torch.tensor([0]), torch.tensor([[1.0, 0.0, 0.0]]))
    assert torch.allclose(b.root_lin_vel_w[0] - before[0], torch.tensor([1.0, 0.0, 0.0]), atol=1e-6)
    assert torch.allclose(b.root_lin_vel_w[1], before[1])
    b.close()


def test_heightfield_terrain_and_ray_casts(device):
    hf = make_rough_heightfield((6.0, 6.0), 0.1, 0.3, 1, seed=2)
    b = make(device, num_envs=2, heightfield=hf)
    xy = torch.tensor([[0.3, -0.7], [1.2, 0.4]])
    ground = b.terrain.height_at(xy)
    origins = torch.cat([xy, torch.full((2, 1), 2.0)], dim=1)
    dist = b.ray_distance(origins, torch.tensor([0.0, 0.0, -1.0]), 5.0)
    assert torch.allclose(dist, 2.0 - ground, atol=1e-5)
    assert b.ray_distance(origins, torch.tensor([0.0, 0.0, 1.0]), 5.0).eq(5.0).all()
    # a robot dropped onto the height field comes to rest on it, not on z = 0
    n = 2
    q = default_pose(b)
    spawn = torch.cat([xy, (ground + 0.9).unsqueeze(1)], dim=1)
    b.reset_envs(torch.arange(n), spawn, torch.tensor([[1.0, 0, 0, 0]]).expand(n, 4), torch.zeros(n, 3),
                 torch.zeros(n, 3), q, torch.zeros_like(q))
    for _ in range(20):
        b.step(q)
    feet = b.body_states(tuple(FEET)).pos
    under = b.terrain.height_at(feet[..., :2])
    assert ((feet[..., 2] - under) < 0.15).all() and ((feet[..., 2] - under) > -0.02).all()
    assert (b.contact_forces_w[:, :2, 2].sum(dim=1) > 50).all()
    b.close()


def test_non_finite_state_is_reset_and_counted(device):
    b = make(device, num_envs=3)
    stand(b)
    b.step(default_pose(b))
    state = b.get_state()
    state[1, -5] = float("nan")  # somewhere in env 1's state
    b.set_state(state)
    b.step(default_pose(b))
    assert b.nan_envs.tolist() == [False, True, False]
    assert b.nan_reset_count == 1
    assert torch.isfinite(b.get_state()).all()
    assert abs(b.root_pos_w[1, 2].item() - b.root_pos_w[0, 2].item()) < 0.1, "env 1 is back at the default pose"
    b.step(default_pose(b))
    assert not b.nan_envs.any() and b.nan_reset_count == 1


def test_exploding_push_is_reset_and_counted(device):
    b = make(device, num_envs=2)
    stand(b)
    b.step(default_pose(b))
    b.add_root_velocity(torch.tensor([0]), torch.tensor([[1e12, 1e12, 1e12]]))
    b.step(default_pose(b))
    assert b.nan_envs.tolist() == [True, False]
    assert b.nan_reset_count == 1
    assert b.root_lin_vel_w.abs().max().item() < 100.0
