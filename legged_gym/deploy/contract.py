"""Load and validate the exported policy contract ``policy.json`` (see ``rsl_rl/utils/export.py``).

The contract has policy-side fields at the top level (``inputs``, ``num_actions``, ``files``) and the
environment side under ``env`` (joint order, default pose, gains, action processing, rates and every
observation key with its terms and history layout). Every check raises :class:`ContractError` (a
``ValueError``) whose one-line message names the file and the offending field.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ContractError", "HeldJoints", "HistorySpec", "KeySpec", "PolicyContract", "TermSpec", "load_contract", "resolve_model_path"]

# Observation scales of the training config; used for the ``commands`` term (whose scales are applied inside the
# term, so policy.json records scale 1.0 for it) when the contract's other terms do not reveal them.
DEFAULT_COMMAND_SCALES = (2.0, 2.0, 0.25)  # lin_vel, lin_vel, ang_vel (ObsScalesCfg defaults)
DEFAULT_GAIT_PERIOD = 0.8  # [s] G1 gait clock (GaitCfg.period); policy.json does not record it


class ContractError(ValueError):
    """policy.json is missing a field or holds an inconsistent value."""


@dataclass
class TermSpec:
    """One term of an observation key: name, flat size and the scale applied to its physical value."""

    name: str
    dim: int
    scale: float


@dataclass
class KeySpec:
    """An observation key assembled from terms (concatenated in order, then clipped)."""

    name: str
    shape: tuple[int, ...]
    terms: list[TermSpec]


@dataclass
class HistorySpec:
    """A ``history_<key>`` observation: the last ``length`` frames of ``history_of``."""

    name: str
    history_of: str
    length: int
    newest_first: bool
    shape: tuple[int, ...]
    reset_zeros: bool = False  # after a reset: older slots zero (True) or every slot the first frame (False)


@dataclass
class HeldJoints:
    """Actuated joints the policy does not drive, held at ``default_joint_pos`` by PD (``env.held_joints``)."""

    joint_names: list[str]
    default_joint_pos: np.ndarray
    kp: np.ndarray
    kd: np.ndarray
    effort_limits: np.ndarray


@dataclass
class PolicyContract:
    """The validated content of policy.json, as numpy arrays in the policy's joint order."""

    path: str
    folder: str
    input_names: list[str]
    input_shapes: dict[str, tuple[int, ...]]
    num_actions: int
    files: dict[str, str]
    joint_names: list[str]
    default_joint_pos: np.ndarray
    kp: np.ndarray
    kd: np.ndarray
    effort_limits: np.ndarray
    action_scale: float
    clip_actions: float
    action_ema_beta: float
    sim_dt: float
    decimation: int
    control_dt: float
    clip_observations: float
    keys: dict[str, KeySpec]
    histories: dict[str, HistorySpec]
    command_scales: tuple[float, float, float] = DEFAULT_COMMAND_SCALES
    gait_period: float = DEFAULT_GAIT_PERIOD
    held: HeldJoints | None = None
    feet_body_names: list[str] = field(default_factory=list)  # for sim2sim's gait statistics (optional)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def file(self, kind: str) -> str:
        """Absolute path of the exported policy file of ``kind`` ('onnx' or 'torchscript')."""
        name = self.files.get(kind)
        if not name:
            raise ContractError(f"{self.path}: 'files' has no '{kind}' entry (it has {sorted(self.files)})")
        return os.path.join(self.folder, name)


def resolve_model_path(load_model: str) -> tuple[str, str | None]:
    """``(policy.json path, backend implied by the file or None)`` for a folder, policy.json, .onnx or .pt path.

    Raises:
        FileNotFoundError: the path or the policy.json next to it does not exist.
    """
    path = os.path.abspath(os.path.expanduser(load_model))
    if not os.path.exists(path):
        raise FileNotFoundError(f"--load_model {load_model}: no such file or folder")
    backend = None
    if os.path.isdir(path):
        folder = path
        if not os.path.exists(os.path.join(folder, "policy.json")) and os.path.isdir(os.path.join(folder, "exported")):
            folder = os.path.join(folder, "exported")
    else:
        folder = os.path.dirname(path)
        ext = os.path.splitext(path)[1]
        backend = {".onnx": "onnx", ".pt": "torchscript", ".json": None}.get(ext, "?")
        if backend == "?":
            raise ContractError(f"--load_model {load_model}: expected an exported folder, policy.json, .onnx or .pt file")
        if ext == ".json":
            return path, None
    json_path = os.path.join(folder, "policy.json")
    if not os.path.exists(json_path):
        raise FileNotFoundError(f"{json_path}: no policy.json next to --load_model {load_model}; run export.py first")
    return json_path, backend


