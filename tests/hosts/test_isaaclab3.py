"""Isaac Lab 3.0's real ``isaaclab train|play --rl_library rl_games`` (``../shared/fixtures/isaaclab3``:
the 3.0.0 wheel's CLI, rl_games backends, wrapper, task registrations and agent YAMLs; only Newton,
Warp, USD and Kit faked), on rl-games 1.6.5 and on Isaac Lab's rl_games fork.

Our package reaches 3.0 through its ``isaaclab.tasks`` entry point alone (no task-id prefix, which
3.0 cannot import). Pairwise: each task (Allegro; Shadow OpenAI-FF with its asymmetric critic;
ANYmal-C velocity on ``physics=newton_mjwarp``) with two of ppo (Isaac Lab's own, untouched), sapg
and cpo, each algorithm on both flavours, and cpo with Shadow OpenAI-LSTM's LSTM actor and critic
on the fork; our agent configs through ``--agent``; ``play --checkpoint latest``; resume with
``--checkpoint <file>``; an unknown ``agent.params.algo.name``. Every command of a flavour runs in
one process (``isaaclab3_batch.py``), each in its own folder (Isaac Lab writes ``logs/`` there).
"""

import os
import re
import sys

import pytest
from isaaclab_fixture import FIXTURE3, FORK, pydeps, run_isaaclab3  # noqa: F401
from wheels import fork_wheel, run, venv_beside

from rlgames_cpo.compare.runs import read_scalars

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (FIXTURE3 / "isaaclab" / "cli" / "__init__.py").is_file(),
    reason=f"the Isaac Lab 3.0 fixture is not at {FIXTURE3}")]

NUM_ENVS = 12  # a multiple of num_blocks = 6
# task id (3.0), its agent YAML's config name (the log folder), horizon_length, asymmetric, extra
TASKS = {
    "allegro": ("Isaac-Reorient-Cube-Allegro-Direct", "allegro_hand", 16, False, []),
    "shadow_ff": ("IsaacContrib-Reorient-Cube-Shadow-OpenAI-FF-Direct", "shadow_hand_openai_ff",
                  16, True, []),
    "shadow_lstm": ("IsaacContrib-Reorient-Cube-Shadow-OpenAI-LSTM-Direct", "shadow_hand_openai_lstm",
                    16, True, []),
    "anymal": ("IsaacContrib-Velocity-Flat-AnymalC", "anymal_c_flat", 24, False,
               ["physics=newton_mjwarp"]),
}
ALGOS = {"ppo": "a2c_continuous", "sapg": "sapg", "cpo": "cpo"}
CPU = ["--device", "cpu", "agent.params.config.device=cpu", "agent.params.config.device_name=cpu"]
# rl-games 1.6.5 only (the fork has neither key): no torch.compile, one torch thread on a CPU
RL_GAMES_165_CPU = ["+agent.params.config.torch_compile=false", "+agent.params.torch_threads=1"]
FLAVOURS = {"1.6.5": "rl-games 1.6.5",
            "fork": "Isaac Lab's rl_games fork (isaac-sim/rl_games@python3.11, 1.6.1)"}
# (flavour, task, algo) trained; the ones played with --checkpoint latest; the ones resumed
TRAINED = [("1.6.5", "allegro", "ppo"), ("1.6.5", "shadow_ff", "cpo"), ("1.6.5", "anymal", "sapg"),
           ("fork", "allegro", "cpo"), ("fork", "shadow_ff", "sapg"), ("fork", "anymal", "ppo"),
           ("fork", "shadow_lstm", "cpo")]  # the LSTM actor and critic (1.6.5's: the 2.3.2 tests)
PLAYED = [("1.6.5", "allegro", "ppo"), ("1.6.5", "shadow_ff", "cpo"), ("fork", "allegro", "cpo"),
          ("fork", "shadow_ff", "sapg"), ("fork", "shadow_lstm", "cpo")]
