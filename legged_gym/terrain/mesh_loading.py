"""Reading terrain meshes (OBJ, STL, PLY) from disk into one triangle mesh with float64 vertices."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import trimesh

SUPPORTED_SUFFIXES = (".obj", ".stl", ".ply")


def load_mesh(path: str | os.PathLike) -> trimesh.Trimesh:
    """Load a terrain mesh file as a single triangle mesh.

    A file holding several objects (a trimesh ``Scene``) is flattened with each object's transform
    applied and concatenated into one mesh. Vertices are not merged or reordered (``process=False``),
    so vertex indices match the file.

    Args:
        path: an ``.obj``, ``.stl`` or ``.ply`` file.

    Returns:
        The mesh, with float64 ``vertices`` (V, 3) and integer ``faces`` (F, 3).

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        ValueError: when the suffix is not supported, the file cannot be parsed, it holds no triangles,
            or a vertex is NaN or infinite. Every message names the file.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"terrain mesh {str(p)!r}: expected an existing mesh file, found no such file")
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(
            f"terrain mesh {str(p)!r}: expected one of {', '.join(SUPPORTED_SUFFIXES)}, got suffix {suffix!r}"
        )
    try:
        loaded = trimesh.load(str(p), file_type=suffix[1:], process=False)
    except Exception as err:  # trimesh raises many types for malformed files
        raise ValueError(f"terrain mesh {str(p)!r}: could not be read as {suffix[1:]}: {err}") from err

    mesh = _as_single_mesh(loaded, p)
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if len(faces) == 0 or len(vertices) == 0:
        raise ValueError(
            f"terrain mesh {str(p)!r}: expected at least one triangle, got {len(vertices)} vertices "
            f"and {len(faces)} faces"
        )
    if not np.isfinite(vertices).all():
        bad = int((~np.isfinite(vertices).all(axis=1)).sum())
        raise ValueError(f"terrain mesh {str(p)!r}: expected finite vertex coordinates, got {bad} NaN/inf vertices")
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False)


def _as_single_mesh(loaded: object, path: Path) -> trimesh.Trimesh:
    """Turn what ``trimesh.load`` returned into one ``Trimesh`` (scenes concatenated)."""
    if isinstance(loaded, trimesh.Scene):
        meshes = [g for g in loaded.dump() if isinstance(g, trimesh.Trimesh)]
        if not meshes:
            kinds = sorted({type(g).__name__ for g in loaded.geometry.values()})
            found = f"only {', '.join(kinds)}" if kinds else "no geometry (an empty or unreadable file)"
            raise ValueError(f"terrain mesh {str(path)!r}: expected at least one triangle, found {found}")
        return meshes[0] if len(meshes) == 1 else trimesh.util.concatenate(meshes)
    if isinstance(loaded, trimesh.Trimesh):
        return loaded
    raise ValueError(
        f"terrain mesh {str(path)!r}: expected at least one triangle, found only {type(loaded).__name__}"
    )
