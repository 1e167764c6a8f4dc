"""Deployment side of a trained policy: everything needed to run an exported policy outside training.

Depends only on numpy, mujoco, onnxruntime (or torch for TorchScript) and the exported files
(``policy.json`` + ``policy.onnx`` / ``policy.pt``). Nothing here imports the training environments,
the simulator backends or rsl_rl, except :mod:`legged_gym.deploy.parity`, the checker that compares
this package against the training environment.

- :mod:`~legged_gym.deploy.contract`: load and validate ``policy.json``.
- :mod:`~legged_gym.deploy.observations`: rebuild every observation key from MuJoCo ``MjData``.
- :mod:`~legged_gym.deploy.controller`: policy runtime, action processing and the PD law.
- :mod:`~legged_gym.deploy.tracking`: motion-tracking policies: reference clip, tracking terms, terminations,
  metrics (the clip readers and the terrain code are imported only when a clip is loaded);
  :mod:`~legged_gym.deploy.tracking_episode` runs clips, :mod:`~legged_gym.deploy.tracking_parity` checks them.
"""
