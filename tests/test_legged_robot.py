"""The base environment's behaviour on the real G1 task: actions, rewards, terminations, observations, randomisation."""

from __future__ import annotations

import math

import pytest
import torch

from legged_gym.envs import task_registry
from legged_gym.envs.g1.g1_env import G1Robot
from tests.env_helpers import make_task_env


def make_env(num_envs: int = 4, **edits) -> G1Robot:
    """The ``g1`` task with every joint driven (its default drives the legs only): the base robot's own tests."""
    edits = {"control__policy_joints": None, "env__num_actions": 23, **edits}
    return make_task_env("g1", num_envs, **edits)[0]


def test_action_clipping_and_ema():
    env = make_env(2, normalization__clip_actions=1.0, control__beta=0.5)
    env.step(torch.full((2, 23), 10.0))
    assert torch.allclose(env.actions, torch.full((2, 23), 0.5))  # 0.5 * clip(10) + 0.5 * 0
    env.step(torch.full((2, 23), -10.0))
    assert torch.allclose(env.actions, torch.full((2, 23), -0.25))  # 0.5 * -1 + 0.5 * 0.5
    targets = env._compute_targets(env.actions)
    assert torch.allclose(targets, -0.25 * 0.25 + env.default_dof_pos.expand(2, -1))
    env.close()


def test_observation_dict_shapes_and_layout():
    env = make_env(3)
    obs = env.get_observations()
    assert set(obs) == {"proprio", "privileged"}
    assert obs["proprio"].shape == (3, 3 + 3 + 3 + 23 + 23 + 23 + 2)
    layout = env.export_metadata()["observations"]["proprio"]
    assert [t["name"] for t in layout["terms"]][:3] == ["base_ang_vel", "projected_gravity", "commands"]
    assert sum(t["dim"] for t in layout["terms"]) == obs["proprio"].shape[1]
    env.close()


def test_noise_only_when_enabled():
    env = make_env(2)
    a, b = env.obs_manager.compute()["proprio"], env.obs_manager.compute()["proprio"]
    assert not torch.allclose(a, b), "noisy terms differ between two reads of the same state"
    env.close()
    env = make_env(2, noise__add_noise=False)
    a, b = env.obs_manager.compute()["proprio"], env.obs_manager.compute()["proprio"]
    assert torch.equal(a, b)
    # the clean projected gravity of an upright robot is (0, 0, -1)
    assert torch.allclose(a[:, 3:6], torch.tensor([0.0, 0.0, -1.0]).expand(2, 3), atol=0.05)
    env.close()


def test_observation_history_newest_first_and_reset_fill():
    env = make_env(2, env__obs_history={"privileged": 3}, noise__add_noise=False)
    h = env.get_observations()["history_privileged"]
    assert h.shape == (2, 3, 4)
    assert torch.equal(h[:, 0], h[:, 2]), "after a reset every slot holds the first frame"
    frames = [env.get_observations()["privileged"].clone()]
    for _ in range(2):
        obs, *_ = env.step(torch.zeros(2, 23))
        frames.append(obs["privileged"].clone())
    h = obs["history_privileged"]
    assert torch.allclose(h[:, 0], frames[2]) and torch.allclose(h[:, 1], frames[1]) and torch.allclose(h[:, 2], frames[0])
    env.reset_idx(torch.tensor([1]))
    obs = env.obs_manager.compute()
    assert torch.equal(obs["history_privileged"][1, 0], obs["history_privileged"][1, 2])
    assert not torch.equal(obs["history_privileged"][0, 0], obs["history_privileged"][0, 2])
    env.close()


def test_rewards_selected_by_nonzero_scales_and_scaled_by_dt():
    env = make_env(2)
    assert "feet_air_time" not in env.reward_scales  # scale 0 in the G1 config
    assert env.reward_scales["tracking_lin_vel"] == pytest.approx(3.0 * env.dt)
    env.step(torch.zeros(2, 23))
    expected = sum(fn() * env.reward_scales[n] for n, fn in env.reward_functions.items())
    assert torch.allclose(env.rew_buf, expected, atol=1e-6)
    env.close()


def test_unknown_reward_scale_is_an_error():
    env_cfg, _ = task_registry.get_cfgs("g1")
    env_cfg.env.num_envs = 1

    import dataclasses

    @dataclasses.dataclass
    class Scales(type(env_cfg.rewards.scales)):
        no_such_term: float = 1.0

    env_cfg.rewards.scales = Scales()
    with pytest.raises(ValueError, match="no method _reward_no_such_term"):
        task_registry.make_env("g1", env_cfg=env_cfg)


def test_only_positive_rewards_clips_before_termination():
    """With a penalty that outweighs every positive term, the summed reward is negative unless clipped at zero;
    the termination penalty is added after the clip."""
    rewards = {}
    for clip in (False, True):
        env = make_env(4, rewards__only_positive_rewards=clip, rewards__scales__dof_vel=-50.0,
                       rewards__scales__termination=-7.0)
        torch.manual_seed(0)
        out = []
        for _ in range(3):
            env.step(torch.randn(4, 23))
            out.append((env.rew_buf.clone(), (env.reset_buf & ~env.time_out_buf).clone()))
        rewards[clip], dt = out, env.dt
        env.close()
    assert any((r < 0).any() for r, _ in rewards[False])  # the penalty wins without the clip
    for r, terminated in rewards[True]:
        assert (r[~terminated] >= 0).all()
        assert (r[terminated] >= -7.0 * dt - 1e-6).all()  # clipped sum (>= 0) plus the termination penalty


