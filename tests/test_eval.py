"""eval.py end to end on a one-iteration g1_deepmimic run, kinematic replay as ground truth, and the metric sums."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys

import pytest
import torch

from legged_gym.envs.base.tracking_record import frame_errors
from legged_gym.eval.evaluation import default_out_dir
from legged_gym.eval.metrics import ClipMetrics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = os.path.join(ROOT, "legged_gym", "scripts", "train.py")
EVAL = os.path.join(ROOT, "legged_gym", "scripts", "eval.py")
CLIPS = ("stand", "walk", "walk_up_step")
CUT = 120  # frames of each clip replayed in the kinematic-replay test
ENV = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")


def run_script(script: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, env=ENV, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"{script} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def eval_main(argv: list[str]) -> dict:
    """Run eval.py's ``main`` in this process (same parsing and code path as the command line, no start-up cost)."""
    spec = importlib.util.spec_from_file_location("eval_script", EVAL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


@pytest.fixture(scope="module")
def log_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A log root holding one g1_deepmimic run trained for a single iteration."""
    root = tmp_path_factory.mktemp("logs")
    run_script(TRAIN, "--task=g1_deepmimic", "--headless", "--num_envs", "4", "--log_root", str(root),
               "--no_use_wandb", "--num_threads", "2", "--max_iterations", "1", "--train.runner.num_steps_per_env=4")
    return str(root)


def check_report(report: dict) -> None:
    assert set(CLIPS) <= set(report["clips"]), sorted(report["clips"])
    for name, m in list(report["clips"].items()) + [("overall", report["overall"])]:
        assert m["episodes"] >= 1, name
        assert 0.0 <= m["success_rate"] <= 1.0, (name, m)
        for key in ("joint_error_rad", "link_pos_error_m", "link_pos_error_root_rel_m"):
            assert m[key] is not None and math.isfinite(m[key]) and m[key] >= 0.0, (name, key, m)
        assert 0.0 <= m["contact_match"] <= 1.0, (name, m)
        assert 0.0 < m["frames_tracked_frac"] <= 1.0, (name, m)


def test_eval_cli_on_a_trained_checkpoint(log_root: str):
    proc = run_script(EVAL, "--task=g1_deepmimic", "--log_root", log_root, "--num_threads", "2")
    (run,) = os.listdir(os.path.join(log_root, "g1_deepmimic"))
    run_dir = os.path.join(log_root, "g1_deepmimic", run)
    out = os.path.join(run_dir, "eval_1")  # default: <run dir>/eval_<checkpoint>
    assert default_out_dir(os.path.join(run_dir, "model_1.pt")) == out
    report = json.loads(open(os.path.join(out, "eval.json")).read())
    check_report(report)
    assert report["checkpoint"] == os.path.join(run_dir, "model_1.pt") and report["iteration"] == 1
    assert report["settings"]["env"]["deepmimic.randomize_start_offset"] is False
    assert report["settings"]["env"]["noise.add_noise"] is False
    assert report["settings"]["env"]["domain_rand.randomize_friction"] is False
    assert report["settings"]["run_overrides"]["train"] == {"runner.num_steps_per_env": "4"}
    assert report["overall"]["episodes"] == len(CLIPS) and len(report["episodes"]) == len(CLIPS)
    assert os.path.isfile(os.path.join(out, report["plot"])) and report["plot"] == "eval.png"  # matplotlib is a dependency
    assert "overall" in proc.stdout and "walk_up_step" in proc.stdout  # the table
    print(proc.stdout[-1500:])


def test_kinematic_replay_scores_zero_error_and_full_success(log_root: str, tmp_path):
    """Teleported along the reference, the robot must score (near) zero error and finish every clip.

    The clips are cut to their first 120 frames to keep the test short (a full-length replay scores the same).
    """
    run_script(EVAL, "--task=g1_deepmimic", "--log_root", log_root, "--num_threads", "2", "--num_envs", "3",
               "--out", str(tmp_path), "--env.deepmimic.viz_replay=True",
               f"--env.deepmimic.cut_off_import_length={CUT}")
    saved = json.loads((tmp_path / "eval.json").read_text())
    check_report(saved)
    assert saved["settings"]["env"]["deepmimic.viz_replay"] is True
    for name in CLIPS:
        m = saved["clips"][name]
        assert m["success_rate"] == 1.0, (name, m)
        assert m["frames_tracked_frac"] == 1.0 and m["frames_tracked_mean"] == m["clip_length"], (name, m)
        # every stepped frame (1 .. CUT - 1) was measured
        assert m["clip_length"] == CUT and m["frames_evaluated"] == CUT - 1, (name, m)
        assert m["joint_error_rad"] < 1e-4, (name, m)
        assert m["link_pos_error_m"] < 5e-3 and m["link_pos_error_root_rel_m"] < 5e-3, (name, m)
    # each clip ran once, from frame 0 to its end, on the environment it was dealt to
    assert sorted((e["clip"], e["env"]) for e in saved["episodes"]) == [(c, i) for i, c in enumerate(CLIPS)]
    assert all(e["success"] and e["frames_tracked"] == e["clip_length"] for e in saved["episodes"])
    # replay keeps the contact forces measured during each physics step (driven toward the next reference frame, not
    # by the untrained policy), so the feet measure the reference's contacts
    # except around touch-downs and lift-offs; a sensor that never saw a contact would score 0 on `stand`
    assert saved["clips"]["stand"]["contact_match"] >= 0.99, saved["clips"]["stand"]
    assert all(saved["clips"][name]["contact_match"] >= 0.85 for name in CLIPS), saved["clips"]


def test_clear_errors(log_root: str, tmp_path):
    proc = run_script(EVAL, "--task=g1_deepmimic", "--log_root", str(tmp_path), check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "no checkpoint found" in proc.stderr and str(tmp_path) in proc.stderr
    with pytest.raises(ValueError, match="not a motion-tracking task.*g1_deepmimic"):
        eval_main(["--task=g1", "--log_root", log_root])
    with pytest.raises(ValueError, match="--repeats: expected an integer >= 1, got 0"):
        eval_main(["--task=g1_deepmimic", "--log_root", log_root, "--repeats", "0"])
    with pytest.raises(Exception, match="model_9.pt not in .*available iterations: \\[1\\]"):
        eval_main(["--task=g1_deepmimic", "--log_root", log_root, "--checkpoint", "9"])


def test_frame_errors_on_hand_made_tensors():
    q_ref = torch.zeros(2, 3)
    q = torch.tensor([[0.1, -0.2, 0.3], [0.0, 0.0, 0.6]])
    ref_links = torch.tensor([[[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]], [[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]])
    shift = torch.tensor([[0.3, 0.4, 0.0], [0.0, 0.0, 0.0]])  # env 0: whole robot moved 0.5 m; env 1: one link off
    links = ref_links + shift.unsqueeze(1)
    links[1, 1, 2] += 0.2
    ref_root = torch.tensor([[0.0, 0.0, 0.8], [0.0, 0.0, 0.8]])
    root = ref_root + shift
    contacts = torch.tensor([[True, False], [True, True]])
    ref_contacts = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    e = frame_errors(q, q_ref, links, ref_links, root, ref_root, contacts, ref_contacts)
    assert torch.allclose(e["joint"], torch.tensor([0.2, 0.2]))
    assert torch.allclose(e["link"], torch.tensor([0.5, 0.1]))
    assert torch.allclose(e["link_rel"], torch.tensor([0.0, 0.1]), atol=1e-7)  # a rigid shift is no relative error
    assert e["contact_matches"].tolist() == [2, 1] and int(e["num_feet"]) == 2


def test_clip_metrics_accumulate_known_means():
    m = ClipMetrics(["a", "b", "c"], [10, 20, 5])

    def errors(joint: list[float], link: list[float], rel: list[float], matches: list[int]) -> dict:
        return {"joint": torch.tensor(joint), "link": torch.tensor(link), "link_rel": torch.tensor(rel),
                "contact_matches": torch.tensor(matches), "num_feet": torch.tensor(2)}

    # three frames of clip a (errors 0.1, 0.2, 0.3), one of clip b
    m.add_frames(torch.tensor([0, 1]), errors([0.1, 1.0], [0.01, 0.5], [0.0, 0.4], [2, 0]))
    m.add_frames(torch.tensor([0, 0]), errors([0.2, 0.3], [0.02, 0.03], [0.01, 0.02], [1, 2]))
    m.add_episode(0, True, 10)
    m.add_episode(0, False, 4)
    m.add_episode(1, False, 1)
    s = m.summary()
    a, b, c, o = s["clips"]["a"], s["clips"]["b"], s["clips"]["c"], s["overall"]
    assert a["joint_error_rad"] == pytest.approx(0.2) and a["link_pos_error_m"] == pytest.approx(0.02)
    assert a["link_pos_error_root_rel_m"] == pytest.approx(0.01) and a["contact_match"] == pytest.approx(5 / 6)
    assert a["success_rate"] == 0.5 and a["episodes"] == 2 and a["frames_evaluated"] == 3
    assert a["frames_tracked_mean"] == 7.0 and a["frames_tracked_frac"] == pytest.approx(14 / 20)
    assert b["joint_error_rad"] == pytest.approx(1.0) and b["contact_match"] == 0.0 and b["success_rate"] == 0.0
    assert all(math.isnan(c[k]) for k in ("success_rate", "joint_error_rad", "contact_match"))  # no data
    assert o["joint_error_rad"] == pytest.approx(1.6 / 4) and o["success_rate"] == pytest.approx(1 / 3)
    assert o["contact_match"] == pytest.approx(5 / 8) and o["frames_tracked_frac"] == pytest.approx(15 / 40)
    assert o["success_rate_clip_mean"] == pytest.approx(0.25)  # mean of a and b; c has no episodes
    assert [(r.clip, r.success, r.frames_tracked) for r in m.records] == [(0, True, 10), (0, False, 4), (1, False, 1)]


def test_error_curves_follow_the_frames_of_each_clip() -> None:
    import torch

    m = ClipMetrics(["a", "b"], [5, 3])
    errors = {"joint": torch.tensor([0.1, 0.2, 0.3]), "link": torch.tensor([0.01, 0.02, 0.03]),
              "link_rel": torch.zeros(3), "contact_matches": torch.zeros(3), "num_feet": torch.tensor(2)}
    m.add_frames(torch.tensor([0, 0, 1]), errors, frame=torch.tensor([1, 1, 2]))
    m.add_frames(torch.tensor([0]), {k: (v[:1] if v.dim() else v) for k, v in errors.items()}, frame=torch.tensor([2]))
    curves = m.error_curves(dt=0.02)
    t, joint, link = curves["a"]
    assert list(t) == [0.02, 0.04] and joint[0] == pytest.approx(0.15) and link[1] == pytest.approx(0.01)
    assert list(curves["b"][0]) == [0.04] and curves["b"][1][0] == pytest.approx(0.3)
