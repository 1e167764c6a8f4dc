# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""On-policy training loop: rollouts, updates, logging, checkpoints, resume, multi-process."""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Callable
from typing import Any

import torch

import rsl_rl
from rsl_rl.algorithms import construct_algorithm
from rsl_rl.algorithms.ppo import PPO
from rsl_rl.algorithms.symmetry import env_mirror
from rsl_rl.config import TrainCfg, coerce_cfg, to_dict
from rsl_rl.env.vec_env import VecEnv
from rsl_rl.modules.actor_critic import ActorCritic
from rsl_rl.modules.normalizer import RunningNormalizer
from rsl_rl.runners.iteration_log import (
    EpisodeTracker,
    IterationStats,
    average_episode_infos,
    format_console,
    format_progress,
    write_scalars,
)
from rsl_rl.utils.checkpoints import (
    CHECKPOINT_FORMAT_VERSION,
    CheckpointError,
    atomic_torch_save,
    check_state_dict_compatible,
    get_load_path,
    holds_mirror_symmetric_policy,
    load_checkpoint,
)
from rsl_rl.utils import provenance
from rsl_rl.utils.checks import NonFiniteError, check_finite
from rsl_rl.utils.csv_log import append_csv_row
from rsl_rl.utils.distributed import broadcast_module, init_distributed
from rsl_rl.utils.resolve import resolve_class
from rsl_rl.utils.writers import MultiWriter, make_writers

__all__ = ["POLICIES", "OnPolicyRunner", "TrainingInterrupted"]

POLICIES: dict[str, type[ActorCritic]] = {"ActorCritic": ActorCritic}


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=str))


class TrainingInterrupted(Exception):
    """Training stopped by Ctrl-C after saving the current iteration (``checkpoint``; None when nothing was saved);
    ``end`` is the iteration the interrupted ``learn`` call was to reach."""

    def __init__(self, log_dir: str | None, checkpoint: str | None, iteration: int, end: int) -> None:
        super().__init__(f"interrupted at iteration {iteration} of {end}")
        self.log_dir, self.checkpoint, self.iteration, self.end = log_dir, checkpoint, iteration, end


class _ThreadPlan:
    """torch's intra-op thread count for rollouts and for updates on a CPU device (a no-op on GPUs)."""

    def __init__(self, device: torch.device, collect: int, update: int) -> None:
        self.active = device.type == "cpu"
        default = torch.get_num_threads()
        self.collect_n = collect if collect > 0 else default
        self.update_n = update if update > 0 else default

    def collect(self) -> None:
        if self.active:
            torch.set_num_threads(self.collect_n)

    def update(self) -> None:
        if self.active:
            torch.set_num_threads(self.update_n)


