"""IsaacGymEnvs users: train.py against IsaacGymEnvs 1.5.1's real package and configs
(``../shared/fixtures/isaacgymenvs``, only the simulator faked), in subprocesses as they run it.

Composition, errors and the adapter here (each a subprocess of a few seconds: ``slow``); the
training matrix is in test_isaacgymenvs_training.py.
"""

import json
import subprocess
import sys

import pytest
from ige_matrix import NUM_ENVS, PPO_CONFIGS
from ige_fixture import (CFG, REPO, fixture_env, fixture_train_configs, needs_fixture, run_python,
                         task_of)

pytestmark = needs_fixture

OURS = sorted(p.stem for p in (REPO / "cfg" / "train").glob("*.yaml")
              if not p.stem.startswith(("Envpool", "Synthetic")))  # IsaacGymEnvs tasks only


def compose(*command_lines) -> list:
    """What train.py would run for each command line (a list of overrides), resolved."""
    result = subprocess.run([sys.executable, "tests/hosts/compose_with_fixture.py",
                             json.dumps([list(c) for c in command_lines])], cwd=REPO,
                            env=fixture_env(), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def every_config_line(train: str) -> list:
    subtasks = {"Regrasping": "regrasping", "Throw": "throw"}
    extra = [f"task/env={v}" for k, v in subtasks.items() if f"LSTM{k}" in train]
    return [f"task={task_of(train)}", f"train={train}", *extra]


# Every command line the composition tests read, composed in one process (``composed``).
LINES = {
    "every": [every_config_line(train) for train in fixture_train_configs() + OURS]
    if (CFG / "train").is_dir() else [],
    "ppo_pairs": [[f"task={task}", f"train={train}", f"train.params.algo.name={algo}",
                   f"num_envs={NUM_ENVS}", f"train.params.config.minibatch_size={NUM_ENVS * horizon // 2}"]
                  for task, train, horizon, _, _ in PPO_CONFIGS
                  for algo in ("a2c_continuous", "sapg", "cpo")],
    "alone": [["task=ShadowHand"], ["task=AllegroKukaLSTM"], ["task=Ant"]],
    "num_envs": [line for train in ("ShadowHandPPO", "ShadowHandCPO") for line in (
        ["task=ShadowHand", f"train={train}"], ["task=ShadowHand", f"train={train}", "num_envs=60"],
        ["task=ShadowHand", f"train={train}", "task.env.numEnvs=36"])],
    # AllegroKukaPPO hard-codes max_epochs: 100000; ShadowHandPPOLSTM has none
    "max_iterations": [["task=AllegroKukaLSTM", "train=AllegroKukaLSTMPPO", "max_iterations=7"],
                       ["task=ShadowHand", "train=ShadowHandPPOLSTM", "max_iterations=7"],
                       ["task=ShadowHand", "train=ShadowHandCPO", "max_iterations=7"]],
}


@pytest.fixture(scope="module")
def composed():
    """``{name: [result per line of LINES[name]]}``, from one process."""
    results = iter(compose(*(line for lines in LINES.values() for line in lines)))
    return {name: [next(results) for _ in lines] for name, lines in LINES.items()}


def test_fixture_is_the_real_package():
    # the behaviour that broke every command: resolvers registered at import, without replace
    init = (CFG.parent / "__init__.py").read_text()
    assert "\nOmegaConf.register_new_resolver('eq', lambda x, y: x.lower()==y.lower())\n" in init
    assert "pbt: no_pbt" in (CFG / "config.yaml").read_text()
    assert {"ShadowHandPPO", "AllegroKukaLSTMPPO", "ShadowHandPPOAsymm"} <= set(fixture_train_configs())


def test_our_config_has_every_top_level_key_of_theirs():
    import yaml

    from rlgames_cpo.hydra_setup import compose_config

    theirs = yaml.safe_load((CFG / "config.yaml").read_text())
    groups = [next(iter(d)) for d in theirs.pop("defaults") if isinstance(d, dict)]
    keys = set(theirs) - {"hydra"} | {g for g in groups if not g.startswith("override")}
    assert keys - set(compose_config()) == set()


@pytest.mark.slow
def test_every_train_config_composes_with_its_task_and_resolves(composed):
    trains = fixture_train_configs() + OURS
    assert len(composed["every"]) == len(trains)
    for train, result in zip(trains, composed["every"]):
        assert "error" not in result, (train, result)
        assert result["num_actors"] == result["numEnvs"] == result["num_envs"], train
        assert result["print_stats"] is False  # one progress line per epoch: ours
        if train in OURS:
            assert result["num_actors"] == 24576, train  # the paper's N by default


@pytest.mark.slow
def test_resolvers_work_whatever_the_import_order():
    ours_first = run_python("from rlgames_cpo.hydra_setup import register_resolvers\n"
                            "register_resolvers()\nimport isaacgymenvs\n"
                            "from omegaconf import OmegaConf\n"
                            "print(OmegaConf.create({'a': '${eq:X,x}'}).a)")
    assert ours_first.returncode == 0 and ours_first.stdout.strip() == "True", ours_first.stderr
    theirs_first = run_python("import isaacgymenvs\n"
                              "from rlgames_cpo.hydra_setup import compose_config\n"
                              "print(compose_config('task=ShadowHand').train.params.config.name)")
    assert theirs_first.returncode == 0, theirs_first.stderr
    assert theirs_first.stdout.strip().endswith("ShadowHand")


@pytest.mark.slow
def test_a_resolver_registered_elsewhere_first_is_named_not_hidden():
    result = run_python("from omegaconf import OmegaConf\n"
                        "OmegaConf.register_new_resolver('eq', lambda x, y: x == y)\n"
                        "from rlgames_cpo.hydra_setup import register_resolvers\n"
                        "register_resolvers()")
    assert result.returncode != 0
    assert ("IsaacGymEnvs is installed but `import isaacgymenvs` fails: ValueError: resolver "
            "'eq' is already registered") in result.stderr


@pytest.mark.slow
def test_every_ppo_config_checks_as_every_algorithm(composed):
    """The pairs the training matrix (ige_matrix.PPO_CONFIGS) does not train: every IsaacGymEnvs
    PPO config as ppo, sapg and cpo composes and passes every check train.py runs."""
    assert len(composed["ppo_pairs"]) == 21
    for line, result in zip(LINES["ppo_pairs"], composed["ppo_pairs"]):
        assert result.get("checks") == "passed", (line, result)
        assert result["algo"] == line[2].split("=")[1] and result["num_actors"] == NUM_ENVS


@pytest.mark.slow
def test_task_alone_trains_isaacgymenvs_own_ppo_config(composed):
    shadow, kuka, ant = composed["alone"]
    assert (shadow["algo"], shadow["num_actors"]) == ("a2c_continuous", 16384)  # ShadowHandPPO
    assert (kuka["algo"], kuka["num_actors"], kuka["pbt"]) == ("a2c_continuous", 8192, False)
    assert ant["algo"] == "a2c_continuous"


@pytest.mark.slow
def test_num_envs_and_task_env_num_envs_behave_as_in_isaacgymenvs(composed):
    for i, train in enumerate(("ShadowHandPPO", "ShadowHandCPO")):
        default, top, task = composed["num_envs"][3 * i:3 * i + 3]
        assert default["num_actors"] == (16384 if train.endswith("PPO") else 24576)
        assert top["num_actors"] == top["numEnvs"] == top["num_envs"] == 60
        assert task["num_actors"] == task["numEnvs"] == task["num_envs"] == 36  # saved as run


@pytest.mark.slow
def test_max_iterations_overrides_every_train_config(composed):
    hard_coded, missing, ours = composed["max_iterations"]
    assert hard_coded["max_epochs"] == missing["max_epochs"] == ours["max_epochs"] == 7


@pytest.mark.slow
def test_a_subtask_config_on_another_subtask_names_the_fix(ige_runs):
    result, _ = ige_runs["subtask"]
    assert result["returncode"] == 1
    assert ("tuned for the AllegroKuka subtask 'regrasping' (train.subtask), but "
            "task.env.subtask='reorientation': add task/env=regrasping") in result["stderr"]
    assert "[fake isaacgymenvs]" not in result["stdout"]  # stopped before building the envs


@pytest.mark.slow
def test_a_misspelt_task_is_named_with_the_close_match(ige_runs):
    result, _ = ige_runs["task-typo"]
    assert result["returncode"] == 1
    assert ("task=ShadowHnad is neither an embedded task nor one of IsaacGymEnvs' tasks: did you "
            "mean task=ShadowHand") in result["stderr"]
    assert "Could not find" not in result["stderr"]


@pytest.mark.slow
def test_pbt_is_refused_with_the_reason(ige_runs):
    result, _ = ige_runs["pbt"]
    assert result["returncode"] == 1
    assert "pbt.enabled=True is IsaacGymEnvs' population-based training" in result["stderr"]


@pytest.mark.slow
@pytest.mark.parametrize("algo, rows", [
    ("a2c_continuous", ""),
    ("sapg", "sapg trains on 560 rows per iteration: the 480 on-policy rows, 80 leader off-policy"),
    ("cpo", "cpo trains on 960 rows per iteration: the 480 on-policy rows, 80 leader off-policy rows"
            " (off_policy_ratio x block size x horizon) and 400 AWAC rows"),
])
def test_minibatch_size_is_checked_before_any_env_is_built(ige_runs, algo, rows):
    result, _ = ige_runs[f"minibatch-{algo}"]
    assert result["returncode"] == 1
    assert ("train.params.config.minibatch_size=32768 does not fit this run: it must divide the "
            "480 on-policy rows (num_envs=60 x horizon_length=8). Use e.g. "
            "train.params.config.minibatch_size=480 (1 minibatch), 240 (2 minibatches) or 160 "
            "(3 minibatches)") in result["stderr"]


ADAPTER = """
import isaacgym  # first, as Isaac Gym requires
import json
import torch
from rlgames_cpo.envs.isaacgym_env import IsaacGymVecEnv
from rlgames_cpo.hydra_setup import compose_config
from rlgames_cpo.hosts.backends import env_of
from rlgames_cpo.launch import prepare

cfg = prepare(compose_config("task=ShadowHand", "num_envs=4", "experiment=x",
                             "task.env.asymmetric_observations=True"))
env = IsaacGymVecEnv(num_envs=4, **env_of(cfg)[1])
info = env.get_env_info()
obs = env.reset()
total, checks, ended = torch.zeros(4), [], 0
for _ in range(40):
    obs, rewards, dones, infos = env.step(torch.zeros(4, 20))
    total += rewards
    done = dones.bool()
    checks.append(bool(torch.allclose(infos["episode_return"][done], total[done])))
    total[done] = 0
    ended += int(done.sum())
print(json.dumps({"obs": [list(obs["obs"].shape), str(obs["obs"].dtype)],
                  "states": list(obs["states"].shape), "time_outs": str(infos["time_outs"].dtype),
                  "spaces": [type(info[k]).__module__ for k in ("observation_space", "state_space")],
                  "returns_match": all(checks), "ended": ended}))
"""


@pytest.mark.slow
def test_adapter_follows_the_vec_env_contract_on_the_real_interface():
    result = run_python(ADAPTER)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["obs"] == [[4, 211], "torch.float32"] and seen["states"] == [4, 211]
    assert seen["time_outs"] == "torch.bool" and seen["returns_match"] and seen["ended"] > 0
    assert seen["spaces"] == ["gym.spaces.box", "gym.spaces.box"]  # gym 0.23.1, not gymnasium


@pytest.mark.slow
def test_importing_torch_before_isaacgym_fails_as_with_real_isaac_gym():
    result = run_python("import torch\nimport isaacgym")
    assert "PyTorch was imported before isaacgym modules" in result.stderr
