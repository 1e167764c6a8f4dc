"""Test tiers: ``pytest -m "not slow"`` skips the end-to-end tests marked slow.

Offscreen rendering (videos) needs MuJoCo's EGL backend, chosen when MuJoCo is first imported: set it here, before any
test module imports MuJoCo.
"""

import os

os.environ.setdefault("MUJOCO_GL", "egl")


def pytest_configure(config) -> None:  # noqa: ANN001
    config.addinivalue_line("markers", "slow: end-to-end test (training runs, subprocesses); skipped by -m 'not slow'")
