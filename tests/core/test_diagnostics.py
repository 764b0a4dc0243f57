import math

import torch

from rlgames_cpo.core import diagnostics


def test_is_ratio_deviation():
    log_ratio = torch.log(torch.tensor([1.0, 1.5, 0.5, 2.0]))
    # |0| + |0.5| + |-0.5| + |1| = 2, over 4
    assert math.isclose(diagnostics.is_ratio_deviation(log_ratio).item(), 0.5, rel_tol=1e-6)


def test_ess_rate_uniform_is_one_and_a_single_dominant_sample_is_one_over_n():
    assert math.isclose(diagnostics.ess_rate(torch.full((10,), 0.3)).item(), 1.0, rel_tol=1e-6)
    # ratios 1, 1, 2: w = 1/4, 1/4, 1/2, ESS = 1 / (1/16 + 1/16 + 1/4) = 8/3, rate 8/9
    log_ratio = torch.log(torch.tensor([1.0, 1.0, 2.0]))
    assert math.isclose(diagnostics.ess_rate(log_ratio).item(), 8 / 9, rel_tol=1e-6)
    spiky = torch.tensor([0.0, 0.0, 0.0, 500.0])          # no overflow in log space
    assert math.isclose(diagnostics.ess_rate(spiky).item(), 0.25, rel_tol=1e-6)


def test_kl_matrix_closed_form_and_zero_diagonal():
    mu = torch.tensor([[[0.0]], [[1.0]], [[0.0]]])        # (M=3, S=1, A=1)
    sigma = torch.tensor([[[1.0]], [[1.0]], [[2.0]]])
    kl = diagnostics.kl_matrix(mu, sigma)
    assert torch.equal(kl.diagonal(), torch.zeros(3))
    # KL(N(0,1) || N(1,1)) = 0.5; KL(N(0,1) || N(0,2)) = log 2 + 1/8 - 1/2
    assert math.isclose(kl[0, 1].item(), 0.5, rel_tol=1e-6)
    assert math.isclose(kl[0, 2].item(), math.log(2) + 1 / 8 - 0.5, rel_tol=1e-6)
    # KL(N(0,2) || N(0,1)) = log(1/2) + 4/2 - 1/2
    assert math.isclose(kl[2, 0].item(), math.log(0.5) + 2 - 0.5, rel_tol=1e-6)


def test_nearest_policy_and_leader_summary():
    kl = torch.tensor([[0.0, 1.0, 5.0],
                       [0.2, 0.0, 0.9],     # follower 1: nearest is the leader
                       [3.0, 0.1, 0.0]])    # follower 2: nearest is follower 1
    assert diagnostics.nearest_policy(kl).tolist() == [1, 0, 1]
    summary = diagnostics.leader_follower_summary(kl)
    assert math.isclose(summary["kl_leader_follower_mean"], 1.6, rel_tol=1e-6)   # (0.2 + 3) / 2
    assert summary["kl_leader_follower_max"] == 3.0 and summary["nearest_is_leader_frac"] == 0.5
