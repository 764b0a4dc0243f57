"""The package installs whole: a wheel built from this checkout, installed into a fresh venv
outside it, trains and compares from there (its configs are package data; ``compare`` launches
``python -m rlgames_cpo``, not a train.py of the checkout)."""

import json
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def run(*command, cwd, timeout=600):
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of this checkout (its tracked and untracked, not ignored, files)."""
    root = tmp_path_factory.mktemp("wheel")
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    source = root / "source"
    for name in files:
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO / name).read_bytes())
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
        root / "dist", source, cwd=root)
    (built,) = (root / "dist").glob("rlgames_cpo-*.whl")
    return built


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


FORK = REPO.parent / "shared" / "fixtures" / "isaaclab-rl_games-fork"
OURS = ("rl_games", "rl_games-", "rlgames_cpo", "__editable__.rlgames_cpo", "ray")


def venv_beside(root: Path, rl_games_wheel=None) -> Path:
    """A venv (no pip of its own: this environment's runs in it) whose dependencies come from this
    environment but rl_games and ours, optionally holding ``rl_games_wheel``."""
    deps = root / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(OURS):
            (deps / entry.name).symlink_to(entry)
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    python = venv / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
               cwd=root).strip()
    Path(site, "dependencies.pth").write_text(f"{deps}\n")
    if rl_games_wheel is not None:
        run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
            "--no-index", rl_games_wheel, cwd=root)
    return python


def fork_wheel(root: Path) -> Path:
    """Isaac Lab's fork as ``pip install git+https://github.com/isaac-sim/rl_games.git@python3.11``
    installs it: the distribution rl-games 1.6.1 holding the fork's ``rl_games`` (and the fixture's
    empty ``ray``, which the fork imports)."""
    source = root / "fork"
    for package in ("rl_games", "ray"):
        shutil.copytree(FORK / package, source / package)
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "rl-games"\nversion = "1.6.1"\n'
        '[tool.setuptools.packages.find]\ninclude = ["rl_games*", "ray*"]\n')
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
        root / "dist", source, cwd=root)
    (built,) = (root / "dist").glob("rl_games-1.6.1-*.whl")
    return built


@pytest.mark.skipif(not FORK.is_dir(), reason=f"no rl_games fork fixture at {FORK}")
def test_installing_beside_isaac_labs_fork_leaves_the_fork(wheel, tmp_path):
    """Isaac Lab's installs pin their fork; pip installing us there must not swap in 1.6.5 (with
    ``rl-games==1.6.5`` it did), and sapg/cpo then run on the fork."""
    python = venv_beside(tmp_path, fork_wheel(tmp_path))
    pip = [sys.executable, "-m", "pip", "--python", python]
    out = run(*pip, "install", "--no-index", "--find-links", wheel.parent, "rlgames-cpo",
              cwd=tmp_path)
    assert "Successfully installed rlgames-cpo-0.1.0" in out and "rl-games" not in out.split(
        "Successfully installed")[1]
    listed = run(*pip, "list", cwd=tmp_path)
    assert re.search(r"^rl-games +1\.6\.1$", listed, re.M), listed
    imported = run(python, "-c", "import rl_games, rlgames_cpo; print(rl_games.__file__); "
                   "print(rlgames_cpo.check_rl_games())", cwd=tmp_path).splitlines()
    assert str(tmp_path / "venv") in imported[-2]
    assert imported[-1] == "Isaac Lab's rl_games fork (isaac-sim/rl_games@python3.11, 1.6.1)"


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