def test_timeouts_and_episode_logging():
    env = make_env(3, env__episode_length_s=0.1)  # 5 control steps
    extras = None
    for _ in range(5):
        _, _, dones, extras = env.step(torch.zeros(3, 23))
    assert dones.all() and extras["time_outs"].all()
    assert "rew_tracking_lin_vel" in extras["episode"] and "episode_length_s" in extras["episode"]
    assert (env.episode_length_buf == 0).all()
    env.close()


def test_termination_on_tilt():
    env = make_env(2)
    ids = torch.tensor([0])
    tilted = torch.tensor([[0.7071, 0.7071, 0.0, 0.0]])  # lying on its side
    env.sim.reset_envs(ids, torch.tensor([[0.0, 0.0, 0.3]]), tilted, torch.zeros(1, 3), torch.zeros(1, 3),
                       env.default_dof_pos, torch.zeros(1, 23))
    _, _, dones, extras = env.step(torch.zeros(2, 23))
    assert dones[0] and not extras["time_outs"][0] and not dones[1]
    env.close()


def test_domain_randomisation_reaches_the_backend():
    env = make_env(
        4, domain_rand__randomize_base_mass=True, domain_rand__p_gain_rand=True, domain_rand__d_gain_rand=True,
        domain_rand__control_delays=True, domain_rand__control_delay_max=3, domain_rand__torque_rfi_rand=True,
        domain_rand__push_robots=True, domain_rand__max_push_vel_interval=0.02,
    )
    dr, sim = env.domain_rand, env.sim
    assert 0.1 <= dr.friction.min() and dr.friction.max() <= 1.25
    m0, m1 = sim.model_for_env(0), sim.model_for_env(1)
    assert m0 is not m1
    # the seed's combine rule: the contact friction is the mean of the drawn robot friction and the ground's 1.0
    assert m0.geom_friction[0, 0] == pytest.approx((dr.friction[0].item() + 1.0) / 2, rel=1e-5)
    torso = sim.layout.mass_body_id
    assert m1.body_mass[torso] == pytest.approx(sim.model.body_mass[torso] + dr.added_mass[1].item(), rel=1e-5)
    assert not torch.allclose(dr.kp_scale, torch.ones_like(dr.kp_scale))
    assert 0 <= dr.control_delay.min() and dr.control_delay.max() <= 3
    assert sim.torque_noise_scale.tolist() == pytest.approx([0.04] * 4)
    before = env.root_lin_vel_w.clone()
    env.domain_rand.maybe_push()
    assert not torch.allclose(env.root_lin_vel_w, before)
    env.step(torch.zeros(4, 23))
    env.close()


def test_friction_buckets_share_model_copies():
    """The seed's friction buckets: 16 environments drawing from 3 frictions need 3 model copies at most."""
    env = make_env(16, domain_rand__friction_buckets=3)
    values = set(env.domain_rand.friction.tolist())
    assert 1 <= len(values) <= 3
    copies = {id(env.sim.model_for_env(e)) for e in range(16)}
    assert len(copies) == len(values)
    for e in range(16):
        contact = env.domain_rand.contact_friction()[e].item()
        assert env.sim.model_for_env(e).geom_friction[0, 0] == pytest.approx(contact, rel=1e-5)
    env.close()


def test_rough_terrain_spawns_on_the_ground():
    env = make_env(4, terrain__mesh_type="heightfield", terrain__size=[8.0, 8.0], terrain__roughness=0.2)
    ground = env.sim.terrain.height_at(env.root_pos_w[:, :2])
    assert torch.allclose(env.root_pos_w[:, 2] - ground, torch.full((4,), 0.80), atol=0.21)
    assert env.root_pos_w[:, :2].abs().max() <= 2.0 + 1e-4
    for _ in range(5):
        env.step(torch.zeros(4, 23))
    assert torch.isfinite(env.get_observations()["proprio"]).all()
    env.close()


def test_track_vel_hard_is_one_on_the_command_and_falls_off_sharply():
    env = make_env(2, rewards__scales__track_vel_hard=1.0)
    assert "track_vel_hard" in env.reward_scales
    env.step(torch.zeros(2, 23))
    env.commands[:, :2] = env.base_lin_vel[:, :2]
    env.commands[:, 2] = env.base_ang_vel[:, 2]
    assert torch.allclose(env._reward_track_vel_hard(), torch.ones(2), atol=1e-6)
    env.commands[:, 0] += 0.5  # 0.5 m/s off in x, yaw on the command
    expected = 0.5 * (math.exp(-5.0) + 1.0) - 0.2 * 0.5
    assert torch.allclose(env._reward_track_vel_hard(), torch.full((2,), expected), atol=1e-5)
    env.close()


def test_yaw_tracking_has_its_own_kernel_width_when_set():
    env = make_env(2, rewards__tracking_sigma_yaw=0.5)
    env.step(torch.zeros(2, 23))
    env.commands[:, 2] = env.base_ang_vel[:, 2] + 0.5  # 0.5 rad/s off
    assert torch.allclose(env._reward_tracking_ang_vel(), torch.full((2,), math.exp(-0.25 / 0.5)), atol=1e-5)
    env.cfg.rewards.tracking_sigma_yaw = None  # the linear terms' width (0.25) again
    assert torch.allclose(env._reward_tracking_ang_vel(), torch.full((2,), math.exp(-0.25 / 0.25)), atol=1e-5)
    env.close()
