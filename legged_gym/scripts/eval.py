"""Evaluate a trained tracking policy over every clip of its task.

``python legged_gym/scripts/eval.py --task=g1_deepmimic [--load_run R] [--checkpoint N] [--log_root DIR]
[--num_envs K] [--repeats M] [--out DIR] [--ignore_run_overrides] [--env.a.b=v] [--train.a.b=v]``

Loads the checkpoint ``train.py --resume`` would (latest run, latest ``model_<n>.pt`` under
``<log_root or <repo>/logs>/<experiment_name>``), builds the task's environment with evaluation settings (no noise,
no pushes or physics randomisation, every clip from frame 0; any ``--env.*`` override wins), plays every clip
``--repeats`` times with the deterministic policy and writes ``eval.json`` plus a plot (``eval.png``, or
``eval.svg`` without matplotlib) to ``--out`` (default ``<run dir>/eval_<n>/``). See
:mod:`legged_gym.eval.evaluation` for the metric definitions.
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from legged_gym.utils.helpers import Args, get_args  # noqa: E402

EVAL_FLAGS: list[dict[str, Any]] = [
    {
        "name": "--repeats",
        "type": int,
        "default": 1,
        "help": "episodes per clip (default 1; repeats are identical unless --env.* turns randomisation back on)",
    },
    {"name": "--out", "type": str, "default": None, "help": "output folder (default: <run dir>/eval_<checkpoint>)"},
    {
        "name": "--ignore_run_overrides",
        "action": "store_true",
        "help": "do not re-apply the --env.*/--train.* overrides recorded with the checkpoint's run",
    },
]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the command line and run the evaluation; returns the report written to ``eval.json``."""
    from legged_gym.eval.evaluation import run_eval

    args: Args = get_args(argv, extra_flags=EVAL_FLAGS, description="Evaluate a tracking policy on every clip", training=False)
    return run_eval(args)


if __name__ == "__main__":
    from legged_gym.utils.helpers import USER_ERRORS

    try:
        main()
    except USER_ERRORS as exc:  # configuration, input and checkpoint errors: one clear line, no traceback
        raise SystemExit(f"error: {exc}") from None