RESUMED = [("1.6.5", "shadow_ff", "cpo"), ("fork", "allegro", "cpo")]
# (flavour, task, algo) trained with our agent config: --agent rl_games_<algo>_cfg_entry_point
# (cfg/isaaclab/), nothing else changed; and played with it
AGENT_CONFIGS = [("1.6.5", "allegro", "sapg"), ("fork", "shadow_ff", "cpo")]


def common(flavour: str, task: str, algo: str) -> list:
    task_id, _, _, _, extra = TASKS[task]
    args = ["--rl_library", "rl_games", "--task", task_id, *CPU, *extra]
    if algo != "ppo":
        args.append(f"agent.params.algo.name={ALGOS[algo]}")
    return args


def train(flavour: str, task: str, algo: str, *more, iterations=2) -> list:
    _, _, horizon, asymmetric, _ = TASKS[task]
    minibatch = NUM_ENVS * horizon // 2
    args = ["train", *common(flavour, task, algo), "--num_envs", str(NUM_ENVS),
            "--max_iterations", str(iterations), f"agent.params.config.minibatch_size={minibatch}"]
    if asymmetric:
        args.append(f"agent.params.config.central_value_config.minibatch_size={minibatch}")
    return [*args, *(RL_GAMES_165_CPU if flavour == "1.6.5" else []), *more]


def checkpoints(folder, task: str) -> str:
    return str(folder / "logs" / "rl_games" / TASKS[task][1] / "*" / "nn" / "last_*_ep_2_*.pth")


@pytest.fixture(scope="module")
def runs(pydeps, tmp_path_factory):  # noqa: F811
    """``{(flavour, name, task, algo): (result, folder)}``: every command, one process per flavour
    (the two side by side)."""
    root = tmp_path_factory.mktemp("isaaclab3")
    batches, folders = {}, {}
    for flavour in FLAVOURS:
        (root / flavour).mkdir()
        batches[flavour] = commands(flavour, root / flavour, folders.setdefault(flavour, {}))
    found = {}
    for flavour, results in run_isaaclab3(batches, root, pydeps).items():
        for name, result in results.items():
            kind, task, algo = name.split("/")
            found[flavour, kind, task, algo] = result, folders[flavour].get((task, algo), root)
    return found


def commands(flavour: str, root, folders: dict) -> dict:
    """The flavour's commands, in order, each in a folder of its own (``folders`` gets them)."""
    commands = {}

    def folder(name: str):
        (root / name).mkdir()
        return root / name

    for f, task, algo in TRAINED:
        if f == flavour:
            folders[task, algo] = folder(f"{task}-{algo}")
            commands[f"train/{task}/{algo}"] = {"argv": train(flavour, task, algo),
                                                "cwd": str(folders[task, algo]), "env": {}}
    for f, task, algo in PLAYED:
        if f == flavour:
            commands[f"play/{task}/{algo}"] = {
                "argv": ["play", *common(flavour, task, algo), "--num_envs", "4",
                         "--checkpoint", "latest"],
                "cwd": str(folders[task, algo]), "env": {"ISAACLAB_FIXTURE_APP_FRAMES": "8"}}
    for f, task, algo in RESUMED:
        if f == flavour:
            commands[f"resume/{task}/{algo}"] = {
                "argv": train(flavour, task, algo, "--checkpoint",
                              "GLOB:" + checkpoints(folders[task, algo], task), iterations=3),
                "cwd": str(folders[task, algo]), "env": {}}
    for f, task, algo in AGENT_CONFIGS:
        if f == flavour:
            folders[task, f"agent-{algo}"] = cwd = folder(f"{task}-agent-{algo}")
            ours = ["--rl_library", "rl_games", "--task", TASKS[task][0], *CPU, *TASKS[task][4],
                    "--agent", f"rl_games_{algo}_cfg_entry_point"]
            commands[f"train/{task}/agent-{algo}"] = {
                "argv": ["train", *ours, "--num_envs", str(NUM_ENVS), "--max_iterations", "2",
                         *(RL_GAMES_165_CPU if flavour == "1.6.5" else [])],
                "cwd": str(cwd), "env": {}}
            commands[f"play/{task}/agent-{algo}"] = {
                "argv": ["play", *ours, "--num_envs", "4", "--checkpoint", "latest"],
                "cwd": str(cwd), "env": {"ISAACLAB_FIXTURE_APP_FRAMES": "8"}}
    if flavour == "1.6.5":
        commands["train/allegro/cp0"] = {
            "argv": [a.replace("algo.name=cpo", "algo.name=cp0")
                     for a in train(flavour, "allegro", "cpo")],
            "cwd": str(folder("unknown")), "env": {}}
    return commands


