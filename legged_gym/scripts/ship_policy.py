"""Package a trained policy for users: a weights-only checkpoint, its exports and its learning curve.

    python legged_gym/scripts/ship_policy.py --task=<task> --load_run <run> [--checkpoint N] [--log_root DIR]
        --out resources/policies/<name>

Writes ``<out>/model_<n>.pt`` (the checkpoint without its optimiser state: a few MB), ``<out>/exported/``
(``policy.pt``, ``policy.onnx``, ``policy.json``, checked against the checkpoint as ``export.py`` checks them)
and copies the run's ``eval_curve.csv`` and ``config.json``. ``play.py``, ``eval.py``, ``export.py`` and
``train.py --resume`` load the result with ``--load_run <out>``; ``sim2sim.py --load_model <out>/exported``.

A velocity policy is also judged against the walking bar (:mod:`legged_gym.eval.walking_bar`) in ``sim2sim.py``
(plain MuJoCo, 1 kHz physics, ``--sim2sim_duration`` seconds per bar command; 0 skips it): ``<out>/sim2sim.json``
and a table in the README. Its learning curve is the command probe's (``legged_gym.eval.velocity``).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from legged_gym.deploy.contract import load_contract, resolve_model_path  # noqa: E402
from legged_gym.deploy.tracking import tracking_spec  # noqa: E402
from legged_gym.envs import task_registry  # noqa: E402
from legged_gym.scripts.export import export  # noqa: E402
from legged_gym.eval.evaluation import resolve_checkpoint  # noqa: E402
from legged_gym.eval.walking_bar import BAR_COMMAND_ARGS, MAX_LIN_ERR, MAX_YAW_ERR, bar_text, command_table, judge  # noqa: E402
from legged_gym.utils.helpers import USER_ERRORS, Args, get_args  # noqa: E402
from rsl_rl.utils.checkpoints import save_weights_only  # noqa: E402
from rsl_rl.utils.csv_log import read_csv_rows  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

EXTRA_FLAGS = [
    {"name": "--out", "type": str, "required": True, "help": "folder of the packaged policy"},
    {"name": "--sim2sim_duration", "type": float, "default": 20.0,
     "help": "velocity policies: simulated seconds per bar command of the sim2sim check (0 skips it)"},
    {"name": "--steps_per_s", "type": float, "default": None,
     "help": "velocity policies: the step frequency the bar asks for (both feet, 1/s; default: none)"},
]


def ship(args: Args) -> str:
    """Package the checkpoint the flags select into ``--out``; returns the weights-only checkpoint's path."""
    if args.task is None:
        raise SystemExit(f"error: --task is required; registered tasks: {', '.join(task_registry.task_names)}")
    _, train_cfg = task_registry.load_cfgs(args.task, args)
    src = resolve_checkpoint(args.task, args, train_cfg)
    out = os.path.abspath(args.extra["out"])
    os.makedirs(out, exist_ok=True)
    dst = os.path.join(out, os.path.basename(src))
    slim = save_weights_only(src, dst)
    for name in ("eval_curve.csv", "config.json"):
        if os.path.exists(os.path.join(os.path.dirname(src), name)):
            shutil.copyfile(os.path.join(os.path.dirname(src), name), os.path.join(out, name))
    iteration = int(slim.get("iter", -1))
    keep_curve_to(os.path.join(out, "eval_curve.csv"), iteration)
    duration, steps_per_s = args.extra["sim2sim_duration"], args.extra.get("steps_per_s")
    args.load_run, args.checkpoint = out, iteration
    args.extra["out"] = exported = os.path.join(out, "exported")
    export(args)
    velocity = tracking_spec(load_contract(resolve_model_path(exported)[0])) is None
    bar = sim2sim_bar(exported, duration, steps_per_s) if velocity and duration > 0 else None
    write_readme(out, args.task, src, slim, velocity, bar, steps_per_s)
    print(f"packaged {src} (iteration {slim.get('iter')}) as {dst} ({os.path.getsize(dst) / 1e6:.1f} MB)")
    return dst


