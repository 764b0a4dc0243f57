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


def test_kl_target_evidence_chooses_eps_by_its_rule(tmp_path, monkeypatch, capsys):
    """benchmarks/kl_target_evidence.py on runs written here: per task the median over seeds of
    the end KL (the mean over the last third of the iterations), then the geometric mean."""
    import runpy

    from tensorboardX import SummaryWriter

    def arm(name, kls, lambda_f=None):
        for seed, kl in enumerate(kls):
            writer = SummaryWriter(str(tmp_path / name / f"s{seed}" / "summaries"))
            for step, value in enumerate([9.0, 9.0, kl]):  # only the last third counts
                writer.add_scalar("diagnostics/kl_leader_follower_mean", value, step)
                writer.add_scalar("diagnostics/is_ratio_deviation", 0.5, step)
                writer.add_scalar("diagnostics/ess_rate", 0.75, step)
                if lambda_f:
                    writer.add_scalar("coupling/lambda_f_block_1", lambda_f, step)
                    writer.add_scalar("coupling/kl_target", 0.1, step)
            writer.close()
        return str(tmp_path / name)

    a, b = arm("a", [0.1, 0.4, 0.2]), arm("b", [0.05, 0.05, 0.05], lambda_f=0.3)
    monkeypatch.setattr(sys, "argv", ["kl_target_evidence.py", a, b, "--eps-from", a, b,
                                      "--plot", str(tmp_path / "kl.png")])
    runpy.run_path(str(REPO / "benchmarks" / "kl_target_evidence.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "median 0.2" in out and "median 0.05" in out
    assert "eps_KL = geometric mean 0.1, to one significant figure: 0.1" in out  # sqrt(0.2 * 0.05)
    assert "| a | 3 | 0.2 (0.1-0.4) | 0.500 | 0.750 | fixed |" in out
    assert "| b | 3 | 0.05 (0.05-0.05) | 0.500 | 0.750 | 0.3 |" in out
    assert (tmp_path / "kl.png").stat().st_size > 0
