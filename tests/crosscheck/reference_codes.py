"""Where the public SAPG and CPO codes are, and how their own rl_games runs (imported by the tests
of this folder; pytest puts it on sys.path).

``../shared/fixtures/reference-codes/{cpo,sapg}`` hold the two public codes verbatim (their
vendored rl_games 1.6.1 with the SAPG/CPO changes, train YAMLs, launcher, READMEs; read its
README). Their rl_games is a whole package and must not meet the installed rl-games 1.6.5 in one
interpreter, so it runs in a subprocess (``reference_side.py``), with ``shims/`` first on the path.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CODES = REPO.parent / "shared" / "fixtures" / "reference-codes"

needs_reference = pytest.mark.skipif(
    not (CODES / "cpo" / "rl_games" / "rl_games" / "__init__.py").is_file(),
    reason=f"the public codes are not at {CODES} (CI always has ../shared beside the repository; "
           "on a laptop, put the project's shared folder there)")


def run_reference(code: str, cases: dict, tmp_path: Path) -> dict:
    """Runs ``cases`` (name -> inputs, see ``reference_side.py``) through the public ``code``'s
    own functions (``'cpo'`` or ``'sapg'``) in one subprocess; returns name -> outputs."""
    inputs, outputs = tmp_path / f"{code}_in.pt", tmp_path / f"{code}_out.pt"
    torch.save(cases, inputs)
    path = os.pathsep.join([str(HERE / "shims"), str(CODES / code / "rl_games")])
    env = {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run([sys.executable, str(HERE / "reference_side.py"), str(inputs),
                             str(outputs)], env=env, capture_output=True, text=True, timeout=600,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return torch.load(outputs, weights_only=False)
