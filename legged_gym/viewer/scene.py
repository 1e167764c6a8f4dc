"""The viewer's 3-D scene: terrain, the robot of one environment, and the reference motion as target markers.

The robot is drawn from its own model file (:func:`legged_gym.sim.robot_info.robot_geoms`): one scene frame per
body, holding that body's geoms as meshes at their local poses; every update sets the frames to the body poses the
simulator reports (``env.sim.body_states``, world frame). The terrain is the environment's height field, in the same
world coordinates (a grid when the ground is a plane), so no per-environment offset is involved.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from legged_gym.sim.robot_info import robot_geoms
from legged_gym.viewer.geometry import geom_mesh, heightfield_mesh

__all__ = ["SceneView"]

REFERENCE_COLOR = (255, 140, 0)
TERRAIN_COLOR = (95, 110, 95)
ENVIRONMENT_LIGHT = 0.35  # the default image-based light washes dark colours out; software WebGL renders faster too
CAMERA_OFFSET = np.array([2.5, -2.5, 1.2])


def _rgb(rgba: np.ndarray) -> tuple[int, int, int]:
    return tuple(int(round(255 * float(c))) for c in rgba[:3])  # type: ignore[return-value]


class SceneView:
    """Draws environment ``env_id`` of ``env`` into a viser server's scene and keeps it up to date.

    Args:
        server: a ``viser.ViserServer``.
        env: a :class:`~legged_gym.envs.base.legged_robot.LeggedRobot` (tracking environments also get markers).
        env_id: the environment shown.
        geoms: ``"visual"`` or ``"collision"`` geoms of the robot.
    """

    def __init__(self, server: Any, env: Any, env_id: int = 0, geoms: str = "visual") -> None:
        if not 0 <= env_id < env.num_envs:
            raise ValueError(f"viser.env_id: expected an environment in [0, {env.num_envs}), got {env_id}")
        self.server, self.env, self.env_id = server, env, env_id
        self.marker_offset = np.zeros(3)
        self.follow = True
        server.scene.configure_environment_map(environment_intensity=ENVIRONMENT_LIGHT)
        server.scene.configure_default_lights(enabled=True, cast_shadow=False)
        self.terrain = self._add_terrain()
        self.body_names, self.body_frames = self._add_robot(geoms)
        self.markers = self._add_markers() if hasattr(env, "reference") else None

    # --- construction -----------------------------------------------------------------------------
    def _add_terrain(self) -> Any:
        hf = self.env.sim.terrain.heightfield
        # a 0.5 m ground grid, so motion can be judged (just above z = 0; a height field's raised parts cover it)
        self.grid = self.server.scene.add_grid("/grid", width=60.0, height=60.0, cell_size=0.5, position=(0, 0, 0.002))
        if hf is None:
            return self.server.scene.add_grid("/terrain", width=20.0, height=20.0, cell_size=0.5)
        vertices, faces = heightfield_mesh(hf)
        return self.server.scene.add_mesh_simple("/terrain", vertices, faces, color=TERRAIN_COLOR, side="double",
                                                 flat_shading=False, cast_shadow=False)

    def _add_robot(self, which: str) -> tuple[tuple[str, ...], list[Any]]:
        geoms = robot_geoms(self.env.sim.spec.robot_xml, which)
        names = tuple(b for b in self.env.sim.body_names if any(g.body == b for g in geoms))
        frames = [self.server.scene.add_frame(f"/robot/{b}", show_axes=False) for b in names]
        for i, g in enumerate(geoms):
            if g.type == "plane":
                continue
            vertices, faces = geom_mesh(g)
            opacity = float(g.rgba[3]) if g.rgba[3] < 1.0 else None
            self.server.scene.add_mesh_simple(f"/robot/{g.body}/geom_{i}", vertices, faces, color=_rgb(g.rgba),
                                              opacity=opacity, position=g.pos, wxyz=g.quat)
        return names, frames

    def _add_markers(self) -> Any:
        points = self._reference_points()
        return self.server.scene.add_point_cloud("/reference/links", points, colors=REFERENCE_COLOR, point_size=0.06,
                                                 point_shape="circle", precision="float32")

    # --- per step ---------------------------------------------------------------------------------
    def _reference_points(self) -> np.ndarray:
        pos = self.env.reference()["link_pos"][self.env_id].detach().cpu().numpy()
        return (pos + self.marker_offset).astype(np.float32)

    def robot_poses(self) -> tuple[np.ndarray, np.ndarray]:
        """World positions (B, 3) and wxyz quaternions (B, 4) of the drawn bodies of the shown environment."""
        states = self.env.sim.body_states(self.body_names, with_velocities=False)
        return (states.pos[self.env_id].detach().cpu().double().numpy(),
                states.quat[self.env_id].detach().cpu().double().numpy())

    def update(self) -> None:
        """Move the robot's bodies, the reference markers and (when following) every client's camera."""
        pos, quat = self.robot_poses()
        with self.server.atomic():
            for frame, p, q in zip(self.body_frames, pos, quat):
                frame.position = p
                frame.wxyz = q
            if self.markers is not None:
                self.markers.points = self._reference_points()
        if self.follow:
            self.look_at_robot()

    def look_at_robot(self, clients: Any = None) -> None:
        """Point the clients' cameras at the robot's root, keeping their offset from it (a default offset at first)."""
        root = self.env.root_pos_w[self.env_id].detach().cpu().double().numpy()
        for client in (clients if clients is not None else self.server.get_clients().values()):
            cam = client.camera
            offset = np.asarray(cam.position) - np.asarray(cam.look_at)
            if not np.isfinite(offset).all() or np.linalg.norm(offset) < 1e-3 or np.linalg.norm(offset) > 20.0:
                offset = CAMERA_OFFSET
            with client.atomic():  # viser moves look_at along with position: position first, then look_at
                cam.position = root + offset
                cam.look_at = root

    # --- display toggles --------------------------------------------------------------------------
    def set_visible(self, what: str, visible: bool) -> None:
        """Show or hide ``"robot"``, ``"terrain"`` or ``"reference"``."""
        if what == "robot":
            for frame in self.body_frames:
                frame.visible = visible
        elif what == "terrain":
            self.terrain.visible = visible
        elif what == "reference":
            if self.markers is not None:
                self.markers.visible = visible
        else:
            raise ValueError(f"set_visible: expected 'robot', 'terrain' or 'reference', got {what!r}")
