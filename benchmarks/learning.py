"""Learning benchmark: train a tracking task from scratch on a named clip set with several seeds, one after another,
and report frames tracked and success **from frame 0** (deterministic policy, no randomisation) against env steps.

    python benchmarks/learning.py --clips stand --steps 1000000 --seeds 1 2 [--task g1_deepmimic] [--num_envs 256]
        [--eval_interval 10] [--out benchmarks/results/learning_stand] [--label NAME] [-- --env.a.b=v ...]

Each seed is one ``train.py`` run (``--log_root <out>/runs``, run name ``<label>_s<seed>``) whose runner evaluates
every ``--eval_interval`` iterations (``legged_gym.eval.periodic``) into ``eval_curve.csv``. Everything after
``--`` goes to ``train.py`` unchanged (for example the seed's gains, to compare recipes). Outputs in ``--out``:

* ``<label>.csv``: per evaluation, env steps and the median, minimum and maximum over seeds of the mean frames
  tracked (fraction of each clip, averaged over clips) and of the mean success, plus each seed's values;
* ``<label>.md``: the same as a table; ``<label>.png``: the curves (median line, min-max band).

``--report_only`` rebuilds the outputs from runs already under ``<out>/runs``. ``--add_curve SEED=PATH`` adds the
``eval_curve.csv`` of a run trained elsewhere (for example a shipped policy's) as that seed. Several labels in one
folder are drawn together in ``learning.png``.

Clip sets (``--clips``): ``stand`` / ``walk`` (one bundled mocap clip), ``mocap`` (the bundled mocap clips),
``bundled`` (the task's defaults: mocap and video clips), ``lafan_calm`` (a calm segment of the real LAFAN clip in
``../shared/motions/lafan_g1``; not shipped with the project).
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import re
import statistics
import subprocess
import sys
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from legged_gym.utils.helpers import split_passthrough  # noqa: E402
from rsl_rl.utils.csv_log import read_csv_rows  # noqa: E402

LAFAN = os.path.join(os.path.dirname(ROOT), "shared", "motions", "lafan_g1", "dance1_subject2.csv")
CLIP_SETS: dict[str, list[str]] = {
    "stand": ["--env.deepmimic.use_human_videos=False", "--env.deepmimic.amass_replay_data_path=stand.pkl"],
    "walk": ["--env.deepmimic.use_human_videos=False", "--env.deepmimic.amass_replay_data_path=walk.pkl"],
    "mocap": ["--env.deepmimic.use_human_videos=False"],
    "bundled": [],
    # 30 fps Unitree CSV; its first 15 s (750 frames at the 50 Hz control rate) are the calmest part of the take
    # (pelvis speed 0.1-0.2 m/s on average, slow stepping and arm motion)
    "lafan_calm": [
        "--env.deepmimic.use_human_videos=False", f"--env.deepmimic.amass_replay_data_path={LAFAN}",
        "--env.deepmimic.cut_off_import_length=750",
    ],
}
METRICS = ("frames_tracked/mean", "success/mean")


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    argv, extra = split_passthrough(argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="g1_deepmimic")
    p.add_argument("--clips", default="stand", choices=sorted(CLIP_SETS))
    p.add_argument("--steps", type=float, default=1e6, help="env steps per seed")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    p.add_argument("--num_envs", type=int, default=256)
    p.add_argument("--steps_per_env", type=int, default=24, help="rollout length (runner.num_steps_per_env)")
    p.add_argument("--eval_interval", type=int, default=10, help="iterations between from-frame-0 evaluations")
    p.add_argument("--save_interval", type=int, default=50)
    p.add_argument("--label", default=None, help="name of this recipe in the outputs (default: the clip set)")
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "learning"))
    p.add_argument("--report_only", action="store_true", help="only rebuild the outputs from existing runs")
    p.add_argument("--add_curve", nargs="+", default=[], metavar="SEED=PATH",
                   help="also aggregate this eval_curve.csv as seed SEED (a run trained elsewhere)")
    args = p.parse_args(argv)
    added = {}
    for item in args.add_curve:
        seed, sep, path = item.partition("=")
        if not sep or not seed.isdigit() or not os.path.isfile(path):
            p.error(f"--add_curve: expected SEED=PATH to an existing eval_curve.csv, got {item!r}")
        added[int(seed)] = path
    args.add_curve = added
    if args.clips == "lafan_calm" and not os.path.exists(LAFAN):
        p.error(f"--clips lafan_calm needs {LAFAN}, which is not here")
    args.label = args.label or args.clips
    return args, extra


def train_seed(args: argparse.Namespace, seed: int, extra: list[str]) -> None:
    iterations = math.ceil(args.steps / (args.num_envs * args.steps_per_env))
    cmd = [
        sys.executable, os.path.join(ROOT, "legged_gym", "scripts", "train.py"), f"--task={args.task}", "--headless",
        "--no_use_wandb", "--num_envs", str(args.num_envs), "--seed", str(seed), "--max_iterations", str(iterations),
        "--log_root", os.path.join(args.out, "runs"), "--run_name", f"{args.label}_s{seed}",
        f"--train.runner.num_steps_per_env={args.steps_per_env}", f"--train.runner.eval_interval={args.eval_interval}",
        f"--train.runner.save_interval={args.save_interval}", *CLIP_SETS[args.clips], *extra,
    ]
    print("$ " + " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def seed_curves(out: str, label: str) -> dict[int, list[dict[str, str]]]:
    """The newest run of each seed of ``label``: seed -> rows of its eval_curve.csv."""
    curves: dict[int, list[dict[str, str]]] = {}
    pattern = re.compile(rf"^\d{{8}}_\d{{6}}_{re.escape(label)}_s(\d+)$")
    for path in sorted(glob.glob(os.path.join(out, "runs", "*", "*", "eval_curve.csv"))):
        match = pattern.match(os.path.basename(os.path.dirname(path)))
        if match:
            curves[int(match.group(1))] = read_csv_rows(path)  # sorted by run time: the newest run of a seed wins
    return curves


def aggregate(curves: dict[int, list[dict[str, str]]]) -> list[dict[str, Any]]:
    """Per env-step count present in every seed: median/min/max over seeds of each metric, and the per-seed values."""
    by_seed = {s: {int(r["env_steps"]): r for r in rows} for s, rows in curves.items()}
    common = sorted(set.intersection(*(set(d) for d in by_seed.values()))) if by_seed else []
    table = []
    for steps in common:
        row: dict[str, Any] = {"env_steps": steps}
        for m in METRICS:
            vals = [float(by_seed[s][steps][m]) for s in sorted(by_seed) if by_seed[s][steps].get(m, "") != ""]
            row[f"{m} median"] = statistics.median(vals) if vals else math.nan
            row[f"{m} min"] = min(vals) if vals else math.nan
            row[f"{m} max"] = max(vals) if vals else math.nan
            for s in sorted(by_seed):
                row[f"{m} seed {s}"] = by_seed[s][steps].get(m, "")
        table.append(row)
    return table


def write_outputs(out: str, label: str, table: list[dict[str, Any]], seeds: list[int]) -> None:
    import csv

    with open(os.path.join(out, f"{label}.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    lines = [f"# {label}: from frame 0, deterministic policy; median [min, max] over seeds {seeds}", "",
             "| env steps | frames tracked | success |", "|---|---|---|"]
    for r in table:
        cell = lambda m: f"{r[f'{m} median']:.3f} [{r[f'{m} min']:.3f}, {r[f'{m} max']:.3f}]"  # noqa: E731
        lines.append(f"| {r['env_steps']:,} | {cell('frames_tracked/mean')} | {cell('success/mean')} |")
    with open(os.path.join(out, f"{label}.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def plot(out: str, labels: dict[str, list[dict[str, Any]]], name: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, m, title in zip(axes, METRICS, ("frames tracked from frame 0 (fraction)", "success from frame 0")):
        for label, table in labels.items():
            x = [r["env_steps"] / 1e6 for r in table]
            ax.plot(x, [r[f"{m} median"] for r in table], label=label)
            ax.fill_between(x, [r[f"{m} min"] for r in table], [r[f"{m} max"] for r in table], alpha=0.2)
        ax.set_xlabel("env steps [M]")
        ax.set_title(title)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = os.path.join(out, name)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> None:
    args, extra = parse(list(sys.argv[1:] if argv is None else argv))
    os.makedirs(args.out, exist_ok=True)
    if not args.report_only:
        for seed in args.seeds:
            train_seed(args, seed, extra)
    curves = {s: c for s, c in seed_curves(args.out, args.label).items() if s in args.seeds}
    for seed, path in args.add_curve.items():
        if seed in curves:
            raise SystemExit(f"error: --add_curve {seed}={path}: seed {seed} already has a run under {args.out}/runs")
        curves[seed] = read_csv_rows(path)
    if not curves:
        raise SystemExit(f"error: no eval_curve.csv of label {args.label!r} under {args.out}/runs")
    table = aggregate(curves)
    write_outputs(args.out, args.label, table, sorted(curves))
    plot(args.out, {args.label: table}, f"{args.label}.png")
    labels = sorted({os.path.basename(p)[:-3] for p in glob.glob(os.path.join(args.out, "*.md"))})
    every = {lb: aggregate(seed_curves(args.out, lb)) for lb in labels if lb != args.label}
    every[args.label] = table
    print("wrote", plot(args.out, {k: v for k, v in every.items() if v}, "learning.png"))


if __name__ == "__main__":
    main()
