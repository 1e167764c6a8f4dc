"""play.py --video writes a playable MP4 whose frames show the robot."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MUJOCO_GL", "egl")

from legged_gym.scripts.play import main as play_main  # noqa: E402
from legged_gym.scripts.train import train  # noqa: E402
from legged_gym.utils.helpers import get_args  # noqa: E402


@pytest.mark.slow
def test_play_video_is_a_playable_mp4_with_the_robot(tmp_path) -> None:  # noqa: ANN001
    import imageio.v3 as iio

    train(get_args(["--task=g1", "--headless", "--num_envs", "2", "--max_iterations", "1", "--no_use_wandb",
                    "--log_root", str(tmp_path), "--train.runner.num_steps_per_env=4"]))
    out = tmp_path / "play.mp4"
    try:
        result = play_main(["--task=g1", "--headless", "--log_root", str(tmp_path), "--steps", "30", "--video",
                            str(out)])
    except RuntimeError as exc:
        if "cannot render offscreen" in str(exc):
            pytest.skip(str(exc))
        raise
    assert result["video"] == str(out)
    frames = iio.imread(out)
    assert 30 <= frames.shape[0] <= 31 and frames.shape[1:] == (480, 640, 3)  # the encoder may repeat the last
    middle = frames[15].astype(float)
    assert middle.std() > 10.0  # not a blank image
    # the robot is lighter than the floor behind it: a bright blob near the image centre
    centre = middle[120:400, 220:420].mean(axis=2)
    assert centre.max() > middle.mean(axis=2).mean() + 40


@pytest.mark.slow
def test_train_video_every_interval(tmp_path) -> None:  # noqa: ANN001
    import glob

    import imageio.v3 as iio

    from legged_gym.scripts.train import TRAIN_FLAGS

    run = train(get_args(["--task=g1", "--headless", "--num_envs", "2", "--max_iterations", "2", "--no_use_wandb",
                          "--log_root", str(tmp_path), "--train.runner.num_steps_per_env=4", "--video",
                          "--video_interval", "1", "--video_steps", "12"], extra_flags=TRAIN_FLAGS))
    videos = sorted(glob.glob(os.path.join(run, "videos", "it_*.mp4")))
    assert [os.path.basename(v) for v in videos] == ["it_1.mp4", "it_2.mp4"]
    frames = iio.imread(videos[-1])
    assert 12 <= len(frames) <= 13 and frames[6].std() > 10.0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(run)
    acc.Reload()
    assert "Video/policy" in acc.Tags()["images"]
