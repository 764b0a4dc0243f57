import sys
from pathlib import Path

import pytest
from in_process import run_main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """This checkout's wheel, built once (tests/wheels.py)."""
    from wheels import build_wheel

    return build_wheel(tmp_path_factory.mktemp("wheel"))


def pytest_configure(config):
    sys.path.insert(0, str(REPO))


@pytest.fixture
def train_py():
    """Runs train.py with Hydra overrides as a user would (in-process); returns its stdout, fails
    loudly."""

    def run(*overrides):
        result = run_main(*overrides)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    return run
