import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo():
    return REPO


def pytest_configure(config):
    sys.path.insert(0, str(REPO))
