"""Ctrl-C (SIGINT) or SIGTERM during training: the iteration finishes, a checkpoint is written,
the process exits 0 naming it, and training resumes from it."""

import re
import signal
import subprocess
import sys

import pytest
import torch
from restorable_runs import CPO, restorable_env

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_writes_a_checkpoint_and_exits_cleanly(repo, tmp_path, sig):
    common = [*CPO, f"train_dir={tmp_path}"]
    process = subprocess.Popen([sys.executable, "train.py", *common, "experiment=stopped",
                                "max_iterations=100000"], cwd=repo, env=restorable_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("epoch 3/"):
            process.send_signal(sig)
            break
    out, err = process.communicate(timeout=120)
    out = "".join(lines) + out
    assert process.returncode == 0, out[-2000:] + err[-2000:]
    assert "Traceback" not in err
    stop = re.search(rf"stopped by {sig.name} after iteration (\d+): checkpoint written to "
                     r"(\S+); resume with checkpoint=(\S+)", out)
    assert stop, out[-2000:]
    iteration, path = int(stop.group(1)), stop.group(2)
    assert iteration >= 3 and path == stop.group(3)
    saved = torch.load(path, weights_only=False)
    assert saved["epoch"] == iteration and "discriminator" in saved

    resumed = subprocess.run([sys.executable, "train.py", *common, "experiment=resumed",
                              f"max_iterations={iteration + 1}", f"checkpoint={path}"],
                             cwd=repo, env=restorable_env(), capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"epoch {iteration + 1}/{iteration + 1}" in resumed.stdout


def test_a_run_killed_with_sigkill_resumes_with_the_resume_command(repo, tmp_path):
    """kill -9 leaves the run's lock behind; the resume command takes the folder over."""
    from in_process import run_main
    from rlgames_cpo.run_folder import LOCK, newest_checkpoint

    common = ["task=EnvpoolPendulum", "num_envs=8", "task.env.maxEpisodeSteps=5",
              f"train_dir={tmp_path}", "experiment=killed",
              "train.params.config.save_frequency=1"]
    process = subprocess.Popen([sys.executable, "train.py", *common, "max_iterations=100000"],
                               cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    for line in process.stdout:
        if line.startswith("epoch 3/"):
            process.send_signal(signal.SIGKILL)
            break
    process.communicate(timeout=60)
    folder = tmp_path / "killed"
    assert (folder / LOCK).exists()                        # what kill -9 leaves
    checkpoint = newest_checkpoint(folder)
    epoch = int(re.search(r"_ep_(\d+)_", checkpoint.name).group(1))
    resumed = run_main(*common, f"checkpoint={checkpoint}", f"max_iterations={epoch + 1}")
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    assert "a process that is gone (killed, or out of memory): this run takes the folder over" \
        in resumed.stdout
    assert f"epoch {epoch + 1}/{epoch + 1}" in resumed.stdout and not (folder / LOCK).exists()
