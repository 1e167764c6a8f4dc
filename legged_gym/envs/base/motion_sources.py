"""Finding the clips a motion-tracking task trains on, and the terrain each one is paired with.

Motion-capture clips come from ``amass_data_root/amass_replay_data_path`` (a glob) and each is listed
``amass_terrain_difficulty`` times: on flat ground, then on generated rough terrain of difficulty
1 .. D-1. Human-video clips are folders under ``data_root`` (or ``alt_data_root``) holding the motion
file and the terrain mesh it was reconstructed with; each is listed ``human_video_oversample_factor``
times. The clip list and the terrain list are parallel: clip i is tracked on terrain i.

The video folders are named by ``human_video_folders``, or, when set, by ``human_motion_source``: a YAML
motion list (``legged_gym.envs.base.motion_list``) whose items also name, per folder, the teacher run
trained on it, the data and terrain file patterns and an fps for files that store none.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs.base.deepmimic_config import DeepMimicCfg
from legged_gym.envs.base.motion_list import (
    MotionListItem,
    check_file_pattern,
    is_motion_list_file,
    read_motion_list,
)


@dataclass
class ClipSource:
    """One entry of the training set.

    Attributes:
        name: display name (file stem, plus ``_d<k>`` for rough-terrain copies).
        path: motion file, or the video folder.
        kind: ``"mocap"`` or ``"video"``.
        terrain_mesh: mesh file of a video clip (None for mocap or a missing mesh with auto_flat).
        rough_difficulty: 0 for flat ground, k >= 1 for generated rough terrain (mocap only).
        teacher: run name of the teacher trained on this clip (``teacher_checkpoint_run_name`` of a motion
            list item); None for mocap clips and video clips without one (the default teacher).
        data_pattern: motion file name (or glob) inside a video folder.
        terrain_pattern: terrain mesh file name (or glob) inside a video folder.
        fps_override: frame rate of a file that stores none (None: ``deepmimic.default_data_fps``).
    """

    name: str
    path: str
    kind: str
    terrain_mesh: str | None = None
    rough_difficulty: int = 0
    teacher: str | None = None
    data_pattern: str = "retarget_poses_g1.h5"
    terrain_pattern: str = "background_mesh.obj"
    fps_override: float | None = None


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


def find_video_folder(cfg: DeepMimicCfg, wanted: str) -> str | None:
    """The folder named ``wanted`` (its last path component: the exact name, else the first folder, sorted,
    whose name contains it) under ``data_root``, then ``alt_data_root``; None when nothing matches."""
    roots = [expand_root(r) for r in (cfg.data_root, cfg.alt_data_root) if r]
    key = os.path.basename(os.path.normpath(wanted))
    for root in roots:
        if os.path.isdir(os.path.join(root, key)):
            return os.path.join(root, key)
        if os.path.isdir(root):
            cands = sorted(d for d in os.listdir(root) if key in d and os.path.isdir(os.path.join(root, d)))
            if cands:
                return os.path.join(root, cands[0])
    return None


def video_folders(cfg: DeepMimicCfg) -> list[str]:
    """Resolve each configured folder name (its last path component, matched as a substring)."""
    roots = [expand_root(r) for r in (cfg.data_root, cfg.alt_data_root) if r]
    found = []
    for wanted in cfg.human_video_folders:
        match = find_video_folder(cfg, wanted)
        if match is None:
            key = os.path.basename(os.path.normpath(wanted))
            raise FileNotFoundError(
                f"deepmimic.human_video_folders: no folder matching {key!r} under {roots} "
                "(set --env.deepmimic.data_root, or --env.deepmimic.use_human_videos=False)"
            )
        found.append(match)
    return found


def video_items(cfg: DeepMimicCfg) -> list[tuple[str, MotionListItem]]:
    """(resolved folder, item) of every video clip, in order.

    From ``human_motion_source`` when set (a motion list file, or one folder name with the config's patterns),
    else one item per ``human_video_folders`` entry with the config's patterns; only motion list items name a
    teacher.
    """
    source = cfg.human_motion_source
    if not source:
        return [
            (folder, MotionListItem(folder, None, cfg.human_video_data_pattern, cfg.human_video_terrain_pattern, None))
            for folder in video_folders(cfg)
        ]
    roots = [expand_root(r) for r in (cfg.data_root, cfg.alt_data_root) if r]
    if not is_motion_list_file(source):
        folder = find_video_folder(cfg, source)
        if folder is None:
            raise FileNotFoundError(
                f"deepmimic.human_motion_source: no folder matching {os.path.basename(os.path.normpath(source))!r} "
                f"under {roots} (give a folder name or a .yaml motion list; set --env.deepmimic.data_root)"
            )
        item = MotionListItem(source, None, cfg.human_video_data_pattern, cfg.human_video_terrain_pattern, None,
                              "deepmimic.human_motion_source")
        return [(folder, item)]
    found = []
    for item in read_motion_list(expand_root(source)):
        folder = find_video_folder(cfg, item.folder_path)
        if folder is None:
            key = os.path.basename(os.path.normpath(item.folder_path))
            raise FileNotFoundError(
                f"{item.where}: field 'folder_path': expected a folder whose name contains {key!r} under {roots}, "
                "found none (set --env.deepmimic.data_root / alt_data_root)"
            )
        found.append((folder, item))
    return found


def _find_mesh(folder: str, pattern: str) -> str | None:
    """The terrain mesh in ``folder``: ``pattern`` is a file name or a glob matching at most one file."""
    if any(c in pattern for c in "*?["):
        hits = sorted(f for f in glob.glob(os.path.join(glob.escape(folder), pattern)) if os.path.isfile(f))
        if len(hits) > 1:
            raise ValueError(f"{folder}: terrain pattern {pattern!r} matches {len(hits)} files {hits}; expected one")
        return hits[0] if hits else None
    path = os.path.join(folder, pattern)
    return path if os.path.isfile(path) else None


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
        check_file_pattern(cfg.human_video_data_pattern, "deepmimic.human_video_data_pattern")
        check_file_pattern(cfg.human_video_terrain_pattern, "deepmimic.human_video_terrain_pattern")
        for folder, item in video_items(cfg):
            mesh = _find_mesh(folder, item.terrain_pattern)
            if mesh is None and not cfg.auto_flat_if_mesh_missing:
                origin = f" ({item.where})" if item.where else ""
                raise FileNotFoundError(
                    f"{folder}{origin}: terrain mesh {item.terrain_pattern!r} is missing "
                    "(or set --env.deepmimic.auto_flat_if_mesh_missing=True)"
                )
            for _ in range(max(1, cfg.human_video_oversample_factor)):
                clips.append(ClipSource(
                    os.path.basename(folder), folder, "video", mesh, 0, teacher=item.teacher,
                    data_pattern=item.data_pattern, terrain_pattern=item.terrain_pattern, fps_override=item.fps,
                ))
    if not clips:
        raise ValueError("no clips: enable deepmimic.use_amass and/or deepmimic.use_human_videos")
    return clips


def clip_teachers(clips: list[ClipSource]) -> tuple[list[str | None], list[int]]:
    """The distinct teachers of a clip list in first-appearance order, and each clip's index into that list.

    A clip without a teacher (motion capture, or a video clip its motion list names no teacher for) has the
    teacher ``None``: the default teacher, ``algorithm.policy_to_clone``.
    """
    teachers: list[str | None] = []
    index: list[int] = []
    for clip in clips:
        if clip.teacher not in teachers:
            teachers.append(clip.teacher)
        index.append(teachers.index(clip.teacher))
    return teachers, index
