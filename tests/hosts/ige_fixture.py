"""Where the IsaacGymEnvs fixture is and how train.py runs against it (imported by the tests of
this folder; pytest puts it on sys.path).

``../shared/fixtures/isaacgymenvs`` holds IsaacGymEnvs 1.5.1's real ``__init__.py`` and ``cfg/``
tree with a faked simulator (read its README). train.py runs against it in subprocesses, as a
user runs it: the fixture on PYTHONPATH, and none of its escape switches (its ``isaacgym`` then
refuses to load after torch, as the real one does).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO.parent / "shared" / "fixtures" / "isaacgymenvs"
CFG = FIXTURE / "isaacgymenvs" / "cfg"

needs_fixture = pytest.mark.skipif(
    not (FIXTURE / "isaacgymenvs" / "__init__.py").is_file(),
    reason=f"the IsaacGymEnvs fixture is not at {FIXTURE} (CI always has ../shared beside the "
           "repository; on a laptop, put the project's shared folder there)")


def fixture_env(**extra) -> dict:
    """The environment of a subprocess that finds the fixture's ``isaacgymenvs``."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("FAKE_ISAACGYM")}  # no escape switches
    env.update(PYTHONUNBUFFERED="1", **extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(FIXTURE), os.environ.get("PYTHONPATH")) if p)
    return env


def run_train(*overrides, timeout=600) -> subprocess.CompletedProcess:
    """``python train.py <overrides>`` with the fixture installed; the result, whatever it is."""
    return subprocess.run([sys.executable, "train.py", *overrides], cwd=REPO, env=fixture_env(),
                          capture_output=True, text=True, timeout=timeout)


def run_batch(runs: dict, folder: Path) -> dict:
    """Every ``{name: overrides}`` of ``runs`` through train.py's ``main`` in one process with
    the fixture installed (``tests/batch_main.py``); ``{name: {returncode, stdout, stderr}}``."""
    from batch_main import run_batch as run

    return run(runs, folder, fixture_env())


def run_python(code: str) -> subprocess.CompletedProcess:
    """``python -c code`` from the repository with the fixture installed."""
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=fixture_env(),
                          capture_output=True, text=True, timeout=300)


def fixture_tasks() -> list:
    return sorted(p.stem for p in (CFG / "task").glob("*.yaml"))


def fixture_train_configs() -> list:
    return sorted(p.stem for p in (CFG / "train").glob("*.yaml"))


def task_of(train: str) -> str:
    """The task a train config is for: the longest task name it starts with
    (``ShadowHandPPOAsymm`` -> ``ShadowHand``, ``AllegroHandLSTM_BigPPO`` -> ``AllegroHandLSTM_Big``)."""
    return max((t for t in fixture_tasks() if train.startswith(t)), key=len)
