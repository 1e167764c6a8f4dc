# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Export a trained actor as TorchScript + ONNX + a self-describing ``policy.json``.

``export_policy`` writes into ``out_dir``:

- ``policy.pt``: TorchScript module, ``forward(obs: Dict[str, Tensor]) -> Tensor``. It takes the env's observation
  dict (extra keys are ignored), applies the actor's observation processing, the frozen normaliser and the actor MLP,
  and returns the deterministic action mean ``(N, A)``. Attributes: ``input_keys: List[str]``, ``num_actions: int``.
  Saved on CPU.
- ``policy.onnx``: opset >= 17, one float32 input per actor observation key (actor key order, named by the key,
  shape ``(batch, *env_shape)`` with a dynamic batch dim) and one output ``actions`` ``(batch, A)``.
- ``policy.json``::

      {
        "format_version": 1,
        "rsl_rl_version": "1.0.0",
        "inputs": [{"name": "torso", "shape": [79], "processing": "identity", "dtype": "float32"}, ...],
        "outputs": [{"name": "actions", "shape": [23], "dtype": "float32"}],
        "num_actions": 23,
        "normalize_obs": false,
        "policy_cfg": {...},
        "files": {"torchscript": "policy.pt", "onnx": "policy.onnx"},
        "env": {...}
      }

  The env's metadata (``VecEnv.export_metadata()``: joint names, default joint positions, gains, action scale/clip,
  EMA beta, control dt, decimation, observation definitions) is stored verbatim under the ``"env"`` key, so it can
  never collide with the policy-side keys.
"""

import copy
import json
import os
import warnings
from typing import Any

import torch
from torch import nn

import rsl_rl
from rsl_rl.modules.actor_critic import ActorCritic, ObsMLP

__all__ = ["POLICY_JSON_FORMAT_VERSION", "ExportedPolicy", "check_export", "export_policy"]

POLICY_JSON_FORMAT_VERSION = 1


class ExportedPolicy(nn.Module):
    """Scriptable deterministic actor: observation dict -> action mean."""

    input_keys: list[str]
    num_actions: int

    def __init__(self, actor: ObsMLP, input_keys: list[str], num_actions: int) -> None:
        """Wrap a copy of ``actor`` (evaluation mode, normaliser frozen)."""
        super().__init__()
        self.actor = copy.deepcopy(actor).cpu().eval()
        self.input_keys = list(input_keys)
        self.num_actions = int(num_actions)

    def forward(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Return the action mean ``(N, A)`` for the observation dict ``obs``."""
        return self.actor(obs)


class _OnnxPolicy(nn.Module):
    """Positional-input wrapper for ONNX: one tensor per actor key, in key order."""

    def __init__(self, policy: ExportedPolicy) -> None:
        super().__init__()
        self.policy = policy
        self.keys = list(policy.input_keys)

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        """Return the action mean for the actor inputs given positionally in ``input_keys`` order."""
        return self.policy(dict(zip(self.keys, tensors, strict=True)))


