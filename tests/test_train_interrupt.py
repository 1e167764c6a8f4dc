"""The daily loop of train.py: the run folder and an h:m:s progress line, and Ctrl-C that keeps the work."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from rsl_rl.utils.checkpoints import load_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = [sys.executable, os.path.join(ROOT, "legged_gym", "scripts", "train.py"), "--task=g1", "--headless",
         "--num_envs", "8", "--no_use_wandb", "--train.runner.num_steps_per_env=4"]


def test_short_run_prints_its_folder_and_an_hms_eta(tmp_path) -> None:  # noqa: ANN001
    out = subprocess.run([*TRAIN, "--max_iterations", "2", "--log_root", str(tmp_path)], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    folder = re.search(r"Run folder: (\S+)", out.stdout).group(1)
    assert os.path.isdir(folder) and folder.startswith(str(tmp_path))
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("it ")]
    assert len(lines) == 2
    assert re.search(r"it 1/2 \| [\d,]+ steps/s \| 32 steps \| elapsed \d+:\d\d:\d\d \| ETA \d+:\d\d:\d\d", lines[0])
    assert os.path.exists(os.path.join(folder, "model_2.pt"))


def _stop_training(tmp_path, sigint, after: str, stop_with: int) -> tuple[int, str]:  # noqa: ANN001
    """Start a long training with SIGINT set to ``sigint``, send ``stop_with`` once a line starts with ``after``;
    returns the exit status and everything the process printed."""
    proc = subprocess.Popen([*TRAIN, "--max_iterations", "100000", "--log_root", str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    seen = []
    deadline = time.time() + 240
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(after) or time.time() > deadline:
            break
    proc.send_signal(stop_with)
    rest, _ = proc.communicate(timeout=120)
    return proc.returncode, "".join(seen) + rest


@pytest.mark.slow
def test_ctrl_c_saves_the_iteration_and_prints_the_resume_command(tmp_path) -> None:  # noqa: ANN001
    # a shell that starts a job in the background hands it SIGINT ignored (and Python then never raises
    # KeyboardInterrupt): give the training process the default disposition, as a terminal would
    returncode, text = _stop_training(tmp_path, signal.SIG_DFL, "it 3/", signal.SIGINT)
    assert returncode == 130, text[-3000:]
    assert "Traceback" not in text
    saved = re.search(r"Saved (\S+model_(\d+)\.pt)", text)
    assert saved, text[-2000:]
    ckpt = load_checkpoint(saved.group(1))
    assert ckpt["iter"] == int(saved.group(2)) >= 3
    command = text.split("Resume with:")[1].strip().splitlines()[0]
    assert "--resume" in command and f"--checkpoint {ckpt['iter']}" in command
    # --max_iterations counts iterations beyond the checkpoint: the command asks for what is left of the 100000
    assert f"--max_iterations {100000 - ckpt['iter']} " in command and command.count("--max_iterations") == 1


@pytest.mark.slow
def test_sigterm_saves_like_ctrl_c(tmp_path) -> None:  # noqa: ANN001
    # started the way a shell starts a background job or a scheduler its task: SIGINT ignored, stopped by SIGTERM
    returncode, text = _stop_training(tmp_path, signal.SIG_IGN, "it 2/", signal.SIGTERM)
    assert returncode == 130 and "Traceback" not in text, text[-3000:]
    saved = re.search(r"Saved (\S+model_(\d+)\.pt)", text)
    assert saved and load_checkpoint(saved.group(1))["iter"] == int(saved.group(2)) >= 2, text[-2000:]
    assert "Resume with:" in text
