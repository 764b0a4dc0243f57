"""Exact resume: with ``torch_deterministic=True``, 2 iterations + ``checkpoint=`` + 2 more log the
same losses and statistics as 4 uninterrupted iterations (cpo with every term on).

The envs must restore too: the run uses the Isaac Gym stand-in task, whose env state is all of it
(``exact_env_state``). envpool cannot restore its simulators, so there a resumed run continues
exactly except that every env starts a new episode.
"""

import subprocess
import sys

import pytest
import torch
from restorable_runs import CPO, NETWORKS, restorable_env, scalars

from rlgames_cpo import summaries

pytestmark = pytest.mark.slow


def train(repo, *overrides):
    result = subprocess.run([sys.executable, "train.py", *overrides], cwd=repo, env=restorable_env(),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_cpo_resume_logs_what_an_uninterrupted_run_logs(repo, tmp_path, network):
    common = [*CPO, *NETWORKS[network], f"train_dir={tmp_path}"]
    train(repo, *common, "experiment=full", "max_iterations=4")
    train(repo, *common, "experiment=first", "max_iterations=2")
    (checkpoint,) = (tmp_path / "first" / "nn").glob("last_*_ep_2_*.pth")
    out = train(repo, *common, "experiment=resumed", "max_iterations=4", f"checkpoint={checkpoint}")
    assert "epoch 3/4" in out and "epoch 1/4" not in out

    full, resumed = scalars(tmp_path / "full"), scalars(tmp_path / "resumed")
    frames_per_iteration = 16 * 8
    later = {2 * frames_per_iteration, 3 * frames_per_iteration}  # iterations 3, 4 (logged at
    # the frames before them)
    tags = ["losses/a_loss", "losses/c_loss", "losses/entropy", "info/last_lr",
            summaries.AWAC_LOSS, summaries.DISCRIMINATOR_LOSS, summaries.ESS_RATE, "rewards/step"]
    for tag in tags + (["losses/cval_loss"] if "central" in network else []):
        assert later <= set(full[tag]), tag
    assert set(resumed) == set(full)
    for tag, values in full.items():
        # rl_games' central value net logs at its frame count after the iteration, not before
        steps = {3 * frames_per_iteration, 4 * frames_per_iteration} if "cval" in tag else later
        expected = {step: v for step, v in values.items() if step in steps}
        got = {step: v for step, v in resumed[tag].items() if step in steps}
        assert got == expected, tag
        assert "cval" not in tag or len(got) == 2  # both resumed iterations' critic losses

    saved = torch.load(checkpoint, weights_only=False)
    assert saved["rlgames_cpo"]["algo"] == "cpo" and "discriminator_optimizer" in saved