def export_policy(
    actor_critic: ActorCritic,
    out_dir: str,
    metadata: dict[str, Any] | None = None,
    obs_shapes: dict[str, tuple[int, ...]] | None = None,
    onnx: bool = True,
    opset_version: int = 17,
    provenance: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Write ``policy.pt``, ``policy.onnx`` and ``policy.json`` into ``out_dir`` (see the module docstring).

    Args:
        actor_critic: The trained policy (left unchanged; a CPU copy is exported).
        out_dir: Output directory (created if needed).
        metadata: The env side of the contract (``env.export_metadata()``), stored under ``"env"``; must be JSON-able.
        obs_shapes: Observation key -> shape without batch; defaults to ``actor_critic.obs_shapes``.
        onnx: Also write ``policy.onnx``.
        opset_version: ONNX opset (>= 17).
        provenance: Where the policy came from (checkpoint, iteration, command, git state), stored as is.

    Returns:
        ``{"torchscript": path, "onnx": path, "json": path}`` (no ``"onnx"`` when ``onnx=False``).

    Raises:
        KeyError: An actor key has no shape in ``obs_shapes``.
        ValueError: ``opset_version < 17``.
        TypeError: ``metadata`` is not JSON-able.
    """
    if opset_version < 17:
        raise ValueError(f"opset_version must be >= 17, got {opset_version}")
    shapes = {k: tuple(int(d) for d in v) for k, v in (obs_shapes or actor_critic.obs_shapes).items()}
    keys = list(actor_critic.actor_obs_keys)
    missing = [k for k in keys if k not in shapes]
    if missing:
        raise KeyError(f"export_policy: no shape for actor observation keys {missing}; obs_shapes has {shapes}")
    env_meta = json.loads(json.dumps(metadata or {}))  # validates JSON-ability, deep copy
    os.makedirs(out_dir, exist_ok=True)
    policy = ExportedPolicy(actor_critic.actor, keys, actor_critic.num_actions)
    paths = {"torchscript": os.path.join(out_dir, "policy.pt"), "json": os.path.join(out_dir, "policy.json")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch>=2.10 marks TorchScript deprecated; it still works
        scripted = torch.jit.script(policy)
    scripted.save(paths["torchscript"])

    if onnx:
        paths["onnx"] = os.path.join(out_dir, "policy.onnx")
        dummy = tuple(torch.zeros(1, *shapes[k]) for k in keys)
        dynamic_axes = {k: {0: "batch"} for k in keys}
        dynamic_axes["actions"] = {0: "batch"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _OnnxPolicy(policy), dummy, paths["onnx"], input_names=keys, output_names=["actions"],
                dynamic_axes=dynamic_axes, opset_version=opset_version, dynamo=False,
            )

    proc = actor_critic.cfg.obs_proc_actor
    contract = {
        "format_version": POLICY_JSON_FORMAT_VERSION,
        "rsl_rl_version": rsl_rl.__version__,
        "inputs": [
            {"name": k, "shape": list(shapes[k]), "processing": proc[k], "dtype": "float32"} for k in keys
        ],
        "outputs": [{"name": "actions", "shape": [actor_critic.num_actions], "dtype": "float32"}],
        "num_actions": actor_critic.num_actions,
        "normalize_obs": bool(actor_critic.cfg.normalize_obs),
        "policy_cfg": actor_critic.policy_cfg,
        "files": {name: os.path.basename(p) for name, p in paths.items() if name != "json"},
        "env": env_meta,
        "provenance": json.loads(json.dumps(provenance or {}, default=str)),
    }
    with open(paths["json"], "w") as f:
        json.dump(contract, f, indent=2)
    return paths


def check_export(out: str, policy: Any, obs: dict[str, torch.Tensor], tolerance: float = 1e-4) -> float:
    """Largest difference between the exported ``policy.pt`` / ``policy.onnx`` in ``out`` and ``policy`` (the
    deterministic training policy, observation dict -> actions) on ``obs``.

    Raises:
        ValueError: A difference above ``tolerance``, or a non-finite one (a NaN export never passes).
    """
    import onnxruntime as ort

    with torch.inference_mode():
        expected = policy(obs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        jit = torch.jit.load(os.path.join(out, "policy.pt"))
    diff_jit = (jit({k: v.cpu() for k, v in obs.items()}) - expected.cpu()).abs().max().item()
    sess = ort.InferenceSession(os.path.join(out, "policy.onnx"), providers=["CPUExecutionProvider"])
    feeds = {i.name: obs[i.name].cpu().numpy() for i in sess.get_inputs()}
    diff_onnx = float(abs(sess.run(None, feeds)[0] - expected.cpu().numpy()).max())
    worst = max(diff_jit, diff_onnx)
    print(f"exported to {out}: TorchScript max |diff| {diff_jit:.2e}, ONNX max |diff| {diff_onnx:.2e}")
    if not worst <= tolerance:  # NaN compares False: a non-finite export fails too
        raise ValueError(f"{out}: exported policy disagrees with the training policy by {worst:.2e}")
    return worst
