"""CPO's coupling of each follower to the leader (ALGORITHM.md, CPO: forward and reverse KL)."""

import torch


def beta_eff(beta: float, num_blocks: int, off_policy_ratio: int) -> float:
    """``beta * (M - 1) / (M + k)``.

    Deviation from the public CPO code: it averages ``ppo_row + beta * awac_row`` over all rows
    of a minibatch, which up to an overall scale is
    ``mean(PPO rows) + beta * (M-1)/(M+k) * mean(AWAC rows)``; we use that explicit form (so
    minibatch composition does not matter), and the paper's beta values (Tables 3-6, tuned on
    that code) carry over."""
    return beta * (num_blocks - 1) / (num_blocks + off_policy_ratio)


def awac_weights(advantages: torch.Tensor, lambda_f: float, weight_max: float) -> torch.Tensor:
    """``w = min(exp(A / lambda_f), weight_max)``, without gradient (Eq. 10)."""
    return torch.exp(advantages.detach() / lambda_f).clamp(max=weight_max)


def awac_loss(log_prob: torch.Tensor, advantages: torch.Tensor, lambda_f: float,
              weight_max: float) -> torch.Tensor:
    """Mean of ``-w * log pi_F(a|s)`` over AWAC rows (leader samples under a follower's index).

    Minimising it moves each follower towards the leader's actions, weighted by how much better
    they are under the follower's own value: the closed form of the KL-constrained update.
    """
    return -(awac_weights(advantages, lambda_f, weight_max) * log_prob).mean()


def reverse_kl_shaping(advantages: torch.Tensor, leader_log_prob: torch.Tensor,
                       behaviour_log_prob: torch.Tensor, lambda_r: float) -> torch.Tensor:
    """Follower advantage ``A + lambda_r * (log pi_L(a|s) - log pi_F(a|s))`` (Eq. 25), both
    log-probs constants of the rollout (the leader's taken without gradient)."""
    return advantages + lambda_r * (leader_log_prob - behaviour_log_prob)
