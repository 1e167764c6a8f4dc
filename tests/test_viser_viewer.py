"""The Viser viewer of play.py: GUI controls driven like a person would (their callbacks, then the play loop), and
the page itself loaded in Debian's headless Chromium (labels in the DOM, a rendered canvas, a screenshot artifact).

One g1_deepmimic run trained for a single iteration serves every test. Screenshots go to ``$LEGGED_GYM_TEST_ARTIFACTS``
(default ``<repo>/test-artifacts/``, git-ignored).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
import torch

from tests.test_play import ENV, ROOT, SCRIPTS, train_one_iteration

ARTIFACTS = os.environ.get("LEGGED_GYM_TEST_ARTIFACTS", os.path.join(ROOT, "test-artifacts"))
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-dev-shm-usage", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                  "--window-size=1280,800", "--hide-scrollbars")
# What a person sees in the control panel (folder and control labels).
GUI_LABELS = ("Simulation", "Play", "Step", "Reset", "Policy", "Checkpoint", "Refresh checkpoints", "Export", "Motion",
              "Clip", "Start frame", "Kinematic replay", "Randomisation", "Manual control", "Display", "Plots")


def free_port() -> int:
    """A currently unused loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chromium_binary() -> str | None:
    """Debian's Chromium (``chromium``), or another Chromium build on PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def log_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A log root holding one g1_deepmimic run trained for a single iteration."""
    root = str(tmp_path_factory.mktemp("viser_logs"))
    train_one_iteration("g1_deepmimic", root)
    return root


def run_dir_of(log_root: str) -> str:
    (run,) = os.listdir(os.path.join(log_root, "g1_deepmimic"))
    return os.path.join(log_root, "g1_deepmimic", run)


@pytest.fixture(scope="module")
def player(log_root: str):  # noqa: ANN201 - yields a ViserPlayer
    """The viewer on the run's model_1.pt, served on a free loopback port, built as play.py builds it."""
    from legged_gym.envs import task_registry
    from legged_gym.utils.helpers import get_args
    from legged_gym.eval.play_settings import build_play_cfgs
    from legged_gym.viewer import ViserPlayer

    args = get_args(["--task=g1_deepmimic", "--log_root", log_root, "--num_threads", "1", "--env.viser.enable=True",
                     f"--env.viser.port={free_port()}"])
    cfg = build_play_cfgs(args)
    env, env_cfg = task_registry.make_env("g1_deepmimic", args, env_cfg=cfg.env_cfg)
    runner, _ = task_registry.make_alg_runner(env, "g1_deepmimic", args, train_cfg=cfg.train_cfg, env_cfg=env_cfg,
                                              log_root=None)
    runner.load(cfg.checkpoint, load_optimizer=False)
    lines: list[str] = []
    p = ViserPlayer(env, runner, cfg.checkpoint, env_cfg.viser, print_fn=lines.append)
    p.panels.play.value = False  # the tests step explicitly
    yield p
    p.close()
    env.close()


def press(button) -> None:  # noqa: ANN001
    """Click a GUI button (runs its callbacks, as a click on the page does)."""
    button.value = True


def test_scene_draws_the_robot_where_the_simulator_has_it(player):
    env, scene = player.env, player.scene
    press(player.panels.step)
    assert player.tick() and player.step_count == 1
    pos, quat = scene.robot_poses()
    states = env.sim.body_states(scene.body_names, with_velocities=False)
    assert np.allclose(pos, states.pos[0].numpy(), atol=1e-6) and np.allclose(quat, states.quat[0].numpy(), atol=1e-6)
    frame = scene.body_frames[scene.body_names.index("pelvis")]
    assert np.allclose(frame.position, env.root_pos_w[0].numpy(), atol=1e-5)
    assert len(scene.body_names) >= 20  # every body with a geom of the G1 (legs, torso, arms)
    hf = env.sim.terrain.heightfield
    assert scene.terrain.vertices.shape[0] == hf.heights.size  # the height field as one mesh, full resolution
    assert np.allclose(scene.markers.points, env.reference()["link_pos"][0].numpy(), atol=1e-5)


