"""Python 3.8 (IsaacGymEnvs users on Isaac Gym Preview 4) to 3.12 (Isaac Lab 3.0), checked on this
Python-3.11-only machine the two ways it can be:

- statically: vermin finds no construct in our sources that needs a Python newer than 3.8;
- by resolution: uv resolves the package's pins from the registry for each Python, as pip would
  install them there. (pip's own ``--python-version`` evaluates environment markers for the
  running Python, so for 3.8 it picks rl-games' gymnasium>=3.9 branch and packages that need 3.11.)

Nothing here runs a 3.8 interpreter; the README says so.
"""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
SOURCES = ["rlgames_cpo", "train.py", "benchmarks"]
# pure-Python dependencies that PyPI ships as sources only: built into wheels here so that the
# resolution can stay binary-only (--only-binary :all:) for everything else
SDIST_ONLY = ["antlr4-python3-runtime==4.9.3", "gym==0.23.1"]


def test_sources_need_nothing_newer_than_python_3_8():
    vermin = "import sys, vermin; sys.exit(vermin.main())"  # it has no __main__
    result = subprocess.run([sys.executable, "-c", vermin, "--target=3.8-", "--violations",
                             "--eval-annotations", "--no-tips", *SOURCES], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """Our package built as a wheel (its real metadata: requires-python, dependencies, extras)."""
    folder = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder),
                    str(REPO), *SDIST_ONLY], check=True, capture_output=True, text=True)
    return folder


def resolve(wheels, python: str, requirement: str) -> subprocess.CompletedProcess:
    from uv import find_uv_bin

    (wheels / "requirements.in").write_text(requirement + "\n")
    return subprocess.run([find_uv_bin(), "pip", "compile", str(wheels / "requirements.in"),
                           "--python-version", python, "--python-platform", "x86_64-manylinux_2_31",
                           "--only-binary", ":all:", "--find-links", str(wheels),
                           "--no-python-downloads", "--no-header", "--no-annotate", "--quiet"],
                          capture_output=True, text=True, timeout=600)


def pins(result) -> dict:
    lines = [line.split("==") for line in result.stdout.splitlines() if "==" in line]
    return {name.strip().lower(): version.strip() for name, version in lines}


def release(version: str) -> tuple:
    return tuple(int(part) for part in version.split("+")[0].split(".")[:2])


def test_python_3_8_resolves_with_the_torch_and_numpy_of_isaac_gym_users(wheels):
    result = resolve(wheels, "3.8", "rlgames-cpo[wandb,export]")
    assert result.returncode == 0, result.stderr
    found = pins(result)
    # rl-games 1.6.5 on 3.8: torch >= 2.2.2, < 2.5 and gym 0.23 (not gymnasium's API)
    assert found["rl-games"] == "1.6.5" and found["gym"] == "0.23.1"
    assert (2, 2) <= release(found["torch"]) < (2, 5)
    assert release(found["numpy"]) < (1, 25)  # numpy 1.24 is the last for 3.8
    assert "envpool" not in found and "wandb" in found
    assert "onnxruntime" in found  # the export extra has 3.8 wheels


@pytest.mark.parametrize("python, requirement", [("3.10", "rlgames-cpo"),
                                                 ("3.11", "rlgames-cpo[envpool,test]"),
                                                 ("3.12", "rlgames-cpo[envpool]")])
def test_newer_pythons_resolve(wheels, python, requirement):
    result = resolve(wheels, python, requirement)
    assert result.returncode == 0, result.stderr
    assert pins(result)["rl-games"] == "1.6.5"


@pytest.mark.parametrize("python", ["3.8", "3.10"])
def test_the_envpool_extra_needs_python_3_11(wheels, python):
    # what the README says: envpool >= 1.2.5 ships wheels for 3.11 and later only
    result = resolve(wheels, python, "rlgames-cpo[envpool]")
    assert result.returncode != 0 and "envpool" in result.stderr
