"""Deployment side of a trained policy: everything needed to run an exported policy outside training.

Depends only on numpy, mujoco, onnxruntime (torch only for a TorchScript policy) and the exported files
(``policy.json`` + ``policy.onnx`` / ``policy.pt``, and for a tracking policy the reference clips baked into
``references/``); of the project it imports only :mod:`legged_gym.sim.hfield` (numpy and mujoco). Nothing here
imports torch, the training environments, the simulator backends or rsl_rl (``tests/test_deploy_no_torch.py``).
The parity checker against training lives in :mod:`legged_gym.eval.parity`.

- :mod:`~legged_gym.deploy.contract`: load and validate ``policy.json``.
- :mod:`~legged_gym.deploy.observations`: rebuild every observation key from MuJoCo ``MjData``.
- :mod:`~legged_gym.deploy.controller`: policy runtime, action processing and the PD law.
- :mod:`~legged_gym.deploy.tracking`: motion-tracking policies: reference clips (baked ``.npz``), tracking terms,
  terminations, metrics; :mod:`~legged_gym.deploy.tracking_episode` runs clips.
"""
