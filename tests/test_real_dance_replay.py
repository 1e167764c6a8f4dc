"""The real LAFAN dance clip (Unitree's G1 retargeting), replayed kinematically in the simulator.

Skipped when ../shared is absent. Training on it runs in tests/test_seed_commands.py.
"""

from __future__ import annotations

import os

import pytest
import torch

from tests.env_helpers import make_task_env

DANCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "motions",
                     "lafan_g1", "dance1_subject2.csv")
pytestmark = pytest.mark.skipif(not os.path.isfile(DANCE), reason="../shared/motions is absent")


def test_dance_replays_with_feet_on_the_ground_when_the_reference_says_contact():
    env, _ = make_task_env(
        "g1_deepmimic_mocap", 1, deepmimic__amass_replay_data_path=os.path.abspath(DANCE),
        deepmimic__cut_off_import_length=400, deepmimic__viz_replay=True, deepmimic__randomize_start_offset=False,
    )
    assert env.replay.clip_length.tolist() == [400]
    heights, contacts, forces = [], [], []
    for _ in range(390):
        env.step(torch.zeros(1, 23))
        ref = env.reference()
        feet = env.sim.body_states(tuple(env.cfg.deepmimic.contact_bodies)).pos[0]
        heights.append(feet[:, 2] - env.sim.terrain.height_at(feet[:, :2]))
        contacts.append(ref["contacts"][0] > 0.5)
        forces.append(env.contact_forces[0, env.dm_feet_indices, 2])
    h, c, f = torch.stack(heights), torch.stack(contacts), torch.stack(forces)
    # ankle-roll origins sit 3.7 cm above the sole: a planted foot has its origin within a few cm of that
    planted = h[c]
    assert c.float().mean() > 0.3, "the dance has stance phases"
    assert (planted < 0.09).float().mean() > 0.9, planted.max()
    assert (planted > -0.01).float().mean() > 0.9
    # forces come from the last physics step after each teleport; a teleported foot bounces, so about half
    # of the planted frames see a force at that instant (none would without contact)
    assert (f[c] > 1.0).float().mean() > 0.45, "planted reference feet press on the simulated ground"
    assert (f[c] > 1.0).float().mean() > 3 * (f[~c] > 1.0).float().mean()
    assert (h[~c] > 0.02).float().mean() > 0.5, "feet in the air according to the reference are mostly off the ground"
    env.close()
