"""Reading a motion list: the YAML file ``deepmimic.human_motion_source`` names.

A motion list names, for each human-video clip folder, the teacher run trained on it, so that a
multi-teacher DAgger student can route each environment to the teacher of the clip it tracks. The
file holds a list of mappings::

    - folder_path: /captures/megahunter_IMG_8044          # only the last component is matched
      teacher_checkpoint_run_name: 20250101_120000_stairs  # run folder under logs/g1_deepmimic (optional)
      human_video_data_pattern: retarget_poses_g1.h5        # optional, this default
      human_video_terrain_pattern: background_mesh.obj      # optional, this default
      default_data_fps_override: 30                         # optional: fps of a file that stores none

This module only parses and validates; ``motion_sources`` resolves the folders. Every error names the
file, the item index and the field, and says what was expected and what came.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from legged_gym.utils.yaml_files import load_yaml, short_repr


__all__ = ["MotionListItem", "is_motion_list_file", "read_motion_list"]

DEFAULT_DATA_PATTERN = "retarget_poses_g1.h5"
DEFAULT_TERRAIN_PATTERN = "background_mesh.obj"
_FIELDS = (
    "folder_path",
    "teacher_checkpoint_run_name",
    "human_video_data_pattern",
    "human_video_terrain_pattern",
    "default_data_fps_override",
)


@dataclass(frozen=True)
class MotionListItem:
    """One video clip of a motion list.

    Attributes:
        folder_path: the configured folder (its last path component is matched against folder names).
        teacher: teacher run name, or None (the default teacher).
        data_pattern: motion file name (or glob) inside the folder.
        terrain_pattern: terrain mesh file name (or glob) inside the folder.
        fps: frame rate for a motion file that stores none, or None (``deepmimic.default_data_fps``).
        where: ``"<file>: item <i>"`` for messages.
    """

    folder_path: str
    teacher: str | None
    data_pattern: str
    terrain_pattern: str
    fps: float | None
    where: str = ""


def is_motion_list_file(source: str) -> bool:
    """True when ``human_motion_source`` names a YAML file (``.yaml``/``.yml``) rather than one folder."""
    return source.lower().endswith((".yaml", ".yml"))


def _got(value: Any) -> str:
    return f"{type(value).__name__} {short_repr(value)}"


def check_file_pattern(pattern: str, where: str) -> None:
    """A file name (or glob) inside a clip folder: no folder part, no '..', not absolute."""
    if os.path.isabs(pattern) or "/" in pattern or "\\" in pattern or pattern in (".", ".."):
        raise ValueError(f"{where}: expected a file name (or glob) inside the clip folder, got {pattern!r}")


def _string(entry: dict[str, Any], name: str, where: str, default: str | None, hint: str = "") -> str | None:
    """A non-empty string field (``default`` when absent or null)."""
    value = entry.get(name)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: field '{name}': expected a non-empty string{hint}, got {_got(value)}")
    return value


def _fps(entry: dict[str, Any], where: str) -> float | None:
    value = entry.get("default_data_fps_override")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(
            f"{where}: field 'default_data_fps_override': expected a positive finite number of frames per second "
            f"(or no field), got {_got(value)}"
        )
    return float(value)


def _item(entry: Any, where: str) -> MotionListItem:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a mapping with a 'folder_path' field, got {_got(entry)}")
    unknown = [str(k) for k in entry if k not in _FIELDS]
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {unknown}; expected fields are {list(_FIELDS)}")
    if entry.get("folder_path") is None:
        raise ValueError(f"{where}: field 'folder_path': expected the clip folder (a non-empty string), got nothing")
    folder = _string(entry, "folder_path", where, None)
    assert folder is not None
    if not os.path.basename(os.path.normpath(folder)):
        raise ValueError(f"{where}: field 'folder_path': expected a path ending in a folder name, got {folder!r}")
    teacher = _string(entry, "teacher_checkpoint_run_name", where, None,
                      " (quote run names that YAML would read as a number)")
    data = _string(entry, "human_video_data_pattern", where, DEFAULT_DATA_PATTERN)
    terrain = _string(entry, "human_video_terrain_pattern", where, DEFAULT_TERRAIN_PATTERN)
    assert data is not None and terrain is not None
    for name, pattern in (("human_video_data_pattern", data), ("human_video_terrain_pattern", terrain)):
        check_file_pattern(pattern, f"{where}: field '{name}'")
    return MotionListItem(folder, teacher, data, terrain, _fps(entry, where), where)


def read_motion_list(path: str) -> list[MotionListItem]:
    """Parse and validate a motion list file (see the module docstring).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: not YAML, not a non-empty list, or an item with a missing, unknown or ill-typed field.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"deepmimic.human_motion_source: motion list {path!r} does not exist")
    data = load_yaml(path, "motion list")
    if not isinstance(data, list) or not data:
        raise ValueError(
            f"{path}: expected a non-empty list of items (mappings with 'folder_path', "
            f"'teacher_checkpoint_run_name', ...), got {_got(data)}"
        )
    return [_item(entry, f"{path}: item {i}") for i, entry in enumerate(data)]