def output(result) -> str:
    return result["stdout"][-3000:] + result["stderr"][-3000:]


@pytest.mark.parametrize("flavour, task, algo", TRAINED, ids=["-".join(t) for t in TRAINED])
def test_isaaclab3_trains(runs, flavour, task, algo):
    result, folder = runs[flavour, "train", task, algo]
    assert result["returncode"] == 0, output(result)
    assert "epoch: 2/2" in result["stdout"]
    run = min((folder / "logs" / "rl_games" / TASKS[task][1]).iterdir())  # a resume writes a second
    assert list((run / "nn").glob("last_*_ep_2_*.pth"))
    scalars = read_scalars(run / "summaries")
    said = f"[rlgames_cpo] {algo}: 6 blocks of 2 envs, the leader first; on {FLAVOURS[flavour]}"
    if algo == "ppo":  # Isaac Lab's own agent: nothing of ours runs
        assert "[rlgames_cpo]" not in result["stdout"] and "sapg/leader_off_policy_rows" not in scalars
    else:
        assert said in result["stdout"]
        assert "sapg/leader_off_policy_rows" in scalars and "blocks/sigma_block_5" in scalars
    if TASKS[task][3]:
        assert "losses/cval_loss" in scalars  # the asymmetric critic trained


@pytest.mark.parametrize("flavour, task, algo", PLAYED, ids=["-".join(t) for t in PLAYED])
def test_isaaclab3_plays_the_latest_checkpoint(runs, flavour, task, algo):
    result, folder = runs[flavour, "play", task, algo]
    assert result["returncode"] == 0, output(result)
    (checkpoint,) = (folder / "logs" / "rl_games" / TASKS[task][1]).glob("*/nn/last_*_ep_2_*.pth")
    assert f"=> loading checkpoint '{checkpoint}'" in result["stdout"]
    assert "Policy playback is running" in result["stdout"]


@pytest.mark.parametrize("flavour, task, algo", RESUMED, ids=["-".join(t) for t in RESUMED])
def test_isaaclab3_resumes_where_it_stopped(runs, flavour, task, algo):
    result, _ = runs[flavour, "resume", task, algo]
    assert result["returncode"] == 0, output(result)
    assert "epoch: 3/3" in result["stdout"] and "epoch: 1/3" not in result["stdout"]
    assert "[rlgames_cpo] resuming after iteration 2" in result["stdout"]


def test_isaaclab3_names_an_unknown_algorithm(runs):
    result, _ = runs["1.6.5", "train", "allegro", "cp0"]
    assert result["returncode"] != 0
    assert ("agent.params.algo.name=cp0 is unknown: use one of a2c_continuous, a2c_discrete, cpo, "
            "sac, sapg") in result["stderr"]
    assert "epoch: 1/" not in result["stdout"]


@pytest.mark.parametrize("flavour, task, algo", AGENT_CONFIGS, ids=["-".join(t) for t in AGENT_CONFIGS])
def test_isaaclab3_agent_option_selects_our_config(runs, flavour, task, algo):
    """``--agent rl_games_<algo>_cfg_entry_point``: our config for the task (cfg/isaaclab/), its
    own log folder, then played with ``--checkpoint latest`` through the same option."""
    result, folder = runs[flavour, "train", task, f"agent-{algo}"]
    assert result["returncode"] == 0, output(result)
    family = TASKS[task][1]
    assert f"cfg/isaaclab/{family}_{algo}.yaml" in result["stdout"]  # Isaac Lab says what it parsed
    assert f"[rlgames_cpo] {algo}: 6 blocks of 2 envs" in result["stdout"]
    (checkpoint,) = (folder / "logs" / "rl_games" / f"{family}_{algo}").glob("*/nn/last_*_ep_2_*.pth")
    played, _ = runs[flavour, "play", task, f"agent-{algo}"]
    assert played["returncode"] == 0, output(played)
    assert f"=> loading checkpoint '{checkpoint}'" in played["stdout"]


