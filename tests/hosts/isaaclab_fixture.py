"""Where the Isaac Lab fixtures are and how Isaac Lab's own commands run against them (imported by
the tests of this folder).

``../shared/fixtures/isaaclab`` holds Isaac Lab 2.3.2's real ``train.py``/``play.py``,
``RlGamesVecEnvWrapper``, task registrations and agent YAMLs with a faked simulator (read its
README); ``../shared/fixtures/isaaclab3`` Isaac Lab 3.0.0's real ``isaaclab train|play`` CLI, rl_games
backends, wrapper and tasks; ``../shared/fixtures/isaaclab-rl_games-fork`` the rl_games fork both
install. 2.3.2's scripts run in subprocesses as a user runs them; 3.0's commands in one process
per rl_games flavour (``isaaclab3_batch.py``); on the CPU at tiny sizes, with the small pure-Python
packages Isaac Lab's code imports (gym 0.26.2 among them, which cannot share our environment with
IsaacGymEnvs' gym 0.23.1) installed once into a folder of their own.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO.parent / "shared" / "fixtures" / "isaaclab"
FIXTURE3 = REPO.parent / "shared" / "fixtures" / "isaaclab3"
FORK = REPO.parent / "shared" / "fixtures" / "isaaclab-rl_games-fork"
SCRIPTS = FIXTURE / "scripts" / "reinforcement_learning" / "rl_games"
# What Isaac Lab's verbatim code imports beyond our environment (the fixtures' READMEs: 2.3.2's,
# then what 3.0 adds).
PYDEPS = ["gym==0.26.2", "gym_notices==0.1.0", "prettytable==3.3.0", "wcwidth==0.9.4",
          "toml==0.10.2", "lazy_loader==0.6", "rich==15.0.0", "markdown-it-py==4.3.0",
          "mdurl==0.1.2", "pygments==2.21.0", "trimesh==5.2.0"]
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
    marker = target / "installed.json"  # what the folder holds; another list reinstalls it
    if not marker.is_file() or json.loads(marker.read_text()) != PYDEPS:
        shutil.rmtree(target, ignore_errors=True)
        result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                                 "--target", str(target), *PYDEPS], capture_output=True, text=True)
        assert result.returncode == 0, f"pip install --target {target} {' '.join(PYDEPS)}: " \
                                       + result.stderr[-2000:]
        marker.write_text(json.dumps(PYDEPS))
    return target


def run_script(script: str, pydeps: Path, cwd: Path, *args, fork=False, env=None,
               timeout=600, through_us=False) -> subprocess.CompletedProcess:
    """``python <fixture>/scripts/reinforcement_learning/rl_games/<script>.py <args>`` in ``cwd``
    (Isaac Lab writes ``logs/`` there), with the fixture (and the rl_games fork when ``fork``)
    first on PYTHONPATH; ``through_us``: ``python -m rlgames_cpo.isaaclab <script> <args>``."""
    paths = [str(FORK)] * fork + [str(FIXTURE), str(pydeps), os.environ.get("PYTHONPATH", "")]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p),
                   "PYTHONUNBUFFERED": "1", **(env or {})}
    route = ["-m", "rlgames_cpo.isaaclab"] if through_us else []
    return subprocess.run([sys.executable, *route, str(SCRIPTS / f"{script}.py"), *args], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=timeout)


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout[-4000:] + result.stderr[-4000:]


def run_isaaclab3(batches: dict, root: Path, pydeps: Path) -> dict:
    """Per flavour (``"1.6.5"`` or ``"fork"``: Isaac Lab's rl_games fork first on PYTHONPATH), one
    process running its commands ``{name: {argv, cwd, env}}`` in order as ``isaaclab <argv>``,
    the flavours' processes side by side; ``{flavour: {name: {returncode, stdout, stderr}}}``."""
    script = str(Path(__file__).parent / "isaaclab3_batch.py")
    running = {}
    for flavour, runs in batches.items():
        paths = [str(FORK)] * (flavour == "fork") + [str(FIXTURE3), str(pydeps),
                                                      os.environ.get("PYTHONPATH", "")]
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p),
                       "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
        folder = root / flavour
        (folder / "runs.json").write_text(json.dumps(runs))
        running[flavour] = subprocess.Popen(
            [sys.executable, script, str(folder / "runs.json"), str(folder / "results.json")],
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = {}
    for flavour, process in running.items():
        out, err = process.communicate(timeout=1200)
        assert process.returncode == 0, out[-3000:] + err[-3000:]
        results[flavour] = json.loads((root / flavour / "results.json").read_text())
    return results
