"""Export a trained policy: ``python legged_gym/scripts/export.py --task=<task> [--load_run R] [--checkpoint N]``.

Writes ``policy.pt`` (TorchScript, observation-dict input), ``policy.onnx`` (one named input per
observation key, any batch size) and ``policy.json`` (the self-describing contract: joint order, default
pose, gains, action scale and clip, control rates, every observation key with its terms, scales, noise
and history layout) into ``<run dir>/exported/`` (or ``--out``), then checks that both exports reproduce
the training policy's actions on the environment's observations. The configuration is the one the run trained
with: the task's defaults, the run's recorded ``--env.*``/``--train.*`` overrides, then this command line.
``--symmetrize`` exports the policy made left-right symmetric with the task's mirror instead (``policy.mirror_symmetric``; default folder
``<run dir>/exported_symmetric``).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from legged_gym.envs import task_registry  # noqa: E402
from legged_gym.eval.references import bake_references  # noqa: E402
from rsl_rl.utils.export import check_export  # noqa: E402
from legged_gym.eval.runs import load_run_configs  # noqa: E402
from legged_gym.utils.helpers import USER_ERRORS, Args, get_args  # noqa: E402

EXTRA_FLAGS = [
    {"name": "--out", "type": str, "help": "export folder (default: <run dir>/exported)"},
    {"name": "--symmetrize", "action": "store_true",
     "help": "export the policy made left-right symmetric, (f(o) + m(f(m(o)))) / 2 with the task's mirror "
             "(policy.mirror_symmetric); a diagnostic of how much of a policy's behaviour is asymmetry"},
]


def export(args: Args) -> dict[str, str]:
    """Load the checkpoint chosen by the flags, export it, verify the files; returns the written paths."""
    if args.task is None:
        raise SystemExit(f"error: --task is required; registered tasks: {', '.join(task_registry.task_names)}")
    args.num_envs = args.num_envs or 2
    # the run's recorded overrides first (a run trained with --env.control.policy_joints=... exports as trained),
    # then this command line; the run's environment count is not the export's
    rc = load_run_configs(args, lambda env_cfg: None, "exporting", drop_env_overrides=("env.num_envs",))
    env_cfg, train_cfg, path = rc.env_cfg, rc.train_cfg, rc.checkpoint
    symmetrize = bool(args.extra.get("symmetrize"))
    if symmetrize:  # the mirror comes from the environment; a plain checkpoint lacks only the mirror's buffers
        train_cfg.policy.mirror_symmetric = True
    env, env_cfg = task_registry.make_env(args.task, args, env_cfg=env_cfg)
    runner, _ = task_registry.make_alg_runner(env, args.task, args, train_cfg=train_cfg, env_cfg=env_cfg, log_root=None)
    runner.load(path, load_optimizer=False)
    default_out = "exported_symmetric" if symmetrize else "exported"
    out = args.extra.get("out") or os.path.join(os.path.dirname(path), default_out)
    files = runner.export(out)
    check_export(out, runner.get_inference_policy(), env.get_observations())
    if hasattr(env, "clip_sources"):  # a tracking policy: its clips travel with the export (references/<clip>.npz)
        clips = list(dict.fromkeys(src.path for src in env.clip_sources))
        baked = bake_references(files["json"], clips, env._robot_file())
        if baked:
            files["references"] = os.path.dirname(baked[0])
            print(f"baked {len(baked)} reference clip(s) into {files['references']}")
    env.close()
    return files


if __name__ == "__main__":
    try:
        export(get_args(extra_flags=EXTRA_FLAGS, description="Export a trained policy", training=False))
    except USER_ERRORS as exc:
        raise SystemExit(f"error: {exc}") from None
