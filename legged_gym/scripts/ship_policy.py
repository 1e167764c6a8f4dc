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
    print(f"packaged {src} (iteration {slim.get('iter')}) as {dst} ({os.path.getsize(dst) / 1e6:.1f} MB)")
    return dst


if __name__ == "__main__":
    try:
        ship(get_args(extra_flags=EXTRA_FLAGS, description="Package a trained policy"))
    except USER_ERRORS as exc:
        raise SystemExit(f"error: {exc}") from None
