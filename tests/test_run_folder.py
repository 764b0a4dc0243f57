"""A run folder's lock: a live run's folder is never claimed, overwrite=True included; a lock left
by a process that is gone is taken over (issue 22, items 1 and 2). The end-to-end kill -9 case is
in tests/e2e/test_interruption.py."""

import os
import socket
import subprocess
import sys

import pytest

from rlgames_cpo.run_folder import LOCK, RunFolder, RunFolderError


def a_run(train_dir, pid):
    folder = train_dir / "x"
    (folder / "nn").mkdir(parents=True)
    (folder / "nn" / "last_x_ep_2.pth").write_bytes(b"checkpoint")
    (folder / LOCK).write_text(f"pid {pid} on {socket.gethostname()} since 2026-12-06 05:00:00\n")
    return folder


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_overwrite_never_moves_a_live_run(tmp_path):
    folder = a_run(tmp_path, os.getpid())  # this process: live
    with pytest.raises(RunFolderError, match=r"x is in use by a live run \(pid \d+ on .*\): wait "
                                             r"for it to finish, or choose another experiment=\.\.\. "
                                             r"\(overwrite=True never moves a live run"):
        RunFolder(tmp_path, "x", overwrite=True).claim()
    assert (folder / "nn" / "last_x_ep_2.pth").read_bytes() == b"checkpoint"
    assert not (tmp_path / ".overwritten").exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path, capsys):
    folder = a_run(tmp_path, dead_pid())
    checkpoint = folder / "nn" / "last_x_ep_2.pth"
    claimed = RunFolder(tmp_path, "x", checkpoint=str(checkpoint)).claim()  # the resume command
    assert "a process that is gone (killed, or out of memory): this run takes the folder over" in \
        capsys.readouterr().out
    assert (folder / LOCK).read_text().startswith(f"pid {os.getpid()} ")
    claimed.release()
    assert not (folder / LOCK).exists() and checkpoint.read_bytes() == b"checkpoint"
