"""The package installs whole: a wheel built from this checkout, installed into a fresh venv
outside it, trains and compares from there (its configs are package data; ``compare`` launches
``python -m rlgames_cpo``, not a train.py of the checkout)."""

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from wheels import run, venv_beside

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A venv with the wheel installed, its dependencies taken from this environment (a path
    line, which neither runs this environment's .pth files nor sees the editable checkout)."""
    root = tmp_path_factory.mktemp("installed")
    venv = root / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=root)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=root)
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
               cwd=root).strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python, root / "work"


def test_the_installed_wheel_trains_and_compares_outside_the_checkout(installed):
    python, work = installed
    work.mkdir()
    where = run(python, "-c", "import rlgames_cpo.hydra_setup as h, rlgames_cpo; "
                "print(rlgames_cpo.__file__); print(h.CFG_DIR)", cwd=work).split()
    assert all(str(REPO) not in path and "venv" in path for path in where), where
    # the rlgames-cpo script is the command line too: its checks, before anything is built
    refused = subprocess.run([str(python.parent / "rlgames-cpo"), "task=EnvpoolPendulum",
                              "num_envs=13"], cwd=work, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and "use num_envs=12 or num_envs=16" in refused.stderr
    # compare launches its grid with `python -m rlgames_cpo` (a 1-iteration training), then reports
    out = run(python, "-m", "rlgames_cpo.compare", "--task", "EnvpoolPendulum", "--algos", "cpo",
              "--seeds", "0", "--max-iterations", "1", "--train-dir", "runs", "--out", "report",
              "num_envs=12", "train.params.config.horizon_length=8",
              "train.params.config.minibatch_size_per_env=4", cwd=work)
    assert "[compare] EnvpoolPendulum_cpo_s0: training" in out
    assert (work / "runs" / "EnvpoolPendulum_cpo_s0" / "config.yaml").is_file()
    assert list((work / "runs" / "EnvpoolPendulum_cpo_s0" / "nn").glob("*.pth"))
    assert "cpo" in (work / "report" / "final_performance.md").read_text()
    assert (work / "report" / "curves.png").is_file()


def test_installing_where_there_is_no_rl_games_brings_1_6_5(wheel, tmp_path):
    """Without an rl_games, pip picks rl-games 1.6.5 from the index (a dry run: only what it
    would install is asked of the index)."""
    python = venv_beside(tmp_path)
    report = tmp_path / "report.json"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--dry-run", "--quiet",
        "--report", report, "--find-links", wheel.parent, "rlgames-cpo", cwd=tmp_path)
    chosen = {item["metadata"]["name"]: item["metadata"]["version"]
              for item in json.loads(report.read_text())["install"]}
    assert chosen == {"rlgames-cpo": "0.1.0", "rl-games": "1.6.5"}, chosen
