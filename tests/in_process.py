"""train.py's command line run in the test process (imported by the tests; pytest puts this
folder on sys.path)."""

import contextlib
import io
from dataclasses import dataclass


@dataclass
class Result:
    """What a train.py command line did: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_main(*overrides) -> Result:
    """``python train.py <overrides>``, in this process: train.py's ``main`` with its output
    captured (no interpreter start; the process boundary is tested where it matters: signals,
    torchrun, simultaneous runs, a host's own script)."""
    from rlgames_cpo.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(overrides))
    return Result(code, out.getvalue(), err.getvalue())