class OnPolicyRunner:
    """Trains a policy on a :class:`VecEnv` with PPO (or DAgger when ``algorithm.policy_to_clone`` is set).

    Multi-process: when ``multi_gpu`` is True or ``WORLD_SIZE > 1`` (torchrun), the process group is initialised
    (NCCL on ``cuda:LOCAL_RANK``, gloo on CPU), parameters are broadcast from rank 0 at the start of :meth:`learn`,
    gradients and the KL are averaged every minibatch, and only rank 0 writes logs, ``config.json`` and checkpoints.

    Resume: when ``runner.resume`` is True the constructor loads ``runner.resume_path`` if given, else
    ``get_load_path(dirname(log_dir), runner.load_run, runner.checkpoint)``, honouring ``load_optimizer`` and
    ``load_model_strict``; training then continues from the checkpoint's iteration. Checkpoints are written to the
    (new) ``log_dir``.

    Checkpoints are named ``model_<n>.pt`` where ``n`` is the number of completed iterations; they are written every
    ``save_interval`` iterations and at the end of :meth:`learn`.
    """

    def __init__(
        self,
        env: VecEnv,
        train_cfg: TrainCfg | dict[str, Any],
        log_dir: str | None = None,
        device: str = "cpu",
        cfg_to_save: dict[str, Any] | None = None,
        multi_gpu: bool = False,
    ) -> None:
        """Build policy, algorithm and storage; optionally resume.

        Args:
            env: The environment.
            train_cfg: Training config (dataclass or nested dict); a private copy is kept.
            log_dir: Run directory for checkpoints, ``config.json`` and logs (``None``: nothing is written).
            device: Training device (``cuda:LOCAL_RANK`` in multi-GPU runs).
            cfg_to_save: JSON-able dict written to ``config.json`` and stored in checkpoints (default: the train cfg).
            multi_gpu: Request multi-process training (torchrun).
        """
        self.cfg: TrainCfg = coerce_cfg(train_cfg, TrainCfg)
        self.env = env
        self.device = torch.device(device)
        self.rank_info = init_distributed(self.device, multi_gpu)
        self.is_main = self.rank_info.is_main
        self.log_dir = log_dir
        self.cfg_to_save = _jsonable(cfg_to_save if cfg_to_save is not None else to_dict(self.cfg))
        rc = self.cfg.runner
        if rc.use_wandb and self.is_main and importlib.util.find_spec("wandb") is None:
            raise ImportError(
                "runner.use_wandb=True but the 'wandb' package is not installed. Install it with "
                "`pip install -e .[wandb]` (or `pip install wandb`), or pass --no_use_wandb."
            )
        if rc.num_steps_per_env <= 0 or rc.save_interval <= 0 or rc.log_interval <= 0:
            raise ValueError(
                f"runner.num_steps_per_env, save_interval and log_interval must be > 0, got {rc.num_steps_per_env}, "
                f"{rc.save_interval}, {rc.log_interval}"
            )

        obs = env.get_observations()
        self.env_obs_shapes = self._obs_shapes(obs)
        policy_cls = resolve_class(self.cfg.policy.class_name, POLICIES, "policy.class_name")
        actor_critic = policy_cls(self.env_obs_shapes, env.num_actions, self.cfg.policy).to(self.device)
        if self.cfg.policy.mirror_symmetric:
            mirror = env_mirror(env, "policy.mirror_symmetric")
            mirror.check(actor_critic.obs_shapes, actor_critic.num_actions)
            actor_critic.set_mirror({k: (p.index, p.sign) for k, p in mirror.obs.items()},
                                    (mirror.actions.index, mirror.actions.sign))
        if self.rank_info.is_multi:
            for m in actor_critic.modules():
                if isinstance(m, RunningNormalizer):
                    m.sync_distributed = True
        self.alg: PPO = construct_algorithm(
            self.cfg.algorithm, actor_critic, self.env_obs_shapes, self.device, self.rank_info.world_size
        )
        if self.alg.uses_symmetry:
            self.alg.set_mirror(env_mirror(env))
        self.alg.init_storage(env.num_envs, rc.num_steps_per_env)
        self.current_learning_iteration = 0
        self.total_timesteps = 0
        self.total_time = 0.0
        self.writer: MultiWriter | None = None
        self.loaded_checkpoint: str | None = None  # the file load() read last (recorded in exports)
        self.loaded_provenance: dict[str, Any] | None = None
        # called every runner.eval_interval iterations with the deterministic policy; returns {name: value}
        # called every runner.video_interval iterations with the deterministic policy and the iteration; returns the
        # video file and its frames (set by the training script)
        self.video: Callable[[Callable[[dict[str, torch.Tensor]], torch.Tensor], int], tuple[str, Any]] | None = None
        self._progress_extra: dict[str, float] = {}  # latest evaluation means, shown in the progress line
        self.evaluator: Callable[[Callable[[dict[str, torch.Tensor]], torch.Tensor]], dict[str, float]] | None = None
        if rc.resume:
            self.load(self._resume_path(), load_optimizer=rc.load_optimizer, strict=rc.load_model_strict)
        if self.is_main:
            print(self.describe(), flush=True)

    # ------------------------------------------------------------------ helpers
    @property
    def actor_critic(self) -> ActorCritic:
        """The policy being trained."""
        return self.alg.actor_critic

    def _obs_shapes(self, obs: dict[str, torch.Tensor]) -> dict[str, tuple[int, ...]]:
        if not isinstance(obs, dict):
            raise TypeError(f"env.get_observations() must return dict[str, Tensor], got {type(obs).__name__}")
        bad = {k: tuple(v.shape) for k, v in obs.items() if v.dim() == 0 or v.shape[0] != self.env.num_envs}
        if bad:
            raise ValueError(f"Observations must have leading dim num_envs={self.env.num_envs}; got shapes {bad}")
        return {k: tuple(v.shape[1:]) for k, v in obs.items()}

    def describe(self) -> str:
        """One-screen summary of what is active: algorithm, networks, observation keys, teacher, ranks."""
        ac = self.actor_critic
        lines = [f"[rsl_rl {rsl_rl.__version__}] {type(self.alg).__name__} on {self.device}, "
                 f"world size {self.rank_info.world_size}, {self.env.num_envs} envs x "
                 f"{self.cfg.runner.num_steps_per_env} steps, {ac.num_actions} actions"]
        nets = (("actor", ac.actor, ac.cfg.obs_proc_actor), ("critic", ac.critic, ac.cfg.obs_proc_critic))
        for name, net, proc in nets:
            params = sum(p.numel() for p in net.parameters())
            keys = ", ".join(f"{k} {tuple(self.env_obs_shapes[k])} {t}" for k, t in proc.items())
            lines.append(f"  {name}: {params} params, inputs [{keys}], normalize_obs={ac.cfg.normalize_obs}")
        if getattr(self.alg, "skipped_symmetry", False):
            lines.append("  policy.mirror_symmetric: the policy is its own mirror image, so "
                         "algorithm.symmetry_augmentation and symmetry_loss_coef are no-ops and skipped")
        teacher = getattr(self.alg, "teacher", None)
        if teacher is not None:
            lines.append(f"  teacher: {teacher.path} reads {teacher.obs_keys}")
        if self.current_learning_iteration:
            lines.append(f"  resumed at iteration {self.current_learning_iteration}")
        return "\n".join(lines)

    def _to_device(self, obs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: v.to(self.device) for k, v in obs.items()}

    def _resume_path(self) -> str:
        rc = self.cfg.runner
        if rc.resume_path:
            return rc.resume_path
        if self.log_dir is None:
            raise ValueError("runner.resume=True needs runner.resume_path or a log_dir whose parent holds the runs")
        return get_load_path(os.path.dirname(os.path.abspath(self.log_dir)), rc.load_run, rc.checkpoint)

    def _init_logging(self) -> None:
        if not self.is_main or self.log_dir is None or self.writer is not None:
            return
        os.makedirs(self.log_dir, exist_ok=True)
        if self.cfg_to_save.get("provenance", {}).get("dirty"):
            provenance.write_git_diff(os.path.join(self.log_dir, "git_diff.patch"))
        if self.loaded_checkpoint is not None:
            self.cfg_to_save["resumed_from"] = {"checkpoint": self.loaded_checkpoint,
                                                "iteration": self.current_learning_iteration}
        cfg_path = os.path.join(self.log_dir, "config.json")
        tmp = cfg_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.cfg_to_save, f, indent=2)
        os.replace(tmp, cfg_path)
        rc = self.cfg.runner
        run_name = rc.run_name or os.path.basename(os.path.abspath(self.log_dir))
        self.writer = make_writers(
            self.log_dir, rc.use_wandb, rc.wandb_project or rc.experiment_name, run_name, rc.wandb_note, self.cfg_to_save
        )

    # ------------------------------------------------------------------ training
    def learn(self, num_learning_iterations: int, init_at_random_ep_len: bool = False) -> None:
        """Run ``num_learning_iterations`` iterations of rollout + update, continuing the iteration count.

        Args:
            num_learning_iterations: Iterations to run in this call.
            init_at_random_ep_len: Randomise ``env.episode_length_buf`` first so resets are spread out.

        Raises:
            NonFiniteError: NaN/Inf in actions, observations or rewards (naming the tensor and key).
        """
        env, alg, rc = self.env, self.alg, self.cfg.runner
        if init_at_random_ep_len:
            env.episode_length_buf = torch.randint_like(env.episode_length_buf, high=int(env.max_episode_length))
        if self.rank_info.is_multi:
            broadcast_module(self.actor_critic)
        self._init_logging()
        obs = self._to_device(env.get_observations())
        alg.train_mode()
        tracker = EpisodeTracker(env.num_envs, self.device)
        ep_infos: list[dict[str, Any]] = []
        start = self.current_learning_iteration
        end = start + num_learning_iterations
        steps_per_iter = rc.num_steps_per_env * env.num_envs * self.rank_info.world_size
        call_start = time.time()
        if start == 0 and num_learning_iterations > 0:
            self._evaluate()
        threads = _ThreadPlan(self.device, rc.collect_threads, rc.update_threads)
        last_save = time.time()
        try:
            self._iterate(start, end, obs, tracker, ep_infos, steps_per_iter, call_start, threads, last_save)
        except KeyboardInterrupt:
            raise self._interrupted(end) from None
        if self.log_dir is not None and num_learning_iterations > 0 and end % rc.save_interval != 0:
            self.save(os.path.join(self.log_dir, f"model_{end}.pt"))
        if self.writer is not None:
            self.writer.flush()

    def _interrupted(self, end: int) -> TrainingInterrupted:
        """Ctrl-C: save the current iteration (a second Ctrl-C during the save leaves the previous checkpoint)."""
        it = self.current_learning_iteration
        path = None
        if self.log_dir is not None and self.is_main and it > 0:
            path = os.path.join(self.log_dir, f"model_{it}.pt")
            print(f"\n[rsl_rl] interrupted: saving iteration {it} to {path} (Ctrl-C again to quit at once)", flush=True)
            self.save(path)
        if self.writer is not None:
            self.writer.flush()
        return TrainingInterrupted(self.log_dir, path, it, end)

    def _iterate(self, start: int, end: int, obs: dict[str, torch.Tensor], tracker: EpisodeTracker,
                 ep_infos: list[dict[str, Any]], steps_per_iter: int, call_start: float, threads: _ThreadPlan,
                 last_save: float) -> None:
        env, alg, rc = self.env, self.alg, self.cfg.runner
        for it in range(start, end):
            t0 = time.time()
            threads.collect()
            with torch.inference_mode():
                for step in range(rc.num_steps_per_env):
                    where = f"(iteration {it}, step {step})"
                    actions = alg.act(obs)
                    check_finite("actions", actions, where)
                    obs, rewards, dones, extras = env.step(actions.to(env.device))
                    obs, rewards, dones = self._to_device(obs), rewards.to(self.device), dones.to(self.device)
                    check_finite("observations", obs, where)
                    check_finite("rewards", rewards, where)
                    alg.process_env_step(rewards, dones, extras)
                    tracker.step(rewards, dones)
                    if extras and "episode" in extras:
                        ep_infos.append(extras["episode"])
                t1 = time.time()
                alg.compute_returns(obs)
            threads.update()
            try:
                alg.set_iteration(it)
                losses = alg.update()
            except NonFiniteError as exc:
                raise NonFiniteError(
                    f"iteration {it}: {exc}. Training stopped; no checkpoint of this iteration was written. Likely "
                    "causes: a learning rate too high for a fixed schedule, unbounded actions "
                    "(normalization.clip_actions), or a diverging simulation"
                ) from None
            t2 = time.time()
            self.current_learning_iteration = it + 1
            self.total_timesteps += steps_per_iter
            self.total_time += t2 - t0
            if self.is_main and (it + 1 - start) % rc.log_interval == 0:
                self._log(it, end, losses, t1 - t0, t2 - t1, steps_per_iter, tracker, ep_infos,
                          time.time() - call_start, it + 1 - start)
            ep_infos.clear()
            if rc.eval_interval > 0 and (it + 1) % rc.eval_interval == 0:
                self._evaluate()
            if self.video is not None and self.is_main and rc.video_interval > 0 and (it + 1) % rc.video_interval == 0:
                self._record_video(it + 1)
            due = (it + 1) % rc.save_interval == 0 or (0 < rc.save_interval_s <= time.time() - last_save)
            if self.log_dir is not None and due:
                self.save(os.path.join(self.log_dir, f"model_{it + 1}.pt"))
                last_save = time.time()

    def _in_eval_mode(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(deterministic policy, *args)`` with the policy in eval mode, restored afterwards."""
        was_training = self.actor_critic.training
        self.actor_critic.eval()
        try:
            return fn(self.actor_critic.act_inference, *args)
        finally:
            if was_training:
                self.actor_critic.train()

    def _record_video(self, iteration: int) -> None:
        path, frames = self._in_eval_mode(self.video, iteration)
        if self.writer is not None:
            self.writer.add_video("Video/policy", path, frames, iteration)
        print(f"[video] iteration {iteration}: {path}", flush=True)

    def _evaluate(self) -> dict[str, float] | None:
        """Run the evaluator (main rank only) with the deterministic policy; log, print and append to
        ``eval_curve.csv``. Returns its metrics (None when there is no evaluator or evaluations are off)."""
        if self.evaluator is None or self.cfg.runner.eval_interval <= 0 or not self.is_main:
            return None
        t0 = time.time()
        metrics = self._in_eval_mode(self.evaluator)
        it, steps = self.current_learning_iteration, self.total_timesteps
        if self.writer is not None:
            for k, v in metrics.items():
                self.writer.add_scalar(f"Eval/{k}", v, it)
        if self.log_dir is not None:
            append_csv_row(os.path.join(self.log_dir, "eval_curve.csv"),
                           {"iteration": it, "env_steps": steps, **{k: round(v, 6) for k, v in metrics.items()}})
        self._progress_extra = {f"eval {k.replace('/mean', '')}": v for k, v in metrics.items()
                                if k.endswith(("/mean", "/max"))}
        summary = ", ".join(f"{k} {v:.3f}" for k, v in metrics.items() if k.endswith(("/mean", "/max", "/all")))
        print(f"[eval] iteration {it}, {steps} env steps ({time.time() - t0:.1f} s): {summary}", flush=True)
        return metrics

    def _log(
        self, it: int, end: int, losses: dict[str, float], collection_time: float, learn_time: float,
        steps_per_iter: int, tracker: EpisodeTracker, ep_infos: list[dict[str, Any]], call_time: float,
        iterations_this_call: int,
    ) -> None:
        stats = IterationStats(
            iteration=it,
            last_iteration=end,
            losses=losses,
            mean_std=float(self.actor_critic.std.detach().mean()),
            collection_time=collection_time,
            learn_time=learn_time,
            steps_per_iteration=steps_per_iter,
            total_timesteps=self.total_timesteps,
            total_time=call_time,
            iterations_this_call=iterations_this_call,
            mean_reward=tracker.mean_reward,
            mean_episode_length=tracker.mean_length,
            episode=average_episode_infos(ep_infos),
            gates=self.actor_critic.gate_stats(),
        )
        if self.writer is not None:
            write_scalars(self.writer, stats)
        if self.cfg.runner.verbose:
            print(format_console(stats), flush=True)
        else:
            print(format_progress(stats, self._progress_extra), flush=True)
        self._warn_suspicious(it, losses.get("value_function", 0.0), tracker.mean_reward)

    def _warn_suspicious(self, it: int, value_loss: float, mean_reward: float | None) -> None:
        """Warn once per kind when the value loss or the mean reward is beyond ``runner.warn_*``."""
        rc = self.cfg.runner
        warned = self.__dict__.setdefault("_warned", set())
        checks = (("value loss", abs(value_loss), rc.warn_value_loss),
                  ("mean reward", abs(mean_reward) if mean_reward is not None else 0.0, rc.warn_mean_reward))
        for name, value, bound in checks:
            if bound > 0 and value > bound and name not in warned:
                warned.add(name)
                print(f"[rsl_rl] warning: iteration {it}: {name} {value:.3g} is beyond {bound:g} "
                      f"(runner.warn_{name.replace(' ', '_')}). Likely causes: reward scales far too large, a "
                      "learning rate too high, unbounded actions or a diverging simulation", flush=True)

    # ------------------------------------------------------------------ checkpoints
    def save(self, path: str, infos: dict[str, Any] | None = None) -> None:
        """Write a checkpoint atomically (rank 0 only; a no-op on other ranks).

        Keys: ``model_state_dict``, ``optimizer_state_dict``, ``iter``, ``total_timesteps``, ``learning_rate``,
        ``policy_cfg``, ``obs_shapes``,
        ``num_actions``, ``config``, ``infos``, ``rsl_rl_version``, ``format_version``; loadable with
        ``torch.load(path, weights_only=True)``.
        """
        if not self.is_main:
            return
        ac = self.actor_critic
        bad = [k for k, v in ac.state_dict().items() if torch.is_floating_point(v) and not bool(torch.isfinite(v).all())]
        if bad:
            raise NonFiniteError(f"refusing to write {path}: non-finite values in {bad[:5]}")
        ckpt = {
            "model_state_dict": ac.state_dict(),
            "optimizer_state_dict": self.alg.optimizer_state_dict(),
            "iter": int(self.current_learning_iteration),
            "total_timesteps": int(self.total_timesteps),
            "learning_rate": float(self.alg.learning_rate),
            "policy_cfg": ac.policy_cfg,
            "obs_shapes": {k: list(v) for k, v in ac.obs_shapes.items()},
            "num_actions": int(ac.num_actions),
            "config": self.cfg_to_save,
            "infos": _jsonable(infos or {}),
            "rsl_rl_version": rsl_rl.__version__,
            "format_version": CHECKPOINT_FORMAT_VERSION,
        }
        atomic_torch_save(ckpt, path)
        if self.writer is not None:
            self.writer.save_file(path)

    def load(self, path: str, load_optimizer: bool = True, strict: bool = True) -> dict[str, Any]:
        """Load a checkpoint (``weights_only=True``) into the policy (and optimiser), set the iteration counter.

        With ``strict=False`` missing/unexpected parameters are allowed (e.g. a ``gated_to_hidden`` projection added
        after the checkpoint was written); the optimiser state is then skipped because its layout differs. Shape
        mismatches are always errors. When ``policy.re_init_std`` is True the std is reset after loading.

        Returns:
            The checkpoint's ``infos`` dict.

        Raises:
            CheckpointError: Unreadable file or a model/optimiser that does not match, naming the file.
        """
        ckpt = load_checkpoint(path, map_location=self.device)
        ac = self.actor_critic
        missing, unexpected = check_state_dict_compatible(ac.state_dict(), ckpt["model_state_dict"], strict, path)
        ac.load_state_dict(ckpt["model_state_dict"], strict=False)
        if missing or unexpected:
            print(f"[rsl_rl] Loaded '{path}' non-strictly: missing keys {missing}, unexpected keys {unexpected}")
        if self.cfg.policy.mirror_symmetric and not holds_mirror_symmetric_policy(ckpt):
            print(f"[rsl_rl] '{path}' holds a plain policy and this model is mirror-symmetric "
                  "(policy.mirror_symmetric=True): it acts as the symmetrized policy, not as trained")
        optimizer_loaded = False
        if load_optimizer and "optimizer_state_dict" in ckpt:
            if missing or unexpected:
                print("[rsl_rl] Optimizer state not loaded: the parameter set differs from the checkpoint's")
            else:
                try:
                    self.alg.load_optimizer_state_dict(ckpt["optimizer_state_dict"])
                    optimizer_loaded = True
                except (ValueError, KeyError, RuntimeError) as e:
                    raise CheckpointError(f"Optimizer state in '{path}' does not match the policy: {e}") from e
        adaptive = self.cfg.algorithm.schedule == "adaptive"
        if load_optimizer and not optimizer_loaded and adaptive and "learning_rate" in ckpt:
            # a weights-only checkpoint: continue at the adapted learning rate (a fresh Adam at the config's initial
            # rate moves a trained policy far in its first update)
            self.alg.set_learning_rate(float(ckpt["learning_rate"]))
        self.current_learning_iteration = int(ckpt.get("iter", 0))
        # env steps so far (checkpoints older than the key: iterations x this run's steps per iteration)
        steps_per_iter = self.cfg.runner.num_steps_per_env * self.env.num_envs * self.rank_info.world_size
        self.total_timesteps = int(ckpt.get("total_timesteps", self.current_learning_iteration * steps_per_iter))
        self.loaded_checkpoint = os.path.abspath(path)
        self.loaded_provenance = dict(ckpt.get("config") or {}).get("provenance")
        if self.is_main:
            print(f"[rsl_rl] loaded {path} (iteration {self.current_learning_iteration})", flush=True)
        if self.cfg.policy.re_init_std:
            ac.re_init_std()
        return dict(ckpt.get("infos") or {})

    # ------------------------------------------------------------------ inference / export
    def get_inference_policy(
        self, device: str | torch.device | None = None
    ) -> Callable[[dict[str, torch.Tensor]], torch.Tensor]:
        """Put the policy in eval mode (optionally move it) and return its deterministic ``act_inference``."""
        self.alg.eval_mode()
        if device is not None:
            self.actor_critic.to(device)
        return self.actor_critic.act_inference

    def export(self, out_dir: str) -> dict[str, str]:
        """Export the policy with :func:`rsl_rl.utils.export.export_policy`, adding ``env.export_metadata()``."""
        from rsl_rl.utils.export import export_policy

        meta_fn = getattr(self.env, "export_metadata", None)
        metadata = meta_fn() if callable(meta_fn) else {}
        source = {"checkpoint": self.loaded_checkpoint, "iteration": self.current_learning_iteration,
                  "trained_with": self.loaded_provenance, "exported_by": provenance.collect()}
        return export_policy(self.actor_critic, out_dir, metadata=metadata, obs_shapes=self.env_obs_shapes,
                             provenance=source)
