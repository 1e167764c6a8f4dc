"""Weights & Biases set-up: offline mode when no account is configured, so logging never blocks a run."""

from __future__ import annotations

import netrc
import os
from typing import Any


def has_wandb_credentials() -> bool:
    """Whether an API key is configured (environment variable or ~/.netrc entry for the W&B host)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        auth = netrc.netrc().hosts
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False
    return any("wandb" in host for host in auth)


def prepare_wandb(runner_cfg: Any) -> None:
    """If W&B logging is on and no credentials exist, switch it to offline mode (unless WANDB_MODE is set)."""
    if not getattr(runner_cfg, "use_wandb", False):
        print("Weights & Biases: off (TensorBoard only; --use_wandb turns it on)")
        return
    project = getattr(runner_cfg, "wandb_project", "") or getattr(runner_cfg, "experiment_name", "")
    if "WANDB_MODE" not in os.environ and not has_wandb_credentials():
        os.environ["WANDB_MODE"] = "offline"
        print(f"Weights & Biases: project '{project}', no account configured, logging offline "
              "(sync later with `wandb sync`).")
    else:
        print(f"Weights & Biases: project '{project}' ({os.environ.get('WANDB_MODE', 'online')})")
