"""Joint and body name orders of the 29-DoF Unitree G1 used by public clip files (motion_formats.md section 1).

DFS: depth-first walk of the robot tree (MuJoCo models, Unitree LAFAN CSV columns, mjlab npz).
BFS: breadth-first walk taking children in URDF order (Isaac Lab / PhysX, BeyondMimic npz).
"""

from __future__ import annotations

_LEG = ("hip_pitch", "hip_roll", "hip_yaw", "knee", "ankle_pitch", "ankle_roll")
_ARM = ("shoulder_pitch", "shoulder_roll", "shoulder_yaw", "elbow", "wrist_roll", "wrist_pitch", "wrist_yaw")
_WAIST = ("waist_yaw", "waist_roll", "waist_pitch")

_DFS_STEMS = (
    [f"left_{j}" for j in _LEG] + [f"right_{j}" for j in _LEG] + list(_WAIST)
    + [f"left_{j}" for j in _ARM] + [f"right_{j}" for j in _ARM]
)
_BFS_STEMS = [
    "left_hip_pitch", "right_hip_pitch", "waist_yaw", "left_hip_roll", "right_hip_roll", "waist_roll",
    "left_hip_yaw", "right_hip_yaw", "waist_pitch", "left_knee", "right_knee", "left_shoulder_pitch",
    "right_shoulder_pitch", "left_ankle_pitch", "right_ankle_pitch", "left_shoulder_roll", "right_shoulder_roll",
    "left_ankle_roll", "right_ankle_roll", "left_shoulder_yaw", "right_shoulder_yaw", "left_elbow", "right_elbow",
    "left_wrist_roll", "right_wrist_roll", "left_wrist_pitch", "right_wrist_pitch", "left_wrist_yaw",
    "right_wrist_yaw",
]
# bodies: the pelvis, then each joint's child body in joint order (waist_pitch moves torso_link)
_BFS_BODY_STEMS = ["pelvis"] + ["torso" if s == "waist_pitch" else s for s in _BFS_STEMS]

G1_29_DFS_JOINTS: list[str] = [f"{s}_joint" for s in _DFS_STEMS]
G1_29_BFS_JOINTS: list[str] = [f"{s}_joint" for s in _BFS_STEMS]
G1_30_DFS_BODIES: list[str] = (
    ["pelvis"] + [f"left_{j}_link" for j in _LEG] + [f"right_{j}_link" for j in _LEG]
    + ["waist_yaw_link", "waist_roll_link", "torso_link"]
    + [f"left_{j}_link" for j in _ARM] + [f"right_{j}_link" for j in _ARM]
)
G1_30_BFS_BODIES: list[str] = [s if s == "pelvis" else f"{s}_link" for s in _BFS_BODY_STEMS]
G1_WRIST_JOINTS: list[str] = [f"{side}_{j}_joint" for side in ("left", "right") for j in _ARM[4:]]
G1_WAIST_JOINTS: list[str] = [f"{j}_joint" for j in _WAIST]

DEFAULT_ORDERS = {
    "dfs": (G1_29_DFS_JOINTS, G1_30_DFS_BODIES),
    "bfs": (G1_29_BFS_JOINTS, G1_30_BFS_BODIES),
}
