"""`algo.name=cpo` through train.py: configs, drop-in, LSTM, discriminator, diagnostics."""

import json

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlgames_cpo import summaries

pytestmark = pytest.mark.slow


def tags(run_dir):
    found = {"scalars": set(), "images": set()}
    for events in (run_dir / "summaries").glob("events.out.tfevents.*"):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        for kind in found:
            found[kind] |= set(accumulator.Tags()[kind])
    return found


def test_cpo_smoke_logs_every_diagnostic(train_py, tmp_path):
    # the command verbatim: EnvpoolAntCPO has the discriminator on (lambda_adv 0.01)
    train_py("task=EnvpoolAnt", "train=EnvpoolAntCPO", "num_envs=120", "max_iterations=4",
             "experiment=cpo_smoke", f"train_dir={tmp_path}")
    run = tmp_path / "cpo_smoke"
    found = tags(run)
    expected = set(summaries.diagnostics_names(4)) | set(summaries.block_names(4)) | {
        summaries.DISCRIMINATOR_LOSS, summaries.DISCRIMINATOR_ACCURACY,
        summaries.ADVERSARIAL_REWARD_MEAN, summaries.AWAC_LOSS}
    assert expected <= found["scalars"]
    assert summaries.KL_MATRIX in found["images"]
    lines = (run / "diagnostics" / "kl_matrix.jsonl").read_text().splitlines()
    assert len(lines) == 4 and len(json.loads(lines[-1])["kl"]) == 4


def test_default_train_py_runs_cpo(train_py, tmp_path):
    out = train_py("max_iterations=2", "experiment=default", f"train_dir={tmp_path}")
    assert "epoch 2/2" in out
    config = (tmp_path / "default" / "config.yaml").read_text()
    assert "name: cpo" in config


@pytest.mark.parametrize("train, extra", [
    ("EnvpoolAntPPO", []),
    ("EnvpoolAntLSTMPPO", ["+train.params.config.cpo.lambda_adv=0.01",
                           "+train.params.config.cpo.discriminator.units=[32]"]),
])
def test_cpo_drop_in_resumes_and_plays(train_py, tmp_path, train, extra):
    common = ["task=EnvpoolAnt", f"train={train}", "train.params.algo.name=cpo",
              f"train_dir={tmp_path}", *extra]
    train_py(*common, "num_envs=60", "max_iterations=2", "experiment=c")
    (checkpoint,) = (tmp_path / "c" / "nn").glob("last_c_ep_2_*.pth")
    resumed = train_py(*common, "num_envs=60", "max_iterations=3", "experiment=c",
                       f"checkpoint={checkpoint}")
    assert "epoch 3/3" in resumed
    played = train_py(*common, "test=True", f"checkpoint={checkpoint}", "num_envs=3",
                      "train.params.config.player.games_num=3", "task.env.maxEpisodeSteps=100")
    assert "av reward:" in played