def test_pause_step_clip_start_frame_and_kinematic_replay(player):
    env, gui = player.env, player.panels
    assert not player.tick(), "paused: no step without the Step button"
    press(gui.step)
    before = player.step_count
    assert player.tick() and player.step_count == before + 1

    names = list(env.replay.clip_names)
    gui.clip.value = names[1]
    player.tick()  # runs the queued clip change (a reset), not a step while paused
    assert int(env.ref_clip[0]) == 1 and int(env.ref_frame[0]) == int(env.replay.clip_start[1])
    assert gui.start_frame.max == int(env.replay.clip_length[1]) - 2
    gui.start_frame.value = 5
    player.tick()
    assert int(env.ref_frame[0]) == int(env.replay.clip_start[1]) + 5
    assert "frame 5/" in gui.status.content

    gui.replay.value = True
    for _ in range(3):
        press(gui.step)
        player.tick()
    ref = env.reference()
    assert torch.allclose(env.dof_pos[0], ref["joints"][0], atol=1e-5)  # teleported along the reference
    assert torch.allclose(env.root_pos_w[0], ref["root_pos"][0], atol=1e-5)
    gui.replay.value = False
    player.tick()
    assert env.cfg.deepmimic.viz_replay is False
    series = player.plots.series
    assert len(series["rewards"].steps) == 3  # the steps since the last reset (plots restart with the clip)
    assert any(abs(v[-1]) > 0 for v in series["rewards"].arrays()[1:])  # per-term rewards of the last step
    assert any(np.isfinite(v).any() and np.abs(v).sum() > 0 for v in series["contacts"].arrays()[1:])


def test_manual_root_targets_and_randomisation(player):
    env, gui = player.env, player.panels
    gui.manual.value = True
    gui.manual_axes[0].value = 0.3
    gui.manual_axes[2].value = -0.2
    press(gui.step)
    player.tick()
    obs = env.get_observations()
    assert torch.allclose(obs["torso_xy_rel"][0], torch.tensor([0.3, 0.0]), atol=1e-6)
    assert torch.allclose(obs["torso_yaw_rel"][0], torch.tensor([-0.2]), atol=1e-6)
    gui.manual.value = False
    press(gui.step)
    player.tick()
    assert env.root_target_override is None

    gui.push.value = True
    gui.kp.value = True
    gui.kp_scale.value = 0.3
    player.tick()
    assert env.cfg.domain_rand.push_robots is True
    assert (env.domain_rand.kp_scale - 1.0).abs().max() > 0.01  # gains redrawn with the chosen spread
    gui.kp.value = False
    gui.push.value = False
    player.tick()
    assert torch.all(env.domain_rand.kp_scale == 1.0) and env.cfg.domain_rand.push_robots is False


def test_speed_markers_grid_and_readable_plots(player):
    gui = player.panels
    gui.speed.value = 2.0
    player.tick()
    assert player.speed == 2.0
    assert gui.show_reference.value is False and player.scene.markers.visible is False  # off at first
    assert player.scene.grid is not None
    assert "termination" not in player.plots.series["rewards"].names
    assert player.plots.series["errors"].names == ["joint error [deg]", "link error [cm]"]
    with pytest.raises(ValueError, match="environment 5"):
        player.select_env(5)  # the player has one environment
    gui.speed.value = 1.0
    player.tick()


def test_export_writes_only_the_run_exports(player, log_root: str):
    run_dir = run_dir_of(log_root)

    def tree() -> set[str]:
        return {os.path.relpath(os.path.join(d, f), log_root) for d, _, fs in os.walk(log_root) for f in fs}

    before = tree()
    press(player.panels.export)
    player.tick()
    added = tree() - before
    rel = os.path.relpath(os.path.join(run_dir, "exported"), log_root)
    assert added == {os.path.join(rel, f) for f in ("policy.pt", "policy.onnx", "policy.json")}, added
    assert any(m.startswith("viewer: exported:") for m in player.messages), player.messages


