"""The canonical in-memory motion clip every reader produces, and the error every reader raises.

Conventions inside the project: quaternions are (w, x, y, z); positions are metres in the clip's world frame
with z up; joint angles are radians. Readers convert other conventions at the file boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONTACT_NAMES = ("left_foot", "right_foot")
QUAT_NORM_TOL = 1e-3
MIN_FPS = 1.0
MAX_FPS = 1000.0
MAX_JOINT_ANGLE = 4 * np.pi  # [rad] beyond two full turns a hinge angle is a unit or data error


class MotionFormatError(ValueError):
    """A motion file (or an in-memory clip) does not have the expected content.

    The message names the file, the field, what was expected and what was found.
    """

    def __init__(self, source: str, field_name: str, expected: str, got: str) -> None:
        self.source = source
        self.field_name = field_name
        self.expected = expected
        self.got = got
        super().__init__(f"{source}: field '{field_name}': expected {expected}, got {got}")


@dataclass
class MotionClip:
    """One reference motion, in the project's conventions.

    Attributes:
        name: clip name (usually the file or folder stem).
        source: path of the file or folder the clip was read from.
        fps: frame rate [Hz]; frame i is at time i / fps.
        joint_names: full joint names (with the ``_joint`` suffix), one per column of ``joints``.
        joints: (T, J) joint angles [rad].
        root_pos: (T, 3) pelvis origin [m], world frame, z up.
        root_quat: (T, 4) pelvis orientation, world frame, wxyz.
        link_names: body names, one per entry of the link axis.
        link_pos: (T, L, 3) body origins [m], world frame.
        link_quat: (T, L, 4) body orientations, world frame, wxyz.
        contacts: {"left_foot", "right_foot"} -> (T,) bool foot-contact flags.
        terrain_path: terrain mesh that shares the clip's world frame (human-video clips), else None.
        contact_source: "file" when the contacts were stored in the file, "derived" when computed from
            kinematics (see :mod:`legged_gym.motion.contacts`).

    Arrays are converted on construction: floats to float32, contacts to bool.
    """

    name: str
    source: str
    fps: float
    joint_names: list[str]
    joints: np.ndarray
    root_pos: np.ndarray
    root_quat: np.ndarray
    link_names: list[str]
    link_pos: np.ndarray
    link_quat: np.ndarray
    contacts: dict[str, np.ndarray]
    terrain_path: str | None = None
    contact_source: str = "file"

    def __post_init__(self) -> None:
        self.fps = float(self.fps)
        self.joint_names = [str(n) for n in self.joint_names]
        self.link_names = [str(n) for n in self.link_names]
        for name in ("joints", "root_pos", "root_quat", "link_pos", "link_quat"):
            raw = np.asarray(getattr(self, name))
            if raw.dtype.kind not in "fiu":  # complex, datetime, structured, object, strings, booleans
                raise MotionFormatError(self.source or self.name, name, "real numbers (a float or integer array)",
                                        f"dtype {raw.dtype}")
            setattr(self, name, raw.astype(np.float32))
        self.contacts = {str(k): np.asarray(v).astype(bool) for k, v in self.contacts.items()}

    @property
    def num_frames(self) -> int:
        """Number of frames T."""
        return int(self.root_pos.shape[0])

    @property
    def duration(self) -> float:
        """Time of the last frame, (T - 1) / fps [s]."""
        return (self.num_frames - 1) / self.fps

    def validate(self) -> MotionClip:
        """Check shapes, finiteness, unit quaternions, contacts and fps; return ``self``.

        Raises:
            MotionFormatError: naming ``source``, the field, what was expected and what was found.
        """
        src = self.source or self.name
        check_fps(src, self.fps)
        t = self.num_frames
        if self.root_pos.ndim != 2 or self.root_pos.shape[1] != 3 or t < 1:
            raise MotionFormatError(src, "root_pos", "shape (T>=1, 3)", f"shape {self.root_pos.shape}")
        j, n_links = len(self.joint_names), len(self.link_names)
        expected = {
            "joints": (t, j),
            "root_quat": (t, 4),
            "link_pos": (t, n_links, 3),
            "link_quat": (t, n_links, 4),
        }
        for name, shape in expected.items():
            arr = getattr(self, name)
            if arr.shape != shape:
                raise MotionFormatError(src, name, f"shape {shape}", f"shape {arr.shape}")
        if len(set(self.joint_names)) != j:
            raise MotionFormatError(src, "joint_names", "unique names", f"duplicates in {self.joint_names}")
        if len(set(self.link_names)) != n_links:
            raise MotionFormatError(src, "link_names", "unique names", f"duplicates in {self.link_names}")
        for name in ("joints", "root_pos", "root_quat", "link_pos", "link_quat"):
            check_finite(src, name, getattr(self, name))
        if j and t and np.abs(self.joints).max() > MAX_JOINT_ANGLE:
            frame, col = (int(i) for i in np.argwhere(np.abs(self.joints) > MAX_JOINT_ANGLE)[0])
            raise MotionFormatError(src, f"joints/{self.joint_names[col]}",
                                    f"angles within +-{MAX_JOINT_ANGLE:.2f} rad (two turns)",
                                    f"{float(self.joints[frame, col]):.6g} rad at frame {frame}")
        check_unit_quat(src, "root_quat", self.root_quat)
        if n_links:
            check_unit_quat(src, "link_quat", self.link_quat)
        for name in CONTACT_NAMES:
            if name not in self.contacts:
                raise MotionFormatError(src, "contacts", f"keys {list(CONTACT_NAMES)}", f"keys {sorted(self.contacts)}")
            if self.contacts[name].shape != (t,):
                raise MotionFormatError(src, f"contacts/{name}", f"shape ({t},)", f"shape {self.contacts[name].shape}")
        return self


def check_fps(source: str, fps: object) -> float:
    """Return ``fps`` as a float if it is a plausible frame rate in [1, 1000] Hz, else raise MotionFormatError."""
    try:
        value = float(np.ravel(np.asarray(fps, dtype=np.float64))[0]) if fps is not None else None
    except (TypeError, ValueError, IndexError):
        value = None
    if value is None or not np.isfinite(value) or value < MIN_FPS or value > MAX_FPS:
        raise MotionFormatError(source, "fps", f"a frame rate in [{MIN_FPS:g}, {MAX_FPS:g}] Hz", repr(fps))
    return value


def check_finite(source: str, field_name: str, arr: np.ndarray) -> None:
    """Raise MotionFormatError if ``arr`` holds NaN or inf, naming the first bad index."""
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise MotionFormatError(source, field_name, "finite values", f"{int(bad.sum())} non-finite, first at {first}")


def check_unit_quat(source: str, field_name: str, quat: np.ndarray, tol: float = QUAT_NORM_TOL) -> None:
    """Raise MotionFormatError unless every (..., 4) quaternion has norm 1 within ``tol``."""
    err = np.abs(np.linalg.norm(quat.astype(np.float64), axis=-1) - 1.0)
    if err.size and err.max() > tol:
        first = tuple(int(i) for i in np.argwhere(err > tol)[0])
        raise MotionFormatError(
            source, field_name, f"unit quaternions (|q| - 1 within {tol:g})",
            f"{int((err > tol).sum())} off by up to {err.max():.3g}, first at {first}",
        )


def canonical_joint_name(name: str) -> str:
    """Full joint name with the ``_joint`` suffix (names are stored either way in the wild)."""
    name = str(name)
    return name if name.endswith("_joint") else name + "_joint"


def canonical_link_name(name: str) -> str:
    """Body name without a mesh-file ``.STL`` suffix (human-video and seed files keep it)."""
    name = str(name)
    for suffix in (".STL", ".stl"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def select_columns(source: str, field_name: str, have: list[str], want: list[str]) -> np.ndarray:
    """Indices into ``have`` of every name in ``want``; MotionFormatError listing the missing names otherwise."""
    index = {n: i for i, n in enumerate(have)}
    missing = [n for n in want if n not in index]
    if missing:
        raise MotionFormatError(source, field_name, f"names including {missing}", f"names {have}")
    return np.array([index[n] for n in want], dtype=np.int64)
