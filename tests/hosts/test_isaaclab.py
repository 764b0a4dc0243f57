"""Isaac Lab 2.3.2's own rl_games scripts against the fixture (its real train.py, play.py, wrapper,
task registrations and agent YAMLs; only the simulator faked): stock PPO on our rl-games pin,
sapg and cpo through ``--task rlgames_cpo.isaaclab:<id>`` with ``agent.params.algo.name``, on the
Allegro and Shadow cube tasks, the asymmetric (and LSTM) Shadow variants and a manager-based
locomotion task; play through Isaac Lab's own loop, resume, the errors, the rl_games fork, and
Isaac Lab 3.0's entry point."""

import re
import subprocess
import sys

import pytest
from isaaclab_fixture import CPU, PREFIX, needs_fixture, output, pydeps, run_script  # noqa: F401

from rlgames_cpo.compare.runs import read_scalars

pytestmark = [needs_fixture, pytest.mark.slow]

NUM_ENVS = 12  # a multiple of num_blocks = 6
# task id, its agent YAML's config name (Isaac Lab's log folder), horizon_length, asymmetric
TASKS = {
    "allegro": ("Isaac-Repose-Cube-Allegro-Direct-v0", "allegro_hand", 16, False),
    "shadow": ("Isaac-Repose-Cube-Shadow-Direct-v0", "shadow_hand", 16, False),
    "shadow_ff": ("Isaac-Repose-Cube-Shadow-OpenAI-FF-Direct-v0", "shadow_hand_openai_ff", 16, True),
    "shadow_lstm": ("Isaac-Repose-Cube-Shadow-OpenAI-LSTM-Direct-v0", "shadow_hand_openai_lstm", 16,
                    True),
    "anymal_rough": ("Isaac-Velocity-Rough-Anymal-C-v0", "anymal_c_rough", 24, False),
}
ALGOS = {"ppo": "a2c_continuous", "sapg": "sapg", "cpo": "cpo"}


def train_args(task: str, algo: str, *extra, iterations=2, num_envs=NUM_ENVS):
    """Isaac Lab's train.py arguments: stock PPO as Isaac Lab runs it (no prefix), sapg/cpo with
    the module prefix and ``agent.params.algo.name``; minibatches sized for a few envs."""
    task_id, _, horizon, asymmetric = TASKS[task]
    minibatch = NUM_ENVS * horizon // 2
    args = ["--task", (PREFIX if algo != "ppo" else "") + task_id, "--num_envs", str(num_envs),
            "--max_iterations", str(iterations), *CPU,
            f"agent.params.config.minibatch_size={minibatch}",
            "+agent.params.config.full_experiment_name=run"]
    if asymmetric:
        args.append(f"agent.params.config.central_value_config.minibatch_size={minibatch}")
    if algo != "ppo":
        args.append(f"agent.params.algo.name={ALGOS[algo]}")
    return [*args, *extra]


def run_folder(tmp_path, task: str):
    return tmp_path / "logs" / "rl_games" / TASKS[task][1] / "run"


def play(pydeps, tmp_path, task: str, algo: str, checkpoint, frames=8):  # noqa: F811
    task_id = TASKS[task][0]
    args = ["--task", (PREFIX if algo != "ppo" else "") + task_id, "--num_envs", "6",
            "--checkpoint", str(checkpoint), *CPU[:5]]
    if algo != "ppo":
        args.append(f"agent.params.algo.name={ALGOS[algo]}")
    return run_script("play", pydeps, tmp_path, *args,
                      env={"ISAACLAB_FIXTURE_APP_FRAMES": str(frames)})


@pytest.mark.parametrize("algo", ["ppo", "sapg", "cpo"])
@pytest.mark.parametrize("task", ["allegro", "shadow", "shadow_ff", "anymal_rough"])
def test_isaaclab_train_py_trains_and_play_py_plays(pydeps, tmp_path, task, algo):  # noqa: F811
    result = run_script("train", pydeps, tmp_path, *train_args(task, algo))
    assert result.returncode == 0, output(result)
    assert "epoch: 2/2" in result.stdout
    (checkpoint,) = (run_folder(tmp_path, task) / "nn").glob("last_*_ep_2_*.pth")
    scalars = read_scalars(run_folder(tmp_path, task) / "summaries")
    assert any(tag.startswith("Episode/") for tag in scalars)  # extras["episode"], IsaacAlgoObserver
    if algo != "ppo":
        assert "sapg/leader_off_policy_rows" in scalars and "blocks/reward_block_5" in scalars
    if TASKS[task][3]:
        assert "losses/cval_loss" in scalars  # the asymmetric critic trained

    if task in ("allegro", "shadow") or (task == "shadow_ff" and algo == "cpo"):
        played = play(pydeps, tmp_path, task, algo, checkpoint)
        assert played.returncode == 0, output(played)
        assert "loading checkpoint" in played.stdout


