"""Installs legged_gym (MuJoCo humanoid environments) and rsl_rl (our PPO/DAgger learner)."""

from setuptools import find_packages, setup

setup(
    name="legged_gym",
    version="0.1.0",
    description="Humanoid motion tracking and locomotion with reinforcement learning on MuJoCo",
    packages=find_packages(include=["legged_gym", "legged_gym.*", "rsl_rl", "rsl_rl.*"]),
    python_requires=">=3.11",
    install_requires=[
        "torch>=2.6",
        "numpy>=2.0",
        "mujoco>=3.3,<5",
        "trimesh>=4",
        "viser>=1.0",
        "tensorboard>=2.14",
        "h5py>=3.8",
        "onnx>=1.16",
        "onnxruntime>=1.18",
        "pyyaml>=6",
        "matplotlib>=3.7",
        "imageio>=2.30",
        "imageio-ffmpeg>=0.5",  # MP4 videos (sim2sim --render, play.py --video)
    ],
    extras_require={
        "test": ["pytest>=8"],
        "wandb": ["wandb>=0.18"],
        "gpu": ["warp-lang>=1.19", "mujoco-warp==4.0.*"],  # MuJoCo Warp backend (--sim_device cuda:N)
    },
)