def _need(d: dict[str, Any], key: str, where: str, path: str) -> Any:
    if not isinstance(d, dict) or key not in d:
        raise ContractError(f"{path}: missing field '{where}{key}'")
    return d[key]


def _number(value: Any, where: str, path: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ContractError(f"{path}: field '{where}' must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise ContractError(f"{path}: field '{where}' must be > 0, got {value!r}")
    return float(value)


def _vector(value: Any, n: int, where: str, path: str) -> np.ndarray:
    if not isinstance(value, list) or len(value) != n:
        got = len(value) if isinstance(value, list) else type(value).__name__
        raise ContractError(f"{path}: field '{where}' must be a list of {n} numbers (one per joint), got {got}")
    return np.array([_number(v, f"{where}[{i}]", path) for i, v in enumerate(value)], dtype=np.float64)


def load_contract(json_path: str) -> PolicyContract:
    """Read and validate ``policy.json``.

    Raises:
        FileNotFoundError: the file does not exist.
        ContractError: a field is missing, has the wrong type, or disagrees with another field.
    """
    if not os.path.exists(json_path):
        raise FileNotFoundError(f"{json_path}: no such policy.json")
    try:
        with open(json_path) as f:
            raw = json.load(f)
    except json.JSONDecodeError as exc:
        raise ContractError(f"{json_path}: not valid JSON ({exc})") from None
    p = json_path
    inputs = _need(raw, "inputs", "", p)
    if not isinstance(inputs, list) or not inputs:
        raise ContractError(f"{p}: field 'inputs' must be a non-empty list")
    input_shapes: dict[str, tuple[int, ...]] = {}
    for i, spec in enumerate(inputs):
        name = _need(spec, "name", f"inputs[{i}].", p)
        shape = _need(spec, "shape", f"inputs[{i}].", p)
        proc = spec.get("processing", "identity")
        if proc not in ("identity", "flatten", "gated_to_hidden"):  # the policy file processes the raw observation
            raise ContractError(f"{p}: inputs[{i}] '{name}' has processing {proc!r}; only 'identity', 'flatten' and "
                                "'gated_to_hidden' are supported")
        input_shapes[name] = tuple(int(d) for d in shape)
    num_actions = int(_need(raw, "num_actions", "", p))
    files = _need(raw, "files", "", p)
    env = _need(raw, "env", "", p)
    joints = _need(env, "joint_names", "env.", p)
    if not isinstance(joints, list) or len(joints) != num_actions or not all(isinstance(j, str) for j in joints):
        raise ContractError(f"{p}: field 'env.joint_names' must list {num_actions} joint names (num_actions)")
    if len(set(joints)) != len(joints):
        raise ContractError(f"{p}: field 'env.joint_names' names a joint twice")
    vec = lambda k: _vector(_need(env, k, "env.", p), num_actions, f"env.{k}", p)  # noqa: E731
    num = lambda k, pos=False: _number(_need(env, k, "env.", p), f"env.{k}", p, pos)  # noqa: E731
    sim_dt, decimation, control_dt = num("sim_dt", True), int(num("decimation", True)), num("control_dt", True)
    if abs(sim_dt * decimation - control_dt) > 1e-9:
        raise ContractError(f"{p}: env.sim_dt * env.decimation = {sim_dt * decimation} != env.control_dt {control_dt}")
    quat = env.get("quaternion_order", "wxyz")
    if quat != "wxyz":
        raise ContractError(f"{p}: field 'env.quaternion_order' is {quat!r}; MuJoCo deployment expects 'wxyz'")
    keys, histories = _parse_observations(_need(env, "observations", "env.", p), p)
    for name, shape in input_shapes.items():
        spec = keys.get(name) or histories.get(name)
        if spec is None:
            raise ContractError(f"{p}: policy input '{name}' is not described in 'env.observations' ({sorted(keys)})")
        if tuple(spec.shape) != shape:
            raise ContractError(f"{p}: policy input '{name}' has shape {list(shape)} but env.observations says {list(spec.shape)}")
    all_terms = {t.name: t.scale for k in keys.values() for t in k.terms}
    cmd = env.get("command_scales")
    if cmd is None:
        lin, ang = all_terms.get("base_lin_vel", DEFAULT_COMMAND_SCALES[0]), all_terms.get("base_ang_vel", DEFAULT_COMMAND_SCALES[2])
        cmd = (lin, lin, ang)
    return PolicyContract(
        path=p, folder=os.path.dirname(os.path.abspath(p)), input_names=list(input_shapes), input_shapes=input_shapes,
        num_actions=num_actions, files=dict(files), joint_names=list(joints), default_joint_pos=vec("default_joint_pos"),
        kp=vec("kp"), kd=vec("kd"), effort_limits=vec("effort_limits"), action_scale=num("action_scale"),
        clip_actions=num("clip_actions", True), action_ema_beta=num("action_ema_beta", True), sim_dt=sim_dt,
        decimation=decimation, control_dt=control_dt, clip_observations=num("clip_observations", True), keys=keys,
        histories=histories, command_scales=tuple(float(c) for c in cmd),
        gait_period=float(env.get("gait_period", DEFAULT_GAIT_PERIOD)), held=_parse_held(env, joints, p),
        feet_body_names=_parse_names(env, "feet_body_names", p), raw=raw,
    )


def _parse_names(env: dict[str, Any], key: str, p: str) -> list[str]:
    """An optional list of names under ``env.<key>`` (empty when absent)."""
    names = env.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ContractError(f"{p}: field 'env.{key}' must be a list of body names, got {names!r}")
    return list(names)


def _parse_held(env: dict[str, Any], joints: list[str], p: str) -> HeldJoints | None:
    """``env.held_joints`` (joints held at their default angles by PD), or None when every joint is a policy joint."""
    held = env.get("held_joints")
    if held is None:
        return None
    names = _need(held, "joint_names", "env.held_joints.", p)
    if not isinstance(names, list) or not all(isinstance(j, str) for j in names) or set(names) & set(joints):
        raise ContractError(f"{p}: field 'env.held_joints.joint_names' must list joint names not in env.joint_names")
    vec = lambda k: _vector(_need(held, k, "env.held_joints.", p), len(names), f"env.held_joints.{k}", p)  # noqa: E731
    return HeldJoints(list(names), vec("default_joint_pos"), vec("kp"), vec("kd"), vec("effort_limits"))


def _parse_observations(obs: Any, p: str) -> tuple[dict[str, KeySpec], dict[str, HistorySpec]]:
    if not isinstance(obs, dict) or not obs:
        raise ContractError(f"{p}: field 'env.observations' must be a non-empty mapping of observation keys")
    keys: dict[str, KeySpec] = {}
    histories: dict[str, HistorySpec] = {}
    for name, spec in obs.items():
        where = f"env.observations.{name}."
        shape = tuple(int(d) for d in _need(spec, "shape", where, p))
        if "history_of" in spec:
            order = _need(spec, "order", where, p)
            if order not in ("newest_first", "oldest_first"):
                raise ContractError(f"{p}: field '{where}order' must be 'newest_first' or 'oldest_first', got {order!r}")
            length = int(_need(spec, "length", where, p))
            fill = spec.get("reset_fill", "first_frame")
            if fill not in ("first_frame", "zeros"):
                raise ContractError(f"{p}: field '{where}reset_fill' must be 'first_frame' or 'zeros', got {fill!r}")
            histories[name] = HistorySpec(name, spec["history_of"], length, order == "newest_first", shape, fill == "zeros")
            continue
        terms = _need(spec, "terms", where, p)
        if not isinstance(terms, list) or not terms:
            raise ContractError(f"{p}: field '{where}terms' must be a non-empty list")
        parsed = [
            TermSpec(str(_need(t, "name", f"{where}terms[{i}].", p)), int(_need(t, "dim", f"{where}terms[{i}].", p)),
                     _number(t.get("scale", 1.0), f"{where}terms[{i}].scale", p))
            for i, t in enumerate(terms)
        ]
        if int(np.prod(shape)) != sum(t.dim for t in parsed):
            raise ContractError(f"{p}: '{where}shape' {list(shape)} does not match its terms' dims {[t.dim for t in parsed]}")
        keys[name] = KeySpec(name, shape, parsed)
    for h in histories.values():
        base = keys.get(h.history_of)
        if base is None:
            raise ContractError(f"{p}: env.observations.{h.name} is a history of unknown key '{h.history_of}'")
        if h.shape != (h.length,) + base.shape:
            raise ContractError(f"{p}: env.observations.{h.name} shape {list(h.shape)} != [length] + {list(base.shape)}")
    return keys, histories
