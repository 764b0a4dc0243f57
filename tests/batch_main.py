"""Runs many train.py command lines in one process, each as ``python train.py <argv>`` would
(``rlgames_cpo.cli.main``), its stdout and stderr captured: a test module pays one interpreter
start for all its runs (the IsaacGymEnvs matrix, the exact-resume runs). An Isaac Gym fixture's
``isaacgym`` check stays on: the first run imports isaacgym before anything imports torch, as
train.py does.

    PYTHONPATH=<fixture> python tests/batch_main.py RUNS.json RESULTS.json

``RUNS.json``: ``{name: argv}``; an argument ``checkpoint=GLOB:<pattern>`` is the newest file
matching the pattern when the run starts (a play after a training of the same batch).
"""

import contextlib
import glob
import io
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_batch(runs: dict, folder: Path, env: dict) -> dict:
    """This script on ``runs`` (``{name: argv}``) in a process with environment ``env``;
    ``{name: {returncode, stdout, stderr}}``."""
    (folder / "runs.json").write_text(json.dumps(runs))
    result = subprocess.run([sys.executable, __file__, str(folder / "runs.json"),
                             str(folder / "results.json")], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((folder / "results.json").read_text())


def resolved(argv: list) -> list:
    return [f"checkpoint={max(glob.glob(a[len('checkpoint=GLOB:'):]))}"
            if a.startswith("checkpoint=GLOB:") else a for a in argv]


def run(argv: list) -> dict:
    from rlgames_cpo.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            returncode = main(resolved(argv))
        except BaseException as error:  # noqa: B902  (the result says what happened)
            returncode = f"{type(error).__name__}: {error}"
    return {"returncode": returncode, "stdout": out.getvalue(), "stderr": err.getvalue()}


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    runs = json.loads(Path(sys.argv[1]).read_text())
    results = {name: run(argv) for name, argv in runs.items()}
    Path(sys.argv[2]).write_text(json.dumps(results))
