"""The viewer's play loop: :class:`ViserPlayer` steps one environment in real time and serves a viser page.

GUI callbacks run on viser's threads; they never touch the environment. They queue commands with
:meth:`ViserPlayer.submit`, and :meth:`ViserPlayer.tick` runs the queued commands between two control steps, then
steps the environment (when playing, or once per pressed Step) and refreshes the scene and the plots. While paused
the loop keeps ticking at the control rate, so the page stays responsive.

Tracking environments start every episode at the clip and start frame chosen in the GUI (:class:`StartPinner`,
the environment's own reset path); the kinematic-replay toggle is the environment's ``deepmimic.viz_replay``.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from legged_gym.eval.evaluation import TrackingProbe
from legged_gym.viewer.pacer import Pacer
from legged_gym.viewer.policy_files import CheckpointCatalog, export_policy

__all__ = ["StartPinner", "ViserPlayer", "run_viser_play"]


class StartPinner(TrackingProbe):
    """A :class:`~legged_gym.eval.evaluation.TrackingProbe` whose resets start clip ``next_clip[i]`` at frame
    ``start_offset[i]`` of that clip (clamped by the environment to leave at least two frames to play)."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.start_offset = torch.zeros_like(self.next_clip)

    def __enter__(self) -> StartPinner:
        super().__enter__()
        self.env.pinned_offsets = self.start_offset
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.env.pinned_offsets = None


