"""Parity check: the deployment observation builder and controller against the TRAINING environment.

It sits with the evaluation code because it reads the training side; :mod:`legged_gym.deploy` itself imports
no training code. It builds the task's
environment (one robot, observation noise off), loads the checkpoint and the exported contract, and for
a few dozen control steps copies the environment's full MuJoCo state into a deployment ``MjData``
(``mj_setState`` + ``mj_forward``), rebuilds the observations with :class:`ObservationBuilder` from the
deployment controller's own state (last action, episode time, histories; only the command is copied,
because the environment samples it), and requires every observation key of the contract and the policy's
action to agree with training (actions within ``action_tol``; both sides then apply the training action, so
the next observations compare the builders on equal inputs). A wrong joint order, term order, scale or history order in policy.json
fails loudly, naming the key, step, index and term.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import mujoco
import numpy as np

from legged_gym.deploy.contract import PolicyContract, load_contract, resolve_model_path
from legged_gym.deploy.controller import Controller, PolicyRuntime, build_model
from legged_gym.deploy.tracking import tracking_spec
from legged_gym.eval.tracking_parity import NOISE_FREE_HEIGHT_SENSOR, TrackingSync

__all__ = ["ParityError", "ParityReport", "check_parity"]


class ParityError(ValueError):
    """The deployment side disagrees with the training environment."""


@dataclass
class ParityReport:
    """Largest differences seen over the check."""

    steps: int
    resets: int
    obs_diff: dict[str, float]
    action_diff: float
    contract_path: str


def _where(contract: PolicyContract, key: str, flat_index: int) -> str:
    """'term <name>[i]' (or 'frame f, term ...' for histories) of a flat index into key."""
    frame = ""
    if key in contract.histories:
        h = contract.histories[key]
        size = int(np.prod(contract.keys[h.history_of].shape))
        frame = f"frame {flat_index // size} ({'newest' if h.newest_first else 'oldest'} first), "
        flat_index, key = flat_index % size, h.history_of
    offset = 0
    for t in contract.keys[key].terms:
        if flat_index < offset + t.dim:
            return f"{frame}term '{t.name}'[{flat_index - offset}]"
        offset += t.dim
    return f"{frame}index {flat_index}"


def check_parity(args, load_model: str | None = None, steps: int = 40, tol: float = 1e-5,  # noqa: ANN001
                 action_tol: float = 1e-4, backend: str = "onnx") -> ParityReport:
    """Run the check for ``args.task`` (a :class:`legged_gym.utils.helpers.Args`); raises :class:`ParityError`."""
    from legged_gym.envs import task_registry
    from legged_gym.eval.evaluation import apply_eval_settings, resolve_checkpoint

    if args.task is None:
        raise ValueError(f"--check needs --task; registered tasks: {', '.join(task_registry.task_names)}")
    args.num_envs = 1
    env_cfg, train_cfg = task_registry.load_cfgs(args.task, args)
    env_cfg.noise.add_noise = False
    apply_eval_settings(env_cfg, NOISE_FREE_HEIGHT_SENSOR)  # tracking tasks: the height map's own noise off
    env_cfg.domain_rand.action_delay = env_cfg.domain_rand.action_noise = 0.0  # deployment applies actions as given
    train_cfg.runner.use_wandb = False
    ckpt = resolve_checkpoint(args.task, args, train_cfg)
    env, env_cfg = task_registry.make_env(args.task, args, env_cfg=env_cfg)
    try:
        runner, _ = task_registry.make_alg_runner(env, args.task, args, train_cfg=train_cfg, env_cfg=env_cfg, log_root=None)
        runner.load(ckpt, load_optimizer=False)
        json_path, implied = resolve_model_path(load_model or os.path.join(os.path.dirname(ckpt), "exported"))
        contract = load_contract(json_path)
        policy = PolicyRuntime(contract, implied or backend)
        return _run(env, runner.get_inference_policy(), contract, policy, steps, tol, action_tol)
    finally:
        env.close()


def _run(env, train_policy, contract: PolicyContract, policy: PolicyRuntime, steps: int,  # noqa: ANN001
         tol: float, action_tol: float) -> ParityReport:
    import torch

    spec = tracking_spec(contract)
    model, act_ids = build_model(env._robot_file(), contract, contract.sim_dt,
                                 heightfield=env.heightfield if spec is not None else None)
    full = mujoco.mjtState.mjSTATE_FULLPHYSICS
    if mujoco.mj_stateSize(model, full) != env.sim.get_state().shape[1]:
        raise ParityError(f"deployment model state size {mujoco.mj_stateSize(model, full)} != training "
                          f"{env.sim.get_state().shape[1]}: the MJCF differs from the training robot")
    ctrl = Controller(contract, model, act_ids, policy)
    tracking = TrackingSync(env, spec, contract, model, ctrl) if spec is not None else None
    data = mujoco.MjData(model)
    ctrl.reset()
    obs_train = env.get_observations()
    built = set(ctrl.builder.terms) | set(ctrl.builder.history)  # the keys the policy's inputs need
    worst = {k: 0.0 for k in list(contract.keys) + list(contract.histories) if k in obs_train and k in built}
    missing = [k for k in contract.input_names if k not in obs_train]
    if missing:
        raise ParityError(f"{contract.path}: policy inputs {missing} are not observations of the training env")
    worst_action, resets = 0.0, 0
    for step in range(steps):
        mujoco.mj_setState(model, data, env.sim.get_state()[0].numpy(), full)
        mujoco.mj_forward(model, data)
        drift = tracking.sync(data) if tracking is not None else None
        if drift:
            raise ParityError(f"parity FAILED at step {step}: {drift}")
        ctrl.state.commands = env.commands[0, :3].double().numpy().copy()
        obs = ctrl.observe(data)
        for key in worst:
            ref = obs_train[key][0].cpu().numpy()
            diff = np.abs(obs[key].astype(np.float64) - ref).ravel()
            i = int(diff.argmax())
            worst[key] = max(worst[key], float(diff[i]))
            if diff[i] > tol:
                raise ParityError(
                    f"parity FAILED at step {step}: observation '{key}' differs by {diff[i]:.3e} > {tol:g} at "
                    f"{_where(contract, key, i)} (deploy {obs[key].ravel()[i]:.6f}, training {ref.ravel()[i]:.6f}); "
                    f"check joint_names, term order/scales and history order in {contract.path}"
                )
        with torch.inference_mode():
            a_train = train_policy(obs_train)[0].cpu().double().numpy()
        a_dep = policy(obs)
        d = float(np.abs(a_dep - a_train).max())
        worst_action = max(worst_action, d)
        if d > action_tol:
            raise ParityError(f"parity FAILED at step {step}: deployed policy action differs by {d:.3e} > {action_tol:g}")
        # both sides go on with the training policy's action: a policy with observation normalisation turns float
        # rounding in near-constant inputs into action differences of ~1e-5, which would otherwise come back as
        # observation differences (the last-action term) and hide what is compared here, the observation builder
        applied = ctrl.apply_action(a_train)
        obs_train, _, dones, _ = env.step(torch.as_tensor(a_train, dtype=torch.float32)[None])
        ctrl.state.time += env.dt
        if bool(dones[0]):
            ctrl.reset()
            resets += 1
        else:
            d = float(np.abs(applied - env.actions[0].cpu().double().numpy()).max())
            if d > action_tol:
                raise ParityError(f"parity FAILED at step {step}: applied action (clip/EMA) differs by {d:.3e}")
    return ParityReport(steps, resets, worst, worst_action, contract.path)
