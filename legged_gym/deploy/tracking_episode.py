"""sim2sim of a motion-tracking policy: play each reference clip from its first frame and measure tracking.

Per clip (a :class:`~legged_gym.deploy.tracking.ReferenceMotion`: one baked into the export, or one the calling
script prepared from a motion file): build the terrain (the run's override, else the clip's own height field, else
flat ground), put the robot on the reference's first frame, and run the policy until the
clip ends (success) or a training termination criterion fires (recorded in policy.json). Metrics are those of
``legged_gym/scripts/eval.py`` (:mod:`legged_gym.eval.evaluation`): success, mean joint error, mean link
position error (world and root-relative), contact match and frames tracked, over the stepped frames 1..k.
"""

from __future__ import annotations

import os
from typing import Any

import mujoco
import numpy as np

from legged_gym.deploy.contract import ContractError, PolicyContract
from legged_gym.deploy.controller import Controller, PolicyRuntime, build_model
from legged_gym.deploy.render import follow_camera, make_renderer, write_video
from legged_gym.deploy.tracking import (
    REFERENCES_DIR, ReferenceMotion, TrackingContext, TrackingSpec, baked_references, is_reference_file,
)

__all__ = ["run_clip", "run_tracking"]

METRICS = ("joint", "link", "link_rel", "contact_match")


def run_clip(x: dict[str, Any], contract: PolicyContract, spec: TrackingSpec, motion: ReferenceMotion,
             policy: PolicyRuntime, sim_dt: float, decimation: int) -> dict[str, Any]:
    """Play one clip from its first frame; returns success, frames tracked, the mean errors and the end reason.

    ``x["terrain"]``: a height field replacing the clip's own (None: the clip's, else flat ground);
    ``x["terrain_name"]``: how to name it in the results."""
    control_dt = sim_dt * decimation
    heightfield = x.get("terrain") or motion.heightfield
    terrain = x.get("terrain_name") or ("flat" if heightfield is None else motion.terrain_source or "clip terrain")
    pd = x.get("pd", "position")
    model, act_ids = build_model(x["robot"], contract, sim_dt, pd_mode=pd, heightfield=heightfield)
    ctrl = Controller(contract, model, act_ids, policy, pd_mode=pd, decimation=decimation)
    data = mujoco.MjData(model)
    ctx = TrackingContext(spec, contract, model, motion)
    ctrl.builder.tracking = ctx
    ctx.start(0)
    ctx.init_state(data, ctrl)
    b = ctrl.builder
    renderer, frames = make_renderer(model, x.get("render")), []
    limit = ctx.last_frame if x.get("duration") is None else min(ctx.last_frame, int(round(x["duration"] / control_dt)))
    errors: dict[str, list[float]] = {k: [] for k in METRICS}
    reason, success = None, False
    for _ in range(max(1, limit)):
        ctrl.step(data)
        mujoco.mj_forward(model, data)  # link poses and contacts of the state the step ended in
        ctx.advance()
        reason = ctx.termination(data, b.root_qpos)
        for k, v in ctx.frame_errors(data, b.dof_pos(data), data.qpos[b.root_qpos : b.root_qpos + 3]).items():
            errors[k].append(v)
        success = ctx.frame >= ctx.last_frame  # the clip's end wins over a termination on the same step
        if renderer is not None:
            renderer.update_scene(data, camera=follow_camera(data, b))
            frames.append(renderer.render())
        if success or reason:
            break
    if renderer is not None:
        write_video(x["render"] if x.get("num_clips", 1) == 1 else _numbered(x["render"], motion.name), frames,
                     1.0 / control_dt)
    return {
        "clip": motion.name, "terrain": terrain, "frames": motion.num_frames, "success": success,
        "frames_tracked": motion.num_frames if success else ctx.frame, "frames_measured": len(errors["joint"]),
        "end": "clip end" if success else (reason or "duration"),
        **{f"{k}_error" if k != "contact_match" else k: float(np.mean(v)) for k, v in errors.items()},
    }


