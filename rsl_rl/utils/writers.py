# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Scalar log writers: TensorBoard (always) and Weights & Biases (optional, imported lazily)."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any

__all__ = ["LogWriter", "MultiWriter", "TensorBoardWriter", "WandbWriter", "make_writers"]


class LogWriter(ABC):
    """Interface of a scalar writer."""

    @abstractmethod
    def add_scalar(self, tag: str, value: float, step: int) -> None:
        """Record ``value`` under ``tag`` at ``step``."""

    def add_video(self, tag: str, path: str, frames: Any, step: int) -> None:  # noqa: B027 - optional
        """Record a video file (``frames``: (T, H, W, 3) uint8, the same video) under ``tag`` at ``step``."""

    def save_file(self, path: str) -> None:
        """Register a file (e.g. a checkpoint) with the backend; no-op by default."""

    def flush(self) -> None:
        """Flush pending data; no-op by default."""

    def close(self) -> None:
        """Release the backend; no-op by default."""


class TensorBoardWriter(LogWriter):
    """``torch.utils.tensorboard.SummaryWriter`` in ``log_dir``."""

    def __init__(self, log_dir: str) -> None:
        """Open an event file in ``log_dir``."""
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=log_dir, flush_secs=10)

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        """Record a scalar."""
        self.writer.add_scalar(tag, value, step)

    def add_video(self, tag: str, path: str, frames: Any, step: int) -> None:
        """Four frames spread over the video, side by side, as an image (TensorBoard's own video needs moviepy)."""
        import numpy as np

        pick = np.linspace(0, len(frames) - 1, num=min(4, len(frames))).round().astype(int)
        strip = np.concatenate([np.asarray(frames[i]) for i in pick], axis=1)
        self.writer.add_image(tag, strip, step, dataformats="HWC")

    def flush(self) -> None:
        """Flush the event file."""
        self.writer.flush()

    def close(self) -> None:
        """Close the event file."""
        self.writer.close()


class WandbWriter(LogWriter):
    """Weights & Biases run; works offline with ``WANDB_MODE=offline`` (no account needed)."""

    def __init__(self, log_dir: str, project: str, run_name: str, note: str, config: dict[str, Any] | None) -> None:
        """Start a run (``wandb.init(project, name, notes, config, dir=log_dir)``).

        Raises:
            ImportError: wandb is not installed (says how to install it or how to turn it off).
        """
        try:
            import wandb
        except ImportError as e:
            raise ImportError(
                "use_wandb=True but the 'wandb' package is not installed. Install it with `pip install -e .[wandb]` "
                "(or `pip install wandb`), or pass --no_use_wandb / set runner.use_wandb=False."
            ) from e
        self._wandb = wandb
        self.log_dir = log_dir
        self.run = wandb.init(project=project, name=run_name, notes=note, config=config or {}, dir=log_dir)

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        """Record a scalar."""
        self.run.log({tag: value}, step=step)

    def add_video(self, tag: str, path: str, frames: Any, step: int) -> None:
        """The MP4 itself."""
        self.run.log({tag: self._wandb.Video(path, format="mp4")}, step=step)

    def save_file(self, path: str) -> None:
        """Upload (or, offline, copy into the run) a file such as a checkpoint."""
        self._wandb.save(path, base_path=os.path.dirname(path), policy="now")

    def close(self) -> None:
        """Finish the run."""
        self.run.finish()


class MultiWriter(LogWriter):
    """Fan-out to several writers."""

    def __init__(self, writers: list[LogWriter]) -> None:
        """Wrap ``writers``."""
        self.writers = writers

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        """Record a scalar in every writer."""
        for w in self.writers:
            w.add_scalar(tag, value, step)

    def add_video(self, tag: str, path: str, frames: Any, step: int) -> None:
        """Record a video in every writer."""
        for w in self.writers:
            w.add_video(tag, path, frames, step)

    def save_file(self, path: str) -> None:
        """Register a file with every writer."""
        for w in self.writers:
            w.save_file(path)

    def flush(self) -> None:
        """Flush every writer."""
        for w in self.writers:
            w.flush()

    def close(self) -> None:
        """Close every writer."""
        for w in self.writers:
            w.close()


def make_writers(
    log_dir: str, use_wandb: bool, project: str, run_name: str, note: str, config: dict[str, Any] | None
) -> MultiWriter:
    """TensorBoard always, plus W&B when ``use_wandb``."""
    writers: list[LogWriter] = [TensorBoardWriter(log_dir)]
    if use_wandb:
        writers.append(WandbWriter(log_dir, project, run_name, note, config))
    return MultiWriter(writers)
