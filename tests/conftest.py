import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo():
    return REPO


def pytest_configure(config):
    sys.path.insert(0, str(REPO))


@pytest.fixture
def train_py():
    """Runs train.py with Hydra overrides as a user would; returns its stdout, fails loudly."""

    def run(*overrides):
        result = subprocess.run([sys.executable, "train.py", *overrides], cwd=REPO,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    return run
