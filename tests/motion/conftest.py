"""Shared fixtures for the motion tests: repo root on sys.path, single-threaded torch."""

from __future__ import annotations

import os
import sys

import torch

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

torch.set_num_threads(1)
