"""deploy/ runs an exported tracking policy with numpy, mujoco and onnxruntime alone: torch and the training code are
blocked from import, and the shipped teacher still finishes its baked clip."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from legged_gym.deploy.contract import ContractError, load_contract
from legged_gym.deploy.tracking import ReferenceMotion, tracking_spec
from legged_gym.deploy.tracking_episode import resolve_references

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPORTED = os.path.join(ROOT, "resources", "policies", "g1_deepmimic", "exported")

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    ALLOWED = ("legged_gym", "legged_gym.deploy", "legged_gym.sim", "legged_gym.sim.hfield")

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            ours = name.split(".")[0] in ("legged_gym", "rsl_rl")
            if name.split(".")[0] == "torch" or (ours and not (name in ALLOWED or name.startswith("legged_gym.deploy."))):
                raise ImportError(f"blocked import of {name}")
            return None

    sys.meta_path.insert(0, Blocker())
    import legged_gym.deploy as deploy
    for mod in pkgutil.iter_modules(deploy.__path__):
        importlib.import_module(f"legged_gym.deploy.{mod.name}")
    from legged_gym.deploy.episode import run_sim2sim

    class Args:
        extra = {"load_model": sys.argv[1], "robot": sys.argv[2], "motion": ["stand", "walk_up_step"]}

    result = run_sim2sim(Args())
    assert [c["success"] for c in result["clips"]] == [True, True], result
    assert result["clips"][1]["terrain"] != "flat"  # the baked height field of the human-video clip
    assert not any(m == "torch" or m.startswith("torch.") for m in sys.modules), "torch was imported"
    print("NO_TORCH_OK", result["success_rate"])
    """
)


def test_exported_tracking_policy_runs_without_torch_or_training_code() -> None:
    robot = os.path.join(ROOT, "resources", "robots", "g1", "g1_23dof.xml")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, EXPORTED, robot], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=600)
    assert proc.returncode == 0 and "NO_TORCH_OK 1.0" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-3000:]


def test_a_motion_file_is_refused_by_the_deployment_side_with_the_way_out(tmp_path) -> None:
    """Raw motion files need the training readers: deploy/ says so (sim2sim.py prepares them)."""
    contract = load_contract(os.path.join(EXPORTED, "policy.json"))
    spec = tracking_spec(contract)
    names = [r.name for r in resolve_references({}, contract, spec)]
    assert names == ["stand", "walk", "walk_up_step"]  # every baked clip by default
    with pytest.raises(ValueError, match=r"--motion resources/x.pkl: not a clip baked into .*references.*sim2sim.py"):
        resolve_references({"motion": ["resources/x.pkl"]}, contract, spec)
    bad = tmp_path / "bad.npz"
    np.savez(bad, name=np.asarray("x"), root_pos=np.zeros((5, 3)))
    with pytest.raises(ContractError, match=r"bad.npz: reference arrays \['root_quat'"):
        ReferenceMotion.load(str(bad), contract, spec)
