"""Runs many train.py command lines in one process, each as ``python train.py <argv>`` would
(``rlgames_cpo.cli.main``), its stdout and stderr captured: the IsaacGymEnvs tests pay one
interpreter start for all their runs. The fixture's ``isaacgym`` check stays on: the first run
imports isaacgym before anything imports torch, as train.py does.

    PYTHONPATH=<fixture> python tests/hosts/ige_batch.py RUNS.json RESULTS.json

``RUNS.json``: ``{name: argv}``; an argument ``checkpoint=GLOB:<pattern>`` is the newest file
matching the pattern when the run starts (a play after a training of the same batch).
"""

import contextlib
import glob
import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rlgames_cpo.cli import main  # noqa: E402


def resolved(argv: list) -> list:
    return [f"checkpoint={max(glob.glob(a[len('checkpoint=GLOB:'):]))}"
            if a.startswith("checkpoint=GLOB:") else a for a in argv]


def run(argv: list) -> dict:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            returncode = main(resolved(argv))
        except BaseException as error:  # noqa: B902  (the result says what happened)
            returncode = f"{type(error).__name__}: {error}"
    return {"returncode": returncode, "stdout": out.getvalue(), "stderr": err.getvalue()}


if __name__ == "__main__":
    runs = json.loads(Path(sys.argv[1]).read_text())
    results = {name: run(argv) for name, argv in runs.items()}
    Path(sys.argv[2]).write_text(json.dumps(results))
