"""Gait statistics of sim2sim (legged_gym.deploy.gait) on a real MuJoCo scene: a box 'foot' tossed onto a plane."""

from __future__ import annotations

import mujoco
import pytest

from legged_gym.deploy.gait import MIN_AIR_TIME, GaitStats

SCENE = """
<mujoco>
  <option timestep="0.001"/>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <body name="foot" pos="0 0 0.05">
      <freejoint/>
      <geom type="box" size="0.1 0.05 0.02" mass="1"/>
    </body>
  </worldbody>
</mujoco>
"""
DT = 0.01  # one 'control step' = 10 physics steps


def settle_then_toss(v_up: float, seconds: float = 1.0) -> dict[str, float]:
    model = mujoco.MjModel.from_xml_string(SCENE)
    data = mujoco.MjData(model)
    stats = GaitStats(model, ["foot"], DT)
    for _ in range(50):  # drop from 3 cm and come to rest: the first landing is a short flight
        mujoco.mj_step(model, data, nstep=10)
        stats.update(data)
    stats.feet[0].steps, stats.feet[0].clearances = 0, []
    data.qvel[2] = v_up
    for _ in range(int(seconds / DT)):
        mujoco.mj_step(model, data, nstep=10)
        stats.update(data)
    return stats.summary()


def test_a_toss_is_one_step_with_its_ballistic_clearance():
    v = 1.5
    s = settle_then_toss(v)
    apex = v * v / (2 * 9.81)  # 0.115 m
    assert s["steps_per_s"] == pytest.approx(1 / 1.5, rel=1e-6)  # one step in the 1.5 s recorded
    assert s["clearance_m"] == pytest.approx(apex, abs=0.01)
    assert s["air_fraction"] == pytest.approx((2 * v / 9.81 + 0.03) / 1.5, abs=0.03)  # toss + the first drop


def test_a_hop_shorter_than_the_minimum_flight_is_not_a_step():
    v = 0.15  # in the air for 2 v / g = 0.03 s
    assert 2 * v / 9.81 < MIN_AIR_TIME
    s = settle_then_toss(v)
    assert s["steps_per_s"] == 0.0 and s["clearance_m"] != s["clearance_m"]  # no step: clearance is NaN


def test_unknown_foot_body_is_a_clear_error():
    model = mujoco.MjModel.from_xml_string(SCENE)
    with pytest.raises(ValueError, match="'left_foot' is not in the model"):
        GaitStats(model, ["left_foot"], DT)
