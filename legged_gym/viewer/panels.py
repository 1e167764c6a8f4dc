"""The viewer's GUI panels. Every control queues its command on the :class:`~legged_gym.viewer.controller.ViserPlayer`
(``player.submit``), which runs it between two control steps.

Folders: Simulation (play, step, reset, status), Policy (checkpoint dropdown, refresh, export), Motion (clip,
start frame, kinematic replay; tracking tasks), Randomisation (pushes, torque noise, PD gain randomisation), Manual
control (the student's root targets, or velocity commands), Display (what is drawn, camera), Plots.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

__all__ = ["ViewerPanels"]

# Manual control ranges: tracking root targets follow the seed's joystick mapping (0.5 m, 0.3 rad at full stick).
ROOT_TARGET_LIMITS = (0.5, 0.5, 0.3)


class ViewerPanels:
    """Builds the GUI of ``player`` on ``server`` and keeps the handles (tests drive them like a person would)."""

    def __init__(self, server: Any, player: Any) -> None:
        self.server, self.player = server, player
        self._quiet = False
        gui = server.gui
        env = player.env
        with gui.add_folder("Simulation"):
            self.play = gui.add_checkbox("Play", initial_value=player.playing)
            self.step = gui.add_button("Step", hint="play one control step (while paused)")
            self.reset = gui.add_button("Reset")
            self.speed = gui.add_slider("Playback speed", 0.1, 4.0, 0.1, 1.0, hint="x real time (when the machine keeps up)")
            n = int(player.env.num_envs)
            self.env_choice = gui.add_slider("Environment", 0, max(n - 1, 1), 1, player.env_id, visible=n > 1,
                                             hint="the environment shown, plotted and followed")
            self.status = gui.add_markdown("")
        with gui.add_folder("Policy"):
            labels = list(player.catalog.paths)
            current = player.catalog.label(player.checkpoint)
            self.checkpoint = gui.add_dropdown("Checkpoint", labels or [current], initial_value=current)
            self.refresh = gui.add_button("Refresh checkpoints")
            self.export = gui.add_button("Export", hint="TorchScript, ONNX and policy.json into <run dir>/exported/")
        self.clip = self.start_frame = self.replay = None
        if player.tracking:
            with gui.add_folder("Motion"):
                names = list(env.replay.clip_names)
                self.clip = gui.add_dropdown("Clip", names, initial_value=names[0])
                self.start_frame = gui.add_slider("Start frame", 0, max(1, int(env.replay.clip_length[0]) - 2), 1, 0)
                self.replay = gui.add_checkbox("Kinematic replay", initial_value=bool(env.cfg.deepmimic.viz_replay),
                                               hint="teleport the robot along the reference every step")
        dr = env.cfg.domain_rand
        with gui.add_folder("Randomisation", expand_by_default=False):
            self.push = gui.add_checkbox("Pushes", initial_value=bool(dr.push_robots))
            self.push_xy = gui.add_slider("Push xy [m/s]", 0.0, 2.0, 0.05, float(dr.max_push_vel_xy))
            self.push_z = gui.add_slider("Push z [m/s]", 0.0, 1.0, 0.05, float(dr.max_push_vel_z))
            self.push_interval = gui.add_slider("Push every [s]", 0.5, 15.0, 0.5,
                                                min(15.0, max(0.5, float(dr.max_push_vel_interval))))
            self.torque = gui.add_checkbox("Torque noise", initial_value=bool(dr.torque_rfi_rand))
            self.torque_scale = gui.add_slider("Torque noise x effort", 0.0, 0.3, 0.01, float(dr.torque_rfi_rand_scale))
            self.kp = gui.add_checkbox("Kp randomisation", initial_value=bool(dr.p_gain_rand))
            self.kp_scale = gui.add_slider("Kp spread", 0.0, 0.5, 0.01, float(dr.p_gain_rand_scale))
            self.kd = gui.add_checkbox("Kd randomisation", initial_value=bool(dr.d_gain_rand))
            self.kd_scale = gui.add_slider("Kd spread", 0.0, 0.5, 0.01, float(dr.d_gain_rand_scale))
        with gui.add_folder("Manual control", expand_by_default=False):
            self.manual = gui.add_checkbox("Manual root targets" if player.tracking else "Manual commands",
                                           initial_value=False)
            self.manual_axes = self._manual_sliders(env)
        with gui.add_folder("Display", expand_by_default=False):
            self.show_robot = gui.add_checkbox("Robot", initial_value=True)
            self.show_terrain = gui.add_checkbox("Terrain", initial_value=True)
            # off at first: the markers sit on the robot's own links and hide it while it tracks well
            self.show_reference = gui.add_checkbox("Reference markers", initial_value=False, visible=player.tracking)
            self.marker_offset = gui.add_slider("Markers offset y [m]", -2.0, 2.0, 0.05, 0.0, visible=player.tracking)
            self.follow = gui.add_checkbox("Camera follows robot", initial_value=True)
        self.plots_folder = gui.add_folder("Plots", expand_by_default=True)
        self._connect()

    def _manual_sliders(self, env: Any) -> list[Any]:
        gui = self.server.gui
        if self.player.tracking:
            lx, ly, lyaw = ROOT_TARGET_LIMITS
            return [gui.add_slider("Target dx [m]", -lx, lx, 0.01, 0.0), gui.add_slider("Target dy [m]", -ly, ly, 0.01, 0.0),
                    gui.add_slider("Target dyaw [rad]", -lyaw, lyaw, 0.01, 0.0)]
        r = env.cfg.commands.ranges
        bound = lambda lo_hi: max(abs(float(lo_hi[0])), abs(float(lo_hi[1])), 0.1)  # noqa: E731
        return [gui.add_slider("vx [m/s]", -bound(r.lin_vel_x), bound(r.lin_vel_x), 0.05, 0.0),
                gui.add_slider("vy [m/s]", -bound(r.lin_vel_y), bound(r.lin_vel_y), 0.05, 0.0),
                gui.add_slider("yaw rate [rad/s]", -bound(r.ang_vel_yaw), bound(r.ang_vel_yaw), 0.05, 0.0)]

    # --- callbacks --------------------------------------------------------------------------------
    def _on(self, handle: Any, fn: Any) -> None:
        """Run ``fn()`` in the play loop whenever ``handle`` changes (not for programmatic refreshes)."""

        def callback(_: Any) -> None:
            if not self._quiet:
                self.player.submit(fn)

        (handle.on_click if hasattr(handle, "on_click") else handle.on_update)(callback)

    def _connect(self) -> None:
        p = self.player
        self.play.on_update(lambda _: setattr(p, "playing", bool(self.play.value)))
        self._on(self.step, p.request_step)
        self._on(self.reset, p.reset)
        self._on(self.speed, lambda: p.set_speed(float(self.speed.value)))
        self._on(self.env_choice, lambda: p.select_env(int(self.env_choice.value)))
        self._on(self.checkpoint, lambda: p.load_checkpoint(self.checkpoint.value))
        self._on(self.refresh, p.refresh_checkpoints)
        self._on(self.export, p.export)
        if p.tracking:
            self._on(self.clip, lambda: p.select_clip(self.clip.value))
            self._on(self.start_frame, lambda: p.set_start_frame(int(self.start_frame.value)))
            self._on(self.replay, lambda: p.set_kinematic_replay(bool(self.replay.value)))
        for h in (self.push, self.push_xy, self.push_z, self.push_interval):
            self._on(h, lambda: p.set_pushes(self.push.value, self.push_xy.value, self.push_z.value,
                                             self.push_interval.value))
        for h in (self.torque, self.torque_scale):
            self._on(h, lambda: p.set_torque_noise(self.torque.value, self.torque_scale.value))
        for h in (self.kp, self.kp_scale, self.kd, self.kd_scale):
            self._on(h, lambda: p.set_gain_randomisation(self.kp.value, self.kp_scale.value, self.kd.value,
                                                         self.kd_scale.value))
        for h in (self.manual, *self.manual_axes):
            self._on(h, lambda: p.set_manual(self.manual.value, tuple(float(a.value) for a in self.manual_axes)))
        scene = p.scene
        self._on(self.show_robot, lambda: scene.set_visible("robot", self.show_robot.value))
        self._on(self.show_terrain, lambda: scene.set_visible("terrain", self.show_terrain.value))
        self._on(self.show_reference, lambda: scene.set_visible("reference", self.show_reference.value))
        self._on(self.marker_offset, lambda: setattr(scene, "marker_offset", [0.0, self.marker_offset.value, 0.0]))
        self._on(self.follow, lambda: setattr(scene, "follow", bool(self.follow.value)))

    # --- programmatic refreshes (no callbacks) ----------------------------------------------------
    @contextmanager
    def quiet(self):  # noqa: ANN201 - context manager
        """Change handles without queuing their commands."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def set_checkpoints(self, labels: list[str], current: str) -> None:
        """New dropdown options, showing ``current``."""
        with self.quiet():
            self.checkpoint.options = labels or [current]
            self.checkpoint.value = current if current in self.checkpoint.options else self.checkpoint.options[0]

    def set_start_frame_range(self, last: int) -> None:
        """Start-frame slider range 0..``last`` (the value is clamped into it)."""
        with self.quiet():
            self.start_frame.max = max(1, last)
            if self.start_frame.value > self.start_frame.max:
                self.start_frame.value = self.start_frame.max

    def show_status(self, text: str) -> None:
        """The status line under the simulation controls."""
        self.status.content = text
