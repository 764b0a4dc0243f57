"""The paper's ensemble diagnostics (docs/algorithm.md, Diagnostics; CPO Sec. 7.2-7.3, Table 2, Fig. 4).

``ratio`` below is the leader's importance ratio on a sample, ``pi_L(a|s) / pi_b,old(a|s)``,
given as its log.
"""

import torch

from rlgames_cpo.core import gaussian


def is_ratio_deviation(log_ratio: torch.Tensor) -> torch.Tensor:
    """``mean |ratio - 1|``."""
    return (torch.exp(log_ratio) - 1).abs().mean()


def ess_rate(log_ratio: torch.Tensor) -> torch.Tensor:
    """Effective sample size over n: ``w = r / sum(r)``, ``ESS = 1 / sum(w^2)``, rate ``ESS / n``.
    Computed in log space, so large ratios do not overflow. Uniform ratios give 1."""
    log_w = log_ratio - torch.logsumexp(log_ratio, dim=0)
    return torch.exp(-torch.logsumexp(2 * log_w, dim=0)) / log_ratio.numel()


def kl_matrix(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """``K[i][j] = mean_s KL(pi_i(.|s) || pi_j(.|s))`` from every policy's Gaussian on the same
    states: ``mu``, ``sigma`` ``(M, S, A)`` -> ``(M, M)``, zero diagonal."""
    return gaussian.kl(mu[:, None], sigma[:, None], mu[None], sigma[None]).mean(-1)


def nearest_policy(kl: torch.Tensor) -> torch.Tensor:
    """For every policy ``i``, the other policy ``j`` with the smallest ``K[i][j]`` ``(M,)``."""
    off_diagonal = kl.clone()
    off_diagonal.fill_diagonal_(float("inf"))
    return off_diagonal.argmin(dim=1)


def leader_follower_summary(kl: torch.Tensor) -> dict:
    """Scalars of ``K``: mean and max of ``KL(follower || leader)`` (the quantity CPO's
    constraint bounds, Eq. 9) and the share of followers whose nearest policy is the leader."""
    to_leader = kl[1:, 0]
    return {"kl_leader_follower_mean": to_leader.mean().item(),
            "kl_leader_follower_max": to_leader.max().item(),
            "nearest_is_leader_frac": (nearest_policy(kl)[1:] == 0).float().mean().item()}
