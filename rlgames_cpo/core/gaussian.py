"""Diagonal Gaussian policies: log-probabilities and KL divergences."""

import math

import torch


def log_prob(actions: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """``log N(a; mu, diag(sigma^2))`` summed over the last (action) dim."""
    z = (actions - mu) / sigma
    return (-0.5 * z * z - torch.log(sigma) - 0.5 * math.log(2 * math.pi)).sum(-1)


def kl(mu_p: torch.Tensor, sigma_p: torch.Tensor, mu_q: torch.Tensor,
       sigma_q: torch.Tensor) -> torch.Tensor:
    """``KL(p || q)`` in closed form, summed over the last dim, broadcasting the rest:
    ``log(sq/sp) + (sp^2 + (mp - mq)^2) / (2 sq^2) - 1/2`` per dim."""
    return (torch.log(sigma_q / sigma_p)
            + (sigma_p ** 2 + (mu_p - mu_q) ** 2) / (2 * sigma_q ** 2) - 0.5).sum(-1)


def entropy(sigma: torch.Tensor) -> torch.Tensor:
    """Differential entropy ``sum(log sigma + 0.5 log(2 pi e))`` over the last dim."""
    return (torch.log(sigma) + 0.5 * math.log(2 * math.pi * math.e)).sum(-1)
