# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Export round trip: TorchScript and onnxruntime outputs equal act_inference; policy.json contract."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

import rsl_rl
from rsl_rl.config import PolicyCfg
from rsl_rl.modules import ActorCritic
from rsl_rl.utils.export import export_policy

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")

SHAPES = {"torso": (11,), "history": (5, 6), "terrain_height": (7, 7), "privileged": (3,)}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ActorCritic, dict[str, str]]:
    torch.manual_seed(0)
    cfg = PolicyCfg(
        actor_hidden_dims=[32, 16], critic_hidden_dims=[16], embed_dim=8, normalize_obs=True,
        obs_proc_actor={"history": "embed", "torso": "identity", "terrain_height": "gated_to_hidden"},
        obs_proc_critic={"torso": "identity", "privileged": "identity"},
    )
    ac = ActorCritic(SHAPES, 5, cfg)
    for _ in range(3):  # non-trivial normaliser statistics
        ac.update_normalization({k: torch.randn(64, *s) * 3 + 1 for k, s in SHAPES.items()})
    with torch.no_grad():  # an opened gate, so the gated path is exercised
        ac.actor.encoder.gated["terrain_height"].gate.normal_()
    out = tmp_path_factory.mktemp("export")
    paths = export_policy(ac, str(out), metadata={"joint_names": ["a", "b"], "control_dt": 0.02})
    return ac, paths


@pytest.mark.parametrize("batch", [1, 7])
def test_torchscript_and_onnx_match_act_inference(exported, batch: int) -> None:
    import onnxruntime as ort

    ac, paths = exported
    obs = {k: torch.randn(batch, *s) for k, s in SHAPES.items()}
    obs["unrelated_key"] = torch.randn(batch, 2)
    with torch.no_grad():
        expected = ac.act_inference(obs).numpy()
    scripted = torch.jit.load(paths["torchscript"])
    with torch.no_grad():
        torch.testing.assert_close(scripted(obs).numpy(), expected, atol=1e-5, rtol=0)
    session = ort.InferenceSession(paths["onnx"], providers=["CPUExecutionProvider"])
    inputs = session.get_inputs()
    assert [i.name for i in inputs] == ["history", "torso", "terrain_height"]
    assert [list(i.shape[1:]) for i in inputs] == [[5, 6], [11], [7, 7]]
    assert [o.name for o in session.get_outputs()] == ["actions"]
    (actions,) = session.run(["actions"], {i.name: obs[i.name].numpy() for i in inputs})
    assert actions.shape == (batch, 5)
    np.testing.assert_allclose(actions, expected, atol=1e-5, rtol=0)


def test_policy_json_contract(exported) -> None:
    import onnx

    ac, paths = exported
    with open(paths["json"]) as f:
        contract = json.load(f)
    assert contract["format_version"] == 1 and contract["rsl_rl_version"] == rsl_rl.__version__
    assert contract["inputs"] == [
        {"name": "history", "shape": [5, 6], "processing": "embed", "dtype": "float32"},
        {"name": "torso", "shape": [11], "processing": "identity", "dtype": "float32"},
        {"name": "terrain_height", "shape": [7, 7], "processing": "gated_to_hidden", "dtype": "float32"},
    ]
    assert contract["num_actions"] == 5 and contract["normalize_obs"] is True
    assert contract["files"] == {"torchscript": "policy.pt", "onnx": "policy.onnx"}
    assert contract["env"] == {"joint_names": ["a", "b"], "control_dt": 0.02}
    assert ActorCritic(SHAPES, 5, contract["policy_cfg"]).policy_cfg == ac.policy_cfg
    model = onnx.load(paths["onnx"])
    assert max(op.version for op in model.opset_import if op.domain in ("", "ai.onnx")) >= 17
    scripted = torch.jit.load(paths["torchscript"])
    assert list(scripted.input_keys) == ["history", "torso", "terrain_height"] and scripted.num_actions == 5
    assert all(p.device.type == "cpu" for p in scripted.parameters())


def test_export_rejects_bad_metadata_and_old_opset(exported, tmp_path) -> None:
    ac, _ = exported
    with pytest.raises(TypeError):
        export_policy(ac, str(tmp_path), metadata={"bad": object()})
    with pytest.raises(ValueError, match="opset_version must be >= 17"):
        export_policy(ac, str(tmp_path), opset_version=13)
    assert not os.path.exists(tmp_path / "policy.json")
