"""Test tiers: ``pytest -m "not slow"`` skips the end-to-end tests marked slow."""


def pytest_configure(config) -> None:  # noqa: ANN001
    config.addinivalue_line("markers", "slow: end-to-end test (training runs, subprocesses); skipped by -m 'not slow'")
