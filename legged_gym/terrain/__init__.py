"""Terrain for motion tracking: mesh loading, mesh-to-height-field casting, rough terrains and the clip grid.

Everything here produces :class:`legged_gym.sim.heightfield.HeightField` grids; the simulator backend
turns them into engine terrain (this package never imports a physics engine).
"""

from legged_gym.terrain.deepmimic_terrain import DeepMimicTerrain
from legged_gym.terrain.mesh_loading import load_mesh
from legged_gym.terrain.mesh_to_heightfield import mesh_to_heightfield
from legged_gym.terrain.rough import flat_terrain, make_amass_rough_terrain

__all__ = ["DeepMimicTerrain", "flat_terrain", "load_mesh", "make_amass_rough_terrain", "mesh_to_heightfield"]