class ViserPlayer:
    """Plays a policy in one environment and shows it on a viser page (see the module docstring).

    Args:
        env: the environment (tracking or velocity task).
        runner: the :class:`~rsl_rl.runners.OnPolicyRunner` whose policy is played (weights swap in place).
        checkpoint: the checkpoint loaded into ``runner``; its run folder is where exports go.
        viser_cfg: ``env_cfg.viser`` (host, port, shown environment, plot window).
        device: device of the policy's inputs.
        load_strict: ``strict`` for loading other checkpoints.
        print_fn: receives one line per GUI action (also shown as a notification on the page).
    """

    def __init__(self, env: Any, runner: Any, checkpoint: str, viser_cfg: Any, device: str = "cpu",
                 load_strict: bool = True, print_fn: Callable[[str], None] = print) -> None:
        import viser

        from legged_gym.viewer.panels import ViewerPanels
        from legged_gym.viewer.plots import PlotPanel
        from legged_gym.viewer.scene import SceneView

        self.env, self.runner, self.device, self.print_fn = env, runner, device, print_fn
        self.checkpoint, self.load_strict = checkpoint, load_strict
        self.env_id = int(getattr(viser_cfg, "env_id", 0))
        self.tracking = hasattr(env, "replay")
        self.catalog = CheckpointCatalog(os.path.dirname(os.path.abspath(checkpoint)))
        self.policy = runner.get_inference_policy(device=device)
        self.server = viser.ViserServer(host=viser_cfg.host, port=int(viser_cfg.port), verbose=False)
        self.server.gui.configure_theme(control_width="large")
        self.pending: queue.Queue[Callable[[], None]] = queue.Queue()
        self.playing = True
        self.steps_requested = 0
        self.step_count = 0
        self.messages: list[str] = []
        self.manual: Tensor | None = None  # velocity tasks: (vx, vy, yaw rate) written into the commands
        cmd = env.cfg.commands
        self._command_cfg = (cmd.heading_command, cmd.resampling_time)
        self.pinner = StartPinner(env) if self.tracking else None
        if self.pinner is not None:
            self.pinner.__enter__()
        self.scene = SceneView(self.server, env, self.env_id)
        self.speed = 1.0  # playback speed, x real time
        self.panels = ViewerPanels(self.server, self)
        self.scene.set_visible("reference", bool(self.panels.show_reference.value))
        with self.panels.plots_folder:
            self.plots = PlotPanel(self.server, env, self.env_id, window=int(getattr(viser_cfg, "plot_window", 250)))
        self.server.on_client_connect(lambda client: self.scene.look_at_robot([client]))
        self.obs = env.reset()
        self._refresh_view()

    # --- queue ------------------------------------------------------------------------------------
    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        """Queue ``fn(*args)`` to run in the play loop before the next step (thread-safe; for GUI callbacks)."""
        self.pending.put(lambda: fn(*args))

    def _run_pending(self) -> None:
        while True:
            try:
                fn = self.pending.get_nowait()
            except queue.Empty:
                return
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - any control's failure is shown, and play goes on
                self.notify("action failed", f"{type(exc).__name__}: {exc}", error=True)

    def notify(self, title: str, body: str, error: bool = False) -> None:
        """A notification on every connected page, also printed and kept in :attr:`messages`."""
        line = f"viewer: {title}: {body}"
        self.messages.append(line)
        self.print_fn(line)
        for client in self.server.get_clients().values():
            client.add_notification(title, body, auto_close_seconds=None if error else 6.0,
                                    color="red" if error else "green")

    # --- loop -------------------------------------------------------------------------------------
    def tick(self) -> bool:
        """Run the queued GUI commands, then one control step when playing or when a step was requested.

        Returns:
            Whether the environment was stepped.
        """
        self._run_pending()
        if not (self.playing or self.steps_requested > 0):
            return False
        self.steps_requested = max(0, self.steps_requested - 1)
        with torch.no_grad():
            actions = self.policy({k: v.to(self.device) for k, v in self.obs.items()})
            self.obs, _, _, _ = self.env.step(actions)
        self.step_count += 1
        if self.manual is not None:
            self.env.commands[:, :3] = self.manual
        self.plots.record(self.step_count)
        self._refresh_view()
        return True

    def run(self, max_steps: int | None = None, stop: threading.Event | None = None) -> int:
        """Tick at the control rate until ``max_steps`` steps were played or ``stop`` is set; returns the steps."""
        pacer = Pacer(float(self.env.dt))
        played = 0
        while (max_steps is None or played < max_steps) and not (stop is not None and stop.is_set()):
            played += int(self.tick())
            pacer.dt = float(self.env.dt) / self.speed
            pacer.wait()
        return played

    def set_speed(self, speed: float) -> None:
        """Playback speed, x real time (0.1 to 4)."""
        self.speed = min(max(float(speed), 0.1), 4.0)

    def select_env(self, env_id: int) -> None:
        """Show, plot and follow environment ``env_id``."""
        if not 0 <= env_id < self.env.num_envs:
            raise ValueError(f"environment {env_id}: expected 0 to {self.env.num_envs - 1}")
        self.env_id = self.scene.env_id = self.plots.env_id = self.plots.rewards.env_id = int(env_id)
        self._refresh_view()
        self.scene.look_at_robot()

    def close(self) -> None:
        """Detach from the environment and stop the server."""
        self.plots.close()
        if self.pinner is not None:
            self.pinner.__exit__(None, None, None)
        if self.tracking:
            self.env.root_target_override = None
        self.server.stop()

    def _refresh_view(self) -> None:
        self.scene.update()
        self.panels.show_status(self.status())

    def status(self) -> str:
        """One line: steps, playing or paused, clip and frame (tracking tasks)."""
        state = "playing" if self.playing else "paused"
        text = f"step {self.step_count} ({state})"
        if self.tracking:
            env, i = self.env, self.env_id
            clip = int(env.ref_clip[i])
            frame = int(env.ref_frame[i] - env.replay.clip_start[clip])
            text += f", clip {env.replay.clip_names[clip]} frame {frame}/{int(env.replay.clip_length[clip]) - 1}"
        return text

    # --- simulation -------------------------------------------------------------------------------
    def request_step(self) -> None:
        """Play one control step (while paused)."""
        self.steps_requested += 1

    def reset(self) -> None:
        """Reset every environment (tracking: to the chosen clip and start frame)."""
        self.obs = self.env.reset()
        self.plots.clear()
        self._refresh_view()

    # --- policy -----------------------------------------------------------------------------------
    def refresh_checkpoints(self) -> list[str]:
        """Rescan the experiment folder for checkpoints and update the dropdown."""
        labels = self.catalog.refresh()
        self.panels.set_checkpoints(labels, self.catalog.label(self.checkpoint))
        return labels

    def load_checkpoint(self, label: str) -> bool:
        """Load a listed checkpoint's weights into the running policy; a failure is a notification, not a crash."""
        try:
            path = self.catalog.path(label)
            self.runner.load(path, load_optimizer=False, strict=self.load_strict)
        except Exception as exc:  # noqa: BLE001 - whatever the file holds, the viewer keeps playing
            self.notify("checkpoint not loaded", f"{label}: {exc}", error=True)
            self.panels.set_checkpoints(list(self.catalog.paths), self.catalog.label(self.checkpoint))
            return False
        self.checkpoint = path
        self.policy = self.runner.get_inference_policy(device=self.device)
        self.notify("checkpoint loaded", label)
        return True

    def export(self) -> str | None:
        """Export the running policy into ``<run dir>/exported/`` (TorchScript, ONNX, policy.json) and check it."""
        try:
            out, worst = export_policy(self.runner, self.checkpoint, self.env.get_observations())
        except Exception as exc:  # noqa: BLE001
            self.notify("export failed", str(exc), error=True)
            return None
        self.notify("exported", f"{out} (policy.pt, policy.onnx, policy.json; max |diff| {worst:.1e})")
        return out

    # --- motion (tracking tasks) ------------------------------------------------------------------
    def select_clip(self, name: str) -> None:
        """Play clip ``name`` from the chosen start frame (every environment)."""
        names = list(self.env.replay.clip_names)
        if name not in names:
            self.notify("unknown clip", f"{name!r}; clips: {', '.join(names)}", error=True)
            return
        self.pinner.next_clip[:] = names.index(name)
        self.panels.set_start_frame_range(int(self.env.replay.clip_length[names.index(name)]) - 2)
        self.reset()

    def set_start_frame(self, frame: int) -> None:
        """Restart the current clip at ``frame``."""
        self.pinner.start_offset[:] = max(0, int(frame))
        self.reset()

    def set_kinematic_replay(self, on: bool) -> None:
        """Teleport the robot along the reference every step (``deepmimic.viz_replay``)."""
        self.env.cfg.deepmimic.viz_replay = bool(on)

    # --- randomisation ----------------------------------------------------------------------------
    def set_pushes(self, on: bool, xy: float, z: float, interval_s: float) -> None:
        """Random pushes every ``interval_s`` seconds of up to ``xy`` / ``z`` m/s."""
        c = self.env.cfg.domain_rand
        c.push_robots, c.max_push_vel_xy, c.max_push_vel_z = bool(on), float(xy), float(z)
        self.env.domain_rand.push_interval = max(1, int(round(float(interval_s) / self.env.dt)))

    def set_torque_noise(self, on: bool, scale: float) -> None:
        """Uniform torque noise of ``scale`` x effort limit on every physics step."""
        c, env = self.env.cfg.domain_rand, self.env
        c.torque_rfi_rand, c.torque_rfi_rand_scale = bool(on), float(scale)
        ids = torch.arange(env.num_envs, device=env.device)
        env.sim.set_params(ids, torque_noise=torch.full((env.num_envs,), float(scale) if on else 0.0,
                                                        device=env.device))

    def set_gain_randomisation(self, kp_on: bool, kp_scale: float, kd_on: bool, kd_scale: float) -> None:
        """Redraw PD gain scales now (and at every reset) with the given spreads; off restores nominal gains."""
        c, env = self.env.cfg.domain_rand, self.env
        c.p_gain_rand, c.p_gain_rand_scale = bool(kp_on), float(kp_scale)
        c.d_gain_rand, c.d_gain_rand_scale = bool(kd_on), float(kd_scale)
        dr = env.domain_rand
        ids = torch.arange(env.num_envs, device=env.device)
        if not kp_on:
            dr.kp_scale[:] = 1.0
        if not kd_on:
            dr.kd_scale[:] = 1.0
        env.sim.set_params(ids, kp_scale=dr.kp_scale.clone(), kd_scale=dr.kd_scale.clone())
        dr.on_reset(ids)

    # --- manual control ---------------------------------------------------------------------------
    def set_manual(self, on: bool, values: tuple[float, float, float]) -> None:
        """Tracking tasks: root targets (dx, dy [m], dyaw [rad]) replace the reference's in the observations.
        Velocity tasks: (vx, vy [m/s], yaw rate [rad/s]) replace the sampled commands (no resampling)."""
        env = self.env
        v = torch.tensor(values, dtype=torch.float32, device=env.device).expand(env.num_envs, 3).clone()
        if self.tracking:
            env.root_target_override = v if on else None
            return
        self.manual = v if on else None
        cmd = env.cfg.commands
        cmd.heading_command, cmd.resampling_time = (False, 1e9) if on else self._command_cfg
        if on:
            env.commands[:, :3] = v


def run_viser_play(env: Any, runner: Any, checkpoint: str, viser_cfg: Any, steps: int | None, device: str,
                   load_strict: bool = True, print_fn: Callable[[str], None] = print) -> dict[str, Any]:
    """Serve the viewer and play until ``steps`` control steps were played (None: until interrupted)."""
    player = ViserPlayer(env, runner, checkpoint, viser_cfg, device=device, load_strict=load_strict,
                         print_fn=print_fn)
    print_fn(f"viser viewer on http://{viser_cfg.host}:{player.server.get_port()} (environment {player.env_id}; "
             "Ctrl+C stops)")
    played = 0
    try:
        played = player.run(max_steps=steps)
    except KeyboardInterrupt:
        played = player.step_count
    finally:
        player.close()
    return {"steps": played, "viewer": "viser", "messages": list(player.messages)}
