"""Robustness against checkpoints: success per clip from frame 0 **with the training randomisation on**.

    python benchmarks/robustness.py --task g1_deepmimic --run <run dir> [--every 100] [--repeats 20]
        [--out <run dir>/robustness] [-- --env.a.b=v ...]

For each saved checkpoint ``model_<n>.pt`` of the run (every ``--every`` iterations, plus the last one), runs
``eval.py`` with the deterministic policy, every clip from frame 0, ``--repeats`` times per clip, with observation
noise and friction randomisation turned back on (``--env.noise.add_noise=True
--env.domain_rand.randomize_friction=True``; ``eval.py`` turns them off by default), and tabulates success and
frames tracked per clip against env steps. Outputs in ``--out``: ``robustness.csv``, ``robustness.md`` and
``robustness.png``. Everything after ``--`` goes to ``eval.py`` (e.g. further randomisation). Without such extra
flags, a checkpoint already evaluated in ``--out`` with as many repeats is not evaluated again, so the benchmark can
be rerun while a training adds checkpoints.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from legged_gym.utils.helpers import split_passthrough  # noqa: E402
from rsl_rl.utils.checkpoints import list_checkpoints, load_checkpoint  # noqa: E402

EVAL = os.path.join(ROOT, "legged_gym", "scripts", "eval.py")
RANDOMISATION = ["--env.noise.add_noise=True", "--env.domain_rand.randomize_friction=True"]


def chosen(run: str, every: int) -> list[tuple[int, str]]:
    """(iteration, path) of the checkpoints to evaluate: multiples of ``every`` and the last one."""
    ckpts = list_checkpoints(run)
    if not ckpts:
        raise SystemExit(f"error: --run {run}: no model_<n>.pt checkpoints")
    picked = [(it, p) for it, p in ckpts if every <= 0 or it % every == 0]
    if picked[-1:] != ckpts[-1:]:
        picked.append(ckpts[-1])
    return picked


def evaluate(task: str, run: str, iteration: int, repeats: int, out: str, extra: list[str]) -> dict:
    folder = os.path.join(out, f"eval_{iteration}")
    done = None if extra else previous(folder, os.path.join(run, f"model_{iteration}.pt"), repeats)
    if done is not None:
        return done
    cmd = [sys.executable, EVAL, f"--task={task}", "--load_run", run, "--checkpoint", str(iteration),
           "--repeats", str(repeats), "--out", folder, *RANDOMISATION, *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"error: eval.py failed on iteration {iteration}:\n{proc.stderr[-2000:]}")
    with open(os.path.join(folder, "eval.json")) as f:
        return json.load(f)


def previous(folder: str, checkpoint: str, repeats: int) -> dict | None:
    """An earlier evaluation of this very checkpoint (same file, not modified since) with as many episodes per clip,
    so that running the benchmark again while training goes on only evaluates the new checkpoints."""
    path = os.path.join(folder, "eval.json")
    if not os.path.isfile(path) or os.path.getmtime(path) < os.path.getmtime(checkpoint):
        return None
    with open(path) as f:
        report = json.load(f)
    same = os.path.realpath(report.get("checkpoint", "")) == os.path.realpath(checkpoint)
    if not same or any(m.get("episodes") != repeats for m in report.get("clips", {}).values()):
        return None
    return report


def env_steps(ckpt: dict) -> int | None:
    """The checkpoint's env steps (older checkpoints: iterations x envs x steps per env of its config)."""
    if "total_timesteps" in ckpt:
        return int(ckpt["total_timesteps"])
    try:
        cfg = ckpt["config"]
        return int(ckpt["iter"]) * int(cfg["env"]["env"]["num_envs"]) * int(cfg["train"]["runner"]["num_steps_per_env"])
    except (KeyError, TypeError, ValueError):
        return None


def main(argv: list[str] | None = None) -> list[dict]:
    argv, extra = split_passthrough(list(sys.argv[1:] if argv is None else argv))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="g1_deepmimic")
    p.add_argument("--run", required=True, help="run folder with model_<n>.pt checkpoints")
    p.add_argument("--every", type=int, default=100, help="evaluate checkpoints at multiples of this iteration")
    p.add_argument("--repeats", type=int, default=20, help="episodes per clip (each from frame 0)")
    p.add_argument("--out", default=None, help="output folder (default <run>/robustness)")
    a = p.parse_args(argv)
    out = a.out or os.path.join(a.run, "robustness")
    os.makedirs(out, exist_ok=True)
    rows: list[dict] = []
    for iteration, path in chosen(a.run, a.every):
        ckpt = load_checkpoint(path)
        report = evaluate(a.task, a.run, iteration, a.repeats, out, extra)
        row = {"iteration": iteration, "env_steps": env_steps(ckpt)}
        for clip, m in report["clips"].items():
            row[f"success/{clip}"] = round(float(m["success_rate"]), 4)
            row[f"frames_tracked/{clip}"] = round(float(m["frames_tracked_frac"]), 4)
        rows.append(row)
        print(" ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    write(rows, out, a.repeats)
    return rows


def write(rows: list[dict], out: str, repeats: int) -> None:
    keys = list(rows[0])
    with open(os.path.join(out, "robustness.csv"), "w") as f:
        f.write(",".join(keys) + "\n")
        for r in rows:
            f.write(",".join("" if r.get(k) is None else str(r.get(k)) for k in keys) + "\n")
    clips = [k.split("/", 1)[1] for k in keys if k.startswith("success/")]
    lines = [f"Success from frame 0 with observation noise and friction randomisation, {repeats} episodes per clip.",
             "", "| iteration | env steps | " + " | ".join(clips) + " |", "|---|---|" + "---|" * len(clips)]
    for r in rows:
        steps = "" if r["env_steps"] is None else f"{r['env_steps'] / 1e6:.2f} M"
        cells = [f"{r[f'success/{c}']:.2f} ({r[f'frames_tracked/{c}']:.2f})" for c in clips]
        lines.append(f"| {r['iteration']} | {steps} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Cells: success rate (mean fraction of frames tracked).")
    with open(os.path.join(out, "robustness.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    x = [(r["env_steps"] or r["iteration"]) / (1e6 if r["env_steps"] else 1) for r in rows]
    for c in clips:
        ax.plot(x, [r[f"success/{c}"] for r in rows], marker="o", label=c)
    ax.set_xlabel("env steps [M]" if rows[0]["env_steps"] else "iteration")
    ax.set_ylabel("success from frame 0")
    ax.set_ylim(-0.05, 1.05)
    ax.axhline(0.9, color="grey", lw=0.8, ls="--")
    ax.set_title(f"with noise and friction randomisation ({repeats} episodes per clip)", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "robustness.png"), dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
