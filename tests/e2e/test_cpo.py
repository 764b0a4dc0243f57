"""`algo.name=cpo` through train.py: configs, drop-in, LSTM, discriminator, diagnostics."""

import json
import math

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlgames_cpo import summaries
from rlgames_cpo.compare.runs import read_scalars

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


PENDULUM = ["task=EnvpoolPendulum", "train=EnvpoolPendulumCPO", "num_envs=8", "rl_device=cpu",
            "max_iterations=4", "train.params.config.horizon_length=8",
            "train.params.config.minibatch_size_per_env=4"]


@pytest.mark.parametrize("setting, expected", [
    # a target far below any KL: every follower's lambda_f falls by e^-0.5 per iteration to its
    # lower bound (0.2 e^-0.5 = 0.1213, 0.0736, then 0.05)
    (["+train.params.config.cpo.kl_target=1e-9"], [0.2 * math.exp(-0.5), 0.2 * math.exp(-1), 0.05, 0.05]),
    # far above: it rises by e^0.5 per iteration (the error clipped at -1) to its upper bound
    (["+train.params.config.cpo.kl_target=1e3"], [0.2 * math.exp(0.5), 0.5, 0.5, 0.5]),
    # the paper's heuristic as a schedule: 0.2 to 0.05 over 128 env steps (two iterations)
    (["+train.params.config.cpo.lambda_f_end=0.05", "+train.params.config.cpo.lambda_f_frames=128"],
     [0.2, 0.125, 0.05, 0.05]),
])
def test_lambda_f_follows_its_kl_target_or_schedule(train_py, tmp_path, setting, expected):
    train_py(*PENDULUM, *setting, "+train.params.config.cpo.kl_target_step=0.5",
             "+train.params.config.cpo.lambda_f_min=0.05", "+train.params.config.cpo.lambda_f_max=0.5",
             f"train_dir={tmp_path}", "experiment=t")
    scalars = read_scalars(tmp_path / "t" / "summaries")
    for follower in (1, 2, 3):
        steps, values = scalars[summaries.lambda_f_block(follower)]
        assert steps.tolist() == [0, 64, 128, 192]
        assert values.tolist() == pytest.approx(expected, rel=1e-5)
    targeted = "kl_target" in setting[0]
    assert (summaries.kl_to_leader_block(1) in scalars) == targeted
    assert (summaries.KL_TARGET in scalars) == targeted
    if targeted:  # the KL the step used is the diagnostics' (the KL matrix's leader column)
        kl = scalars[summaries.kl_to_leader_block(1)][1]
        lines = (tmp_path / "t" / "diagnostics" / "kl_matrix.jsonl").read_text().splitlines()
        assert kl.tolist() == pytest.approx([json.loads(line)["kl"][1][0] for line in lines])


def test_a_fixed_lambda_f_logs_no_temperature(train_py, tmp_path):
    train_py(*PENDULUM, "max_iterations=1", f"train_dir={tmp_path}", "experiment=f")
    assert not any(tag.startswith("coupling/") for tag in read_scalars(tmp_path / "f" / "summaries"))


def test_the_kl_target_measures_its_own_kl_when_the_diagnostics_are_off(train_py, tmp_path):
    train_py(*PENDULUM, "+train.params.config.diagnostics.every=0",
             "+train.params.config.cpo.kl_target=1e-9", f"train_dir={tmp_path}", "experiment=o")
    scalars = read_scalars(tmp_path / "o" / "summaries")
    assert summaries.KL_LEADER_FOLLOWER_MEAN not in scalars  # no diagnostics ran
    assert (scalars[summaries.kl_to_leader_block(2)][1] > 0).all()
    # every iteration one full step down from 0.2 (the error clipped at 1)
    expected = [0.2 * math.exp(-0.1 * i) for i in (1, 2, 3, 4)]
    assert scalars[summaries.lambda_f_block(2)][1].tolist() == pytest.approx(expected, rel=1e-5)