def keep_curve_to(path: str, iteration: int) -> None:
    """Drop the rows of a copied learning curve after the shipped checkpoint's ``iteration`` (a run may have gone on
    past the checkpoint chosen); nothing happens without the file or a known iteration."""
    rows = read_csv_rows(path)
    if not rows or iteration < 0:
        return
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(r for r in rows if int(float(r["iteration"])) <= iteration)


def sim2sim_bar(exported: str, duration: float, steps_per_s: float | None) -> tuple[list[dict], dict, float]:
    """Run the bar's commands in ``sim2sim.py`` (1 kHz physics, ``duration`` s each): rows, verdict and duration; the
    rows are also written to ``sim2sim.json`` next to ``exported``."""
    from legged_gym.scripts import sim2sim

    path = os.path.join(os.path.dirname(exported), "sim2sim.json")
    sim2sim.main(["--load_model", exported, "--sim_dt", "0.001", "--duration", f"{duration:g}",
                  "--commands", *BAR_COMMAND_ARGS, "--json", path])
    with open(path) as f:
        rows = json.load(f)
    return rows, judge(rows, steps_per_s=steps_per_s), duration


def plot_curve(rows: list[dict[str, str]], path: str, title: str) -> None:
    """Frames tracked and success from frame 0, per clip, against env steps (from eval_curve.csv)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [int(r["env_steps"]) / 1e6 for r in rows]
    clips = [k.split("/", 1)[1] for k in rows[0] if k.startswith("frames_tracked/") and not k.endswith("/mean")]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric in zip(axes, ("frames_tracked", "success")):
        for clip in clips:
            ax.plot(steps, [float(r[f"{metric}/{clip}"] or "nan") for r in rows], label=clip)
        ax.set_title(f"{metric.replace('_', ' ')} from frame 0")
        ax.set_xlabel("env steps [M]")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_velocity_curve(rows: list[dict[str, str]], path: str, title: str) -> None:
    """The command probe's per-step errors, per bar command, against env steps (from eval_curve.csv)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [int(r["env_steps"]) / 1e6 for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric, bar in zip(axes, ("lin_vel_err", "yaw_rate_err"), (MAX_LIN_ERR, MAX_YAW_ERR)):
        for cmd in velocity_commands(rows[0]):
            ax.plot(steps, [float(r[f"{metric}/{cmd}"] or "nan") for r in rows], label=cmd)
        ax.axhline(bar, color="k", lw=0.8, ls="--")
        ax.set_title(f"mean {'|v - cmd| [m/s]' if metric == 'lin_vel_err' else '|yaw rate - cmd| [rad/s]'}")
        ax.set_xlabel("env steps [M]")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, title="vx,vy,yaw", title_fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def velocity_commands(row: dict[str, str]) -> list[str]:
    """The probed commands of an eval_curve.csv row (``vx,vy,yaw`` labels)."""
    return [k.split("/", 1)[1] for k in row if k.startswith("lin_vel_err/") and k != "lin_vel_err/max"]


def tracking_section(out: str, task: str, rows: list[dict[str, str]]) -> list[str]:
    plot_curve(rows, os.path.join(out, "curve.png"), f"{task}, deterministic policy from frame 0")
    last = rows[-1]
    clips = [k.split("/", 1)[1] for k in last if k.startswith("frames_tracked/") and not k.endswith("/mean")]
    lines = ["Learning curve (`eval_curve.csv`, the runner's from-frame-0 evaluation):", "", "![curve](curve.png)", "",
             f"At {int(last['env_steps']):,} env steps:", "", "| clip | frames tracked | success |", "|---|---|---|"]
    return lines + [f"| {c} | {float(last[f'frames_tracked/{c}']):.3f} | {float(last[f'success/{c}']):.0f} |"
                    for c in clips]


