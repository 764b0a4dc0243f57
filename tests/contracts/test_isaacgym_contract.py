"""Contract test of the Isaac Gym path against a stand-in with IsaacGymEnvs' interface.

Isaac Gym itself cannot be installed here (NVIDIA tarball, GPU). What these tests exercise:
the adapter around ``isaacgymenvs.make``, the Hydra search path into the installed package's
``cfg/``, IsaacGymEnvs' resolvers, and a short rl_games training and play through that path.
What they cannot: real PhysX simulation, GPU tensors, ``import isaacgym`` before torch.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

STANDIN = Path(__file__).resolve().parent / "isaacgym_standin"


@pytest.fixture
def standin(monkeypatch):
    monkeypatch.syspath_prepend(str(STANDIN))
    for name in ("isaacgym", "isaacgymenvs"):
        sys.modules.pop(name, None)
    yield
    for name in ("isaacgym", "isaacgymenvs"):
        sys.modules.pop(name, None)


def task_config(num_states=0):
    return {"name": "StandInPointMass",
            "env": {"numEnvs": 99, "maxEpisodeLength": 3, "numStates": num_states},
            "sim": {"physx": {"use_gpu": False}}}


def make_env(num_states=0):
    from rlgames_cpo.envs.isaacgym_env import IsaacGymVecEnv
    return IsaacGymVecEnv(task_config(num_states), num_envs=4, seed=1, sim_device="cpu",
                          rl_device="cpu")


def test_adapter_follows_the_vec_env_contract(standin):
    env = make_env()
    assert env.env.num_envs == 4  # num_envs overrides the task config's numEnvs
    obs = env.reset()
    assert obs["obs"].shape == (4, 2) and obs["obs"].dtype == torch.float32
    info = env.get_env_info()
    assert info["state_space"] is None and info["action_space"].shape == (1,)
    total = torch.zeros(4)
    for _ in range(3):
        obs, rewards, dones, infos = env.step(torch.full((4, 1), 0.5))
        total += rewards
    assert dones.tolist() == [1, 1, 1, 1] and infos["time_outs"].all()
    torch.testing.assert_close(infos["episode_return"], total)
    assert infos["episode_length"].tolist() == [3.0] * 4
    assert obs["obs"][:, 0].eq(0).all()  # same-step reset


def test_asymmetric_states_are_passed_through(standin):
    env = make_env(num_states=2)
    assert env.reset()["states"].shape == (4, 2)
    assert env.get_env_info()["state_space"] is not None


def test_missing_time_outs_default_to_false(standin):
    env = make_env()
    env.reset()
    step = env.env.step
    env.env.step = lambda a: (lambda o, r, d, e: (o, r, d, {}))(*step(a))
    _, _, dones, infos = env.step(torch.zeros(4, 1))
    assert infos["time_outs"].dtype == torch.bool and not infos["time_outs"].any()


def test_missing_isaacgym_is_a_clear_error(monkeypatch):
    from rlgames_cpo.envs import isaacgym_env
    monkeypatch.setitem(sys.modules, "isaacgym", None)
    with pytest.raises(RuntimeError, match="Isaac Gym Preview 4"):
        isaacgym_env.import_isaacgymenvs()


@pytest.mark.slow
def test_train_and_play_through_isaacgymenvs_configs(repo, tmp_path):
    env = {**os.environ, "PYTHONPATH": f"{STANDIN}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "ISAACGYM_STANDIN_RECORD": str(tmp_path / "make.json")}
    common = ["task=StandInPointMass", "num_envs=8", "rl_device=cpu", "sim_device=cpu",
              f"train_dir={tmp_path}"]
    subprocess.run([sys.executable, "train.py", *common, "max_iterations=2", "experiment=ig"],
                   cwd=repo, env=env, check=True, capture_output=True, text=True)
    made = json.loads((tmp_path / "make.json").read_text())
    assert made["task"] == "StandInPointMass" and made["num_envs"] == made["cfg_num_envs"] == 8
    assert made["rl_device"] == "cpu" and made["use_gpu"] is False
    checkpoints = list((tmp_path / "ig" / "nn").glob("*.pth"))
    assert checkpoints
    played = subprocess.run([sys.executable, "train.py", *common, "test=True",
                             f"checkpoint={checkpoints[0]}"],
                            cwd=repo, env=env, check=True, capture_output=True, text=True)
    assert "av reward" in played.stdout