@pytest.mark.skipif(not FORK.is_dir(), reason=f"no rl_games fork fixture at {FORK}")
def test_installed_beside_isaac_labs_fork_the_fork_stays_and_isaaclab_trains_cpo(
        wheel, pydeps, tmp_path):  # noqa: F811
    """Isaac Lab's installs pin their fork; pip installing our wheel there must not swap in 1.6.5
    (``rl-games==1.6.5`` did), and ``isaaclab train ... agent.params.algo.name=cpo`` then finds
    sapg/cpo through the installed wheel's entry point and trains on the fork."""
    python = venv_beside(tmp_path, fork_wheel(tmp_path))
    pip = [sys.executable, "-m", "pip", "--python", python]
    out = run(*pip, "install", "--no-index", "--find-links", wheel.parent, "rlgames-cpo",
              cwd=tmp_path)
    assert "Successfully installed rlgames-cpo-0.1.0" in out
    assert "rl-games" not in out.split("Successfully installed")[1]
    assert re.search(r"^rl-games +1\.6\.1$", run(*pip, "list", cwd=tmp_path), re.M)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": f"{FIXTURE3}{os.pathsep}{pydeps}", "OMP_NUM_THREADS": "1"}
    trained = run(python, "-m", "isaaclab", *train("fork", "allegro", "cpo"), cwd=work, env=env)
    assert "epoch: 2/2" in trained
    assert ("[rlgames_cpo] cpo: 6 blocks of 2 envs, the leader first; on Isaac Lab's rl_games fork "
            "(isaac-sim/rl_games@python3.11, 1.6.1)") in trained
    imported = run(python, "-c", "import rl_games, rlgames_cpo; print(rl_games.__file__); "
                   "print(rlgames_cpo.__file__)", cwd=work).split()
    assert all(str(tmp_path / "venv") in path for path in imported), imported


# (flavour, task, algo, obs, actions): Isaac Lab's PPO, sapg, cpo with the asymmetric critic (not
# exported) and with the LSTM actor and critic
EXPORTED = [("1.6.5", "allegro", "ppo", 124, 16), ("1.6.5", "anymal", "sapg", 48, 12),
            ("1.6.5", "shadow_ff", "cpo", 42, 20), ("fork", "shadow_lstm", "cpo", 42, 20)]


@pytest.mark.parametrize("flavour, task, algo, num_obs, num_actions", EXPORTED,
                         ids=["-".join(e[:3]) for e in EXPORTED])
def test_isaaclab3_runs_export_and_act_as_the_player(runs, tmp_path, flavour, task, algo, num_obs,
                                                     num_actions):
    """python -m rlgames_cpo.export on an Isaac Lab run (its params/agent.yaml; no simulator
    needed), ONNX and TorchScript, against rl_games' player on the same observations (an LSTM
    reset included)."""
    from export_checks import largest_difference

    _, folder = runs[flavour, "train", task, algo]
    checkpoint = min(folder.glob("logs/rl_games/*/*/nn/last_*_ep_2_*.pth"))
    for fmt in ("onnx", "torchscript"):
        difference, meta, _ = largest_difference(str(checkpoint), fmt, tmp_path)
        assert difference < 1e-5, (fmt, difference)
        assert meta["block"] == (None if algo == "ppo" else 0)
        assert ("h" in meta["inputs"]) is (task == "shadow_lstm")
        assert meta["inputs"]["obs"] == [None, num_obs]
        assert meta["outputs"]["actions"] == [None, num_actions]
