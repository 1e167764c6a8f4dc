"""Reference clips for deployment, prepared with the training code: what ``export.py`` bakes next to policy.json.

:func:`prepare_reference` reads a motion file with the project's readers and prepares it exactly as the training
environment does (:class:`legged_gym.motion.ReplayDataLoader`: resampled to the control rate, cut,
prepended/appended, links and contacts selected by name, finite-difference velocities), with its terrain mesh
turned into the clip-frame height field the training terrain uses. :func:`bake_references` writes one
``references/<clip>.npz`` per clip of a task next to an exported ``policy.json``; the deployment side
(:class:`legged_gym.deploy.tracking.ReferenceMotion`) reads them with numpy alone.
"""

from __future__ import annotations

import os

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.deploy.contract import PolicyContract, load_contract
from legged_gym.deploy.tracking import REFERENCES_DIR, ReferenceMotion, TrackingSpec, tracking_spec
from legged_gym.motion import ReplayDataLoader, load_motion
from legged_gym.sim.hfield import HeightField

__all__ = ["bake_references", "clip_heightfield", "prepare_reference"]


def clip_heightfield(path: str | None, spec: TrackingSpec) -> HeightField | None:
    """The clip-frame height field of a terrain mesh (None: flat ground), sampled as the training terrain samples it.

    Raises:
        FileNotFoundError: no such mesh file.
    """
    if not path:
        return None
    if not os.path.exists(path):
        raise FileNotFoundError(f"--terrain {path}: no such mesh file")
    from legged_gym.terrain import DeepMimicTerrain

    return DeepMimicTerrain([path], n_rows=1, resolution=spec.terrain_resolution).clip_heightfield(0)


def prepare_reference(path: str, contract: PolicyContract, spec: TrackingSpec, robot_xml: str) -> ReferenceMotion:
    """One motion file (pkl, h5 folder, csv, npz) at the contract's control rate, with its own terrain."""
    clip = load_motion(path, robot_xml=robot_xml, default_fps=spec.default_data_fps,
                       data_pattern=spec.data_pattern, terrain_pattern=spec.terrain_pattern)
    replay = ReplayDataLoader(
        [clip], dt=contract.control_dt, joint_names=contract.joint_names, tracked_link_names=spec.tracked_links,
        extra_link_names=spec.extra_links, contact_names=spec.contact_names,
        cut_off_import_length=spec.cut_off_import_length, n_prepend=spec.n_prepend, n_append=spec.n_append,
        height_direct_offset=spec.height_direct_offset, upsample_data=spec.upsample_data,
    )
    import numpy as np

    arr = lambda name: getattr(replay, name).numpy()  # noqa: E731
    return ReferenceMotion(
        name=clip.name, source=_shown(clip.source),
        root_pos=arr("root_pos"), root_quat=arr("root_quat"), root_lin_vel=arr("root_lin_vel"),
        root_ang_vel=arr("root_ang_vel"), joints=arr("joints"), joint_vel=arr("joint_vel"),
        link_pos=np.concatenate([arr("link_pos"), arr("extra_link_pos")], axis=1),
        link_quat=np.concatenate([arr("link_quat"), arr("extra_link_quat")], axis=1),
        contacts=arr("contacts"), heightfield=clip_heightfield(clip.terrain_path, spec),
        terrain_source=_shown(clip.terrain_path),
    )


def _shown(path: object) -> str:
    """A path as recorded in a baked clip: relative to the project root when inside it (no machine's layout)."""
    if not path:
        return ""
    path = os.path.abspath(str(path))
    return os.path.relpath(path, LEGGED_GYM_ROOT_DIR) if path.startswith(LEGGED_GYM_ROOT_DIR + os.sep) else path


def bake_references(policy_json: str, clip_paths: list[str], robot_xml: str) -> list[str]:
    """Write ``references/<clip>.npz`` next to ``policy_json`` for each motion file; returns the written paths."""
    contract = load_contract(policy_json)
    spec = tracking_spec(contract)
    if spec is None:
        return []
    folder = os.path.join(os.path.dirname(os.path.abspath(policy_json)), REFERENCES_DIR)
    os.makedirs(folder, exist_ok=True)
    written = []
    for path in clip_paths:
        ref = prepare_reference(path, contract, spec, robot_xml)
        out = os.path.join(folder, f"{ref.name}.npz")
        ref.save(out)
        written.append(out)
    return written
