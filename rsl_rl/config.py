# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Training configuration dataclasses.

Every field has a type annotation and a default, and only JSON-able types are used (bool, int, float, str, None,
list, dict), so a command-line layer can override any field by its dotted path
(``--train.algorithm.learning_rate=3e-4``) and the whole config can be written to ``config.json``.
Field names are part of the stable API: rename only with a version bump.

Task configs subclass these classes (changing defaults) or instantiate them with keyword arguments.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "PolicyCfg", "AlgorithmCfg", "DAggerCfg", "RunnerCfg", "TrainCfg", "coerce_cfg", "from_dict", "to_dict",
    "without_teacher",
]


@dataclass
class PolicyCfg:
    """Actor-critic network configuration.

    ``obs_proc_actor`` / ``obs_proc_critic`` map an observation key of the env's observation dict to a processing
    type; the dict ORDER defines the concatenation order of the network input. Processing types:

    - ``"identity"``: the observation must be ``(N, D)`` and is used as is.
    - ``"flatten"``: ``(N, ...)`` is flattened to ``(N, prod(...))``.
    - ``"embed"``: flatten, then ``Linear(in, embed_dim)`` + activation.
    - ``"gated_to_hidden"``: flatten, ``Linear(in, first hidden width)``, multiplied elementwise by a learnable gate
      initialised to zero, and added to the pre-activation output of the first MLP layer. A policy extended with
      such a key behaves exactly like the policy without it until the gate learns to open.
    """

    class_name: str = "ActorCritic"
    init_noise_std: float = 1.0
    re_init_std: bool = False
    actor_hidden_dims: list[int] = field(default_factory=lambda: [512, 256, 128])
    critic_hidden_dims: list[int] = field(default_factory=lambda: [512, 256, 128])
    activation: str = "elu"
    obs_proc_actor: dict[str, str] = field(default_factory=lambda: {"obs": "identity"})
    obs_proc_critic: dict[str, str] = field(default_factory=lambda: {"obs": "identity"})
    embed_dim: int = 64
    normalize_obs: bool = False
    # left-right symmetric by construction (needs the environment's mirror): actor (f(o) + m(f(m(o)))) / 2, critic
    # (V(o) + V(m(o))) / 2, std averaged with its mirror image; each network runs twice per call
    mirror_symmetric: bool = False


@dataclass
class AlgorithmCfg:
    """PPO hyper-parameters.

    Total loss = L_surr - entropy_coef * H + value_loss_coef * L_V + bounds_loss_coef * L_bounds (an algorithm
    built on PPO, such as DAgger, adds its own terms through ``PPO.auxiliary_losses``). The algorithm is the one
    ``class_name`` names; distillation is :class:`DAggerCfg` with ``class_name="DAgger"``.
    """

    class_name: str = "PPO"
    value_loss_coef: float = 1.0
    use_clipped_value_loss: bool = True
    clip_param: float = 0.2
    entropy_coef: float = 0.01
    # linear entropy schedule: entropy_coef at iteration 0 to entropy_coef_final at iteration entropy_decay_iterations,
    # constant after (None: entropy_coef throughout); the iteration counts from the run's start, resumes included
    entropy_coef_final: float | None = None
    entropy_decay_iterations: int = 0
    num_learning_epochs: int = 5
    num_mini_batches: int = 4
    learning_rate: float = 1e-3
    schedule: str = "adaptive"  # "fixed" | "adaptive"
    gamma: float = 0.99
    lam: float = 0.95
    desired_kl: float = 0.01
    max_grad_norm: float = 1.0
    lr_adapt_factor: float = 1.5
    min_lr: float = 1e-5
    max_lr: float = 1e-2
    bounds_loss_coef: float = 0.0
    clip_actions: float = 100.0  # bound of the bounds loss, sum |clamp(mu, +-clip) - mu| (legged_gym: the env's clip)
    normalize_advantage: bool = True
    # left-right mirror symmetry (rsl_rl.algorithms.symmetry; needs the environment's mirror()): double each
    # minibatch by its mirror image, and/or add symmetry_loss_coef * mean((pi(m(o)) - m(pi(o)))^2) to the loss
    symmetry_augmentation: bool = False
    symmetry_loss_coef: float = 0.0

    @classmethod
    def cfg_class_for(cls, d: dict[str, Any]) -> type[AlgorithmCfg]:
        """The config class a stored algorithm dict belongs to: :class:`DAggerCfg` for ``class_name="DAgger"`` or a
        dict with teacher fields, else this class."""
        if cls is AlgorithmCfg and (d.get("class_name") == "DAgger" or set(d) & _DAGGER_ONLY):
            return DAggerCfg
        return cls


