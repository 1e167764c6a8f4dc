"""ship_policy.py on a real 2-iteration g1 run: the velocity policy's package (weights-only checkpoint, exports, the
command probe's curve) and its walking-bar check in sim2sim, which an untrained policy must fail."""

from __future__ import annotations

import json
import os

from legged_gym.eval.walking_bar import BAR_COMMAND_ARGS
from rsl_rl.utils.csv_log import read_csv_rows
from tests.test_sim2sim import run


def test_velocity_policy_is_packaged_and_judged_in_sim2sim(tmp_path) -> None:  # noqa: ANN001
    run("train.py", "--task=g1", "--headless", "--log_root", str(tmp_path), "--num_threads", "1", "--num_envs", "4",
        "--max_iterations", "2", "--train.runner.num_steps_per_env=4", "--train.runner.eval_interval=1",
        "--train.runner.save_interval=1", "--no_use_wandb")
    (name,) = os.listdir(tmp_path / "g1")
    out = tmp_path / "g1_walk"
    # iteration 1 of 2: the packaged curve ends at the shipped checkpoint, not where the run stopped
    assert max(int(r["iteration"]) for r in read_csv_rows(str(tmp_path / "g1" / name / "eval_curve.csv"))) == 2
    run("ship_policy.py", "--task=g1", "--load_run", str(tmp_path / "g1" / name), "--checkpoint", "1", "--out",
        str(out), "--sim2sim_duration", "0.3")
    assert [int(r["iteration"]) for r in read_csv_rows(str(out / "eval_curve.csv"))] == [0, 1]
    assert sorted(os.listdir(out / "exported")) >= ["policy.json", "policy.onnx", "policy.pt"]
    assert (out / "curve.png").stat().st_size > 0
    rows = json.loads((out / "sim2sim.json").read_text())
    assert [(r["cmd_vx"], r["cmd_vy"], r["cmd_yaw_rate"]) for r in rows] == [
        tuple(float(c) for c in a.split(",")) for a in BAR_COMMAND_ARGS]
    readme = (out / "README.md").read_text()
    assert "## Walking bar in sim2sim" in readme and "**Passes: no**" in readme  # 0.3 s from rest cannot track 0.5 m/s
    assert "| 0.50,0.00,0.00 |" in readme  # the probe's last row, per command
    assert "--commands 0.5,0,0 -0.3,0,0 0,0.3,0 0,-0.3,0 0,0,0.5 0,0,-0.5" in readme
    # the weights-only checkpoint resumes and plays without the run folder
    assert [f for f in os.listdir(out) if f.startswith("model_")] == ["model_1.pt"]
