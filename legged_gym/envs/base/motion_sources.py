"""Finding the clips a motion-tracking task trains on, and the terrain each one is paired with.

Motion-capture clips come from ``amass_data_root/amass_replay_data_path`` (a glob) and each is listed
``amass_terrain_difficulty`` times: on flat ground, then on generated rough terrain of difficulty
1 .. D-1. Human-video clips are folders under ``data_root`` (or ``alt_data_root``) holding the motion
file and the terrain mesh it was reconstructed with; each is listed ``human_video_oversample_factor``
times. The clip list and the terrain list are parallel: clip i is tracked on terrain i.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs.base.deepmimic_config import DeepMimicCfg


@dataclass
class ClipSource:
    """One entry of the training set.

    Attributes:
        name: display name (file stem, plus ``_d<k>`` for rough-terrain copies).
        path: motion file, or the video folder.
        kind: ``"mocap"`` or ``"video"``.
        terrain_mesh: mesh file of a video clip (None for mocap or a missing mesh with auto_flat).
        rough_difficulty: 0 for flat ground, k >= 1 for generated rough terrain (mocap only).
    """

    name: str
    path: str
    kind: str
    terrain_mesh: str | None = None
    rough_difficulty: int = 0


def expand_root(path: str) -> str:
    """Substitute ``{LEGGED_GYM_ROOT_DIR}`` in a configured path."""
    return path.replace("{LEGGED_GYM_ROOT_DIR}", LEGGED_GYM_ROOT_DIR)


def mocap_files(cfg: DeepMimicCfg) -> list[str]:
    """Motion-capture files matched by the configured glob, sorted; an empty match is an error."""
    pattern = cfg.amass_replay_data_path
    if not os.path.isabs(pattern):
        pattern = os.path.join(expand_root(cfg.amass_data_root), pattern)
    files = sorted(f for f in glob.glob(pattern) if os.path.isfile(f))
    if not files:
        raise FileNotFoundError(
            f"deepmimic.amass_replay_data_path: no motion files match {pattern!r} "
            "(set --env.deepmimic.amass_data_root / amass_replay_data_path, or --env.deepmimic.use_amass=False)"
        )
    if cfg.is_csv_joint_only:
        bad = [f for f in files if not f.lower().endswith(".csv")]
        if bad:
            raise ValueError(f"deepmimic.is_csv_joint_only=True but these files are not CSV: {bad[:3]}")
    return files


def video_folders(cfg: DeepMimicCfg) -> list[str]:
    """Resolve each configured folder name (its last path component, matched as a substring)."""
    roots = [expand_root(r) for r in (cfg.data_root, cfg.alt_data_root) if r]
    found = []
    for wanted in cfg.human_video_folders:
        key = os.path.basename(os.path.normpath(wanted))
        match = None
        for root in roots:
            if os.path.isdir(os.path.join(root, key)):
                match = os.path.join(root, key)
                break
            if os.path.isdir(root):
                cands = sorted(d for d in os.listdir(root) if key in d and os.path.isdir(os.path.join(root, d)))
                if cands:
                    match = os.path.join(root, cands[0])
                    break
        if match is None:
            raise FileNotFoundError(
                f"deepmimic.human_video_folders: no folder matching {key!r} under {roots} "
                "(set --env.deepmimic.data_root, or --env.deepmimic.use_human_videos=False)"
            )
        found.append(match)
    return found


def discover_clips(cfg: DeepMimicCfg) -> list[ClipSource]:
    """The parallel clip/terrain list of a task, in a fixed order (mocap first, then videos)."""
    clips: list[ClipSource] = []
    if cfg.use_amass:
        if cfg.amass_terrain_difficulty < 1:
            raise ValueError(f"deepmimic.amass_terrain_difficulty must be >= 1, got {cfg.amass_terrain_difficulty}")
        for f in mocap_files(cfg):
            stem = os.path.splitext(os.path.basename(f))[0]
            for d in range(cfg.amass_terrain_difficulty):
                clips.append(ClipSource(f"{stem}_d{d}" if d else stem, f, "mocap", None, d))
    if cfg.use_human_videos:
        for folder in video_folders(cfg):
            mesh = os.path.join(folder, cfg.human_video_terrain_pattern)
            if not os.path.isfile(mesh):
                if not cfg.auto_flat_if_mesh_missing:
                    raise FileNotFoundError(
                        f"{folder}: terrain mesh {cfg.human_video_terrain_pattern!r} is missing "
                        "(or set --env.deepmimic.auto_flat_if_mesh_missing=True)"
                    )
                mesh = None
            for _ in range(max(1, cfg.human_video_oversample_factor)):
                clips.append(ClipSource(os.path.basename(folder), folder, "video", mesh, 0))
    if not clips:
        raise ValueError("no clips: enable deepmimic.use_amass and/or deepmimic.use_human_videos")
    return clips
