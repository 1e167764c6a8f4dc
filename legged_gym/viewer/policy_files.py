"""The policy files the viewer works with: the checkpoints of a run (and of the other runs of its experiment),
loading one into the running policy, and exporting the running policy into ``<run dir>/exported/``.

The viewer writes nothing anywhere else: :func:`export_dir` is the only output location.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rsl_rl.utils.checkpoints import list_checkpoints

__all__ = ["CheckpointCatalog", "export_dir", "export_policy"]


def export_dir(checkpoint: str) -> str:
    """``<run dir>/exported`` of the run that holds ``checkpoint``."""
    return os.path.join(os.path.dirname(os.path.abspath(checkpoint)), "exported")


@dataclass
class CheckpointCatalog:
    """``model_<n>.pt`` files offered in the checkpoint dropdown, labelled ``<run>/model_<n>.pt``.

    The run of the checkpoint being played comes first (newest checkpoint first), then the other runs of the same
    experiment folder (newest run first).
    """

    run_dir: str

    def __post_init__(self) -> None:
        self.run_dir = os.path.abspath(self.run_dir)
        self.experiment_dir = os.path.dirname(self.run_dir)
        self.paths: dict[str, str] = {}
        self.refresh()

    def refresh(self) -> list[str]:
        """Rescan the folders; returns the labels."""
        runs = [self.run_dir] + sorted(
            (os.path.join(self.experiment_dir, d) for d in os.listdir(self.experiment_dir)
             if os.path.join(self.experiment_dir, d) != self.run_dir
             and os.path.isdir(os.path.join(self.experiment_dir, d))),
            reverse=True,
        )
        self.paths = {}
        for run in runs:
            for _, path in reversed(list_checkpoints(run)):
                self.paths[self.label(path)] = path
        return list(self.paths)

    def label(self, path: str) -> str:
        """``<run folder name>/<file name>``."""
        return f"{os.path.basename(os.path.dirname(os.path.abspath(path)))}/{os.path.basename(path)}"

    def path(self, label: str) -> str:
        """The file behind a dropdown label.

        Raises:
            KeyError: A label that the last :meth:`refresh` did not list.
        """
        if label not in self.paths:
            raise KeyError(f"checkpoint '{label}' is not in {self.experiment_dir} (press Refresh)")
        return self.paths[label]


def export_policy(runner: Any, checkpoint: str, obs: dict[str, Any]) -> tuple[str, float]:
    """Export the runner's current policy into ``<run dir>/exported/`` and check it on ``obs``.

    Returns:
        (folder written, largest difference between the exports and the policy).

    Raises:
        ValueError: The exports disagree with the policy (see ``rsl_rl.utils.export.check_export``).
    """
    from rsl_rl.utils.export import check_export

    out = export_dir(checkpoint)
    runner.export(out)
    worst = check_export(out, runner.get_inference_policy(), obs)
    return out, worst
