"""Where the Isaac Lab fixture is and how Isaac Lab's own scripts run against it (imported by the
tests of this folder).

``../shared/fixtures/isaaclab`` holds Isaac Lab 2.3.2's real ``train.py``/``play.py``,
``RlGamesVecEnvWrapper``, task registrations and agent YAMLs with a faked simulator (read its
README); ``../shared/fixtures/isaaclab-rl_games-fork`` the rl_games fork Isaac Lab installs. The
scripts run in subprocesses as a user runs them, on the CPU at tiny sizes, with the three small
packages Isaac Lab's code imports (gym 0.26.2 among them, which cannot share our environment with
IsaacGymEnvs' gym 0.23.1) installed once into a folder of their own.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO.parent / "shared" / "fixtures" / "isaaclab"
FORK = REPO.parent / "shared" / "fixtures" / "isaaclab-rl_games-fork"
SCRIPTS = FIXTURE / "scripts" / "reinforcement_learning" / "rl_games"
# What Isaac Lab's verbatim code imports beyond our environment (the fixture's README).
PYDEPS = ["gym==0.26.2", "gym_notices==0.1.0", "prettytable==3.3.0", "wcwidth", "toml==0.10.2"]
PREFIX = "rlgames_cpo.isaaclab:"  # the gymnasium module prefix that hooks sapg/cpo in
# Isaac Lab on a CPU at a few envs (the fixture's README): the agent YAMLs say cuda:0.
CPU = ["--headless", "--device", "cpu", "agent.params.config.device=cpu",
       "agent.params.config.device_name=cpu", "+agent.params.config.torch_compile=false"]

needs_fixture = pytest.mark.skipif(
    not (SCRIPTS / "train.py").is_file(),
    reason=f"the Isaac Lab fixture is not at {FIXTURE} (CI always has ../shared beside the "
           "repository; on a laptop, put the project's shared folder there)")


@pytest.fixture(scope="session")
def pydeps(tmp_path_factory) -> Path:
    """A folder with Isaac Lab's pure-Python extras, installed once per session."""
    target = REPO / ".pytest_cache" / "isaaclab-pydeps"
    if not (target / "gym" / "__init__.py").is_file():
        result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                                 "--target", str(target), *PYDEPS], capture_output=True, text=True)
        assert result.returncode == 0, f"pip install --target {target} {' '.join(PYDEPS)}: " \
                                       + result.stderr[-2000:]
    return target


def run_script(script: str, pydeps: Path, cwd: Path, *args, fork=False, env=None,
               timeout=600) -> subprocess.CompletedProcess:
    """``python <fixture>/scripts/reinforcement_learning/rl_games/<script>.py <args>`` in ``cwd``
    (Isaac Lab writes ``logs/`` there), with the fixture (and the rl_games fork when ``fork``)
    first on PYTHONPATH."""
    paths = [str(FORK)] * fork + [str(FIXTURE), str(pydeps), os.environ.get("PYTHONPATH", "")]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p),
                   "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run([sys.executable, str(SCRIPTS / f"{script}.py"), *args], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=timeout)


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout[-4000:] + result.stderr[-4000:]
