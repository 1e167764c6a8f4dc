# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Where a run or an exported policy came from: command line, git commit and tree state, package versions."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
from typing import Any

__all__ = ["collect", "git_state", "write_git_diff"]

PACKAGES = ("torch", "numpy", "mujoco", "mujoco-warp", "warp-lang", "onnxruntime", "viser")
MAX_DIFF_BYTES = 5_000_000


def _git(repo: str, *cmd: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", repo, *cmd], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def _repo_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def git_state(repo: str | None = None) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the project's checkout (None outside a git tree)."""
    repo = repo or _repo_root()
    commit = _git(repo, "rev-parse", "HEAD")
    status = _git(repo, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit.strip() if commit else None, "dirty": bool(status.strip()) if status is not None else None}


def write_git_diff(path: str, repo: str | None = None) -> bool:
    """Write the uncommitted changes of tracked files (``git diff HEAD``) to ``path``; False when there are none."""
    diff = _git(repo or _repo_root(), "diff", "HEAD")
    if not diff:
        return False
    with open(path, "w") as f:
        f.write(diff[:MAX_DIFF_BYTES])
    return True


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def collect(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line, git commit and whether the tree was dirty, package versions."""
    return {"command": [os.path.basename(sys.executable), *(sys.argv if argv is None else argv)], **git_state(),
            "versions": _versions()}