def test_isaaclab_lstm_actor_and_critic_train_and_play_with_cpo(pydeps, tmp_path):  # noqa: F811
    result = run_script("train", pydeps, tmp_path, *train_args("shadow_lstm", "cpo"))
    assert result.returncode == 0, output(result)
    assert "losses/cval_loss" in read_scalars(run_folder(tmp_path, "shadow_lstm") / "summaries")
    (checkpoint,) = (run_folder(tmp_path, "shadow_lstm") / "nn").glob("last_*_ep_2_*.pth")
    played = play(pydeps, tmp_path, "shadow_lstm", "cpo", checkpoint)
    assert played.returncode == 0, output(played)


def test_isaaclab_checkpoint_resumes_where_it_stopped(pydeps, tmp_path):  # noqa: F811
    first = run_script("train", pydeps, tmp_path, *train_args("shadow_ff", "cpo"))
    assert first.returncode == 0, output(first)
    (checkpoint,) = (run_folder(tmp_path, "shadow_ff") / "nn").glob("last_*_ep_2_*.pth")
    resumed = run_script("train", pydeps, tmp_path,
                         *train_args("shadow_ff", "cpo", "--checkpoint", str(checkpoint),
                                     iterations=3))
    assert resumed.returncode == 0, output(resumed)
    assert "epoch: 3/3" in resumed.stdout and "epoch: 1/3" not in resumed.stdout
    assert "resuming after iteration 2" in resumed.stdout


def test_isaaclab_play_names_the_algorithm_a_checkpoint_needs(pydeps, tmp_path):  # noqa: F811
    trained = run_script("train", pydeps, tmp_path, *train_args("allegro", "cpo"))
    assert trained.returncode == 0, output(trained)
    (checkpoint,) = (run_folder(tmp_path, "allegro") / "nn").glob("last_*_ep_2_*.pth")
    args = ["--task", PREFIX + TASKS["allegro"][0], "--num_envs", "6",
            "--checkpoint", str(checkpoint), *CPU[:5]]  # no agent.params.algo.name=cpo
    played = run_script("play", pydeps, tmp_path, *args, env={"ISAACLAB_FIXTURE_APP_FRAMES": "4"})
    assert played.returncode != 0
    assert "was trained with algo.name=cpo" in played.stderr
    assert "Isaac Lab's play.py needs agent.params.algo.name=cpo" in played.stderr


@pytest.mark.parametrize("extra, message", [
    (["--num_envs", "16"], "sapg.num_blocks=6 does not divide num_envs=16: use --num_envs 12 or "
                           "--num_envs 18"),
    (["agent.params.config.minibatch_size=32768"],
     "agent.params.config.minibatch_size=32768 does not fit this run: it must divide the 192 "
     "on-policy rows"),
    (["+agent.params.env.concate_obs_groups=False"],
     "this env has a Dict of observation groups (Isaac Lab: keep "
     "agent.params.env.concate_obs_groups=True, its default)"),
], ids=["num_envs", "minibatch", "concate_obs_groups"])
def test_isaaclab_bad_settings_stop_before_training_and_name_the_key(pydeps, tmp_path, extra,  # noqa: F811
                                                                     message):
    result = run_script("train", pydeps, tmp_path, *train_args("allegro", "cpo"), *extra)
    assert result.returncode != 0
    assert message in result.stderr
    assert "epoch: 1/" not in result.stdout


def test_isaaclab_fork_refuses_cpo_and_still_trains_its_ppo(pydeps, tmp_path):  # noqa: F811
    refused = run_script("train", pydeps, tmp_path, *train_args("allegro", "cpo"), fork=True)
    assert refused.returncode != 0
    assert re.search(r"sapg/cpo need rl-games 1\.6\.5, and the rl_games imported from \S+"
                     r"isaaclab-rl_games-fork/rl_games is another", refused.stderr)
    assert "`pip install rl-games==1.6.5`" in refused.stderr
    # PPO through the prefix, on the fork: the hook leaves it alone
    ppo = run_script("train", pydeps, tmp_path, *train_args("allegro", "ppo"), fork=True)
    assert ppo.returncode == 0, output(ppo)


ENTRY_POINT = """
import importlib.metadata
from rl_games.torch_runner import Runner
stock = Runner().algo_factory._builders["a2c_continuous"]
# what Isaac Lab 3.0's isaaclab.cli.load_external_tasks does before its backend builds a Runner
for entry_point in importlib.metadata.entry_points(group="isaaclab.tasks"):
    entry_point.load()
runner = Runner()
builders = runner.algo_factory._builders
print(sorted(builders), sorted(runner.player_factory._builders))
print("ppo agent untouched:", builders["a2c_continuous"].__code__ is stock.__code__)
import importlib, rlgames_cpo.isaaclab as hook
importlib.reload(hook)  # a second import (both routes at once) wraps once
print("wrapped once:", not hasattr(Runner.__init__.__wrapped__, hook.HOOKED))
"""


def test_isaaclab_3_entry_point_registers_sapg_and_cpo_and_nothing_else():
    result = subprocess.run([sys.executable, "-c", ENTRY_POINT], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    registered, untouched, once = result.stdout.strip().splitlines()[-3:]
    assert registered.count("'cpo'") == 2 and registered.count("'sapg'") == 2  # algos, players
    assert untouched == "ppo agent untouched: True" and once == "wrapped once: True"

