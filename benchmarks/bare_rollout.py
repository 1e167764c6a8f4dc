"""The reference every CPU benchmark compares against: a bare ``mujoco.rollout`` loop on the backend's model."""

from __future__ import annotations

import time

import numpy as np


def bare_rollout_seconds(sim, state0: np.ndarray, joint_targets: np.ndarray, steps: int) -> float:  # noqa: ANN001
    """Seconds for ``steps`` control steps: one ``rollout`` call of ``decimation`` physics steps each.

    Same compiled model, thread count and environment count as the backend ``sim``; PD targets
    ``joint_targets`` (N, J) held fixed; no Python work between calls beyond carrying the state over.
    """
    import mujoco
    from mujoco import rollout

    n, dec = state0.shape[0], sim.decimation
    pool = rollout.Rollout(nthread=sim.nthread)
    datas = [mujoco.MjData(sim.model) for _ in range(sim.nthread)]
    models = [sim.model] * n
    ctrl = np.zeros((n, dec, sim.model.nu))
    ctrl[:, :, sim.layout.actuator_ids] = joint_targets[:, None, :]
    state = state0.copy()
    out = np.zeros((n, dec, state.shape[1]))
    sens = np.zeros((n, dec, sim.model.nsensordata))
    t0 = time.perf_counter()
    for _ in range(steps):
        pool.rollout(models, datas, state, ctrl, nstep=dec, state=out, sensordata=sens, skip_checks=True)
        state[:] = out[:, -1]
    elapsed = time.perf_counter() - t0
    pool.close()
    return elapsed


class StepRecorder:
    """Records, for each control step of a CPU backend, the engine state before it, the control array and the
    per-environment models, so :func:`replay_rollout_seconds` can redo exactly the same physics bare."""

    def __init__(self, sim) -> None:  # noqa: ANN001
        self.sim = sim
        self.steps: list[tuple[np.ndarray, np.ndarray, int, list]] = []
        self._step = sim.step

        def step(joint_targets):  # noqa: ANN001, ANN202
            before = sim._state.copy()
            self._step(joint_targets)
            noisy = sim._noise.active
            control = (sim._control_noise if noisy else sim._control).copy()
            spec = int(mujoco_state_spec(noisy))
            self.steps.append((before, control, spec, list(sim._models)))

        sim.step = step

    def close(self) -> None:
        self.sim.step = self._step


def mujoco_state_spec(with_applied_forces: bool) -> int:
    import mujoco

    spec = mujoco.mjtState.mjSTATE_CTRL
    return int(spec | mujoco.mjtState.mjSTATE_QFRC_APPLIED) if with_applied_forces else int(spec)


def replay_rollout_seconds(sim, steps: list[tuple[np.ndarray, np.ndarray, int, list]]) -> float:  # noqa: ANN001
    """Seconds for the recorded control steps, each one bare ``rollout`` call from its recorded state with its
    recorded controls and models: the same physics work as the environment did, without any Python around it."""
    import mujoco
    from mujoco import rollout

    pool = rollout.Rollout(nthread=sim.nthread)
    datas = [mujoco.MjData(sim.model) for _ in range(sim.nthread)]
    n, dec = steps[0][1].shape[:2]
    out = np.zeros((n, dec, steps[0][0].shape[1]))
    sens = np.zeros((n, dec, sim.model.nsensordata))
    t0 = time.perf_counter()
    for state, control, spec, models in steps:
        pool.rollout(models, datas, state, control, control_spec=spec, nstep=dec, state=out, sensordata=sens,
                     skip_checks=True)
    elapsed = time.perf_counter() - t0
    pool.close()
    return elapsed
