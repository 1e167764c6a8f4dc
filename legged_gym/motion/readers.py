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

DEFAULT_ROBOT_XML = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")

_EXTENSIONS = {
    ".pkl": "seed pickle",
    ".pickle": "seed pickle",
    ".h5": "human-video h5",
    ".hdf5": "human-video h5",
    ".csv": "Unitree CSV",
    ".npz": "mjlab/BeyondMimic npz",
}


def load_motion(path: str | os.PathLike, **kw: object) -> MotionClip:
    """Read a clip, choosing the reader by what ``path`` is.

    * a folder: :func:`read_human_video_folder` (``data_pattern``/``terrain_pattern`` via ``kw``);
    * ``.h5``/``.hdf5``: the same, with that file as the data file and the mesh looked up beside it;
    * ``.pkl``/``.pickle``: :func:`read_seed_pickle`;
    * ``.csv``: :func:`read_unitree_csv`; ``.npz``: :func:`read_mjlab_npz`. For these two ``robot_xml``
      defaults to the project's G1 model (:data:`DEFAULT_ROBOT_XML`).

    Other keyword arguments go to the reader unchanged.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: an extension no reader handles (the message lists the supported ones).
        MotionFormatError: from the reader.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        return read_human_video_folder(path, **kw)  # type: ignore[arg-type]
    if not os.path.exists(path):
        raise FileNotFoundError(f"motion file not found: {path}")
    ext = os.path.splitext(path)[1].lower()
    if ext in (".h5", ".hdf5"):
        return read_human_video_folder(os.path.dirname(path) or ".", data_pattern=os.path.basename(path), **kw)  # type: ignore[arg-type]
    if ext in (".pkl", ".pickle"):
        return read_seed_pickle(path, **kw)  # type: ignore[arg-type]
    if ext in (".csv", ".npz"):
        kw.setdefault("robot_xml", DEFAULT_ROBOT_XML)
        reader = read_unitree_csv if ext == ".csv" else read_mjlab_npz
        return reader(path, **kw)  # type: ignore[arg-type]
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
