"""The benchmark scripts run and print their tables (their figures are measured, not asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rlgames_cpo.envs.synthetic_env import SyntheticVecEnv

REPO = Path(__file__).resolve().parents[2]


def test_synthetic_env_steps_tensors_and_times_out():
    env = SyntheticVecEnv(num_envs=4, num_obs=5, num_actions=2, num_states=3, episode_length=3)
    obs = env.reset()
    assert obs["obs"].shape == (4, 5) and obs["states"].shape == (4, 3)
    done_count = torch.zeros(4)
    for _ in range(6):
        obs, rewards, dones, infos = env.step(torch.zeros(4, 2))
        assert rewards.shape == (4,) and torch.equal(infos["time_outs"], dones.bool())
        done_count += dones
    assert torch.equal(done_count, torch.full((4,), 2.0))  # every env times out every 3 steps


@pytest.mark.slow
def test_iteration_cost_paper_scale_mode_prints_its_table_at_a_small_n():
    result = subprocess.run([sys.executable, "benchmarks/iteration_cost.py", "--paper-scale",
                             "--num-envs", "48", "--iterations", "2", "--algos", "ppo", "cpo_disc"],
                            cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Synthetic (EnvpoolAntPPO), cpu, num_envs 48, horizon 8, 5 mini-epochs, MLP " \
           "[512, 512, 256, 128]" in result.stdout
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()
            if line.startswith(("ppo ", "cpo_disc "))}
    assert rows["ppo"][-1] == "1.000" and float(rows["cpo_disc"][4]) > 0  # its discriminator trained
