"""The IsaacGymEnvs matrix: IsaacGymEnvs' own PPO train configs as ppo, sapg and cpo, and our
paper configs, train 2 iterations through train.py against the fixture (real package and
configs, gym spaces, only the simulator faked), and a checkpoint plays."""

import re

import pytest
from ige_fixture import needs_fixture, run_train

from rlgames_cpo.compare.runs import read_scalars

pytestmark = [needs_fixture, pytest.mark.slow]

NUM_ENVS = 60  # a multiple of num_blocks = 6
# task, IsaacGymEnvs' PPO config, its horizon_length, the sizes the fixture reports
TASKS = [
    ("ShadowHand", "ShadowHandPPO", 8, "obs 211, states 0, actions 20"),
    ("AllegroHand", "AllegroHandPPO", 8, "obs 88, states 0, actions 16"),
    ("AllegroKukaLSTM", "AllegroKukaLSTMPPO", 16, "obs 117, states 117, actions 23"),
    ("AllegroKukaTwoArmsLSTM", "AllegroKukaTwoArmsLSTMPPO", 16, "obs 196, states 196, actions 46"),
    ("Humanoid", "HumanoidPPO", 32, "obs 108, states 0, actions 21"),
    ("Anymal", "AnymalPPO", 24, "obs 48, states 0, actions 12"),
    ("FrankaCubeStack", "FrankaCubeStackPPO", 32, "obs 19, states 0, actions 7"),
]
OURS = [
    ("ShadowHand", "ShadowHandCPO", []), ("AllegroHand", "AllegroHandCPO", []),
    ("AllegroKukaLSTM", "AllegroKukaLSTMRegraspingCPO", ["task/env=regrasping"]),
    ("AllegroKukaTwoArmsLSTM", "AllegroKukaTwoArmsLSTMCPO", []), ("Humanoid", "HumanoidCPO", []),
    ("Anymal", "AnymalCPO", []), ("FrankaCubeStack", "FrankaCubeStackCPO", []),
    # the paper's PPO baseline (an LSTM at sequence length 4, the public code's)
    ("FrankaCubeStack", "FrankaCubeStackPPOPaper", []),
]


def trains_two_iterations(tmp_path, *overrides) -> str:
    result = run_train(*overrides, f"num_envs={NUM_ENVS}", "max_iterations=2", "experiment=run",
                       f"train_dir={tmp_path}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    epochs = re.findall(r"^epoch (\d+)/(\d+) \|", out, re.M)
    assert epochs == [("1", "2"), ("2", "2")], out[-3000:]  # max_iterations=2; one line each
    assert "fps step:" not in out                              # rl_games' line is not printed too
    assert f"numEnvs {NUM_ENVS}," in out
    assert list((tmp_path / "run" / "nn").glob("last_run_ep_2_*.pth"))
    return out


@pytest.mark.parametrize("algo", ["a2c_continuous", "sapg", "cpo"])
@pytest.mark.parametrize("task, train, horizon, sizes", TASKS, ids=[t[0] for t in TASKS])
def test_isaacgymenvs_ppo_config_trains(tmp_path, task, train, horizon, sizes, algo):
    # the minibatch override the error message suggests: 2 minibatches of the on-policy rows
    out = trains_two_iterations(tmp_path, f"task={task}", f"train={train}",
                                f"train.params.algo.name={algo}",
                                f"train.params.config.minibatch_size={NUM_ENVS * horizon // 2}")
    assert sizes in out


@pytest.mark.parametrize("task, train, extra", OURS, ids=[t[1] for t in OURS])
def test_our_paper_config_trains(tmp_path, task, train, extra):
    trains_two_iterations(tmp_path, f"task={task}", f"train={train}", *extra)


def test_a_cpo_checkpoint_plays(tmp_path):
    trains_two_iterations(tmp_path, "task=ShadowHand", "train=ShadowHandCPO")
    (checkpoint,) = (tmp_path / "run" / "nn").glob("last_run_ep_2_*.pth")
    played = run_train("task=ShadowHand", "train=ShadowHandCPO", "test=True", "num_envs=6",
                       f"checkpoint={checkpoint}", "train.params.config.player.games_num=6")
    assert played.returncode == 0, played.stdout[-3000:] + played.stderr[-3000:]
    assert "playing with the cpo model" in played.stdout and "av reward:" in played.stdout


@pytest.mark.parametrize("overrides", [
    # ShadowHand's asymmetric critic (211-d states), MLP
    ["task=ShadowHand", "train=ShadowHandPPOAsymm", "task.env.asymmetric_observations=True",
     "train.params.algo.name=cpo"],
    # AllegroHand's LSTM actor and LSTM asymmetric critic (88-d states). IsaacGymEnvs 1.5.1's
    # AllegroHandLSTM task sets observationType no_vel, which its AllegroHand task refuses
    # ("Unknown type of observations!", for PPO too): full_no_vel is its 50-d equivalent.
    ["task=AllegroHandLSTM", "train=AllegroHandLSTMPPO", "task.env.observationType=full_no_vel",
     "train.params.algo.name=sapg"],
], ids=["ShadowHandPPOAsymm-cpo", "AllegroHandLSTMPPO-sapg"])
def test_isaacgymenvs_asymmetric_critic_configs_train(tmp_path, overrides):
    horizon = 8 if "ShadowHand" in overrides[0] else 16
    out = trains_two_iterations(tmp_path, *overrides,
                                f"train.params.config.minibatch_size={NUM_ENVS * horizon // 2}",
                                "train.params.config.central_value_config.minibatch_size="
                                f"{NUM_ENVS * horizon // 2}")
    assert ", states 211," in out or ", states 88," in out
    assert "losses/cval_loss" in read_scalars(tmp_path / "run" / "summaries")
