"""benchmarks/yaw_sway.py on the shipped g1 walking policy: the yaw sway it reports is locked to the gait cycle."""

from __future__ import annotations

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = os.path.join(ROOT, "resources", "policies", "g1_walk", "exported")


@pytest.mark.skipif(not os.path.isdir(SHIPPED), reason="no shipped g1_walk policy")
def test_yaw_sway_of_the_shipped_walk_is_at_the_gait_frequency(tmp_path) -> None:
    from benchmarks.yaw_sway import main

    (row,) = main(["--load_model", SHIPPED, "--commands", "0.5,0,0", "--duration", "6", "--json",
                   str(tmp_path / "sway.json")])
    cycles = row["top_freqs_hz"][0] * 0.8  # the strongest sway repeats with the 0.8 s gait cycle (a harmonic of it)
    assert cycles > 0.5 and abs(cycles - round(cycles)) < 0.15, row["top_freqs_hz"]
    assert 0.1 < row["heading_swing_deg"] < 10.0
    assert row["yaw_rate_err_step_mean"] < row["yaw_rate_err"]  # the step-mean rate leaves out the fastest sway
    assert 0.0 < row["stance_foot_yaw_rate"] < 3.0  # loaded feet turn a little; nan would mean no foot ever loaded
    assert os.path.getsize(tmp_path / "sway.json") > 0
