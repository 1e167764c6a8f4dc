"""Command-line parsing and how flags and ``--env.*`` / ``--train.*`` overrides reach the configs.

Precedence, applied in this order so that an explicit dotted override always wins:
task defaults -> command-line flags (``--num_envs``, ``--seed``, ...) -> ``--env.a.b=v`` / ``--train.a.b=v``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from legged_gym.utils.config import apply_overrides
from rsl_rl.utils.checkpoints import CheckpointError
from rsl_rl.utils.checks import NonFiniteError

# errors caused by the command line or input files: scripts print them as one line, without a traceback
USER_ERRORS = (ValueError, FileNotFoundError, CheckpointError, NonFiniteError)  # ValueError covers UnsafePickleError


@dataclass
class Args:
    """Parsed command line: known flags plus the dotted overrides, in the order given."""

    task: str | None = None
    headless: bool = False
    resume: bool = False
    experiment_name: str | None = None
    run_name: str | None = None
    load_run: str | None = None
    checkpoint: int | None = None
    num_envs: int | None = None
    seed: int | None = None
    max_iterations: int | None = None
    sim_device: str = "cpu"
    rl_device: str = "cpu"
    multi_gpu: bool = False
    wandb_note: str | None = None
    no_use_wandb: bool = False
    use_wandb: bool = False
    num_threads: int | None = None
    log_root: str | None = None
    env_overrides: dict[str, str] = field(default_factory=dict)
    train_overrides: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


CONFIG_EPILOG = """configuration fields:
  Every field of the task's configuration can be set on the command line:
    --env.<section>.<field>=<value>     e.g. --env.deepmimic.n_append=50 --env.sim.dt=0.005
    --train.<section>.<field>=<value>   e.g. --train.algorithm.learning_rate=2e-5
  Values are checked against the field's type (lists as [a,b], dicts as JSON); an unknown key names the closest.
  List every field with its type, default and meaning:
    python legged_gym/scripts/train.py --task=<task> --print_config
