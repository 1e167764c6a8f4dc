"""Package a trained policy for users: a weights-only checkpoint, its exports and its learning curve.

    python legged_gym/scripts/ship_policy.py --task=<task> --load_run <run> [--checkpoint N] [--log_root DIR]
        --out resources/policies/<name>

Writes ``<out>/model_<n>.pt`` (the checkpoint without its optimiser state: a few MB), ``<out>/exported/``
(``policy.pt``, ``policy.onnx``, ``policy.json``, checked against the checkpoint as ``export.py`` checks them)
and copies the run's ``eval_curve.csv`` and ``config.json``. ``play.py``, ``eval.py``, ``export.py`` and
``train.py --resume`` load the result with ``--load_run <out>``; ``sim2sim.py --load_model <out>/exported``.
"""

from __future__ import annotations

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from legged_gym.envs import task_registry  # noqa: E402
from legged_gym.scripts.export import export  # noqa: E402
from legged_gym.eval.evaluation import resolve_checkpoint  # noqa: E402
from legged_gym.utils.helpers import USER_ERRORS, Args, get_args  # noqa: E402
from rsl_rl.utils.checkpoints import save_weights_only  # noqa: E402
from rsl_rl.utils.csv_log import read_csv_rows  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

EXTRA_FLAGS = [{"name": "--out", "type": str, "required": True, "help": "folder of the packaged policy"}]


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
    args.load_run, args.checkpoint = out, int(slim.get("iter", -1))
    args.extra["out"] = os.path.join(out, "exported")
    export(args)
    write_readme(out, args.task, src, slim)
    print(f"packaged {src} (iteration {slim.get('iter')}) as {dst} ({os.path.getsize(dst) / 1e6:.1f} MB)")
    return dst


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


def write_readme(out: str, task: str, src: str, ckpt: dict) -> None:
    """README.md of the packaged policy: where it came from, the command that trained it, its learning curve."""
    prov = dict(dict(ckpt.get("config") or {}).get("provenance") or {})
    command = " ".join(prov.get("command", [])[1:]) or "(not recorded)"
    lines = [f"# {os.path.basename(out)}: `{task}`", "",
             f"Packaged by `legged_gym/scripts/ship_policy.py` from `{src}` (iteration {ckpt.get('iter')}, commit "
             f"{prov.get('commit')}{' with local changes' if prov.get('dirty') else ''}).", "",
             "Trained with:", "", "```", f"python {command}", "```", "",
             "Use it without training:", "", "```",
             f"python legged_gym/scripts/play.py --task={task} --load_run {os.path.relpath(out, ROOT)} --headless",
             f"python legged_gym/scripts/eval.py --task={task} --load_run {os.path.relpath(out, ROOT)}",
             f"python legged_gym/scripts/sim2sim.py --load_model {os.path.relpath(out, ROOT)}/exported ...", "```", ""]
    curve = os.path.join(out, "eval_curve.csv")
    if os.path.exists(curve):
        rows = read_csv_rows(curve)
        if rows:
            plot_curve(rows, os.path.join(out, "curve.png"), f"{task}, deterministic policy from frame 0")
            last = rows[-1]
            clips = [k.split("/", 1)[1] for k in last if k.startswith("frames_tracked/") and not k.endswith("/mean")]
            lines += ["Learning curve (`eval_curve.csv`, the runner's from-frame-0 evaluation):", "",
                      "![curve](curve.png)", "", f"At {int(last['env_steps']):,} env steps:", "",
                      "| clip | frames tracked | success |", "|---|---|---|"]
            lines += [f"| {c} | {float(last[f'frames_tracked/{c}']):.3f} | {float(last[f'success/{c}']):.0f} |"
                      for c in clips]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    try:
        ship(get_args(extra_flags=EXTRA_FLAGS, description="Package a trained policy", training=False))
    except USER_ERRORS as exc:
        raise SystemExit(f"error: {exc}") from None
