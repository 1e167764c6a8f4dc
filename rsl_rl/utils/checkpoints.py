# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Checkpoint files: atomic saving, safe loading, locating runs and checkpoints.

Layout: ``<root>/<YYYYmmdd_HHMMSS>_<name>/model_<n>.pt`` where ``root`` is ``logs/<experiment_name>``.

A checkpoint is a dict of tensors and plain Python containers only, so it loads with
``torch.load(path, weights_only=True)`` (no arbitrary unpickling). Keys (see :data:`CHECKPOINT_KEYS`):
``model_state_dict``, ``optimizer_state_dict``, ``iter``, ``policy_cfg``, ``obs_shapes``, ``num_actions``,
``config``, ``infos``, ``rsl_rl_version``, ``format_version``.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Mapping
from typing import Any

import torch

__all__ = [
    "CHECKPOINT_FORMAT_VERSION",
    "CHECKPOINT_KEYS",
    "CheckpointError",
    "atomic_torch_save",
    "check_state_dict_compatible",
    "get_load_path",
    "latest_checkpoint_in",
    "list_checkpoints",
    "load_checkpoint",
    "remove_stale_temporaries",
    "save_weights_only",
]

CHECKPOINT_FORMAT_VERSION = 1
CHECKPOINT_KEYS = (
    "model_state_dict",
    "optimizer_state_dict",
    "iter",
    "policy_cfg",
    "obs_shapes",
    "num_actions",
    "config",
    "infos",
    "rsl_rl_version",
)
_MODEL_RE = re.compile(r"^model_(\d+)\.pt$")


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable, or does not fit the network it is loaded into."""


def atomic_torch_save(obj: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save`` to ``path`` atomically.

    Writes to a hidden temporary file in the same directory, flushes and fsyncs it, then ``os.replace``-s it over
    ``path``. A crash or exception at any point leaves either the old file or the new one under ``path``, never a
    partial file; on exception the temporary file is removed.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(directory)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


_TMP_RE = re.compile(r"^\.model_\d+\.pt\..+\.tmp$")


def remove_stale_temporaries(directory: str) -> list[str]:
    """Delete the temporary files an interrupted save left in ``directory`` (``.model_<n>.pt.*.tmp``)."""
    removed = []
    for name in os.listdir(directory):
        if _TMP_RE.match(name):
            try:
                os.remove(os.path.join(directory, name))
                removed.append(name)
            except OSError:
                pass
    return removed


def load_checkpoint(path: str | os.PathLike[str], map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` and check that it has the required keys.

    Raises:
        CheckpointError: The file is missing, unreadable / not a torch file, not a dict, or lacks required keys.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"Checkpoint file '{path}' does not exist")
    try:
        data = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # noqa: BLE001 - re-raised with the file name
        raise CheckpointError(
            f"Could not read checkpoint '{path}' with torch.load(weights_only=True): {type(e).__name__}: {e}"
        ) from e
    if not isinstance(data, dict):
        raise CheckpointError(
            f"Checkpoint '{path}' holds a {type(data).__name__}, expected a dict with {list(CHECKPOINT_KEYS)}"
        )
    missing = [k for k in ("model_state_dict", "policy_cfg") if k not in data]
    if missing:
        raise CheckpointError(
            f"Checkpoint '{path}' lacks the keys {missing}; it has {sorted(data)} (expected {list(CHECKPOINT_KEYS)})"
        )
    _check_field_types(path, data)
    bad = [k for k, v in data["model_state_dict"].items() if torch.is_floating_point(v) and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"Checkpoint '{path}' holds a non-finite policy: NaN or infinite values in {bad[:5]}")
    return data


def _check_field_types(path: str, data: dict[str, Any]) -> None:
    """The fields every loader reads have the types it reads them as (a crafted file gets a clear error)."""
    sd = data["model_state_dict"]
    if not isinstance(sd, Mapping) or not all(isinstance(k, str) and torch.is_tensor(v) for k, v in sd.items()):
        raise CheckpointError(f"Checkpoint '{path}': field 'model_state_dict': expected a dict of name -> tensor, "
                              f"got {type(sd).__name__}")
    for key, types, expected in (("policy_cfg", (Mapping,), "a dict"), ("obs_shapes", (Mapping,), "a dict"),
                                 ("config", (Mapping,), "a dict"), ("infos", (Mapping,), "a dict"),
                                 ("optimizer_state_dict", (Mapping,), "a dict")):
        if key in data and not isinstance(data[key], types):
            raise CheckpointError(f"Checkpoint '{path}': field '{key}': expected {expected}, got "
                                  f"{type(data[key]).__name__}")
    if "learning_rate" in data and (isinstance(data["learning_rate"], bool) or not isinstance(
            data["learning_rate"], (int, float)) or not math.isfinite(data["learning_rate"]) or data["learning_rate"] < 0):
        raise CheckpointError(f"Checkpoint '{path}': field 'learning_rate': expected a finite number >= 0, got "
                              f"{data['learning_rate']!r}")
    for key in ("iter", "num_actions", "total_timesteps"):
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], int) or data[key] < 0):
            raise CheckpointError(f"Checkpoint '{path}': field '{key}': expected an integer >= 0, got {data[key]!r}")


MIRROR_KEY_PARTS = (".obs_mirror.", ".out_mirror.")  # the buffers of rsl_rl.modules.ObsMLP's mirror


def _is_mirror_key(key: str) -> bool:
    return any(part in key for part in MIRROR_KEY_PARTS)


def holds_mirror_symmetric_policy(ckpt: Mapping[str, Any]) -> bool:
    """Whether a loaded checkpoint's policy was built mirror-symmetric (``policy.mirror_symmetric``); a policy config
    without the field (older checkpoints) is a plain policy."""
    return bool((ckpt.get("policy_cfg") or {}).get("mirror_symmetric", False))


def check_state_dict_compatible(
    model_sd: Mapping[str, torch.Tensor], loaded_sd: Mapping[str, torch.Tensor], strict: bool, path: str
) -> tuple[list[str], list[str]]:
    """Compare a checkpoint's state dict with the model's.

    Shape mismatches are always errors. Missing and unexpected keys are errors when ``strict``; otherwise they are
    returned (typically a newly added ``gated_to_hidden`` projection missing from an older checkpoint). A symmetric
    model's mirror buffers may be missing (the environment sets them); a checkpoint's mirror buffers that the model
    lacks are always an error.

    Returns:
        ``(missing_keys, unexpected_keys)``.

    Raises:
        CheckpointError: Naming ``path`` and listing what did not match.
    """
    # a symmetric policy's mirror buffers come from the environment before loading, so a plain checkpoint lacks
    # nothing; a symmetric checkpoint in a plain model would silently lose its symmetry
    missing = [k for k in model_sd if k not in loaded_sd and not _is_mirror_key(k)]
    unexpected = [k for k in loaded_sd if k not in model_sd]
    if any(_is_mirror_key(k) for k in unexpected):
        raise CheckpointError(f"Checkpoint '{path}' holds a mirror-symmetric policy (policy.mirror_symmetric=True) "
                              "and the model is a plain one: load it with --train.policy.mirror_symmetric=True")
    mismatched = [
        f"{k}: checkpoint {tuple(loaded_sd[k].shape)} vs model {tuple(model_sd[k].shape)}"
        for k in model_sd
        if k in loaded_sd and tuple(loaded_sd[k].shape) != tuple(model_sd[k].shape)
    ]
    problems = []
    if mismatched:
        problems.append(f"shape mismatch: {mismatched}")
    if strict and missing:
        problems.append(f"missing keys: {missing}")
    if strict and unexpected:
        problems.append(f"unexpected keys: {unexpected}")
    if problems:
        hint = " (use load_model_strict=False to allow missing/unexpected keys)" if strict and not mismatched else ""
        raise CheckpointError(f"Checkpoint '{path}' does not match the policy: " + "; ".join(problems) + hint)
    return missing, unexpected


def list_checkpoints(run_dir: str) -> list[tuple[int, str]]:
    """``[(n, path), ...]`` of the ``model_<n>.pt`` files in ``run_dir``, sorted by ``n`` (a number, not a string)."""
    if not os.path.isdir(run_dir):
        return []
    found = []
    for name in os.listdir(run_dir):
        m = _MODEL_RE.match(name)
        if m and os.path.isfile(os.path.join(run_dir, name)):
            found.append((int(m.group(1)), os.path.join(run_dir, name)))
    return sorted(found)


def latest_checkpoint_in(run_dir: str) -> str:
    """Path of the highest-numbered readable ``model_<n>.pt`` in ``run_dir``; unreadable newer ones (a truncated file
    from a killed save) are skipped with a message naming each.

    Raises:
        CheckpointError: No such directory, no checkpoint in it (lists what the directory holds), or none readable.
    """
    if not os.path.isdir(run_dir):
        raise CheckpointError(f"Run directory '{run_dir}' does not exist")
    ckpts = list_checkpoints(run_dir)
    if not ckpts:
        raise CheckpointError(
            f"No model_<n>.pt checkpoint in '{run_dir}'; it contains: {sorted(os.listdir(run_dir))}"
        )
    skipped = []
    for _, path in reversed(ckpts):  # the newest readable one: a kill during a save can leave a broken newest file
        try:
            load_checkpoint(path)
        except CheckpointError as exc:
            print(f"[rsl_rl] skipping unreadable checkpoint {path}: {exc}", flush=True)
            skipped.append(os.path.basename(path))
            continue
        return path
    raise CheckpointError(f"No readable checkpoint in '{run_dir}': {skipped} could not be read")


def get_load_path(root: str, load_run: str | int = "-1", checkpoint: int = -1) -> str:
    """Resolve the checkpoint file to load.

    Args:
        root: Experiment directory holding run directories ``<YYYYmmdd_HHMMSS>_<name>``.
        load_run: ``"-1"`` (or ``-1``) for the latest run directory (by name, i.e. by timestamp prefix) that contains
            checkpoints; or a run directory name under ``root``; or a path (absolute or relative to the current
            directory) to a run directory or directly to a ``.pt`` file.
        checkpoint: ``-1`` for the highest ``model_<n>.pt`` by number (``model_10`` > ``model_9``), or ``n``.

    Returns:
        The checkpoint file path.

    Raises:
        CheckpointError: Nothing matches; the message lists the runs / checkpoints that exist.
    """
    load_run = str(load_run)
    if load_run == "-1":
        if not os.path.isdir(root):
            raise CheckpointError(f"Experiment directory '{root}' does not exist; cannot find the latest run")
        runs = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
        with_ckpt = [d for d in runs if list_checkpoints(os.path.join(root, d))]
        if not with_ckpt:
            raise CheckpointError(f"No run directory with model_<n>.pt checkpoints under '{root}'; runs found: {runs}")
        run_dir = os.path.join(root, with_ckpt[-1])
    else:
        candidates = [os.path.join(root, load_run), load_run]
        files = [c for c in candidates if os.path.isfile(c)]
        if files:
            return files[0]
        dirs = [c for c in candidates if os.path.isdir(c)]
        if not dirs:
            runs = sorted(os.listdir(root)) if os.path.isdir(root) else []
            raise CheckpointError(
                f"Run '{load_run}' not found: neither '{candidates[0]}' nor '{candidates[1]}' exists. "
                f"Runs under '{root}': {runs}"
            )
        run_dir = dirs[0]
    if checkpoint == -1:
        return latest_checkpoint_in(run_dir)
    path = os.path.join(run_dir, f"model_{checkpoint}.pt")
    if not os.path.isfile(path):
        available = [n for n, _ in list_checkpoints(run_dir)]
        raise CheckpointError(f"Checkpoint model_{checkpoint}.pt not in '{run_dir}'; available iterations: {available}")
    return path


def save_weights_only(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> dict[str, Any]:
    """Copy a checkpoint without its optimiser state (what inference, export and fine-tuning need).

    Returns:
        The saved dict.

    Raises:
        CheckpointError: ``src`` is unreadable, or a weight is NaN or infinite (nothing non-finite is written).
    """
    data = load_checkpoint(src)
    bad = [k for k, v in data["model_state_dict"].items() if torch.is_tensor(v) and not torch.isfinite(v).all()]
    if bad:
        raise CheckpointError(f"Checkpoint '{src}' has non-finite weights in {bad[:5]}; not copied")
    slim = {k: v for k, v in data.items() if k != "optimizer_state_dict"}
    atomic_torch_save(slim, dst)
    return slim
