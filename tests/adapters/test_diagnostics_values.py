"""The diagnostics' values on a rollout whose policies are known Gaussians: every block acts with
mean 0 and its own sigma (1, 2, 0.5 for blocks 0, 1, 2), so the leader's importance ratios, the
ESS and the KL matrix have closed forms."""

import math

import pytest
import torch
from agent_helpers import SMALL, run_epoch

from rlgames_cpo import summaries

SIGMAS = (1.0, 2.0, 0.5)


def test_is_deviation_ess_and_kl_matrix_of_known_gaussians(make_agent):
    agent = make_agent(*SMALL)
    network = agent.model.a2c_network
    with torch.no_grad():
        network.mu.weight.zero_()
        network.mu.bias.zero_()                                   # mean 0 for every block
        network.block_log_std.copy_(torch.log(torch.tensor(SIGMAS)).view(3, 1))
    rollout, _ = run_epoch(agent)                 # diagnostics: on the rollout, before the update
    stats = agent.epoch_stats
    H, B = 8, 4
    actions = rollout["actions"][:, 0].view(12, H)                 # env-major rows
    ratios = []
    for block, sigma in enumerate(SIGMAS):
        a = actions[block * B:(block + 1) * B].reshape(-1)
        # pi_L / pi_b = N(a; 0, 1) / N(a; 0, sigma) = sigma * exp(-a^2 / 2 + a^2 / (2 sigma^2))
        r = sigma * torch.exp(-a ** 2 / 2 + a ** 2 / (2 * sigma ** 2))
        ratios.append(r)
        ess = (r.sum() ** 2 / (r ** 2).sum() / len(r)).item()   # (sum r)^2 / (n sum r^2)
        assert stats[summaries.ess_rate_block(block)] == pytest.approx(ess, rel=1e-4)
        if block:
            deviation = (r - 1).abs().mean().item()
            assert stats[summaries.is_ratio_deviation_block(block)] == pytest.approx(deviation, rel=1e-4)
    assert stats[summaries.ess_rate_block(0)] == pytest.approx(1.0)   # the leader's own: r = 1
    everything = torch.cat(ratios)
    assert stats[summaries.ESS_RATE] == pytest.approx(
        (everything.sum() ** 2 / (everything ** 2).sum() / len(everything)).item(), rel=1e-4)
    assert stats[summaries.IS_RATIO_DEVIATION] == pytest.approx(
        (stats[summaries.is_ratio_deviation_block(1)] + stats[summaries.is_ratio_deviation_block(2)]) / 2)
    # K[i][j] = KL(N(0, s_i) || N(0, s_j)) = log(s_j / s_i) + s_i^2 / (2 s_j^2) - 1/2, any state:
    # [[0, log 2 + 1/8 - 1/2, log 1/2 + 2 - 1/2], [log 1/2 + 2 - 1/2, 0, log 1/4 + 8 - 1/2],
    #  [log 2 + 1/8 - 1/2, log 4 + 1/32 - 1/2, 0]]
    expected = torch.tensor([[0.0, 0.318147, 0.806853],
                             [0.806853, 0.0, 6.113706],
                             [0.318147, 0.917544, 0.0]])
    torch.testing.assert_close(agent.kl, expected, rtol=1e-5, atol=1e-5)
    # followers' KL to the leader: 0.806853 and 0.318147 (mean 0.5625); both nearest the leader
    assert stats[summaries.KL_LEADER_FOLLOWER_MEAN] == pytest.approx(0.5625, rel=1e-5)
    assert stats[summaries.KL_LEADER_FOLLOWER_MAX] == pytest.approx(0.806853, rel=1e-5)
    assert stats[summaries.NEAREST_IS_LEADER_FRAC] == 1.0
    assert math.isfinite(stats[summaries.sigma_block(1)]) and \
        stats[summaries.sigma_block(1)] == pytest.approx(2.0)
