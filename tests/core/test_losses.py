import math

import torch

from rlgames_cpo.core import gaussian, losses


def test_sapg_loss_weights_entropy_per_row():
    ones = torch.ones(4)
    entropy = torch.tensor([1.0, 2.0, 3.0, 4.0])
    coef = torch.tensor([0.0, 0.0, 0.1, 0.2])
    terms = losses.sapg_loss(actor_loss=ones * 2, critic_loss=ones * 3, entropy=entropy,
                             bounds_loss=ones * 5, entropy_coef=coef, critic_coef=4,
                             bounds_loss_coef=0.01)
    # actor 2; critic 0.5 * 4 * 3 = 6; entropy -(0.3 + 0.8) / 4 = -0.275; bounds 0.05
    assert math.isclose(losses.total(terms).item(), 2 + 6 - 0.275 + 0.05, rel_tol=1e-6)
    assert terms["entropy"].item() == 2.5 and not terms["loss_entropy"].requires_grad


def test_step_kl_is_the_on_policy_rows_kl_sum_over_their_expected_count():
    mu = torch.zeros(3, 1)
    sigma = torch.ones(3, 1)
    old_mu = torch.tensor([[0.0], [1.0], [100.0]])   # row 2: another policy's behaviour
    on_policy = torch.tensor([True, True, False])
    # KL(N(0,1) || N(1,1)) = 0.5 on row 1, 0 on row 0: sum 0.5, over 2 expected rows 0.25
    assert math.isclose(losses.step_kl(mu, sigma, old_mu, sigma, on_policy, 2.0).item(), 0.25)
    # over 4 expected rows (a minibatch with fewer on-policy rows than average) 0.125
    assert math.isclose(losses.step_kl(mu, sigma, old_mu, sigma, on_policy, 4.0).item(), 0.125)
    # no on-policy rows: adds 0, not NaN, to the mini-epoch's mean
    none = torch.zeros(3, dtype=torch.bool)
    assert losses.step_kl(mu, sigma, old_mu, sigma, none, 2.0).item() == 0.0


def test_gaussian_log_prob_kl_entropy_closed_forms():
    mu, sigma = torch.tensor([0.5, -1.0]), torch.tensor([2.0, 0.5])
    a = torch.tensor([1.0, 0.0])
    expected = torch.distributions.Normal(mu, sigma).log_prob(a).sum()
    torch.testing.assert_close(gaussian.log_prob(a, mu, sigma), expected)
    q_mu, q_sigma = torch.tensor([0.0, 0.0]), torch.tensor([1.0, 1.0])
    expected_kl = torch.distributions.kl_divergence(torch.distributions.Normal(mu, sigma),
                                                    torch.distributions.Normal(q_mu, q_sigma)).sum()
    torch.testing.assert_close(gaussian.kl(mu, sigma, q_mu, q_sigma), expected_kl)
    assert gaussian.kl(mu, sigma, mu, sigma).item() == 0.0
    torch.testing.assert_close(gaussian.entropy(sigma),
                               torch.distributions.Normal(mu, sigma).entropy().sum())
