"""The motion-tracking terrain layout: every clip's terrain copied into a grid of rows, as one height field.

Layout (the seed's ``duplicate_mesh_grid_multi``, as a height field):

- There are ``n_rows x n_cols`` cells, ``n_cols`` = number of clips. Column ``col`` holds clip ``col``'s
  terrain in every row; rows only spread robots that replay the same clip.
- Cell spacing: ``W`` = largest x extent and ``D`` = largest y extent over all clip terrains, plus
  ``margin``, each rounded up to a whole number of ``resolution`` steps (the seed's 9 m terrains at
  0.025 or 0.05 m are whole already, so nothing changes there).
- Clip frame to world: ``p_world = p_clip + cell_offset(row, col)`` with
  ``cell_offset(row, col) = (col * W - s_x, row * D - s_y, 0)``, where ``s`` is the centre of the clip
  terrain's xy bounds rounded to a whole number of samples. For terrains centred at the origin (the
  seed's meshes) ``s = 0`` and this is the seed's ``(col * W, row * D, 0)``. A reference motion in the
  clip frame plus ``cell_offset`` therefore lands on its terrain, and every terrain sits centred
  (within half a sample) on its cell centre ``(col * W, row * D)``.
- Each clip terrain is sampled in its clip frame on the lattice ``k * resolution`` (meshes cast with
  :func:`mesh_to_heightfield`, height fields resampled when their grid is not on that lattice). Since
  offsets are whole samples too, world samples are exact copies of clip-frame samples.
- The height field covers every cell completely (and any terrain sample poking past its cell by up to
  half a sample): x from about ``-W/2`` to ``(n_cols - 1/2) * W``, y from ``-D/2`` to ``(n_rows - 1/2) * D``.
  Beyond it MuJoCo has no ground, as in the seed.
- Where two terrains share a boundary sample (``margin = 0``) the higher one wins, as a ray cast from
  above onto the seed's concatenated mesh would. Samples covered by no terrain (the margin, or a
  terrain smaller than its cell) take the lowest height of the terrain whose cell they lie in, so a
  robot that leaves its terrain steps down onto a floor, never up onto a wall.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

import numpy as np
import torch
import trimesh
from torch import Tensor

from legged_gym.sim.heightfield import HeightField, TerrainSampler
from legged_gym.terrain.mesh_loading import load_mesh
from legged_gym.terrain.mesh_to_heightfield import mesh_to_heightfield
from legged_gym.terrain.rough import MAX_TERRAIN_CELLS, check_cells

TerrainSource = Union[str, os.PathLike, trimesh.Trimesh, HeightField, None]
_LATTICE_TOL = 1e-6  # in samples: how far a coordinate may sit from the lattice and still count as on it


@dataclass
class ClipTerrain:
    """One clip's terrain in its clip frame, on the lattice ``k * resolution``.

    Attributes:
        heights: (nrow, ncol) float32 heights [m], rows along +y.
        index_origin: lattice indices (ix, iy) of ``heights[0, 0]``: it lies at ``index_origin * resolution``.
        bounds: ((xmin, ymin), (xmax, ymax)) of the source terrain in the clip frame [m].
        source: a description of where it came from (for error messages).
    """

    heights: np.ndarray
    index_origin: tuple[int, int]
    bounds: np.ndarray
    source: str

    def heightfield(self, resolution: float) -> HeightField:
        """This terrain as a :class:`HeightField` in the clip frame."""
        origin = (self.index_origin[0] * resolution, self.index_origin[1] * resolution)
        return HeightField(heights=self.heights, origin=origin, resolution=resolution)


class DeepMimicTerrain:
    """Clip terrains laid out in ``n_rows`` rows x one column per clip, composed into one height field.

    Args:
        terrains: one entry per clip: a mesh file path (obj/stl/ply), a ``trimesh.Trimesh``, a
            :class:`HeightField` (all in the clip frame), or None for flat ground of ``flat_size``.
            A repeated path (or the same object) is loaded and cast once.
        n_rows: copies of every clip terrain along y.
        resolution: height field spacing [m].
        margin: extra gap between cells [m] (the seed has none).
        flat_size: (x, y) extent of the flat terrain used for None entries [m], centred at the origin.
        max_height: surfaces above this z are ignored when casting meshes (see :func:`mesh_to_heightfield`).

    Raises:
        ValueError: for an empty terrain list, a bad ``n_rows``/``resolution``/``margin``, an entry of an
            unknown type, or a terrain smaller than one resolution step; mesh loading errors name the file.
        FileNotFoundError: for a mesh path that does not exist.
    """

    def __init__(
        self,
        terrains: Sequence[TerrainSource],
        n_rows: int = 1,
        resolution: float = 0.05,
        margin: float = 0.0,
        flat_size: tuple[float, float] = (9.0, 9.0),
        max_height: float | None = None,
        max_cells: int = MAX_TERRAIN_CELLS,
    ) -> None:
        if isinstance(terrains, (str, os.PathLike)) or len(terrains) == 0:
            raise ValueError(f"DeepMimicTerrain: expected a non-empty list of clip terrains, got {terrains!r}")
        if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)) or n_rows < 1:
            raise ValueError(f"DeepMimicTerrain: expected n_rows to be an integer >= 1, got {n_rows!r}")
        if not resolution > 0:
            raise ValueError(f"DeepMimicTerrain: expected a positive resolution [m], got {resolution!r}")
        if not margin >= 0:
            raise ValueError(f"DeepMimicTerrain: expected margin >= 0 [m], got {margin!r}")
        self.resolution = float(resolution)
        self.margin = float(margin)
        self._n_rows = int(n_rows)
        self._flat_size = (float(flat_size[0]), float(flat_size[1]))
        self._max_height = max_height
        self.max_cells = int(max_cells)

        cache: dict[object, ClipTerrain] = {}
        self.clips: list[ClipTerrain] = [self._resolve(t, i, cache) for i, t in enumerate(terrains)]
        self._offset_idx = self._layout()
        self._heightfield = self._compose()
        self._offsets = torch.as_tensor(self._offset_idx * self.resolution, dtype=torch.float32)
        self._offsets_by_device: dict[torch.device, Tensor] = {self._offsets.device: self._offsets}

    # --- public API ----------------------------------------------------------------------------------
    @property
    def heightfield(self) -> HeightField:
        """The composed world height field of the whole grid (what the simulator collides with)."""
        return self._heightfield

    @property
    def num_rows(self) -> int:
        """Rows of the grid (copies of each clip terrain)."""
        return self._n_rows

    @property
    def num_cols(self) -> int:
        """Columns of the grid (one per clip)."""
        return len(self.clips)

    @property
    def cell_size(self) -> tuple[float, float]:
        """Cell spacing (W, D) along x and y [m]."""
        return (float(self._cell_idx[0] * self.resolution), float(self._cell_idx[1] * self.resolution))

    @property
    def clip_bounds(self) -> Tensor:
        """(num_cols, 2, 2) xy bounds ((xmin, ymin), (xmax, ymax)) of each clip terrain in its clip frame [m]."""
        return torch.as_tensor(np.stack([c.bounds for c in self.clips]), dtype=torch.float32)

    @property
    def clip_extents(self) -> Tensor:
        """(num_cols, 2) x and y extent of each clip terrain [m]."""
        b = self.clip_bounds
        return b[:, 1] - b[:, 0]

    def clip_heightfield(self, col: int) -> HeightField:
        """Clip ``col``'s terrain as sampled, in its clip frame."""
        return self.clips[col].heightfield(self.resolution)

    def cell_offset(self, row: int, col: int) -> tuple[float, float, float]:
        """Translation (x, y, z) [m] from clip ``col``'s frame to the world frame in row ``row``."""
        self._check_index("row", row, self._n_rows)
        self._check_index("col", col, self.num_cols)
        off = self._offset_idx[row, col] * self.resolution
        return (float(off[0]), float(off[1]), float(off[2]))

    def env_offsets(self, clip_idx: Tensor, row_idx: Tensor) -> Tensor:
        """Clip-to-world translations (n, 3) [m] for environments replaying ``clip_idx`` (n,) in rows ``row_idx`` (n,).

        Raises:
            ValueError: when the index tensors are not integer tensors of the same shape.
            IndexError: for a clip or row index outside the grid.
        """
        if clip_idx.shape != row_idx.shape:
            raise ValueError(
                f"env_offsets: expected clip_idx and row_idx of the same shape, got {tuple(clip_idx.shape)} "
                f"and {tuple(row_idx.shape)}"
            )
        for name, idx, n in (("clip_idx", clip_idx, self.num_cols), ("row_idx", row_idx, self._n_rows)):
            if idx.dtype.is_floating_point or idx.dtype == torch.bool:
                raise ValueError(f"env_offsets: expected an integer tensor for {name}, got {idx.dtype}")
            if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= n):
                raise IndexError(
                    f"env_offsets: expected {name} in [0, {n - 1}], "
                    f"got values from {int(idx.min())} to {int(idx.max())}"
                )
        table = self._offsets_by_device.get(clip_idx.device)
        if table is None:
            table = self._offsets.to(clip_idx.device)
            self._offsets_by_device[clip_idx.device] = table
        return table[row_idx.long(), clip_idx.long()]

    def random_rows(
        self, n: int, generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> Tensor:
        """``n`` row indices drawn uniformly from ``0 .. num_rows - 1`` (on the generator's device by default)."""
        if device is None:
            device = generator.device if generator is not None else "cpu"
        return torch.randint(0, self._n_rows, (int(n),), generator=generator, device=device)

    def describe(self) -> str:
        """One line about the grid: rows, columns, cell size, height field shape and memory."""
        nrow, ncol = self._heightfield.heights.shape
        w, d = self.cell_size
        return (
            f"{self._n_rows} rows x {self.num_cols} clips of {w:.2f} x {d:.2f} m cells -> height field "
            f"{nrow} x {ncol} at {self.resolution} m ({self._heightfield.heights.nbytes / 2**20:.1f} MiB)"
        )

    # --- construction --------------------------------------------------------------------------------
    @staticmethod
    def _check_index(name: str, value: int, n: int) -> None:
        if not 0 <= value < n:
            raise IndexError(f"DeepMimicTerrain: expected {name} in [0, {n - 1}], got {value}")

    def _resolve(self, terrain: TerrainSource, i: int, cache: dict[object, ClipTerrain]) -> ClipTerrain:
        """Clip ``i``'s terrain on the clip-frame lattice (cached per path / object)."""
        if terrain is None:
            key: object = ("flat", self._flat_size)
        elif isinstance(terrain, (str, os.PathLike)):
            key = ("path", os.path.realpath(os.fspath(terrain)))
        elif isinstance(terrain, (trimesh.Trimesh, HeightField)):
            key = ("object", id(terrain))
        else:
            raise ValueError(
                f"DeepMimicTerrain: clip {i}: expected a mesh path, trimesh.Trimesh, HeightField or None, "
                f"got {type(terrain).__name__}"
            )
        if key not in cache:
            cache[key] = self._sample(terrain, i)
        return cache[key]

    def _sample(self, terrain: TerrainSource, i: int) -> ClipTerrain:
        res = self.resolution
        if terrain is None:
            half = np.array(self._flat_size) / 2
            bounds = np.stack([-half, half])
            lo, hi = self._lattice_range(bounds, f"flat terrain of clip {i}")
            shape = (int(hi[1] - lo[1] + 1), int(hi[0] - lo[0] + 1))
            return ClipTerrain(np.zeros(shape, np.float32), (int(lo[0]), int(lo[1])), bounds, "flat")
        if isinstance(terrain, HeightField):
            return self._from_heightfield(terrain, f"height field of clip {i}")
        source = os.fspath(terrain) if isinstance(terrain, (str, os.PathLike)) else f"mesh of clip {i}"
        mesh = load_mesh(terrain) if isinstance(terrain, (str, os.PathLike)) else terrain
        vertices = np.asarray(mesh.vertices, dtype=np.float64)
        if len(mesh.faces) == 0 or not np.isfinite(vertices).all():
            raise ValueError(f"DeepMimicTerrain: {source}: expected a mesh with finite vertices and at least one face")
        bounds = np.stack([vertices[:, :2].min(axis=0), vertices[:, :2].max(axis=0)])
        lo, hi = self._lattice_range(bounds, source)
        hf = mesh_to_heightfield(mesh, res, bounds=np.stack([lo * res, hi * res]), max_height=self._max_height)
        return ClipTerrain(hf.heights, (int(lo[0]), int(lo[1])), bounds, source)

    def _lattice_range(self, bounds: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
        """First and last lattice indices (x, y) inside ``bounds``."""
        lo = np.ceil(bounds[0] / self.resolution - _LATTICE_TOL).astype(np.int64)
        hi = np.floor(bounds[1] / self.resolution + _LATTICE_TOL).astype(np.int64)
        if (hi - lo < 1).any():
            raise ValueError(
                f"DeepMimicTerrain: {source}: expected an xy extent of at least one resolution step "
                f"({self.resolution} m), got bounds {np.round(bounds, 6).tolist()}"
            )
        check_cells(int(hi[1] - lo[1] + 1), int(hi[0] - lo[0] + 1), self.resolution, source, self.max_cells)
        return lo, hi

    def _from_heightfield(self, hf: HeightField, source: str) -> ClipTerrain:
        """Use ``hf`` as is when it lies on the lattice, otherwise resample its surface onto it."""
        res = self.resolution
        origin = np.asarray(hf.origin, dtype=np.float64)
        bounds = np.stack([origin, origin + np.asarray(hf.size_xy)])
        g = origin / res
        on_lattice = abs(hf.resolution - res) <= 1e-9 * res and bool((np.abs(g - np.round(g)) < _LATTICE_TOL).all())
        if on_lattice:
            ix, iy = np.round(g).astype(np.int64).tolist()
            return ClipTerrain(hf.heights.copy(), (ix, iy), bounds, source)
        lo, hi = self._lattice_range(bounds, source)
        xs = np.arange(lo[0], hi[0] + 1) * res
        ys = np.arange(lo[1], hi[1] + 1) * res
        xy = np.stack(np.meshgrid(xs, ys), axis=-1)
        heights = TerrainSampler(hf).height_at(torch.as_tensor(xy, dtype=torch.float64)).numpy()
        return ClipTerrain(heights.astype(np.float32), (int(lo[0]), int(lo[1])), bounds, source)

    def _layout(self) -> np.ndarray:
        """Integer lattice offsets (n_rows, n_cols, 3) of every cell; sets the cell size in samples."""
        res = self.resolution
        extents = np.stack([c.bounds[1] - c.bounds[0] for c in self.clips]).max(axis=0) + self.margin
        self._cell_idx = np.maximum(np.ceil(extents / res - _LATTICE_TOL).astype(np.int64), 1)
        centres = np.stack([np.round((c.bounds[0] + c.bounds[1]) / 2 / res) for c in self.clips]).astype(np.int64)
        rows = np.arange(self._n_rows)[:, None]
        cols = np.arange(self.num_cols)[None, :]
        off = np.zeros((self._n_rows, self.num_cols, 3), np.int64)
        off[..., 0] = cols * self._cell_idx[0] - centres[None, :, 0]
        off[..., 1] = rows * self._cell_idx[1] - centres[None, :, 1]
        return off

    def _compose(self) -> HeightField:
        """Paste every cell into one world grid (higher sample wins), then fill samples no terrain covers."""
        starts = np.array([[c.index_origin[0], c.index_origin[1]] for c in self.clips])  # (C, 2) x, y
        sizes = np.array([[c.heights.shape[1], c.heights.shape[0]] for c in self.clips])
        first = starts[None] + self._offset_idx[..., :2]  # (R, C, 2)
        last = first + sizes[None] - 1
        cell = self._cell_idx
        counts = np.array([self.num_cols, self._n_rows])
        cells_lo = np.floor(-cell / 2).astype(np.int64)
        cells_hi = (counts - 1) * cell + np.ceil(cell / 2).astype(np.int64)
        g0 = np.minimum(first.reshape(-1, 2).min(axis=0), cells_lo)
        g1 = np.maximum(last.reshape(-1, 2).max(axis=0), cells_hi)
        ncol, nrow = (g1 - g0 + 1).tolist()
        check_cells(nrow, ncol, self.resolution, "the clips' terrain grid (all clips and rows)", 4 * self.max_cells)
        grid = np.full((nrow, ncol), np.nan, np.float32)
        for row in range(self._n_rows):
            for col, clip in enumerate(self.clips):
                x0, y0 = (first[row, col] - g0).tolist()
                h, w = clip.heights.shape
                block = grid[y0 : y0 + h, x0 : x0 + w]
                np.fmax(block, clip.heights, out=block)
        gaps = np.isnan(grid)
        if gaps.any():
            col_min = np.array([float(c.heights.min()) for c in self.clips], np.float32)
            x = (g0[0] + np.arange(ncol)) * self.resolution
            nearest_col = np.clip(np.round(x / self.cell_size[0]).astype(np.int64), 0, self.num_cols - 1)
            grid = np.where(gaps, col_min[nearest_col][None, :], grid)
        origin = (float(g0[0] * self.resolution), float(g0[1] * self.resolution))
        return HeightField(heights=grid, origin=origin, resolution=self.resolution)
