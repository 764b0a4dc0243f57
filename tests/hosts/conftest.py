"""The IsaacGymEnvs runs every test of this folder reads, trained once per session in one process
(``ige_fixture.run_batch``): each test looks its run up by name."""

import pytest
from ige_fixture import FIXTURE, run_batch
from ige_matrix import batch_runs


@pytest.fixture(scope="session")
def ige_runs(tmp_path_factory):
    """``{name: (result, run folder)}``: every batch run's returncode, stdout and stderr."""
    if not (FIXTURE / "isaacgymenvs" / "__init__.py").is_file():
        pytest.skip(f"the IsaacGymEnvs fixture is not at {FIXTURE}")
    root = tmp_path_factory.mktemp("isaacgymenvs")
    results = run_batch(batch_runs(root), root)
    return {name: (result, root / name) for name, result in results.items()}
