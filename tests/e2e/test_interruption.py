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
