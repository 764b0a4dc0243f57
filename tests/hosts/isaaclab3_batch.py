"""Runs many ``isaaclab <command> ...`` command lines in one process, each as Isaac Lab 3.0's
console script runs it (``isaaclab.cli.cli``, which dispatches in-process), its output captured:
the 3.0 tests pay one interpreter start and one import of Isaac Lab per rl_games flavour.

    PYTHONPATH=<isaaclab3 fixture>:<pydeps> python tests/hosts/isaaclab3_batch.py RUNS.json RESULTS.json

``RUNS.json``: ``{name: {"argv": [...], "cwd": folder, "env": {...}}}`` in order; an argument
``GLOB:<pattern>`` is the newest file matching the pattern when the run starts.
"""

import contextlib
import glob
import io
import json
import os
import signal
import sys
import traceback
from pathlib import Path


def resolved(argv: list) -> list:
    return [max(glob.glob(a[len("GLOB:"):])) if a.startswith("GLOB:") else a for a in argv]


def run(argv: list, cwd: str, env: dict) -> dict:
    from isaaclab.cli import cli

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv, os.getcwd(), dict(os.environ)
    # The fixture's ISAACLAB_FIXTURE_APP_FRAMES counts a process's env steps (and fires at N
    # exactly): each command starts counting afresh, as in a process of its own.
    newton = sys.modules.get("isaaclab_newton.physics.newton_manager")
    if newton is not None:
        newton.NewtonManager._fixture_physics_steps = 0
    returncode = 0
    try:
        os.chdir(cwd)
        os.environ.update(env)
        sys.argv = ["isaaclab", *resolved(argv)]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli()
            except SystemExit as stop:
                returncode = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
            except BaseException as error:  # noqa: B902  (the result says what happened)
                traceback.print_exc()
                returncode = f"{type(error).__name__}: {error}"
    finally:
        sys.argv = saved[0]
        os.chdir(saved[1])
        os.environ.clear()
        os.environ.update(saved[2])
    return {"returncode": returncode, "stdout": out.getvalue(), "stderr": err.getvalue()}


if __name__ == "__main__":
    # The fixture ends 3.0's play loop with SIGINT, as Ctrl+C would; a process started in the
    # background of a non-interactive shell inherits SIGINT ignored, and Python then leaves it so.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    runs = json.loads(Path(sys.argv[1]).read_text())
    results = {name: run(**spec) for name, spec in runs.items()}
    Path(sys.argv[2]).write_text(json.dumps(results))
