"""Wheels and venvs for the install tests (imported; pytest puts this folder on sys.path): this
checkout's wheel, Isaac Lab's rl_games fork as pip installs it, and venvs that take their other
dependencies from this environment."""

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FORK = REPO.parent / "shared" / "fixtures" / "isaaclab-rl_games-fork"
# what a venv_beside must not see of this environment: rl_games, ours, the fork's empty ray
OURS = ("rl_games", "rl_games-", "rlgames_cpo", "__editable__.rlgames_cpo", "ray")


def run(*command, cwd, timeout=600, env=None):
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def build_wheel(root: Path) -> Path:
    """The wheel of this checkout (its tracked and untracked, not ignored, files)."""
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


def venv_beside(root: Path, rl_games_wheel=None) -> Path:
    """A venv (no pip of its own: this environment's runs in it) whose dependencies come from this
    environment but rl_games and ours, optionally holding ``rl_games_wheel``; its python."""
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
