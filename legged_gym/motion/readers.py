"""Motion-file readers, one per format (in :mod:`legged_gym.motion.formats`), and :func:`load_motion`.

| reader | input | quaternions on disk |
|---|---|---|
| :func:`read_seed_pickle` | seed ``.pkl`` dict | xyzw |
| :func:`read_human_video_folder` | folder with ``retarget_poses_g1.h5`` (+ ``background_mesh.obj``) | xyzw |
| :func:`read_unitree_csv` | 36-column Unitree LAFAN ``.csv`` | xyzw |
| :func:`read_mjlab_npz` | BeyondMimic / mjlab ``.npz`` | wxyz |

All return a validated :class:`~legged_gym.motion.clip.MotionClip` (wxyz) or raise
:class:`~legged_gym.motion.clip.MotionFormatError` naming the file.
"""

from __future__ import annotations

import os

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.motion.clip import MotionClip
from legged_gym.motion.formats.human_video import read_human_video_folder
from legged_gym.motion.formats.mjlab_npz import read_mjlab_npz
from legged_gym.motion.formats.seed_pickle import read_seed_pickle
from legged_gym.motion.formats.unitree_csv import read_unitree_csv
from legged_gym.motion.limits import limited_arrays

DEFAULT_ROBOT_XML = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")
LAFAN_CSV_FPS = 30.0

_EXTENSIONS = {
    ".pkl": "seed pickle",
    ".pickle": "seed pickle",
    ".h5": "human-video h5",
    ".hdf5": "human-video h5",
    ".csv": "Unitree CSV",
    ".npz": "mjlab/BeyondMimic npz",
}


def load_motion(
    path: str | os.PathLike,
    robot_xml: str | None = None,
    default_fps: float | None = None,
    data_pattern: str = "retarget_poses_g1.h5",
    terrain_pattern: str = "background_mesh.obj",
    csv_fps: float = LAFAN_CSV_FPS,
    max_array_bytes: int | None = None,
    **kw: object,
) -> MotionClip:
    """Read a clip, choosing the reader by what ``path`` is; options that do not apply to a format are ignored.

    * a folder: :func:`read_human_video_folder` with ``data_pattern``/``terrain_pattern``;
    * ``.h5``/``.hdf5``: the same, with that file as the data file and the mesh looked up beside it;
    * ``.pkl``/``.pickle``: :func:`read_seed_pickle`;
    * ``.csv``: :func:`read_unitree_csv` at ``csv_fps``; ``.npz``: :func:`read_mjlab_npz`.

    Args:
        path: file or clip folder.
        robot_xml: robot model for forward kinematics: required by CSV and npz (default: the project's G1,
            :data:`DEFAULT_ROBOT_XML`), used by h5 folders without a contact estimate, ignored for pickles.
        default_fps: rate [Hz] of pickles and h5 files that store none (None: such a file is an error).
            Not applied to CSVs: those never store a rate, and the seed's habit of giving them the control rate
            plays a 30 fps LAFAN clip 1.67 times too fast.
        data_pattern, terrain_pattern: file names (or globs) inside a human-video folder.
        csv_fps: rate [Hz] of CSV files (30: Unitree's LAFAN set).
        max_array_bytes: what one array of the file may take once read (None: 1 GiB); checked before allocating.
        **kw: further reader options (``required_joints``, ``required_links``, ``check_quat_order``, and the
            format-specific ones such as ``default_order`` for npz), passed unchanged.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: an extension no reader handles (the message lists the supported ones).
        MotionFormatError: from the reader.
    """
    with limited_arrays(max_array_bytes):
        return _load_motion(os.fspath(path), robot_xml, default_fps, data_pattern, terrain_pattern, csv_fps, **kw)


def _load_motion(path: str, robot_xml: str | None, default_fps: float | None, data_pattern: str, terrain_pattern: str,
                 csv_fps: float, **kw: object) -> MotionClip:
    video = dict(terrain_pattern=terrain_pattern, fps=default_fps, robot_xml=robot_xml)
    if os.path.isdir(path):
        return read_human_video_folder(path, data_pattern=data_pattern, **video, **kw)  # type: ignore[arg-type]
    if not os.path.exists(path):
        raise FileNotFoundError(f"motion file not found: {path}")
    ext = os.path.splitext(path)[1].lower()
    if ext in (".h5", ".hdf5"):
        folder = os.path.dirname(path) or "."
        data_file = os.path.basename(path)
        return read_human_video_folder(folder, data_pattern=data_file, **video, **kw)  # type: ignore[arg-type]
    if ext in (".pkl", ".pickle"):
        return read_seed_pickle(path, fps=default_fps, **kw)  # type: ignore[arg-type]
    xml = robot_xml if robot_xml is not None else DEFAULT_ROBOT_XML
    if ext == ".csv":
        return read_unitree_csv(path, xml, fps=csv_fps, **kw)  # type: ignore[arg-type]
    if ext == ".npz":
        return read_mjlab_npz(path, xml, **kw)  # type: ignore[arg-type]
    supported = ", ".join(f"{e} ({d})" for e, d in _EXTENSIONS.items())
    raise ValueError(f"{path}: no reader for extension '{ext}'; supported: a clip folder, {supported}")


__all__ = [
    "DEFAULT_ROBOT_XML",
    "load_motion",
    "read_human_video_folder",
    "read_mjlab_npz",
    "read_seed_pickle",
    "read_unitree_csv",
]
