"""What a tracking environment measures about its own tracking, for evaluation: pinned starts and per-step errors.

:class:`~legged_gym.envs.base.robot_deepmimic.RobotDeepMimic` owns its reference, its start sampling and these
metrics (the shape of BeyondMimic's ``MotionCommand``): with ``pinned_clips`` set, every reset of environment ``i``
starts clip ``pinned_clips[i]`` at frame ``pinned_offsets[i]`` (default 0) instead of a sampled start; with
``record_tracking`` on, each termination check leaves :func:`tracking_record` of the episode just checked in
``tracking_record``. ``legged_gym.eval`` reads them; training leaves both off.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__ = ["frame_errors", "tracking_record"]


def frame_errors(
    dof_pos: Tensor,
    ref_joints: Tensor,
    link_pos: Tensor,
    ref_link_pos: Tensor,
    root_pos: Tensor,
    ref_root_pos: Tensor,
    contacts: Tensor,
    ref_contacts: Tensor,
) -> dict[str, Tensor]:
    """Per-environment tracking errors of one frame.

    Args:
        dof_pos, ref_joints: joint angles (N, J) [rad].
        link_pos, ref_link_pos: tracked link positions (N, L, 3) [m], world frame.
        root_pos, ref_root_pos: root positions (N, 3) [m].
        contacts: measured foot contacts (N, F), bool or 0/1.
        ref_contacts: reference foot contacts (N, F); values > 0.5 count as contact.

    Returns:
        ``joint`` (N,) mean |dq|, ``link`` (N,) mean link distance, ``link_rel`` (N,) the same root-relative,
        ``contact_matches`` (N,) number of feet whose contact state matches, ``num_feet`` (int tensor).
    """
    joint = (dof_pos - ref_joints).abs().mean(dim=-1)
    link = (link_pos - ref_link_pos).norm(dim=-1).mean(dim=-1)
    rel = (link_pos - root_pos.unsqueeze(1)) - (ref_link_pos - ref_root_pos.unsqueeze(1))
    link_rel = rel.norm(dim=-1).mean(dim=-1)
    measured = contacts > 0.5 if contacts.dtype != torch.bool else contacts
    match = (measured == (ref_contacts > 0.5)).sum(dim=-1)
    return {
        "joint": joint,
        "link": link,
        "link_rel": link_rel,
        "contact_matches": match,
        "num_feet": torch.tensor(contacts.shape[-1]),
    }


def tracking_record(env: Any) -> dict[str, Any]:
    """Per environment, right after a termination check: ``clip``, ``frame`` (stepped frames of the clip),
    ``steps``, ``done``, ``success`` (reached the clip's end) and :func:`frame_errors` of this frame."""
    ref = env.reference()
    k = env.num_tracked
    start = env.replay.clip_start[env.ref_clip]
    return {
        "clip": env.ref_clip.clone(),
        "frame": (env.ref_frame - start).clone(),
        "steps": env.episode_length_buf.clone(),
        "done": env.reset_buf.clone(),
        "success": (env.time_out_buf & (env.ref_frame >= env.ref_last)).clone(),
        "errors": frame_errors(
            env.dof_pos, ref["joints"], env.links().pos[:, :k], ref["link_pos"][:, :k], env.root_pos_w,
            ref["root_pos"], env.dm_contact.contact, ref["contacts"],
        ),
    }
