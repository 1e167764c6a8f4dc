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
