import math

import torch

from rlgames_cpo.core import coupling


def test_beta_eff_matches_the_public_codes_all_row_mean():
    # M = 6, k = 1: per minibatch the public code averages over (M + 1) blocks of rows, of which
    # M - 1 are AWAC rows: beta * 5 / 7
    assert math.isclose(coupling.beta_eff(0.001, 6, 1), 0.001 * 5 / 7)
    assert coupling.beta_eff(0.0, 6, 1) == 0.0


def test_awac_weights_are_clamped_and_carry_no_gradient():
    advantages = torch.tensor([0.0, 0.2, 10.0], requires_grad=True)
    w = coupling.awac_weights(advantages, lambda_f=0.1, weight_max=100.0)
    # exp(0) = 1, exp(2) = 7.389, exp(100) clamped to 100
    torch.testing.assert_close(w, torch.tensor([1.0, math.exp(2.0), 100.0]))
    assert not w.requires_grad


def test_gradient_flows_only_through_log_pi():
    log_prob = torch.tensor([-1.0, -2.0], requires_grad=True)
    advantages = torch.tensor([0.0, 0.1], requires_grad=True)
    loss = coupling.awac_loss(log_prob, advantages, lambda_f=0.1, weight_max=100.0)
    # -(1 * -1 + e * -2) / 2
    assert math.isclose(loss.item(), (1.0 + 2.0 * math.e) / 2, rel_tol=1e-6)
    loss.backward()
    torch.testing.assert_close(log_prob.grad, torch.tensor([-0.5, -math.e / 2]))
    assert advantages.grad is None


def test_minimising_the_term_moves_the_follower_to_the_weighted_leader_actions():
    """One state, leader actions -1, 0, +1 with advantages 0, 0, 0.2 (lambda_f 0.1): weights
    1, 1, e^2, so the follower's mean goes to (e^2 - 1) / (e^2 + 2) = 0.676 (weighted MLE)."""
    actions = torch.tensor([-1.0, 0.0, 1.0])
    advantages = torch.tensor([0.0, 0.0, 0.2])
    mu = torch.zeros((), requires_grad=True)
    log_sigma = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.Adam([mu, log_sigma], lr=0.05)
    for _ in range(2000):
        log_prob = torch.distributions.Normal(mu, log_sigma.exp()).log_prob(actions)
        loss = coupling.awac_loss(log_prob, advantages, lambda_f=0.1, weight_max=100.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    e2 = math.exp(2)
    assert abs(mu.item() - (e2 - 1) / (e2 + 2)) < 1e-3


def test_reverse_kl_shaping():
    advantages = torch.tensor([1.0, -1.0])
    leader = torch.tensor([-1.0, -3.0])
    behaviour = torch.tensor([-2.0, -1.0])
    # 1 + 0.5 * (-1 + 2) = 1.5; -1 + 0.5 * (-3 + 1) = -2
    assert coupling.reverse_kl_shaping(advantages, leader, behaviour, 0.5).tolist() == [1.5, -2.0]
