"""Synthetic G1 motions and file writers for the motion tests (every file a test reads is written here)."""

from __future__ import annotations

import os
import pickle

import numpy as np

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.motion.clip import MotionClip
from legged_gym.motion.formats.g1_names import G1_29_DFS_JOINTS
from legged_gym.motion.robot_kinematics import robot_kinematics
from legged_gym.motion.rotations import wxyz_to_xyzw

G1_XML = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "robots", "g1", "g1_23dof.xml")
SHARED = os.path.abspath(os.path.join(LEGGED_GYM_ROOT_DIR, "..", "shared"))
DANCE_CSV = os.path.join(SHARED, "motions", "lafan_g1", "dance1_subject2.csv")
STAND_HEIGHT = 0.7862  # [m] pelvis height with the soles on z = 0 in the default pose (robot README)
DEFAULT_POSE = {"left_hip_pitch_joint": -0.1, "right_hip_pitch_joint": -0.1, "left_knee_joint": 0.3,
                "right_knee_joint": 0.3, "left_ankle_pitch_joint": -0.2, "right_ankle_pitch_joint": -0.2}


def yaw_quat(yaw: np.ndarray) -> np.ndarray:
    """wxyz quaternions (T, 4) of rotations about z by ``yaw`` (T,)."""
    yaw = np.asarray(yaw, dtype=np.float64)
    return np.stack([np.cos(yaw / 2), np.zeros_like(yaw), np.zeros_like(yaw), np.sin(yaw / 2)], axis=-1)


def g1_motion(frames: int = 40, fps: float = 30.0, speed: float = 0.0, yaw: float = 0.3,
              yaw_rate: float = 0.0) -> dict[str, np.ndarray | list[str]]:
    """A G1 standing in its default pose (soles on z = 0), gliding at ``speed`` [m/s] along x, turning at
    ``yaw_rate`` [rad/s] from ``yaw``, with a small arm swing. Joints are in the model's order; link poses are
    those of all model bodies by forward kinematics. Quaternions wxyz."""
    kin = robot_kinematics(G1_XML)
    t = np.arange(frames) / fps
    joints = np.zeros((frames, len(kin.joint_names)))
    for name, value in DEFAULT_POSE.items():
        joints[:, kin.joint_names.index(name)] = value
    joints[:, kin.joint_names.index("left_shoulder_pitch_joint")] = 0.3 * np.sin(2 * np.pi * t)
    joints[:, kin.joint_names.index("right_elbow_joint")] = 0.5 + 0.2 * np.sin(2 * np.pi * t)
    root_pos = np.stack([speed * t, np.zeros_like(t), np.full_like(t, STAND_HEIGHT)], axis=-1)
    root_quat = yaw_quat(yaw + yaw_rate * t)
    link_pos, link_quat = kin.body_poses(root_pos, root_quat, joints)
    return dict(joint_names=list(kin.joint_names), joints=joints, root_pos=root_pos, root_quat=root_quat,
                link_names=list(kin.body_names), link_pos=link_pos, link_quat=link_quat)


def seed_dict(frames: int = 40, fps: float | None = 30.0, **motion_kw: float) -> dict:
    """A clip in the seed's pickle schema (xyzw quaternions, contacts, extra keys the reader must ignore)."""
    m = g1_motion(frames, fps or 30.0, **motion_kw)
    d = dict(
        joint_names=m["joint_names"],
        joints=np.asarray(m["joints"], np.float32),
        root_pos=np.asarray(m["root_pos"], np.float32),
        root_quat=wxyz_to_xyzw(m["root_quat"]).astype(np.float32),
        link_names=[n + ".STL" for n in m["link_names"]],
        link_pos=np.asarray(m["link_pos"], np.float32),
        link_quat=wxyz_to_xyzw(m["link_quat"]).astype(np.float32),
        contacts={"left_foot": np.ones(frames, bool), "right_foot": np.arange(frames) % 2 == 0},
        actions=np.zeros((frames, 23), np.float32),
        trajectory_name="synthetic",
    )
    if fps is not None:
        d["fps"] = float(fps)
    return d


