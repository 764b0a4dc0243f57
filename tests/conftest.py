import contextlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo():
    return REPO


def pytest_configure(config):
    sys.path.insert(0, str(REPO))


@dataclass
class Result:
    """What a train.py command line did: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_main(*overrides) -> Result:
    """``python train.py <overrides>``, in this process: train.py's ``main`` with its output
    captured (no interpreter start; the process boundary is tested where it matters: signals,
    torchrun, simultaneous runs, a host's own script)."""
    from rlgames_cpo.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(overrides))
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def train_py():
    """Runs train.py with Hydra overrides as a user would (in-process); returns its stdout, fails
    loudly."""

    def run(*overrides):
        result = run_main(*overrides)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    return run