def _numbered(path: str, name: str) -> str:
    root, ext = os.path.splitext(path)
    return f"{root}_{name}{ext}"


def resolve_references(x: dict[str, Any], contract: PolicyContract, spec: TrackingSpec) -> list[ReferenceMotion]:
    """The clips to play: ``x["references"]`` (prepared by the caller), else each ``--motion`` entry that names a
    baked clip or a reference ``.npz``, else every clip baked next to policy.json.

    Raises:
        ValueError: a ``--motion`` entry that is neither (a raw motion file needs the training readers: the
            ``sim2sim.py`` script prepares those), or no clips at all.
    """
    if x.get("references"):
        return list(x["references"])
    baked = {os.path.splitext(os.path.basename(p))[0]: p for p in baked_references(contract)}
    wanted = x.get("motion") or []
    paths = []
    for m in wanted:
        if m in baked:
            paths.append(baked[m])
        elif is_reference_file(m):
            paths.append(m)
        else:
            raise ValueError(f"--motion {m}: not a clip baked into {os.path.dirname(contract.path)}/{REFERENCES_DIR} "
                             f"({sorted(baked)}) nor a reference .npz; motion files are prepared by sim2sim.py")
    if not wanted:
        paths = list(baked.values())
    if not paths:
        raise ValueError(f"--motion <clip> is required: no reference clips are baked next to {contract.path} "
                         "(re-export with export.py to bake the task's clips)")
    return [ReferenceMotion.load(p, contract, spec) for p in paths]


def run_tracking(x: dict[str, Any], contract: PolicyContract, spec: TrackingSpec | None, backend: str,
                 policy_path: str | None, sim_dt: float, decimation: int) -> dict[str, Any]:
    """Run every clip (:func:`resolve_references`); prints one line per clip and the means, returns
    ``{"clips": [...], **means}``.

    Raises:
        ContractError: the policy is not a tracking policy (no ``env.tracking`` in policy.json).
        ValueError: no clips to play.
    """
    if spec is None:
        raise ContractError(f"{contract.path}: --motion is for motion-tracking policies; this policy.json has no "
                            "'env.tracking' section (re-export the tracking run with export.py)")
    clips = resolve_references(x, contract, spec)
    x = {**x, "num_clips": len(clips)}
    policy = PolicyRuntime(contract, backend, policy_path)
    print(f"sim2sim: {contract.path} ({backend}, pd={x.get('pd', 'position')}) on {x['robot']}, "
          f"sim_dt {sim_dt:g} x decimation {decimation}")
    results = []
    for motion in clips:
        r = run_clip(x, contract, spec, motion, policy, sim_dt, decimation)
        results.append(r)
        print(f"  {r['clip']:<16} {'success' if r['success'] else 'failed '} {r['frames_tracked']:>4}/{r['frames']:<4} "
              f"joint {r['joint_error']:.3f} rad, link {r['link_error']:.3f} m (root-rel {r['link_rel_error']:.3f} m), "
              f"contact match {r['contact_match']:.2f}; end: {r['end']}; terrain {r['terrain']}")
    summary: dict[str, Any] = {"clips": results, "success_rate": float(np.mean([r["success"] for r in results]))}
    weights = np.array([r["frames_measured"] for r in results], dtype=np.float64)
    for k in ("joint_error", "link_error", "link_rel_error", "contact_match"):  # every stepped frame weighs the same
        summary[k] = float(np.dot(weights, [r[k] for r in results]) / weights.sum())
    summary["frames_tracked_frac"] = float(np.mean([r["frames_tracked"] / r["frames"] for r in results]))
    print(f"  overall: success {summary['success_rate']:.2f}, joint {summary['joint_error']:.3f} rad, link "
          f"{summary['link_error']:.3f} m (root-rel {summary['link_rel_error']:.3f} m), contact match "
          f"{summary['contact_match']:.2f}, frames tracked {summary['frames_tracked_frac']:.2f}")
    return summary
