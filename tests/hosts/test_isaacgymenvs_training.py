"""The IsaacGymEnvs matrix: IsaacGymEnvs' own PPO train configs (pairwise: every task once, every
algorithm on an MLP and an LSTM task) and every paper config of ours train 2 iterations through
train.py's main against the fixture (real package and configs, gym spaces, only the simulator
faked), all in one process (conftest.ige_runs), and a checkpoint plays."""

import re

import pytest
from ige_matrix import ASYMMETRIC, NUM_ENVS, OURS, PPO_CONFIGS
from ige_fixture import needs_fixture

from rlgames_cpo.compare.runs import read_scalars

pytestmark = [needs_fixture, pytest.mark.slow]


def trained_two_iterations(ige_runs, name) -> str:
    result, folder = ige_runs[name]
    assert result["returncode"] == 0, result["stdout"][-3000:] + result["stderr"][-3000:]
    out = result["stdout"]
    epochs = re.findall(r"^epoch (\d+)/(\d+) \|", out, re.M)
    assert epochs == [("1", "2"), ("2", "2")], out[-3000:]  # max_iterations=2; one line each
    assert "fps step:" not in out                              # rl_games' line is not printed too
    assert f"numEnvs {NUM_ENVS}," in out
    assert list((folder / "run" / "nn").glob("last_run_ep_2_*.pth"))
    return out


@pytest.mark.parametrize("train, sizes, algo", [c[1:2] + c[3:] for c in PPO_CONFIGS],
                         ids=[f"{c[1]}-{c[4]}" for c in PPO_CONFIGS])
def test_isaacgymenvs_ppo_config_trains(ige_runs, train, sizes, algo):
    # with the minibatch override the error message suggests: 2 minibatches of the on-policy rows
    assert sizes in trained_two_iterations(ige_runs, f"{train}-{algo}")


@pytest.mark.parametrize("train", [t[1] for t in OURS])
def test_our_paper_config_trains(ige_runs, train):
    trained_two_iterations(ige_runs, train)


def test_a_cpo_checkpoint_plays(ige_runs):
    trained_two_iterations(ige_runs, "ShadowHandCPO")
    played, _ = ige_runs["play-ShadowHandCPO"]
    assert played["returncode"] == 0, played["stdout"][-3000:] + played["stderr"][-3000:]
    assert "playing with the cpo model" in played["stdout"] and "av reward:" in played["stdout"]


@pytest.mark.parametrize("name", ASYMMETRIC)
def test_isaacgymenvs_asymmetric_critic_configs_train(ige_runs, name):
    out = trained_two_iterations(ige_runs, name)
    assert ", states 211," in out or ", states 88," in out
    assert "losses/cval_loss" in read_scalars(ige_runs[name][1] / "run" / "summaries")
