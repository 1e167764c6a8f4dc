# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Checkpoint I/O, distributed helpers, log writers, export, class resolution and NaN checks.

Submodules are imported on use (``from rsl_rl.utils.checkpoints import get_load_path``) so that importing one helper
never pulls in TensorBoard or ONNX.
"""