"""


def split_passthrough(argv: list[str]) -> tuple[list[str], list[str]]:
    """``argv`` split at the first ``--``: (this script's arguments, the arguments it passes on)."""
    if "--" not in argv:
        return list(argv), []
    i = argv.index("--")
    return list(argv[:i]), list(argv[i + 1:])


def build_parser(
    description: str = "legged_gym", extra_flags: list[dict[str, Any]] | None = None, training: bool = True
) -> argparse.ArgumentParser:
    """The seed's flags (the training-only ones when ``training``), plus ``extra_flags`` (each a dict of
    ``add_argument`` keyword arguments with ``name``)."""
    p = argparse.ArgumentParser(description=description, allow_abbrev=False, epilog=CONFIG_EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", type=str, help="registered task name, e.g. g1 or g1_deepmimic")
    p.add_argument("--headless", action="store_true", help="no viewer window")
    if training:
        p.add_argument("--resume", action="store_true", help="resume training from a checkpoint")
        p.add_argument("--run_name", type=str, help="suffix of the run folder name")
        p.add_argument("--max_iterations", type=int, help="training iterations")
        p.add_argument("--multi_gpu", action="store_true", help="one process per rank under torchrun")
        p.add_argument("--wandb_note", type=str, help="notes of the Weights & Biases run")
        p.add_argument("--no_use_wandb", action="store_true", help="do not log to Weights & Biases")
        p.add_argument("--use_wandb", action="store_true", help="log to Weights & Biases (offline without an account)")
    p.add_argument("--experiment_name", type=str, help="folder under logs/ (default: the task's)")
    p.add_argument("--load_run", type=str, help="run folder (name or path) to load; default: the latest")
    p.add_argument("--checkpoint", type=int, help="checkpoint number to load; default: the latest")
    p.add_argument("--num_envs", type=int, help="number of environments")
    p.add_argument("--seed", type=int, help="random seed (each rank adds its rank)")
    p.add_argument("--sim_device", type=str, default="cpu", help="simulator: cpu (MuJoCo C engine, default), cuda:N (MuJoCo Warp on GPU N; needs the gpu extra), "
                   "warp-cpu (MuJoCo Warp on its CPU device: tests and smoke runs only)")
    p.add_argument("--rl_device", type=str, default="cpu", help="device of the learner: cpu or cuda:N")
    p.add_argument("--num_threads", type=int, help="CPU simulator threads (default: all cores)")
    p.add_argument("--log_root", type=str, help="folder holding the experiment folders (default: <repo>/logs)")
    for flag in extra_flags or []:
        flag = dict(flag)
        name = flag.pop("name")
        p.add_argument(name, **flag)
    return p


def get_args(
    argv: list[str] | None = None, extra_flags: list[dict[str, Any]] | None = None, description: str = "",
    training: bool = True,
) -> Args:
    """Parse ``argv`` (default ``sys.argv[1:]``); ``training=False`` leaves out the training-only flags.

    Dotted overrides are ``--env.a.b=value`` or ``--env.a.b value``. Any other unknown token is an error
    that names it and suggests the closest known flags.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(description or "legged_gym", extra_flags, training)
    known, unknown = parser.parse_known_args(argv)
    env_o, train_o = _parse_overrides(unknown, parser)
    values = vars(known)
    base = {k: values.pop(k) for k in list(values) if k in Args.__dataclass_fields__}
    return Args(**base, env_overrides=env_o, train_overrides=train_o, extra=values)


def _parse_overrides(tokens: list[str], parser: argparse.ArgumentParser) -> tuple[dict[str, str], dict[str, str]]:
    env_o: dict[str, str] = {}
    train_o: dict[str, str] = {}
    flags = [a for action in parser._actions for a in action.option_strings]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith(("--env.", "--train.")):
            if "=" in tok:
                key, value = tok[2:].split("=", 1)
            elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
                key, value = tok[2:], tokens[i + 1]
                i += 1
            else:
                raise SystemExit(f"error: override {tok} has no value (write {tok}=VALUE)")
            root, path = key.split(".", 1)
            (env_o if root == "env" else train_o)[path] = value
        else:
            close = difflib.get_close_matches(tok.split("=")[0], flags, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise SystemExit(
                f"error: unrecognised argument {tok!r}{hint} (configuration fields are set with --env.<key>=<value> "
                "or --train.<key>=<value>)"
            )
        i += 1
    return env_o, train_o


def apply_device_defaults(env_cfg: Any, train_cfg: Any, args: Args) -> None:
    """Training sizes for the machine: on the CPU backend a task's ``env.cpu_num_envs`` and
    ``runner.cpu_max_iterations`` replace its GPU-sized defaults unless the command line set them."""
    if str(args.sim_device).startswith("cuda"):
        return
    cpu_envs = getattr(env_cfg.env, "cpu_num_envs", None)
    if cpu_envs and args.num_envs is None and "env.num_envs" not in args.env_overrides:
        env_cfg.env.num_envs = cpu_envs
    cpu_iterations = getattr(train_cfg.runner, "cpu_max_iterations", None)
    if cpu_iterations and args.max_iterations is None and "runner.max_iterations" not in args.train_overrides:
        train_cfg.runner.max_iterations = cpu_iterations


def rank_info() -> tuple[int, int, int]:
    """(rank, local_rank, world_size) from torchrun's environment variables (0, 0, 1 when absent)."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("LOCAL_RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def update_cfgs_from_args(env_cfg: Any, train_cfg: Any, args: Args) -> dict[str, Any]:
    """Apply flags then dotted overrides to the configs; returns the override values as applied.

    Multi-process runs get ``seed + rank`` (always, whether or not ``--seed`` was given) and, on CUDA,
    the device ``cuda:LOCAL_RANK``.
    """
    if args.num_envs is not None:
        env_cfg.env.num_envs = args.num_envs
    if args.seed is not None:
        env_cfg.seed = args.seed
        train_cfg.seed = args.seed
    if args.num_threads is not None:
        env_cfg.sim.num_threads = args.num_threads
    r = train_cfg.runner
    if args.max_iterations is not None:
        r.max_iterations = args.max_iterations
    if args.experiment_name is not None:
        r.experiment_name = args.experiment_name
    if args.run_name is not None:
        r.run_name = args.run_name
    if args.resume:
        r.resume = True
    if args.load_run is not None:
        r.load_run = args.load_run
    if args.checkpoint is not None:
        r.checkpoint = args.checkpoint
    if args.wandb_note is not None:
        r.wandb_note = args.wandb_note
    if args.use_wandb:
        r.use_wandb = True
    if args.no_use_wandb:
        r.use_wandb = False
    applied = {
        "env": apply_overrides(env_cfg, args.env_overrides, "env"),
        "train": apply_overrides(train_cfg, args.train_overrides, "train"),
    }
    rank, local_rank, world = rank_info()
    if args.multi_gpu or world > 1:
        env_cfg.seed += rank
        train_cfg.seed = env_cfg.seed
        for name in ("sim_device", "rl_device"):
            if getattr(args, name).startswith("cuda"):
                setattr(args, name, f"cuda:{local_rank}")
    return applied
