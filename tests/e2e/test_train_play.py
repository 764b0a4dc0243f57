"""End to end through train.py, as a user runs it (its main in-process; once as a script)."""

import subprocess
import sys

import pytest
import yaml
from in_process import run_main

pytestmark = pytest.mark.slow


def test_ant_ppo_trains_writes_run_layout_and_plays(train_py, tmp_path):
    out = train_py("task=EnvpoolAnt", "train=EnvpoolAntPPO", "max_iterations=3",
                   "num_envs=64", "experiment=smoke", f"train_dir={tmp_path}")
    run = tmp_path / "smoke"
    assert list((run / "summaries").glob("events.out.tfevents.*"))
    checkpoints = list((run / "nn").glob("last_smoke_ep_3_*.pth"))
    assert len(checkpoints) == 1
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["task"]["env"]["numEnvs"] == 64 and config["rl_device"] == "cpu"
    assert config["train"]["params"]["config"]["max_epochs"] == 3
    assert "epoch 3/3 | frames 12.3k | reward" in out and "ETA" in out

    played = train_py("task=EnvpoolAnt", "test=True", f"checkpoint={checkpoints[0]}", "num_envs=4")
    assert "av reward:" in played


def test_train_py_as_a_script_names_the_fix_and_exits_1(repo):
    result = subprocess.run([sys.executable, "train.py", "test=True"], cwd=repo,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "checkpoint=PATH" in result.stderr


def test_isaacgym_task_without_isaacgym_names_the_fix():
    result = run_main("task=ShadowHand")
    assert result.returncode == 1
    assert "IsaacGymEnvs is not installed" in result.stderr and "EnvpoolAnt" in result.stderr


@pytest.mark.parametrize("task, num_envs", [
    ("EnvpoolHumanoid", 8), ("EnvpoolHalfCheetah", 8), ("EnvpoolMountainCar", 8),
    ("EnvpoolPendulum", 8), ("EnvpoolShadowHandBlock", 8), ("EnvpoolLeapCube", 4),
])
def test_ppo_runs_on_every_embedded_task(train_py, tmp_path, task, num_envs):
    train_py(f"task={task}", f"train={task}PPO", "max_iterations=2", f"num_envs={num_envs}",
             "experiment=t", f"train_dir={tmp_path}")
    assert list((tmp_path / "t" / "nn").glob("last_t_ep_2_*.pth"))