def test_checkpoint_switch_loads_weights_and_reports_bad_files(player, log_root: str):
    from rsl_rl.utils.checkpoints import atomic_torch_save, load_checkpoint

    run_dir = run_dir_of(log_root)
    ckpt = load_checkpoint(os.path.join(run_dir, "model_1.pt"))
    for k, v in ckpt["model_state_dict"].items():
        if k.startswith("actor") and v.is_floating_point():
            ckpt["model_state_dict"][k] = v + 0.05
    atomic_torch_save(ckpt, os.path.join(run_dir, "model_2.pt"))
    bad = dict(ckpt, model_state_dict=dict(ckpt["model_state_dict"]))
    key = next(k for k, v in bad["model_state_dict"].items() if k.startswith("actor") and v.dim() == 2)
    bad["model_state_dict"][key] = torch.zeros(3, 3)
    atomic_torch_save(bad, os.path.join(run_dir, "model_3.pt"))

    gui, runner = player.panels, player.runner
    obs = {k: v.clone() for k, v in player.env.get_observations().items()}
    actions_1 = player.policy(obs).clone()
    press(gui.refresh)
    player.tick()
    run = os.path.basename(run_dir)
    assert {f"{run}/model_{n}.pt" for n in (1, 2, 3)} <= set(gui.checkpoint.options)

    gui.checkpoint.value = f"{run}/model_2.pt"
    player.tick()
    state = runner.actor_critic.state_dict()
    assert all(torch.equal(state[k], v) for k, v in ckpt["model_state_dict"].items())
    assert not torch.allclose(player.policy(obs), actions_1)  # the running policy acts with the new weights
    assert player.checkpoint.endswith("model_2.pt")

    gui.checkpoint.value = f"{run}/model_3.pt"
    player.tick()  # a shape mismatch: a notification, the previous weights stay, the loop goes on
    assert player.messages[-1].startswith("viewer: checkpoint not loaded:") and key in player.messages[-1]
    assert torch.equal(runner.actor_critic.state_dict()[key], ckpt["model_state_dict"][key])
    assert gui.checkpoint.value == f"{run}/model_2.pt"
    press(gui.step)
    assert player.tick()

    for n, fields in ((4, {"model_state_dict": 5}), (5, {"iter": None}), (6, {"policy_cfg": "x"})):
        torch.save(dict(ckpt, **fields), os.path.join(run_dir, f"model_{n}.pt"))  # crafted, malformed
    press(gui.refresh)
    player.tick()
    for n in (4, 5, 6):
        gui.checkpoint.value = f"{run}/model_{n}.pt"
        player.tick()  # a notification naming the file; play goes on with the previous weights
        assert player.messages[-1].startswith("viewer: checkpoint not loaded:") and f"model_{n}.pt" in player.messages[-1]
        press(gui.step)
        assert player.tick()
    assert torch.equal(runner.actor_critic.state_dict()[key], ckpt["model_state_dict"][key])


class HeadlessChromium:
    """Debian's Chromium, headless with software WebGL (SwiftShader), driven over the Chrome DevTools Protocol."""

    def __init__(self, binary: str, profile: str, url: str) -> None:
        self.proc = subprocess.Popen([binary, *CHROMIUM_FLAGS, "--remote-debugging-port=0", "--remote-allow-origins=*",
                                      f"--user-data-dir={profile}", url],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self._connect(profile)
        except BaseException:
            self._stop()
            raise

    def _connect(self, profile: str) -> None:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            assert self.proc.poll() is None, f"Chromium exited ({self.proc.returncode}) before opening DevTools"
            assert time.time() < deadline, "Chromium opened no DevTools port within 60 s"
            time.sleep(0.2)
        port = int(open(port_file).read().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        from websockets.sync.client import connect

        self.ws = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self._id = 0

    def call(self, method: str, timeout: float = 120.0, **params: object) -> dict:
        """Send one DevTools command and return its result (events in between are skipped)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        deadline = time.time() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(1.0, deadline - time.time())))
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise AssertionError(f"DevTools {method}: {msg['error']}")
                return msg["result"]

    def evaluate(self, expression: str) -> object:
        """Value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def close(self) -> None:
        self.ws.close()
        self._stop()

    def _stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_for_port(proc: subprocess.Popen, port: int, timeout: float = 180.0) -> None:
    """Until the page is served on the loopback ``port`` (fails when ``proc`` exits first)."""
    deadline = time.time() + timeout
    while True:
        assert proc.poll() is None, f"play.py exited early:\n{proc.stdout.read()[-3000:]}"
        assert time.time() < deadline, f"the viewer did not start listening within {timeout:.0f} s"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)


def test_browser_shows_the_page(log_root: str, tmp_path):
    """play.py --env.viser.enable=True serves the page; headless Chromium renders the scene and the controls."""
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium binary on PATH (Debian: apt-get install chromium)")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, os.path.join(SCRIPTS, "play.py"), "--task=g1_deepmimic", "--log_root", log_root,
         "--checkpoint", "1", "--headless", "--num_threads", "1", "--env.viser.enable=True",
         f"--env.viser.port={port}", "--steps", "50000"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV, cwd=ROOT,
    )
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "viser_viewer.png")
    if os.path.exists(shot):
        os.remove(shot)
    browser = None
    try:
        wait_for_port(proc, port)
        browser = HeadlessChromium(binary, str(tmp_path / "chromium-profile"), f"http://127.0.0.1:{port}/")
        deadline = time.time() + 120
        missing: list[str] = list(GUI_LABELS)
        while missing and time.time() < deadline:
            html = browser.evaluate("document.documentElement.outerHTML") or ""
            missing = [label for label in GUI_LABELS if f">{label}<" not in html]
            time.sleep(1.0)
        assert not missing, f"controls missing from the page: {missing}"
        size = browser.evaluate("(() => { const c = document.querySelector('canvas[data-engine]');"
                                " return c ? [c.width, c.height] : null; })()")
        assert size and size[0] > 100 and size[1] > 100, f"no 3-D canvas on the page: {size}"
        opacity, deadline = 0.0, time.time() + 90
        while opacity < 0.99 and time.time() < deadline:  # the page fades the 3-D view in once the scene arrived
            opacity = float(browser.evaluate("getComputedStyle(document.querySelector('canvas[data-engine]')).opacity"))
            time.sleep(0.5)
        assert opacity >= 0.99, f"the 3-D view never faded in (opacity {opacity})"
        time.sleep(1.0)  # a few frames of the live robot
        png = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
        with open(shot, "wb") as f:
            f.write(png)
    finally:
        if browser is not None:
            browser.close()
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert f"viser viewer on http://127.0.0.1:{port}" in out, out[-3000:]
    assert "Traceback" not in out, out[-3000:]

    import imageio.v3 as iio

    image = iio.imread(shot)[..., :3]
    h, w = image.shape[:2]
    view = image[int(0.3 * h):int(0.95 * h), int(0.05 * w):int(0.6 * w)].reshape(-1, 3)  # the 3-D view, left of
    colours = np.unique(view, axis=0)  # the control panel and below the notifications
    assert len(colours) > 50, f"the 3-D view looks blank ({len(colours)} colours); see {shot}"
    v = view.astype(int)
    terrain = ((v[:, 1] - v[:, 0] > 6) & (v[:, 1] - v[:, 2] > 6) & (v[:, 1] < 235)).mean()  # the grey-green ground
    assert terrain > 0.1, f"no terrain in the 3-D view ({terrain:.1%} of its pixels); see {shot}"


