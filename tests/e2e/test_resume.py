"""Exact resume: with ``torch_deterministic=True``, 2 iterations + ``checkpoint=`` + 2 more log the
same losses and statistics as 4 uninterrupted iterations (cpo with every term on).

The envs must restore too: the run uses the Isaac Gym stand-in task, whose env state is all of it
(``exact_env_state``). envpool cannot restore its simulators, so there a resumed run continues
exactly except that every env starts a new episode. On Isaac Lab's rl_games fork as on rl-games
1.6.5, with the asymmetric critics (the fork saves no critic optimiser: adapters.flavour).
"""

import os


import pytest
import torch
from batch_main import run_batch
from restorable_runs import CPO, NETWORKS, restorable_env, scalars

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]
FORK = REPO.parent / "shared" / "fixtures" / "isaaclab-rl_games-fork"
# The KL target's multipliers, adapted every iteration: the resumed run continues from the
# checkpoint's, not from cpo.lambda_f (a target above the KLs here: each step is unclipped).
KL_TARGET = ["+train.params.config.cpo.kl_target=0.5", "+train.params.config.cpo.kl_target_step=0.3"]
SETTINGS = {**NETWORKS, "kl_target": KL_TARGET}
# (flavour, setting): every network and the KL target on 1.6.5; on the fork the networks whose
# checkpoints differ
CASES = [("1.6.5", setting) for setting in sorted(SETTINGS)] + [
    ("fork", "central"), ("fork", "lstm_central")]

from rlgames_cpo import summaries

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Per flavour and network: 4 uninterrupted iterations, 2, and those 2 resumed to 4, all in one
    process per flavour (tests/batch_main.py; torch_deterministic as in a process of their own)."""
    root = tmp_path_factory.mktemp("resume")
    results = {}
    for flavour in ("1.6.5", "fork"):
        commands = {}
        for network in (n for f, n in CASES if f == flavour):
            folder = root / flavour / network
            common = [*CPO, *SETTINGS[network], f"train_dir={folder}"]
            commands[f"{network}/full"] = [*common, "experiment=full", "max_iterations=4"]
            commands[f"{network}/first"] = [*common, "experiment=first", "max_iterations=2"]
            commands[f"{network}/resumed"] = [
                *common, "experiment=resumed", "max_iterations=4",
                f"checkpoint=GLOB:{folder / 'first' / 'nn' / 'last_*_ep_2_*.pth'}"]
        env = restorable_env()
        if flavour == "fork":
            env["PYTHONPATH"] = f"{FORK}{os.pathsep}{env['PYTHONPATH']}"
        (root / flavour).mkdir()
        results[flavour] = run_batch(commands, root / flavour, env)
    return root, results


@pytest.mark.parametrize("flavour, network", CASES)
def test_cpo_resume_logs_what_an_uninterrupted_run_logs(runs, flavour, network):
    root, results = runs
    results = results[flavour]
    for run in ("full", "first", "resumed"):
        result = results[f"{network}/{run}"]
        assert result["returncode"] == 0, result["stdout"][-3000:] + result["stderr"][-3000:]
    out = results[f"{network}/resumed"]["stdout"]
    assert "epoch 3/4" in out and "epoch 1/4" not in out
    tmp_path = root / flavour / network
    (checkpoint,) = (tmp_path / "first" / "nn").glob("last_*_ep_2_*.pth")

    full, resumed = scalars(tmp_path / "full"), scalars(tmp_path / "resumed")
    frames_per_iteration = 16 * 8
    later = {2 * frames_per_iteration, 3 * frames_per_iteration}  # iterations 3, 4 (logged at
    # the frames before them)
    tags = ["losses/a_loss", "losses/c_loss", "losses/entropy", "info/last_lr",
            summaries.AWAC_LOSS, summaries.DISCRIMINATOR_LOSS, summaries.ESS_RATE, "rewards/step"]
    if network == "kl_target":  # the multipliers moved every iteration, and are saved
        tags += [summaries.lambda_f_block(b) for b in (1, 2, 3)]
        lambda_f = [full[summaries.lambda_f_block(1)][i * frames_per_iteration] for i in range(4)]
        assert 0.2 < lambda_f[0] < lambda_f[1] < lambda_f[2] < lambda_f[3]
        saved = torch.load(checkpoint, weights_only=False)["cpo_lambda_f"]
        assert saved[1].item() == pytest.approx(lambda_f[1])
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
    if "central" in network:  # the fork saves no critic optimiser, so we do (and it ran)
        fork = flavour == "fork"
        assert ("assymetric_vf_optimizer" in saved) is not fork
        assert ("central_value_optimizer" in saved["rlgames_cpo"]) is fork
