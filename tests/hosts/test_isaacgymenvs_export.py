"""python -m rlgames_cpo.export on IsaacGymEnvs runs (the fixture's tasks and IsaacGymEnvs' own
train configs, trained by conftest.ige_runs): ppo, sapg and cpo, MLP and LSTM, asymmetric critics
left out; each exported file (onnxruntime, torch.jit.load) acts as rl_games' player does on the
same observations, an LSTM's episode reset included. One process with the fixture's isaacgym
(tests/export_checks.py)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ige_fixture import REPO, fixture_env, needs_fixture

pytestmark = [needs_fixture, pytest.mark.slow]

# run of the batch -> (algo, recurrent)
EXPORTED = {"ShadowHandPPO-a2c_continuous": ("ppo", False), "AllegroHandPPO-sapg": ("sapg", False),
            "HumanoidPPO-cpo": ("cpo", False), "AllegroKukaTwoArmsLSTMPPO-a2c_continuous": ("ppo", True),
            "AllegroHandLSTMPPO-sapg": ("sapg", True), "AllegroKukaLSTMPPO-cpo": ("cpo", True)}


@pytest.fixture(scope="module")
def differences(ige_runs, tmp_path_factory):
    checkpoints = {}
    for name in EXPORTED:
        result, folder = ige_runs[name]
        assert result["returncode"] == 0, result["stdout"][-2000:] + result["stderr"][-2000:]
        (checkpoints[name],) = (folder / "run" / "nn").glob("last_*.pth")
    out = tmp_path_factory.mktemp("ige-export") / "results.json"
    done = subprocess.run([sys.executable, str(REPO / "tests" / "export_checks.py"), str(out),
                           *map(str, checkpoints.values())], cwd=REPO, env=fixture_env(),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(Path(out).read_text())
    return {name: {fmt: results[f"{checkpoint}:{fmt}"] for fmt in ("onnx", "torchscript")}
            for name, checkpoint in checkpoints.items()}


@pytest.mark.parametrize("name", EXPORTED)
def test_isaacgymenvs_runs_export_and_act_as_the_player(differences, name):
    algo, recurrent = EXPORTED[name]
    for fmt, found in differences[name].items():
        assert found["difference"] < 1e-5, (fmt, found["difference"])
        assert ("h" in found["meta"]["inputs"]) is recurrent
        assert found["meta"]["block"] == (None if algo == "ppo" else 0)
