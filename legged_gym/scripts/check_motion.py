"""Check that motion clips are physically possible for the robot before training on them.

    python legged_gym/scripts/check_motion.py <clip or folder> [...] [--robot XML] [--fps HZ] [--csv_fps HZ]
        [--out DIR] [--json FILE] [--no_plot] [--max_cop_outside_share 0.1] [--max_friction 0.8] ...

A path is a clip file (seed pickle ``.pkl``, Unitree ``.csv``, mjlab ``.npz``, human-video ``.h5``), a human-video
clip folder (its h5 file and terrain mesh), or a folder searched recursively for those. Per clip it prints the
checks of :mod:`legged_gym.motion.feasibility` (centre of pressure in single support, friction needed, foot
penetration and sliding, joint range, speed and torque) with a verdict, and writes ``<out>/<clip>.png`` (centre of
pressure in the stance sole's frame, friction and torque over time). Exit status 1 when any clip fails a check,
2 on unreadable input.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from legged_gym import LEGGED_GYM_ROOT_DIR  # noqa: E402
from legged_gym.motion import MotionFormatError, load_motion  # noqa: E402
from legged_gym.motion.feasibility import ClipReport, FeasibilityLimits, check_clip  # noqa: E402

DEFAULT_ROBOT = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")
CLIP_EXTS = (".pkl", ".pickle", ".csv", ".npz")
VIDEO_DATA = "retarget_poses_g1.h5"
VIDEO_TERRAIN = "background_mesh.obj"


def find_clips(paths: list[str], data_pattern: str = VIDEO_DATA) -> list[str]:
    """Clip files and human-video folders under ``paths`` (each path itself, or found recursively in a folder)."""
    found: list[str] = []
    for p in paths:
        if not os.path.exists(p):
            raise FileNotFoundError(f"{p}: no such file or folder")
        if os.path.isfile(p):
            found.append(p)
            continue
        if glob.glob(os.path.join(p, data_pattern)):
            found.append(p)
            continue
        for root, dirs, files in os.walk(p):
            dirs.sort()
            if glob.glob(os.path.join(root, data_pattern)):
                found.append(root)
                dirs[:] = []
                continue
            found += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(CLIP_EXTS)]
    if not found:
        raise FileNotFoundError(f"no motion clips under {', '.join(paths)} (looked for {', '.join(CLIP_EXTS)} files "
                                f"and folders holding {data_pattern})")
    return found


def terrain_of(terrain_path: str | None, resolution: float):  # noqa: ANN201
    """Ground height function of a clip: its terrain mesh cast to a height field, or flat ground."""
    if not terrain_path:
        return None
    from legged_gym.sim.heightfield import TerrainSampler
    from legged_gym.terrain import DeepMimicTerrain

    import torch

    hf = DeepMimicTerrain([terrain_path], n_rows=1, resolution=resolution).clip_heightfield(0)
    sampler = TerrainSampler(hf)
    return lambda xy: sampler.height_at(torch.as_tensor(np.asarray(xy), dtype=torch.float32)).numpy().astype(float)


def plot_report(rep: ClipReport, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = rep.series
    t = s["time"]
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    for ax, key, half, label in ((axes[0], "cop_y", "half_y", "across the foot"),
                                 (axes[1], "cop_x", "half_x", "along the foot")):
        ax.plot(t, s[key] * 100, ".", ms=3, label="centre of pressure (single support)")
        ax.fill_between(t, -s[half] * 100, s[half] * 100, color="green", alpha=0.12, label="stance sole")
        ax.set_ylabel(f"{label} [cm]")
        ax.legend(loc="upper right", fontsize=8)
        ax.grid(alpha=0.3)
    axes[2].plot(t, s["friction"], label="friction needed |F_xy|/F_z")
    axes[2].plot(t, s["torque_ratio"], label="torque / effort limit (worst joint)")
    axes[2].set_xlabel("time [s]")
    axes[2].legend(loc="upper right", fontsize=8)
    axes[2].grid(alpha=0.3)
    fig.suptitle(f"{rep.name}: {'PASS' if rep.passed else 'FAIL'}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def format_report(rep: ClipReport) -> str:
    lines = [f"{rep.name}: {'PASS' if rep.passed else 'FAIL'} ({rep.frames} frames at {rep.fps:g} fps)"]
    for k, (v, lim, ok) in rep.checks.items():
        lines.append(f"  {'ok  ' if ok else 'FAIL'} {k:<28} {v:10.4f}  (limit {lim:g})")
    d = rep.details
    if d.get("single_support_frames"):
        lines.append(f"       single support {d['single_support_frames']} frames: centre of pressure outside the "
                     f"sole's width in {100 * d['cop_outside_width_share']:.0f} % (up to "
                     f"{100 * d['cop_max_outside_width_m']:.1f} cm), its length in "
                     f"{100 * d['cop_outside_length_share']:.0f} % (up to {100 * d['cop_max_outside_length_m']:.1f} cm)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    limits = FeasibilityLimits()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="+", help="clip files, human-video clip folders, or folders holding them")
    p.add_argument("--robot", default=DEFAULT_ROBOT, help="robot MJCF (default: the project's G1)")
    p.add_argument("--fps", type=float, default=None, help="rate [Hz] of pickles/h5 files that store none")
    p.add_argument("--csv_fps", type=float, default=30.0, help="rate [Hz] of CSV clips (default 30)")
    p.add_argument("--terrain_resolution", type=float, default=0.05, help="[m] grid of terrain meshes")
    p.add_argument("--out", default=None, help="folder for the PNGs (default: ./check_motion)")
    p.add_argument("--json", default=None, help="write every report to this JSON file")
    p.add_argument("--no_plot", action="store_true", help="do not write PNGs")
    for f in dataclasses.fields(limits):
        p.add_argument(f"--{f.name}", type=float, default=getattr(limits, f.name), help=f"threshold (default {f.default})")
    args = p.parse_args(argv)
    limits = FeasibilityLimits(**{f.name: getattr(args, f.name) for f in dataclasses.fields(limits)})
    try:
        clips = find_clips(args.paths)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or os.path.join(os.getcwd(), "check_motion")
    reports = []
    for path in clips:
        try:
            clip = load_motion(path, robot_xml=args.robot, default_fps=args.fps, csv_fps=args.csv_fps)
            ground = terrain_of(clip.terrain_path, args.terrain_resolution)
            rep = check_clip(clip, args.robot, ground, limits)
        except (MotionFormatError, ValueError, OSError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 2
        print(format_report(rep))
        if not args.no_plot:
            os.makedirs(out, exist_ok=True)
            png = os.path.join(out, f"{rep.name}.png")
            plot_report(rep, png)
            print(f"       plot: {png}")
        reports.append({"path": path, **rep.to_dict()})
    failed = [r["name"] for r in reports if not r["passed"]]
    print(f"{len(reports) - len(failed)} of {len(reports)} clips pass" + (f"; failed: {', '.join(failed)}" if failed else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(reports, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