@dataclass
class DAggerCfg(AlgorithmCfg):
    """DAgger: PPO plus behaviour cloning towards a frozen teacher.

    Total loss = (1 - bc) * (L_surr - entropy_coef * H) + value_loss_coef * L_V + bc * L_BC
    + bounds_loss_coef * L_bounds, with bc = ``bc_loss_coef``. The teacher is ``policy_to_clone`` (a checkpoint file
    or a run directory). With ``bc_loss_coef=0``, no teacher and ``take_teacher_actions=False`` the algorithm is
    plain PPO (RL fine-tuning of a student, the seed's last stage).

    ``use_multi_teacher=True`` distils from several teachers at once: one per entry of ``teacher_paths`` (checkpoint
    files or run directories; TorchScript exports with ``policy_to_clone_jitted``), each env cloning the teacher
    whose index the env reports in its observation ``teacher_index_key`` (shape (1,)). ``teacher_paths`` is usually
    filled by the training script from the env's per-clip teachers, ``policy_to_clone`` standing for clips without
    one.
    """

    class_name: str = "DAgger"
    bc_loss_coef: float = 1.0
    policy_to_clone: str | None = None
    policy_to_clone_jitted: bool = False
    take_teacher_actions: bool = False
    use_multi_teacher: bool = False  # one teacher per teacher_paths entry, routed per env by teacher_index_key
    teacher_index_key: str = "teacher_checkpoint_index"  # observation (N, 1): index into teacher_paths of each env
    teacher_paths: list[str] = field(default_factory=list)  # the teachers of use_multi_teacher, in index order


_DAGGER_ONLY = frozenset(f.name for f in dataclasses.fields(DAggerCfg)) - frozenset(
    f.name for f in dataclasses.fields(AlgorithmCfg))


def without_teacher(cfg: AlgorithmCfg) -> AlgorithmCfg:
    """The PPO part of an algorithm config (what acting, evaluating and exporting a policy need): a
    :class:`DAggerCfg` becomes an :class:`AlgorithmCfg` running PPO; other configs are returned as copies."""
    if not isinstance(cfg, DAggerCfg):
        return copy.deepcopy(cfg)
    kept = {f.name: copy.deepcopy(getattr(cfg, f.name)) for f in dataclasses.fields(AlgorithmCfg)}
    kept["class_name"] = "PPO"
    return AlgorithmCfg(**kept)


@dataclass
class RunnerCfg:
    """On-policy runner settings: rollout length, iterations, checkpointing, resume and logging."""

    num_steps_per_env: int = 24
    max_iterations: int = 1500
    cpu_max_iterations: int | None = None  # iterations on a CPU when neither --max_iterations nor this field is given
    save_interval: int = 50
    experiment_name: str = "test"
    run_name: str = ""
    resume: bool = False
    load_run: str = "-1"  # "-1" = latest run dir containing checkpoints; or a run dir name / path / .pt file
    checkpoint: int = -1  # -1 = highest model_<n>.pt by number
    resume_path: str | None = None  # explicit checkpoint file; wins over load_run/checkpoint
    load_optimizer: bool = True
    load_model_strict: bool = True
    use_wandb: bool = False
    wandb_project: str = ""  # "" = the experiment name
    wandb_note: str = ""
    log_interval: int = 1
    # torch threads on a CPU device while collecting rollouts (the simulator's own threads do the heavy work then;
    # a second torch thread only contends with them) and during the update (0 = torch's default, all cores)
    collect_threads: int = 1
    # iterations between evaluations by the runner's ``evaluator`` (a callable set by the task's training script,
    # e.g. tracking from frame 0 with the deterministic policy); logged under Eval/ and in eval_curve.csv; 0 = off
    eval_interval: int = 0
    video_interval: int = 0  # iterations between videos of the policy by the runner's ``video`` callable (0 = off)
    save_interval_s: float = 600.0  # also save when this much wall time passed since the last checkpoint (0 = off)
    verbose: bool = False  # print the full per-iteration block instead of one progress line
    # warn once when the value loss or the absolute mean reward goes beyond these (a diverging run, or reward scales
    # far off); 0 turns a warning off
    warn_value_loss: float = 1e6
    warn_mean_reward: float = 1e6
    update_threads: int = 0