def test_unusable_viewer_address_is_a_clear_error():
    """A port out of range or already taken fails before the environment is built, naming the option."""
    import socket

    from legged_gym.viewer import check_address

    with pytest.raises(ValueError, match=r"--env.viser.port: expected a port in 1..65535, got 99999"):
        check_address("127.0.0.1", 99999)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ValueError, match=rf"cannot listen on 127.0.0.1:{port}"):
            check_address("127.0.0.1", port)
    check_address("127.0.0.1", port)  # free again


def test_browser_camera_follows_the_robot_after_a_far_clip_switch(player, tmp_path):
    """The page's own camera (as the browser reports it back) looks at the robot after it jumps far from the origin."""
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium binary on PATH (Debian: apt-get install chromium)")
    server, env = player.server, player.env
    browser = HeadlessChromium(binary, str(tmp_path / "chromium-profile"), f"http://127.0.0.1:{server.get_port()}/")
    try:
        deadline = time.time() + 120
        while not server.get_clients() and time.time() < deadline:
            time.sleep(0.5)
        assert server.get_clients(), "the page never connected"
        names = list(env.replay.clip_names)
        far = max(range(len(names)), key=lambda c: float(env.deepmimic_terrain.env_offsets(
            torch.tensor([c]), torch.tensor([0]))[0, :2].norm()))
        player.select_clip(names[far])
        player.set_start_frame(int(env.replay.clip_length[far]) - 40)  # late in the clip: far along its path
        root = env.root_pos_w[0].detach().cpu().double().numpy()
        assert np.linalg.norm(root[:2]) > 3.0, root
        for _ in range(3):
            player.request_step()
            player.tick()
            time.sleep(0.5)
        root = env.root_pos_w[0].detach().cpu().double().numpy()
        deadline, cam = time.time() + 60, None
        while time.time() < deadline:  # until the browser has applied the camera and reported it back
            (client,) = server.get_clients().values()
            cam = client.camera
            if np.linalg.norm(np.asarray(cam.look_at) - root) < 0.3:
                break
            time.sleep(0.5)
        look_at, position = np.asarray(cam.look_at), np.asarray(cam.position)
        assert np.linalg.norm(look_at - root) < 0.3, f"the page looks at {look_at}, the robot is at {root}"
        assert 1.0 < np.linalg.norm(position - root) < 20.0, f"the page's camera at {position}, robot at {root}"
    finally:
        browser.close()
