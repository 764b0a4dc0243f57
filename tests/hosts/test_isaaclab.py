"""Isaac Lab 2.3.2's own rl_games scripts against the fixture (its real train.py, play.py, wrapper,
task registrations and agent YAMLs; only the simulator faked): stock PPO on our rl-games pin,
sapg and cpo through ``--task rlgames_cpo.isaaclab:<id>`` with ``agent.params.algo.name``, on the
Allegro and Shadow cube tasks, the asymmetric (and LSTM) Shadow variants and a manager-based
locomotion task; play through Isaac Lab's own loop, resume, the errors, the rl_games fork, and
Isaac Lab 3.0's entry point."""

import re
import subprocess
import sys

import gymnasium
import pytest
from isaaclab_fixture import (CPU, FIXTURE, PREFIX, needs_fixture, output, pydeps,  # noqa: F401
                              run_script)

from rlgames_cpo.adapters.block_env import check_spaces
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


# Isaac Lab's script per (task, algorithm), pairwise: every task and every algorithm, cpo on the
# asymmetric critic, sapg on a direct and a manager-based task, Isaac Lab's own PPO on our pin.
# Every task x sapg/cpo pair's agent YAML passes our checks in-process
# (test_every_agent_yaml_checks_as_sapg_and_cpo); the LSTM actor and critic train with cpo below.
MATRIX = [("allegro", "ppo"), ("shadow", "sapg"), ("shadow_ff", "cpo"), ("anymal_rough", "sapg")]
PLAYED = {"allegro", "shadow", "shadow_ff"}
# the agent YAML of each task (the fixture's registrations name them)
AGENT_YAMLS = {
    "allegro": "direct/allegro_hand/agents/rl_games_ppo_cfg.yaml",
    "shadow": "direct/shadow_hand/agents/rl_games_ppo_cfg.yaml",
    "shadow_ff": "direct/shadow_hand/agents/rl_games_ppo_ff_cfg.yaml",
    "shadow_lstm": "direct/shadow_hand/agents/rl_games_ppo_lstm_cfg.yaml",
    "anymal_rough": "manager_based/locomotion/velocity/config/anymal_c/agents/rl_games_rough_ppo_cfg.yaml",
}


@pytest.fixture(scope="module")
def trained(pydeps, tmp_path_factory):  # noqa: F811
    """``{(task, algo): (result, cwd)}``: Isaac Lab's train.py, 2 iterations, once per pair."""
    runs = {}
    for task, algo in MATRIX:
        cwd = tmp_path_factory.mktemp(f"{task}-{algo}")
        runs[task, algo] = run_script("train", pydeps, cwd, *train_args(task, algo)), cwd
    return runs


def checkpoint_of(trained, task, algo):
    result, cwd = trained[task, algo]
    assert result.returncode == 0, output(result)
    (checkpoint,) = (run_folder(cwd, task) / "nn").glob("last_*_ep_2_*.pth")
    return checkpoint


@pytest.mark.parametrize("task, algo", MATRIX, ids=[f"{t}-{a}" for t, a in MATRIX])
def test_isaaclab_train_py_trains_and_play_py_plays(pydeps, trained, tmp_path, task, algo):  # noqa: F811
    checkpoint = checkpoint_of(trained, task, algo)
    result, cwd = trained[task, algo]
    assert "epoch: 2/2" in result.stdout
    scalars = read_scalars(run_folder(cwd, task) / "summaries")
    assert any(tag.startswith("Episode/") for tag in scalars)  # extras["episode"], IsaacAlgoObserver
    if algo != "ppo":
        assert "sapg/leader_off_policy_rows" in scalars and "blocks/reward_block_5" in scalars
    if TASKS[task][3]:
        assert "losses/cval_loss" in scalars  # the asymmetric critic trained
    if task in PLAYED:
        played = play(pydeps, tmp_path, task, algo, checkpoint)
        assert played.returncode == 0, output(played)
        assert "loading checkpoint" in played.stdout


