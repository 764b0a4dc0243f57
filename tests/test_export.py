"""python -m rlgames_cpo.export: the exported policy (ONNX through onnxruntime, TorchScript through
torch.jit.load) acts as rl_games' player does on the same observations, an LSTM's episode reset
included, for ppo, sapg and cpo, MLP and LSTM (our envpool task; runs trained once here)."""

import json

import numpy as np
import pytest
import torch
from export_checks import exported_actions, largest_difference, onnx_step, player_actions
from in_process import run_main

from rlgames_cpo.export import load_player, main

pytestmark = pytest.mark.slow

SMALL = ["task=EnvpoolPendulum", "num_envs=8", "rl_device=cpu", "max_iterations=1",
         "train.params.config.horizon_length=8", "train.params.config.minibatch_size_per_env=4"]
LSTM = ["+train.params.network.rnn.name=lstm", "+train.params.network.rnn.units=16",
        "+train.params.network.rnn.layers=1", "+train.params.config.seq_length=4"]
TRAIN = {"ppo": "EnvpoolPendulumPPO", "sapg": "EnvpoolPendulumSAPG", "cpo": "EnvpoolPendulumCPO"}
CASES = [(algo, network) for algo in TRAIN for network in ("mlp", "lstm")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``{(algo, network): checkpoint}``, one iteration each."""
    root = tmp_path_factory.mktemp("export")
    found = {}
    for algo, network in CASES:
        name = f"{algo}_{network}"
        result = run_main(*SMALL, f"train={TRAIN[algo]}", f"train_dir={root}", f"experiment={name}",
                          *(LSTM if network == "lstm" else []))
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        (found[algo, network],) = (root / name / "nn").glob("last_*.pth")
    return found


@pytest.mark.parametrize("algo, network", CASES, ids=[f"{a}-{n}" for a, n in CASES])
@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_the_exported_policy_acts_as_the_player(runs, tmp_path, algo, network, fmt):
    checkpoint = runs[algo, network]
    difference, meta, expected = largest_difference(str(checkpoint), fmt, tmp_path)
    assert meta["inputs"]["obs"] == [None, 3] and meta["outputs"]["actions"] == [None, 1]
    assert meta["block"] == (None if algo == "ppo" else 0)
    assert meta["action_low"] == [-2.0] and meta["action_high"] == [2.0]  # Pendulum's torque
    assert ("h" in meta["inputs"]) is (network == "lstm")
    assert meta["checkpoint"] == str(checkpoint.resolve())
    assert difference < 1e-5  # over 6 steps, env 1 starting a new episode at step 3
    assert np.abs(expected).max() > 0  # not a trivially zero policy


def test_another_block_and_the_command_line(runs, tmp_path, capsys):
    checkpoint = runs["cpo", "mlp"]
    out = tmp_path / "block2.onnx"
    assert main([str(checkpoint), "--format", "onnx", "--block", "2", "--out", str(out)]) == 0
    assert f"wrote {out} and {out}.json" in capsys.readouterr().out
    assert json.loads(out.with_suffix(".onnx.json").read_text())["block"] == 2
    observations = torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(1))
    expected = player_actions(load_player(str(checkpoint), block=2), observations, {})
    leader = player_actions(load_player(str(checkpoint)), observations, {})
    got = exported_actions(onnx_step(out), {"inputs": {}}, observations, {})
    assert np.abs(got - expected).max() < 1e-5 and np.abs(got - leader).max() > 0
    # a checkpoint outside its run folder: the error says what is needed
    alone = tmp_path / "alone.pth"
    alone.write_bytes(checkpoint.read_bytes())
    assert main([str(alone)]) == 1
    assert "its run folder has no config.yaml" in capsys.readouterr().err
