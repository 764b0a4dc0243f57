"""CPO's coupling of each follower to the leader (docs/algorithm.md, CPO)."""

import torch


def beta_eff(beta: float, num_blocks: int, off_policy_ratio: int) -> float:
    """``beta * (M - 1) / (M + k)``.

    Deviation from the public CPO code: it averages ``ppo_row + beta * awac_row`` over all rows
    of a minibatch, which up to an overall scale is
    ``mean(PPO rows) + beta * (M-1)/(M+k) * mean(AWAC rows)``; we use that explicit form (so
    minibatch composition does not matter), and the paper's beta values (Tables 3-6, tuned on
    that code) carry over."""
    return beta * (num_blocks - 1) / (num_blocks + off_policy_ratio)


def awac_weights(advantages: torch.Tensor, lambda_f, weight_max: float) -> torch.Tensor:
    """``w = min(exp(A / lambda_f), weight_max)``, without gradient (Eq. 10); ``lambda_f`` a
    number or one per row."""
    return torch.exp(advantages.detach() / lambda_f).clamp(max=weight_max)


def awac_loss(log_prob: torch.Tensor, advantages: torch.Tensor, lambda_f,
              weight_max: float) -> torch.Tensor:
    """Mean of ``-w * log pi_F(a|s)`` over AWAC rows (leader samples under a follower's index).

    Minimising it moves each follower towards the leader's actions, weighted by how much better
    they are under the follower's own value: the closed form of the KL-constrained update.
    """
    return -(awac_weights(advantages, lambda_f, weight_max) * log_prob).mean()


def reverse_kl_advantages(advantages: torch.Tensor, log_prob: torch.Tensor,
                          leader_log_prob: torch.Tensor, followers: torch.Tensor,
                          lambda_r: float) -> torch.Tensor:
    """``A - lambda_r * (log pi_F,theta(a|s) - log pi_L(a|s))`` on the ``followers`` rows, ``A``
    elsewhere (Eq. 25). ``log_prob`` is the current follower log-prob and keeps its gradient (the
    equation differentiates it); ``leader_log_prob`` is a constant.

    Args:
        advantages, log_prob, leader_log_prob: per row ``(n,)``.
        followers: bool ``(n,)``, the followers' on-policy rows.
    """
    shaped = advantages - lambda_r * (log_prob - leader_log_prob.detach())
    return torch.where(followers, shaped, advantages)
