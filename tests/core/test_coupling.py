import math

import pytest
import torch

from rlgames_cpo.core import coupling, losses


@pytest.mark.parametrize("k, ppo_share, beta_eff", [(1, 7 / 12, 7.142857e-4),
                                                     (2, 8 / 13, 6.25e-4)])
def test_beta_eff_reproduces_the_public_codes_all_row_mean(k, ppo_share, beta_eff):
    """The public code averages ppo_row + beta * awac_row over every row of a minibatch (zero where
    masked). An iteration's rows, in blocks of B: M + k blocks of PPO rows (every block's own, k
    leader blocks) and M - 1 of AWAC rows (M = 6, k = 1: 7 and 5). Its loss, rescaled by the PPO
    share 7/12, is ours: mean(PPO rows) + beta_eff * mean(AWAC rows), beta_eff = beta * 5/7
    (k = 2: 8/13 and beta * 5/8)."""
    M, B, beta = 6, 10, 0.001
    rows = (M + k + M - 1) * B
    generator = torch.Generator().manual_seed(0)
    ppo, awac = torch.randn(rows, generator=generator), torch.randn(rows, generator=generator)
    is_awac = torch.arange(rows) >= (M + k) * B
    public = torch.where(is_awac, beta * awac, ppo).mean()
    ours = ppo[~is_awac].mean() + coupling.beta_eff(beta, M, k) * awac[is_awac].mean()
    assert math.isclose(public.item(), ppo_share * ours.item(), rel_tol=1e-6)
    assert math.isclose(coupling.beta_eff(beta, M, k), beta_eff, rel_tol=1e-6)
    assert coupling.beta_eff(0.0, 6, 1) == 0.0


def test_awac_weights_are_clamped_and_carry_no_gradient():
    advantages = torch.tensor([0.0, 0.2, 10.0], requires_grad=True)
    w = coupling.awac_weights(advantages, lambda_f=0.1, weight_max=100.0)
    # exp(0 / 0.1) = 1, exp(0.2 / 0.1) = e^2 = 7.389056, exp(100) clamped to 100
    torch.testing.assert_close(w, torch.tensor([1.0, 7.389056, 100.0]))
    assert not w.requires_grad


def test_awac_loss_and_its_gradient_flow_only_through_log_pi():
    log_prob = torch.tensor([-1.0, -2.0], requires_grad=True)
    advantages = torch.tensor([0.0, 0.1], requires_grad=True)
    loss = coupling.awac_loss(log_prob, advantages, lambda_f=0.1, weight_max=100.0)
    # w = 1, e = 2.718282: -(1 * -1 + 2.718282 * -2) / 2 = 3.218282
    assert math.isclose(loss.item(), 3.218282, rel_tol=1e-6)
    loss.backward()
    # d/dlog_prob = -w / 2 = -0.5, -1.359141
    torch.testing.assert_close(log_prob.grad, torch.tensor([-0.5, -1.359141]))
    assert advantages.grad is None


def test_minimising_the_term_moves_the_follower_to_the_weighted_leader_actions():
    """One state, leader actions -1, 0, +1 with advantages 0, 0, 0.2 (lambda_f 0.1): weights
    1, 1, e^2 = 7.389, so the follower's mean goes to (7.389 - 1) / (7.389 + 2) = 0.6805."""
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
    assert abs(mu.item() - 0.6805) < 1e-3


def test_reverse_kl_advantages_on_follower_rows_with_the_gradient_of_eq_25():
    advantages = torch.tensor([1.0, -1.0, 2.0])
    log_prob = torch.tensor([-2.0, -1.0, -5.0], requires_grad=True)     # current pi_F,theta
    leader = torch.tensor([-1.0, -3.0, -9.0], requires_grad=True)
    followers = torch.tensor([True, True, False])                        # row 2: a leader row
    shaped = coupling.reverse_kl_advantages(advantages, log_prob, leader, followers, 0.5)
    # 1 - 0.5 * (-2 + 1) = 1.5; -1 - 0.5 * (-1 + 3) = -2; the leader's row keeps 2
    assert shaped.tolist() == [1.5, -2.0, 2.0]
    # the actor's Eq. 25 objective r * shaped, r = 1 at the behaviour policy: its gradient in
    # log pi_F is r * shaped + r * (-0.5) (through r = exp(log_prob - old) and the term)
    ratio = torch.exp(log_prob - log_prob.detach())
    (ratio * shaped).sum().backward()
    torch.testing.assert_close(log_prob.grad, torch.tensor([1.5 - 0.5, -2.0 - 0.5, 2.0]))
    assert leader.grad is None                                           # a constant


def test_masked_means_of_an_empty_row_set_are_zero_not_nan():
    assert losses.mean(torch.zeros(0)).item() == 0.0
    terms = losses.sapg_loss(*(torch.zeros(0),) * 5, critic_coef=4, bounds_loss_coef=1e-4)
    assert losses.total(terms).item() == 0.0
