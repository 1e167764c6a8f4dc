"""How much of a walking policy's yaw-rate error is sway within the gait cycle, in plain MuJoCo.

    python benchmarks/yaw_sway.py --load_model <exported folder> [--commands 0.5,0,0 -0.3,0,0 0,0,0.5]
        [--duration 15] [--settle 2] [--sim_dt 0.001] [--json FILE]

For each command, runs the exported policy as ``sim2sim.py`` does (same model, controller and start) and reports,
after ``--settle`` seconds: the mean |yaw rate - cmd| from the pelvis's instantaneous angular velocity at each control
step (what the walking bar judges), the same from the heading change over each control step, the yaw rate's
standard deviation, the three strongest peaks of its spectrum, and the pelvis heading's swing (half the
peak-to-peak of the heading after its linear trend is removed, in degrees), and how fast the feet turn about the
vertical while they bear weight (mean |foot heading rate| over the control steps at which a foot's contact force
exceeds the gait statistics' threshold): a planted foot that does not pivot leaves the pelvis's sway to the hip
yaw joints; one that does lets the whole leg turn with the pelvis.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import mujoco
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from legged_gym.deploy.contract import load_contract, resolve_model_path  # noqa: E402
from legged_gym.deploy.controller import Controller, PolicyRuntime, build_model  # noqa: E402
from legged_gym.deploy.episode import control_rates, fallen, initial_state  # noqa: E402
from legged_gym.deploy.gait import CONTACT_FORCE, GaitStats  # noqa: E402
from legged_gym.deploy.rotations import euler_xyz  # noqa: E402
from legged_gym.eval.walking_bar import BAR_COMMAND_ARGS  # noqa: E402
from legged_gym.scripts.sim2sim import DEFAULT_ROBOT, parse_command  # noqa: E402


def sway(load_model: str, cmd: np.ndarray, duration: float, settle: float, sim_dt: float) -> dict:
    """One command's yaw-rate statistics (see the module docstring)."""
    json_path, implied = resolve_model_path(load_model)
    contract = load_contract(json_path)
    sim_dt, decimation = control_rates(contract, sim_dt, None, allow=False)
    model, act_ids = build_model(DEFAULT_ROBOT, contract, sim_dt, pd_mode="position")
    policy = PolicyRuntime(contract, "onnx", load_model if implied else None)
    ctrl = Controller(contract, model, act_ids, policy, pd_mode="position", decimation=decimation)
    data = mujoco.MjData(model)
    initial_state(model, data, ctrl)
    ctrl.reset()
    ctrl.state.commands = cmd
    b = ctrl.builder
    dt = ctrl.control_dt
    feet = GaitStats(model, contract.feet_body_names, dt) if contract.feet_body_names else None
    heading, rate, foot_heading, foot_loaded = [], [], [], []
    for i in range(int(round(duration / dt))):
        ctrl.step(data)
        if fallen(data, b):
            raise SystemExit(f"error: the policy fell at {(i + 1) * dt:.2f} s under command {cmd.tolist()}")
        w_world = data.xmat[model.jnt_bodyid[0]].reshape(3, 3) @ data.qvel[b.root_qvel + 3 : b.root_qvel + 6]
        heading.append(float(euler_xyz(b.root_quat(data))[2]))
        rate.append(float(w_world[2]))
        if feet is not None:
            rot = [data.xmat[f.body].reshape(3, 3) for f in feet.feet]
            foot_heading.append([np.arctan2(r[1, 0], r[0, 0]) for r in rot])
            foot_loaded.append(feet.foot_forces(data) > CONTACT_FORCE)
    first = int(round(settle / dt))
    psi = np.unwrap(np.asarray(heading))[first:]
    w = np.asarray(rate)[first:]
    step_rate = np.diff(psi) / dt
    t = np.arange(len(psi)) * dt
    detrended = psi - np.polyval(np.polyfit(t, psi, 1), t)
    spectrum = np.abs(np.fft.rfft(w - w.mean()))
    freqs = np.fft.rfftfreq(len(w), dt)
    peaks = [k for k in range(1, len(spectrum) - 1) if spectrum[k - 1] < spectrum[k] >= spectrum[k + 1]]
    stance_rate = float("nan")
    if foot_heading:
        foot_rate = np.abs(np.diff(np.unwrap(np.asarray(foot_heading)[first:], axis=0), axis=0)) / dt
        loaded = np.asarray(foot_loaded)[first + 1 :]
        stance_rate = float(foot_rate[loaded].mean()) if loaded.any() else float("nan")
    return {
        "cmd_vx": float(cmd[0]), "cmd_vy": float(cmd[1]), "cmd_yaw_rate": float(cmd[2]),
        "yaw_rate": float(w.mean()),
        "yaw_rate_err": float(np.mean(np.abs(w - cmd[2]))),
        "yaw_rate_err_step_mean": float(np.mean(np.abs(step_rate - cmd[2]))),
        "yaw_rate_std": float(w.std()),
        "top_freqs_hz": [float(freqs[k]) for k in sorted(peaks, key=lambda k: -spectrum[k])[:3]],
        "heading_swing_deg": float(np.degrees(0.5 * (detrended.max() - detrended.min()))),
        "stance_foot_yaw_rate": stance_rate,
    }


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--load_model", required=True, help="exported folder, policy.json or policy.onnx")
    p.add_argument("--commands", nargs="+", default=list(BAR_COMMAND_ARGS), metavar="VX,VY,YAW")
    p.add_argument("--duration", type=float, default=15.0, help="simulated seconds per command")
    p.add_argument("--settle", type=float, default=2.0, help="seconds left out at the start")
    p.add_argument("--sim_dt", type=float, default=0.001, help="physics step [s]")
    p.add_argument("--json", default=None, help="write the rows to this file")
    a = p.parse_args(argv)
    if not a.duration > a.settle + 1.0:
        raise SystemExit(f"error: --duration must exceed --settle by more than 1 s, got {a.duration} and {a.settle}")
    try:
        rows = [sway(a.load_model, np.asarray(parse_command(c), dtype=np.float64), a.duration, a.settle, a.sim_dt)
                for c in a.commands]
    except ValueError as exc:  # a bad command, model path or rate: one line
        raise SystemExit(f"error: {exc}") from None
    print(f"{'cmd':>16} {'yaw rate':>9} {'|w-cmd|':>8} {'step mean':>9} {'std':>6} {'swing[deg]':>10} "
          f"{'stance foot':>11}  top freqs [Hz]")
    for r in rows:
        cmd = f"{r['cmd_vx']:g},{r['cmd_vy']:g},{r['cmd_yaw_rate']:g}"
        freqs = " ".join(f"{f:.2f}" for f in r["top_freqs_hz"])
        print(f"{cmd:>16} {r['yaw_rate']:9.3f} {r['yaw_rate_err']:8.3f} {r['yaw_rate_err_step_mean']:9.3f} "
              f"{r['yaw_rate_std']:6.3f} {r['heading_swing_deg']:10.2f} {r['stance_foot_yaw_rate']:11.3f}  {freqs}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)
    return rows


if __name__ == "__main__":
    main()
