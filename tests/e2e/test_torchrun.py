"""``torchrun --nproc_per_node=2 ... multi_gpu=True`` on the CPU (gloo): every rank steps its own
envs, and ends with the same parameters, normalisers, discriminator, asymmetric critic and
optimiser state."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def torchrun(repo, *args, timeout=300):
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable)) or "torchrun"
    return subprocess.run([torchrun, "--standalone", "--nproc_per_node=2", *args], cwd=repo,
                          capture_output=True, text=True, timeout=timeout)


def assert_same(a, b, where=""):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, (list, tuple)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}/{i}")
    elif torch.is_tensor(a):
        assert torch.equal(a, b), where
    else:
        assert a == b, where


# cpo: with the asymmetric critic and the discriminator below
@pytest.mark.parametrize("algo", ["sapg", "a2c_continuous"])
def test_two_cpu_ranks_train_one_policy(repo, tmp_path, algo):
    train = {"cpo": "EnvpoolAntCPO", "sapg": "EnvpoolAntSAPG", "a2c_continuous": "EnvpoolAntPPO"}
    result = torchrun(repo, str(HERE / "torchrun_ranks.py"), str(tmp_path), "multi_gpu=True",
                      "task=EnvpoolAnt", f"train={train[algo]}", "num_envs=16", "max_iterations=2",
                      "experiment=ranks", f"train_dir={tmp_path}",
                      "seed=-1")  # each rank draws its own; the agents agree on rank 0's
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in range(2)]
    assert ranks[0]["epoch"] == ranks[1]["epoch"] == 2
    assert ranks[0]["followers"] == ranks[1]["followers"]
    assert len(ranks[0]["followers"]) == (0 if algo == "a2c_continuous" else 2)
    # different envs (each rank seeds its own), the same network and optimiser afterwards
    assert not torch.equal(ranks[0]["obs"], ranks[1]["obs"])
    for key in ("model", "optimizer", "discriminator", "discriminator_optimizer",
                "central_value", "central_value_optimizer"):
        if key in ranks[0]:
            assert_same(ranks[0][key], ranks[1][key], key)
    if algo == "cpo":
        assert "discriminator" in ranks[0]  # EnvpoolAntCPO trains one (lambda_adv 0.01)
    # normalisers saw both ranks' samples: more than one rank's worth
    count = ranks[0]["model"]["running_mean_std.count"].item()
    assert count > 16 * 64 + 1
    # rank 0 alone writes the run: one config, one event file, one checkpoint
    run = tmp_path / "ranks"
    assert len(list((run / "summaries").iterdir())) == 1
    assert len(list((run / "nn").glob("*.pth"))) == 1
    assert "frames 4.1k" in result.stdout  # 2 ranks x 16 envs x 64 steps per iteration


def test_two_cpu_ranks_train_one_cpo_with_an_asymmetric_critic_a_discriminator_and_a_kl_target(
        repo, tmp_path):
    # rl_games' own multi-GPU code for the critic is NCCL/CUDA only; ours runs on gloo too (the
    # same PpoAgent code serves PPO's critic)
    result = torchrun(repo, str(HERE / "torchrun_ranks.py"), str(tmp_path), "multi_gpu=True",
                      "task=EnvpoolLeapCube", "train=EnvpoolLeapCubeCPO",
                      "train.params.config.cpo.lambda_adv=0.01",
                      "+train.params.config.cpo.discriminator.units=[32]",
                      # above every KL here, so each rank's step would differ unless averaged
                      "+train.params.config.cpo.kl_target=1.0",
                      "num_envs=8", "max_iterations=2", "train.params.config.horizon_length=16",
                      "train.params.config.minibatch_size_per_env=8",
                      "train.params.config.central_value_config.minibatch_size_per_env=8",
                      "experiment=ranks", f"train_dir={tmp_path}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in range(2)]
    assert not torch.equal(ranks[0]["obs"], ranks[1]["obs"])
    assert ranks[0]["followers"] == ranks[1]["followers"] and len(ranks[0]["followers"]) == 2
    for key in ("model", "optimizer", "central_value", "central_value_optimizer",
                "discriminator", "discriminator_optimizer", "cpo_lambda_f"):
        assert_same(ranks[0][key], ranks[1][key], key)
    # every follower's multiplier moved, by the same dual steps on the ranks' mean KL
    lambda_f = ranks[0]["cpo_lambda_f"][1:]
    assert (lambda_f > 0.2).all() and len(set(lambda_f.tolist())) == len(lambda_f)
    # the critic's states normaliser saw both ranks' states
    count = ranks[0]["central_value"]["model.running_mean_std.count"].item()
    assert count > 8 * 16 + 1


def test_train_py_under_torchrun(repo, tmp_path):
    # issue 6's command as a user types it (plus where to write)
    result = torchrun(repo, "train.py", "multi_gpu=True", "task=EnvpoolAnt", "train=EnvpoolAntCPO",
                      "num_envs=60", "max_iterations=2", f"train_dir={tmp_path}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "epoch 2/2 | frames 15.4k" in result.stdout  # 2 ranks x 60 envs x 64 steps, twice
    (run,) = tmp_path.iterdir()  # one run folder: the ranks agreed on its name
    assert (run / "config.yaml").is_file() and list((run / "nn").glob("last_*_ep_2_*.pth"))