def write_pickle(path: str, data: object, protocol: int = pickle.HIGHEST_PROTOCOL) -> str:
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=protocol)
    return path


def write_h5_folder(folder: str, data: dict, attr_prefix: str = "/", fps: float | None = 30.0,
                    contacts: dict | None | str = "from_data", mesh: bool = True, drop_waist: bool = False,
                    bytes_names: bool = False) -> str:
    """Write ``data`` (seed schema, xyzw) as a human-video folder: ``retarget_poses_g1.h5`` (+ a box OBJ)."""
    import h5py

    os.makedirs(folder, exist_ok=True)
    names, joints = list(data["joint_names"]), np.asarray(data["joints"])
    if drop_waist:
        keep = [i for i, n in enumerate(names) if not n.startswith("waist_")]
        names, joints = [names[i] for i in keep], joints[:, keep]
    with h5py.File(os.path.join(folder, "retarget_poses_g1.h5"), "w") as f:
        for key in ("root_pos", "root_quat", "link_pos", "link_quat"):
            f.create_dataset(key, data=np.asarray(data[key], np.float64))
        f.create_dataset("joints", data=joints.astype(np.float32))
        if contacts == "from_data":
            contacts = data["contacts"]
        if contacts is not None:
            g = f.create_group("contacts")
            for k, v in contacts.items():
                g.create_dataset(k, data=v)
        encode = (lambda xs: np.array([x.encode() for x in xs], dtype="S")) if bytes_names else list
        f.attrs[attr_prefix + "joint_names"] = encode(names)
        f.attrs[attr_prefix + "link_names"] = encode(list(data["link_names"]))
        if fps is not None:
            f.attrs[attr_prefix + "fps"] = fps
    if mesh:
        with open(os.path.join(folder, "background_mesh.obj"), "w") as f:
            f.write("v 0 0 0\nv 4 0 0\nv 4 4 0\nv 0 4 0\nf 1 2 3\nf 1 3 4\n")
    return folder


def csv_table(frames: int = 40, **motion_kw: float) -> np.ndarray:
    """A 36-column Unitree CSV table (root xyz, root quat xyzw, 29 DFS joints with non-zero wrists)."""
    m = g1_motion(frames, 30.0, **motion_kw)
    table = np.zeros((frames, 36))
    table[:, 0:3] = m["root_pos"]
    table[:, 3:7] = wxyz_to_xyzw(m["root_quat"])
    for k, name in enumerate(G1_29_DFS_JOINTS):
        if name in m["joint_names"]:
            table[:, 7 + k] = m["joints"][:, m["joint_names"].index(name)]
        else:
            table[:, 7 + k] = 0.4  # wrist joints, which the 23-DoF model drops
    return table


def write_csv(path: str, table: np.ndarray) -> str:
    np.savetxt(path, table, delimiter=",", fmt="%.6f")
    return path


def simple_clip(frames: int = 10, fps: float = 50.0, name: str = "clip", links: tuple[str, ...] = ("a", "b", "c"),
                joint_names: tuple[str, ...] = ("j0_joint", "j1_joint")) -> MotionClip:
    """A small synthetic clip (no robot): joints and positions linear in the frame index, identity quaternions."""
    i = np.arange(frames, dtype=np.float64)
    n_links, n_joints = len(links), len(joint_names)
    return MotionClip(
        name=name, source=f"/synthetic/{name}.pkl", fps=fps, joint_names=list(joint_names),
        joints=np.stack([i * (k + 1) for k in range(n_joints)], axis=-1),
        root_pos=np.stack([i, 2 * i, np.ones_like(i)], axis=-1),
        root_quat=np.tile([1.0, 0, 0, 0], (frames, 1)),
        link_names=list(links),
        link_pos=np.tile(np.stack([i, -i, 0.5 * np.ones_like(i)], axis=-1)[:, None], (1, n_links, 1)),
        link_quat=np.tile([1.0, 0, 0, 0], (frames, n_links, 1)),
        contacts={"left_foot": i % 2 == 0, "right_foot": i % 3 == 0},
    )