@pytest.mark.parametrize("task", AGENT_YAMLS)
def test_every_agent_yaml_checks_as_sapg_and_cpo(task):
    """The pairs MATRIX does not train: each task's agent YAML, at the tests' sizes, passes every
    check our agents run when Isaac Lab builds them, as sapg and as cpo."""
    import yaml

    from rlgames_cpo.settings import Settings

    params = yaml.safe_load((FIXTURE / "isaaclab_tasks" / AGENT_YAMLS[task]).read_text())["params"]
    horizon = params["config"]["horizon_length"]
    assert horizon == TASKS[task][2]
    params["config"].update(num_actors=NUM_ENVS, minibatch_size=NUM_ENVS * horizon // 2)
    if "central_value_config" in params["config"]:
        params["config"]["central_value_config"]["minibatch_size"] = NUM_ENVS * horizon // 2
    for algo in ("sapg", "cpo"):
        settings = Settings.from_params({**params, "algo": {"name": algo}})
        assert settings.rows.on_policy == NUM_ENVS * horizon and settings.rows.leader > 0


def test_isaaclab_lstm_actor_and_critic_train_and_play_with_cpo(pydeps, tmp_path):  # noqa: F811
    result = run_script("train", pydeps, tmp_path, *train_args("shadow_lstm", "cpo"))
    assert result.returncode == 0, output(result)
    assert "losses/cval_loss" in read_scalars(run_folder(tmp_path, "shadow_lstm") / "summaries")
    (checkpoint,) = (run_folder(tmp_path, "shadow_lstm") / "nn").glob("last_*_ep_2_*.pth")
    played = play(pydeps, tmp_path, "shadow_lstm", "cpo", checkpoint)
    assert played.returncode == 0, output(played)


def test_isaaclab_checkpoint_resumes_where_it_stopped(pydeps, trained, tmp_path):  # noqa: F811
    checkpoint = checkpoint_of(trained, "shadow_ff", "cpo")
    resumed = run_script("train", pydeps, tmp_path,
                         *train_args("shadow_ff", "cpo", "--checkpoint", str(checkpoint),
                                     iterations=3))
    assert resumed.returncode == 0, output(resumed)
    assert "epoch: 3/3" in resumed.stdout and "epoch: 1/3" not in resumed.stdout
    assert "resuming after iteration 2" in resumed.stdout


def test_isaaclab_play_names_the_algorithm_a_checkpoint_needs(pydeps, trained, tmp_path):  # noqa: F811
    checkpoint = checkpoint_of(trained, "shadow_ff", "cpo")
    args = ["--task", PREFIX + TASKS["shadow_ff"][0], "--num_envs", "6",
            "--checkpoint", str(checkpoint), *CPU[:5]]  # no agent.params.algo.name=cpo
    played = run_script("play", pydeps, tmp_path, *args, env={"ISAACLAB_FIXTURE_APP_FRAMES": "4"})
    assert played.returncode != 0
    assert "was trained with algo.name=cpo" in played.stderr
    assert "Isaac Lab's play.py needs agent.params.algo.name=cpo" in played.stderr


def test_isaaclab_bad_settings_stop_before_training_and_name_the_key(pydeps, tmp_path):  # noqa: F811
    result = run_script("train", pydeps, tmp_path, *train_args("allegro", "cpo"), "--num_envs", "16")
    assert result.returncode != 0
    assert ("sapg.num_blocks=6 does not divide num_envs=16: use --num_envs 12 or --num_envs 18"
            in result.stderr)
    assert "epoch: 1/" not in result.stdout


def test_isaaclab_spells_every_fix_its_way():
    """What the hook's builders raise in Isaac Lab (in-process: the same builders, Isaac Lab's
    spelling): a minibatch that does not fit, a dict of observation groups."""
    import yaml

    from rlgames_cpo.errors import ConfigError
    from rlgames_cpo.hosts.isaaclab import ISAACLAB
    from rlgames_cpo.settings import Settings

    params = yaml.safe_load((FIXTURE / "isaaclab_tasks" / AGENT_YAMLS["allegro"]).read_text())["params"]
    params["config"].update(num_actors=NUM_ENVS, minibatch_size=32768)
    with pytest.raises(ConfigError) as error:
        Settings.from_params({**params, "algo": {"name": "cpo"}})
    assert str(error.value.spelled(ISAACLAB)).startswith(
        "agent.params.config.minibatch_size=32768 does not fit this run: it must divide the 192 "
        "on-policy rows")
    box = gymnasium.spaces.Box(-1, 1, (3,))
    with pytest.raises(ConfigError) as error:
        check_spaces({"observation_space": gymnasium.spaces.Dict({"policy": box}), "action_space": box})
    assert ("this env has a Dict of observation groups (Isaac Lab: keep "
            "agent.params.env.concate_obs_groups=True, its default)") in str(error.value.spelled(ISAACLAB))


def test_another_rl_games_is_refused_with_one_line(monkeypatch):
    """Neither 1.6.5 nor Isaac Lab's fork (here: 1.6.5 without a method only 1.6.5 has, as
    PyPI's plain 1.6.1 lacks it): refused, naming what is imported and the fix."""
    from rl_games.algos_torch.a2c_continuous import A2CAgent

    import rlgames_cpo

    assert rlgames_cpo.check_rl_games() == "rl-games 1.6.5"
    monkeypatch.delattr(A2CAgent, "calc_losses")
    with pytest.raises(ImportError) as refused:
        rlgames_cpo.check_rl_games()
    assert re.fullmatch(r"sapg/cpo train on rl-games 1\.6\.5 or on Isaac Lab's rl_games fork, and "
                        r"the rl_games imported from \S+/rl_games is neither \(installed version: "
                        r"1\.6\.5\): pip install rl-games==1\.6\.5 \(or, in Isaac Lab, its own: "
                        r"\./isaaclab\.sh -i rl_games\)", str(refused.value)), str(refused.value)


def test_isaaclab_2_agent_option_selects_our_config_through_our_module(pydeps, tmp_path):  # noqa: F811
    """2.x reads --agent before the task prefix is imported: ``python -m rlgames_cpo.isaaclab
    <script>`` puts our agent configs in the registry first, and needs no prefix. On Isaac Lab's
    rl_games fork, what its installs pin (the 3.0 tests train every algorithm on it)."""
    args = ["--task", TASKS["shadow_ff"][0], "--agent", "rl_games_cpo_cfg_entry_point",
            "--num_envs", str(NUM_ENVS), "--max_iterations", "2", *CPU]
    result = run_script("train", pydeps, tmp_path, *args, fork=True, through_us=True)
    assert result.returncode == 0, output(result)
    assert "cfg/isaaclab/shadow_hand_openai_ff_cpo.yaml" in result.stdout
    assert ("[rlgames_cpo] cpo: 6 blocks of 2 envs, the leader first; on Isaac Lab's rl_games fork"
            in result.stdout)
    folder = tmp_path / "logs" / "rl_games" / "shadow_hand_openai_ff_cpo"
    assert "losses/cval_loss" in read_scalars(next(folder.glob("*/summaries")))
    usage = subprocess.run([sys.executable, "-m", "rlgames_cpo.isaaclab"], capture_output=True,
                           text=True, timeout=300)
    assert usage.returncode == 1 and usage.stderr.startswith("usage: python -m rlgames_cpo.isaaclab")


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

