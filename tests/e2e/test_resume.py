"""Exact resume: with ``torch_deterministic=True``, 2 iterations + ``checkpoint=`` + 2 more log the
same losses and statistics as 4 uninterrupted iterations (cpo with every term on).

The envs must restore too: the run uses the Isaac Gym stand-in task, whose env state is all of it
(``exact_env_state``). envpool cannot restore its simulators, so there a resumed run continues
exactly except that every env starts a new episode.
"""

import pytest
import torch
from batch_main import run_batch
from restorable_runs import CPO, NETWORKS, restorable_env, scalars

from rlgames_cpo import summaries

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Per network: 4 uninterrupted iterations, 2, and those 2 resumed to 4, all in one process
    (tests/batch_main.py; torch_deterministic as in a process of their own)."""
    root = tmp_path_factory.mktemp("resume")
    commands = {}
    for network in NETWORKS:
        common = [*CPO, *NETWORKS[network], f"train_dir={root / network}"]
        commands[f"{network}/full"] = [*common, "experiment=full", "max_iterations=4"]
        commands[f"{network}/first"] = [*common, "experiment=first", "max_iterations=2"]
        commands[f"{network}/resumed"] = [
            *common, "experiment=resumed", "max_iterations=4",
            f"checkpoint=GLOB:{root / network / 'first' / 'nn' / 'last_*_ep_2_*.pth'}"]
    return root, run_batch(commands, root, restorable_env())


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_cpo_resume_logs_what_an_uninterrupted_run_logs(runs, network):
    root, results = runs
    for run in ("full", "first", "resumed"):
        result = results[f"{network}/{run}"]
        assert result["returncode"] == 0, result["stdout"][-3000:] + result["stderr"][-3000:]
    out = results[f"{network}/resumed"]["stdout"]
    assert "epoch 3/4" in out and "epoch 1/4" not in out
    tmp_path = root / network
    (checkpoint,) = (tmp_path / "first" / "nn").glob("last_*_ep_2_*.pth")

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