@dataclass
class TrainCfg:
    """Top-level training config: seed, runner class and the three sections."""

    seed: int = 1
    runner_class_name: str = "OnPolicyRunner"
    policy: PolicyCfg = field(default_factory=PolicyCfg)
    algorithm: AlgorithmCfg = field(default_factory=AlgorithmCfg)
    runner: RunnerCfg = field(default_factory=RunnerCfg)


def to_dict(cfg: Any) -> dict[str, Any]:
    """Convert a (nested) config dataclass into a JSON-able dict (deep copy, caller's config untouched).

    Args:
        cfg: A dataclass instance (e.g. ``TrainCfg()``) or a dict (returned as a deep copy).

    Returns:
        A nested dict of plain Python values.
    """
    if isinstance(cfg, dict):
        return copy.deepcopy(cfg)
    if not dataclasses.is_dataclass(cfg) or isinstance(cfg, type):
        raise TypeError(f"to_dict expects a dataclass instance or a dict, got {type(cfg).__name__}: {cfg!r}")
    return dataclasses.asdict(cfg)


_T = TypeVar("_T")


def from_dict(cls: type[_T], d: dict[str, Any], strict: bool = True) -> _T:
    """Build a config dataclass from a (possibly partial) nested dict.

    Missing fields keep their defaults; nested dataclass sections are built recursively; unknown keys raise
    (or, with ``strict=False``, are dropped: used for configs stored by a task's config subclass).

    Args:
        cls: The dataclass type to build, e.g. ``TrainCfg``.
        d: Values by field name (nested dicts for nested sections).
        strict: Raise on unknown keys.

    Returns:
        A new instance of ``cls``.

    Raises:
        KeyError: A key is not a field of ``cls`` (the message lists the valid fields and close matches).
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"from_dict expects a dataclass type, got {cls!r}")
    if isinstance(d, dict) and hasattr(cls, "cfg_class_for"):
        cls = cls.cfg_class_for(d)
    if dataclasses.is_dataclass(d) and not isinstance(d, type):
        d = to_dict(d)
    if not isinstance(d, dict):
        raise TypeError(f"from_dict({cls.__name__}, ...) expects a dict, got {type(d).__name__}: {d!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    kwargs: dict[str, Any] = {}
    for key, value in d.items():
        if key not in names:
            if not strict:
                continue
            close = difflib.get_close_matches(key, names, n=3)
            hint = f" Did you mean {close}?" if close else ""
            raise KeyError(f"Unknown field '{key}' for {cls.__name__}.{hint} Valid fields are: {names}")
        ftype = hints.get(key)
        if isinstance(ftype, type) and dataclasses.is_dataclass(ftype) and isinstance(value, dict):
            if hasattr(ftype, "cfg_class_for"):
                ftype = ftype.cfg_class_for(value)
            kwargs[key] = from_dict(ftype, value, strict)
        else:
            kwargs[key] = copy.deepcopy(value)
    return cls(**kwargs)


def coerce_cfg(cfg: Any, cls: type[_T], strict: bool = True) -> _T:
    """Return a private copy of ``cfg`` as a ``cls`` instance (never the caller's object).

    ``None`` gives ``cls()``; an instance of ``cls`` or of a subclass is deep-copied (extra subclass fields kept);
    a dict is passed to :func:`from_dict` with ``strict``.

    Raises:
        TypeError: ``cfg`` is of another type.
    """
    if cfg is None:
        return cls()
    if isinstance(cfg, cls):
        return copy.deepcopy(cfg)
    if isinstance(cfg, dict):
        return from_dict(cls, cfg, strict)
    raise TypeError(f"Expected {cls.__name__}, a dict or None, got {type(cfg).__name__}: {cfg!r}")
