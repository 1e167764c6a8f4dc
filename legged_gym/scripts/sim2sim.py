"""Run an exported policy in plain MuJoCo (sim2sim), or check the deployment code against training.

Run::

    python legged_gym/scripts/sim2sim.py --load_model <exported folder | policy.onnx | policy.pt>
        [--robot resources/robots/g1/g1_23dof.xml] [--cmd 0.4 0 0] [--sim_dt 0.001 --decimation 20]
        [--duration 10] [--backend onnx|torchscript] [--pd position|explicit] [--render out.mp4]
        [--motion <baked clip | reference .npz | clip file or folder> ... [--terrain <mesh>]]

loads the robot MJCF with ``mujoco.MjSpec``, adds a ground plane, and runs the policy through
:mod:`legged_gym.deploy` only (no training code). For a velocity policy it reports falls (pelvis below 0.5 m
or tilt above 1 rad; the robot is reset after a fall) and command tracking (mean |v_xy - cmd_xy| in the
heading frame, mean |yaw rate - cmd|). A motion-tracking policy (policy.json has ``env.tracking``) plays each
clip from its first frame on its own terrain (``--terrain <mesh>`` overrides it) and reports success and the
tracking errors of ``eval.py`` (:mod:`legged_gym.deploy.tracking_episode`). Its clips: every clip ``export.py``
baked next to policy.json (``references/<clip>.npz``: the default, numpy only), or ``--motion`` entries naming a
baked clip, a reference ``.npz``, or a motion file (pkl, h5 folder, csv, npz), which this script prepares with the
training readers (:mod:`legged_gym.eval.references`).
``sim_dt * decimation`` must equal the contract's control_dt unless ``--allow_rate_change``.

Check::

    python legged_gym/scripts/sim2sim.py --check --task g1|g1_deepmimic|... [--load_run R] [--load_model <exported>]

builds the training environment and requires the deployment observations and actions to match it
(:mod:`legged_gym.eval.parity`).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if "--render" in sys.argv:
    os.environ.setdefault("MUJOCO_GL", "egl")  # must precede the mujoco import (legged_gym.deploy)

from legged_gym import LEGGED_GYM_ROOT_DIR  # noqa: E402
from legged_gym.deploy.controller import PD_MODES  # noqa: E402
from legged_gym.deploy.contract import load_contract, resolve_model_path  # noqa: E402
from legged_gym.deploy.episode import run_sim2sim  # noqa: E402
from legged_gym.deploy.tracking import ReferenceMotion, baked_references, is_reference_file, tracking_spec  # noqa: E402
from legged_gym.eval.references import clip_heightfield, prepare_reference  # noqa: E402
from legged_gym.utils.helpers import USER_ERRORS, Args, get_args  # noqa: E402

COMMAND_LIKE = re.compile(r"^-[0-9.eE+-]*(,[0-9.eE+-]*)+$")  # a VX,VY,YAW entry with a negative first number
DEFAULT_ROBOT = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")

EXTRA_FLAGS = [
    {"name": "--load_model", "type": str, "help": "exported folder, policy.json, policy.onnx or policy.pt"},
    {"name": "--robot", "type": str, "default": DEFAULT_ROBOT, "help": "robot MJCF (default: the G1 23-DoF)"},
    {"name": "--cmd", "type": float, "nargs": 3, "default": [0.4, 0.0, 0.0], "metavar": ("VX", "VY", "YAW_RATE"),
     "help": "velocity command: vx [m/s], vy [m/s], yaw rate [rad/s]"},
    {"name": "--sim_dt", "type": float, "help": "physics step [s] (default: the contract's)"},
    {"name": "--decimation", "type": int, "help": "physics steps per policy step (default: the contract's)"},
    {"name": "--allow_rate_change", "action": "store_true", "help": "allow sim_dt*decimation != contract control_dt"},
    {"name": "--duration", "type": float, "default": None,
     "help": "simulated seconds (default: 10 for velocity policies, the whole clip for tracking policies)"},
    {"name": "--motion", "type": str, "nargs": "+", "help": "reference clip(s) of a tracking policy (pkl, h5 folder, csv, npz)"},
    {"name": "--terrain", "type": str, "help": "terrain mesh for --motion (default: the clip folder's mesh, else flat)"},
    {"name": "--backend", "type": str, "default": None, "help": "onnx (default) or torchscript"},
    {"name": "--pd", "type": str, "default": "position", "help": f"PD law: {' or '.join(PD_MODES)} (see deploy.controller)"},
    {"name": "--render", "type": str, "help": "write an offscreen video to this file (MUJOCO_GL=egl)"},
    {"name": "--commands", "type": str, "nargs": "+", "metavar": "VX,VY,YAW",
     "help": "velocity policies: run each command (e.g. 0.5,0,0 -0.3,0,0 0,0.3,0) for --duration and print one table"},
    {"name": "--json", "type": str, "help": "write the results to this JSON file (one row per command or per clip)"},
    {"name": "--check", "action": "store_true", "help": "parity check against the training env of --task"},
    {"name": "--check_steps", "type": int, "default": 40, "help": "control steps of the parity check"},
]


def run_check(args: Args) -> None:
    """Parity of the deployment code with the training environment (prints the largest differences)."""
    from legged_gym.eval.parity import check_parity

    report = check_parity(args, args.extra.get("load_model"), steps=args.extra["check_steps"],
                          backend=args.extra.get("backend") or "onnx")
    diffs = ", ".join(f"{k} {v:.1e}" for k, v in report.obs_diff.items())
    print(f"parity OK: {report.steps} steps ({report.resets} resets), max |obs diff| {diffs}; "
          f"max |action diff| {report.action_diff:.1e} ({report.contract_path})")


def protect_negative_commands(argv: list[str]) -> list[str]:
    """A ``--commands`` entry that starts with a minus (``-0.3,0,0``) would read as a flag: prefix it with a space
    (``float`` ignores it) so that it stays a value."""
    out, in_commands = [], False
    for token in argv:
        if in_commands and token.startswith("-") and COMMAND_LIKE.match(token):
            token = " " + token
        elif token.startswith("-"):
            in_commands = token == "--commands"
        out.append(token)
    return out


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    argv = protect_negative_commands(list(sys.argv[1:] if argv is None else argv))
    args = get_args(argv, extra_flags=EXTRA_FLAGS, description="Run an exported policy in plain MuJoCo", training=False)
    tracking = not args.extra.get("check") and prepare_tracking(args.extra)
    if args.extra.get("duration") is None and not tracking and not args.extra.get("motion"):
        args.extra["duration"] = 10.0
    if args.extra.get("check"):
        run_check(args)
        return
    if args.extra.get("commands"):
        result: dict | list = run_command_sweep(args)
    else:
        result = run_sim2sim(args)
    if args.extra.get("json"):
        write_json(args.extra["json"], result.get("clips", result) if isinstance(result, dict) else result)


def prepare_tracking(x: dict) -> bool:
    """For a motion-tracking policy: turn ``--motion`` entries into reference clips (a clip baked into the export by
    name, a reference ``.npz``, or a motion file prepared with the training readers) and ``--terrain`` into a height
    field. Without ``--motion`` the deployment side plays every baked clip. Returns whether the policy tracks motion."""
    if not x.get("load_model"):
        return False
    contract = load_contract(resolve_model_path(x["load_model"])[0])
    spec = tracking_spec(contract)
    if spec is None:
        return False
    if x.get("terrain"):
        x["terrain_name"], x["terrain"] = x["terrain"], clip_heightfield(x["terrain"], spec)
    if x.get("motion"):
        baked = {os.path.splitext(os.path.basename(p))[0]: p for p in baked_references(contract)}
        x["references"] = [
            ReferenceMotion.load(baked.get(m, m), contract, spec) if m in baked or is_reference_file(m)
            else prepare_reference(m, contract, spec, x["robot"])
            for m in x["motion"]
        ]
    return True


def parse_command(text: str) -> list[float]:
    """``"VX,VY,YAW"`` -> three floats (a clear error otherwise)."""
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 3 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"--commands: expected VX,VY,YAW (three numbers separated by commas), got {text!r}")
    return values


SWEEP_COLUMNS = (("cmd_vx", "cmd vx"), ("cmd_vy", "cmd vy"), ("cmd_yaw_rate", "cmd yaw"), ("forward_vel", "vx"),
                 ("lateral_vel", "vy"), ("yaw_rate", "yaw rate"), ("lin_vel_err", "|v-cmd|"),
                 ("yaw_rate_err", "|yaw-cmd|"), ("lin_vel_err_cycle", "|v-cmd| cyc"),
                 ("yaw_rate_err_cycle", "|w-cmd| cyc"), ("falls", "falls"), ("steps_per_s", "steps/s"),
                 ("clearance_m", "clearance"))


def run_command_sweep(args: Args) -> list[dict]:
    """Run a velocity policy once per ``--commands`` entry; prints one table, returns one row per command."""
    commands = [parse_command(c) for c in args.extra["commands"]]
    rows = []
    for cmd in commands:
        args.extra["cmd"] = cmd
        r = run_sim2sim(args)
        if "clips" in r:
            raise ValueError("--commands applies to velocity policies; this is a motion-tracking policy")
        rows.append({"cmd_vx": cmd[0], "cmd_vy": cmd[1], "cmd_yaw_rate": cmd[2], **r})
    print("\n" + " ".join(f"{title:>10}" for _, title in SWEEP_COLUMNS))
    for r in rows:
        print(" ".join(f"{r.get(k, float('nan')):>10.3f}" if k != "falls" else f"{r[k]:>10d}" for k, _ in SWEEP_COLUMNS))
    return rows


def write_json(path: str, result: object) -> None:
    """Write ``result`` as JSON (NaN as null, so the file stays valid JSON)."""
    def clean(x: object) -> object:
        if isinstance(x, float):
            return x if math.isfinite(x) else None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        if hasattr(x, "item"):
            return clean(x.item())
        return x

    with open(path, "w") as f:
        json.dump(clean(result), f, indent=2)
    print(f"wrote {path}")


if __name__ == "__main__":
    try:
        main()
    except USER_ERRORS as exc:
        raise SystemExit(f"error: {exc}") from None