def velocity_section(out: str, task: str, rows: list[dict[str, str]]) -> list[str]:
    plot_velocity_curve(rows, os.path.join(out, "curve.png"), f"{task}: command probe, deterministic policy")
    last = rows[-1]
    lines = ["Learning curve (`eval_curve.csv`, the command probe during training: each command held from rest on its "
             "own environments, deterministic policy, no noise or randomisation):", "", "![curve](curve.png)", "",
             f"At {int(last['env_steps']):,} env steps:", "",
             "| command vx,vy,yaw | vx | vy | yaw rate | mean \\|v - cmd\\| | mean \\|yaw - cmd\\| |",
             "|---|---|---|---|---|---|"]
    return lines + [f"| {c} | {float(last[f'vx/{c}']):.3f} | {float(last[f'vy/{c}']):.3f} | {float(last[f'yaw/{c}']):.3f} "
                     f"| {float(last[f'lin_vel_err/{c}']):.3f} | {float(last[f'yaw_rate_err/{c}']):.3f} |"
                     for c in velocity_commands(last)]


def bar_section(out: str, rows: list[dict], verdict: dict, duration: float, steps_per_s: float | None) -> list[str]:
    return ["", "## Walking bar in sim2sim", "",
            f"`sim2sim.py` (plain MuJoCo, 1 kHz physics; rows in `sim2sim.json`). The bar: "
            f"{bar_text(steps_per_s=steps_per_s)}. **Passes: {'yes' if verdict['passes'] else 'no'}** "
            f"(worst mean |v - cmd| {verdict['max_lin_vel_err']:.3f} m/s, worst mean |yaw rate - cmd| "
            f"{verdict['max_yaw_rate_err']:.3f} rad/s, {verdict['falls']} falls).", "",
            "```", f"python legged_gym/scripts/sim2sim.py --load_model {os.path.relpath(out, ROOT)}/exported --sim_dt 0.001 "
            f"--duration {duration:g} --commands {' '.join(BAR_COMMAND_ARGS)}", "```", "", *command_table(rows)]


def write_readme(out: str, task: str, src: str, ckpt: dict, velocity: bool = False,
                 bar: tuple[list[dict], dict, float] | None = None, steps_per_s: float | None = None) -> None:
    """README.md of the packaged policy: where it came from, the command that trained it, its learning curve."""
    prov = dict(dict(ckpt.get("config") or {}).get("provenance") or {})
    command = " ".join(prov.get("command", [])[1:]) or "(not recorded)"
    here = os.path.relpath(out, ROOT)
    check = (f"python legged_gym/scripts/sim2sim.py --load_model {here}/exported --commands 0.5,0,0 0,0,0.5"
             if velocity else f"python legged_gym/scripts/eval.py --task={task} --load_run {here}")
    lines = [f"# {os.path.basename(out)}: `{task}`", "",
             f"Packaged by `legged_gym/scripts/ship_policy.py` from `{src}` (iteration {ckpt.get('iter')}, commit "
             f"{prov.get('commit')}{' with local changes' if prov.get('dirty') else ''}).", "",
             "Trained with:", "", "```", f"python {command}", "```", "",
             "Use it without training:", "", "```",
             f"python legged_gym/scripts/play.py --task={task} --load_run {here} --headless", check,
             f"python legged_gym/scripts/export.py --task={task} --load_run {here} --out <folder>", "```", ""]
    curve = os.path.join(out, "eval_curve.csv")
    rows = read_csv_rows(curve) if os.path.exists(curve) else []
    if rows and velocity_commands(rows[0]):
        lines += velocity_section(out, task, rows)
    elif rows:
        lines += tracking_section(out, task, rows)
    if bar is not None:
        lines += bar_section(out, *bar, steps_per_s)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    try:
        ship(get_args(extra_flags=EXTRA_FLAGS, description="Package a trained policy", training=False))
    except USER_ERRORS as exc:
        raise SystemExit(f"error: {exc}") from None
