"""Reference motions: clip formats (seed pkl, human-video h5, Unitree CSV, mjlab/BeyondMimic npz), safe pickle
loading, resampling, and the replay-data store the tracking environment samples from. numpy/torch only at import;
forward kinematics (for joint-only formats) pulls in the robot model lazily."""

from legged_gym.motion.clip import MotionClip, MotionFormatError
from legged_gym.motion.readers import (
    load_motion,
    read_human_video_folder,
    read_mjlab_npz,
    read_seed_pickle,
    read_unitree_csv,
)
from legged_gym.motion.replay_data import ReplayDataLoader, ReplayState
from legged_gym.motion.resample import resample_clip
from legged_gym.motion.safe_pickle import UnsafePickleError, load_pickle

__all__ = [
    "MotionClip",
    "MotionFormatError",
    "ReplayDataLoader",
    "ReplayState",
    "UnsafePickleError",
    "load_motion",
    "load_pickle",
    "read_human_video_folder",
    "read_mjlab_npz",
    "read_seed_pickle",
    "read_unitree_csv",
    "resample_clip",
]
