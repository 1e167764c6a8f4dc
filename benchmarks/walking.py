"""Walking against checkpoints: each saved checkpoint of a velocity run, exported and run in ``sim2sim.py``.

    python benchmarks/walking.py --task g1 --run <run dir> [--every 200] [--duration 20] [--sim_dt 0.001]
        [--commands 0.5,0,0 -0.3,0,0 0,0.3,0 0,-0.3,0 0,0,0.5 0,0,-0.5] [--steps_per_s 3.125]
        [--out <run dir>/walking] [-- <config overrides the run was trained with>]

For each checkpoint ``model_<n>.pt`` of the run (multiples of ``--every`` and the last one), exports it with
``export.py`` and runs the exported policy with ``sim2sim.py --commands ... --duration ... --sim_dt ...`` (plain
MuJoCo, no training code; the decimation follows from the policy's control step), one row per command. A
checkpoint **passes** when, for every command, the mean |v_xy - cmd| is at most ``--max_lin_err`` (0.1 m/s), the
mean |yaw rate - cmd| at most ``--max_yaw_err`` (0.15 rad/s), there are no falls and, with ``--steps_per_s``, the
step frequency is within ``--steps_tolerance`` (25 %) of it. Outputs in ``--out``: ``walking.csv`` (one row per
checkpoint: worst errors over the commands, falls, pass), ``walking.md`` (that table and the last checkpoint's
per-command table) and ``walking.png``. A checkpoint already evaluated with the same settings is not run again, so
the benchmark can be rerun while a training adds checkpoints. Arguments after ``--`` (``--env.<field>=...``,
``--train.<field>=...``) go to ``export.py``: a run trained with overrides that change the policy's shape (for
instance ``--env.control.policy_joints=[...] --env.env.num_actions=12``) is exported with the same overrides.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.robustness import chosen, env_steps  # noqa: E402
from legged_gym.eval.walking_bar import (  # noqa: E402
    BAR_COMMAND_ARGS, MAX_LIN_ERR, MAX_YAW_ERR, STEPS_TOLERANCE, bar_text, command_table, judge,
)
from legged_gym.utils.helpers import split_passthrough  # noqa: E402
from rsl_rl.utils.checkpoints import load_checkpoint  # noqa: E402

SCRIPTS = os.path.join(ROOT, "legged_gym", "scripts")


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", required=True, help="velocity task of the run (g1, humanoid_ppo, ...)")
    p.add_argument("--run", required=True, help="run folder with model_<n>.pt checkpoints")
    p.add_argument("--every", type=int, default=200, help="evaluate checkpoints at multiples of this iteration")
    p.add_argument("--commands", nargs="+", default=list(BAR_COMMAND_ARGS), metavar="VX,VY,YAW")
    p.add_argument("--duration", type=float, default=20.0, help="simulated seconds per command")
    p.add_argument("--sim_dt", type=float, default=0.001, help="physics step of sim2sim [s]")
    p.add_argument("--max_lin_err", type=float, default=MAX_LIN_ERR, help="pass: mean |v_xy - cmd| [m/s] per command")
    p.add_argument("--max_yaw_err", type=float, default=MAX_YAW_ERR, help="pass: mean |yaw rate - cmd| [rad/s] per command")
    p.add_argument("--steps_per_s", type=float, default=None, help="pass: step frequency target (both feet) [1/s]")
    p.add_argument("--steps_tolerance", type=float, default=STEPS_TOLERANCE, help="relative tolerance of --steps_per_s")
    p.add_argument("--out", default=None, help="output folder (default <run>/walking)")
    own, overrides = split_passthrough(sys.argv[1:] if argv is None else argv)
    a = p.parse_args(own)
    a.overrides = overrides
    return a


def settings(a: argparse.Namespace) -> dict:
    same = {"commands": list(a.commands), "duration": a.duration, "sim_dt": a.sim_dt}
    return {**same, "overrides": list(a.overrides)} if a.overrides else same


def sweep(a: argparse.Namespace, iteration: int, out: str) -> list[dict]:
    """The sim2sim rows of one checkpoint (reused when an earlier sweep of the same file and settings exists)."""
    folder = os.path.join(out, f"it_{iteration}")
    path = os.path.join(folder, "sweep.json")
    ckpt = os.path.join(a.run, f"model_{iteration}.pt")
    if os.path.isfile(path) and os.path.getmtime(path) >= os.path.getmtime(ckpt):
        with open(path) as f:
            done = json.load(f)
        if done.get("settings") == settings(a):
            return done["rows"]
    exported = os.path.join(folder, "exported")
    run_script("export.py", [f"--task={a.task}", "--load_run", a.run, "--checkpoint", str(iteration), "--out", exported,
                             *a.overrides], iteration)
    rows_path = os.path.join(folder, "rows.json")
    run_script("sim2sim.py", ["--load_model", exported, "--sim_dt", str(a.sim_dt), "--duration", str(a.duration),
                              "--commands", *a.commands, "--json", rows_path], iteration)
    with open(rows_path) as f:
        rows = json.load(f)
    with open(path, "w") as f:
        json.dump({"settings": settings(a), "rows": rows}, f, indent=2)
    return rows


def run_script(script: str, flags: list[str], iteration: int) -> None:
    proc = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *flags], cwd=ROOT, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise SystemExit(f"error: {script} failed on iteration {iteration}:\n{proc.stderr[-2000:]}")


def summarise(a: argparse.Namespace, iteration: int, steps: int | None, rows: list[dict]) -> dict:
    """One curve row: the walking bar's verdict on the checkpoint's sim2sim rows."""
    verdict = judge(rows, a.max_lin_err, a.max_yaw_err, a.steps_per_s, a.steps_tolerance)
    return {"iteration": iteration, "env_steps": steps, **verdict}


def write(a: argparse.Namespace, curve: list[dict], last_rows: list[dict], out: str) -> None:
    keys = list(curve[0])
    with open(os.path.join(out, "walking.csv"), "w") as f:
        f.write(",".join(keys) + "\n")
        for r in curve:
            f.write(",".join("" if r[k] is None else str(r[k]) for k in keys) + "\n")
    lines = [f"`sim2sim.py`, {a.duration:g} s per command at sim_dt {a.sim_dt:g}, commands {' '.join(a.commands)}. "
             f"Passes: {bar_text(a.max_lin_err, a.max_yaw_err, a.steps_per_s, a.steps_tolerance)}.", "",
             "| iteration | env steps | worst mean \\|v - cmd\\| | worst mean \\|yaw - cmd\\| | falls | steps/s | passes |",
             "|---|---|---|---|---|---|---|"]
    for r in curve:
        steps = "" if r["env_steps"] is None else f"{r['env_steps'] / 1e6:.2f} M"
        lines.append(f"| {r['iteration']} | {steps} | {r['max_lin_vel_err']:.3f} | {r['max_yaw_rate_err']:.3f} | "
                     f"{r['falls']} | {r['min_steps_per_s']:.2f}-{r['max_steps_per_s']:.2f} | "
                     f"{'yes' if r['passes'] else 'no'} |")
    lines += ["", f"Iteration {curve[-1]['iteration']}, per command:", "", *command_table(last_rows)]
    with open(os.path.join(out, "walking.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    plot(a, curve, os.path.join(out, "walking.png"))


def plot(a: argparse.Namespace, curve: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [(r["env_steps"] or r["iteration"]) / (1e6 if r["env_steps"] else 1) for r in curve]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(x, [r["max_lin_vel_err"] for r in curve], marker="o", label="worst mean |v - cmd| [m/s]")
    ax.plot(x, [r["max_yaw_rate_err"] for r in curve], marker="s", label="worst mean |yaw rate - cmd| [rad/s]")
    ax.axhline(a.max_lin_err, color="C0", lw=0.8, ls="--")
    ax.axhline(a.max_yaw_err, color="C1", lw=0.8, ls="--")
    for xi, r in zip(x, curve):
        if r["falls"]:
            ax.annotate(f"{r['falls']} falls", (xi, r["max_lin_vel_err"]), fontsize=7, color="red")
    ax.set_xlabel("env steps [M]" if curve[0]["env_steps"] else "iteration")
    ax.set_ylabel("error (sim2sim)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{a.task}: {len(a.commands)} commands x {a.duration:g} s at sim_dt {a.sim_dt:g}", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> list[dict]:
    a = parse(argv)
    out = a.out or os.path.join(a.run, "walking")
    os.makedirs(out, exist_ok=True)
    curve: list[dict] = []
    rows: list[dict] = []
    for iteration, path in chosen(a.run, a.every):
        rows = sweep(a, iteration, out)
        curve.append(summarise(a, iteration, env_steps(load_checkpoint(path)), rows))
        print(" ".join(f"{k} {v}" for k, v in curve[-1].items()), flush=True)
    write(a, curve, rows, out)
    return curve


if __name__ == "__main__":
    main()
