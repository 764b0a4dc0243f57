"""Loss assembly for SAPG (ALGORITHM.md, SAPG loss). Builders return dicts whose ``loss_*``
entries are summed into the objective; the other entries are diagnostics."""

import torch

from rlgames_cpo.core import gaussian


def sapg_loss(actor_loss: torch.Tensor, critic_loss: torch.Tensor, entropy: torch.Tensor,
              bounds_loss: torch.Tensor, entropy_coef: torch.Tensor, critic_coef: float,
              bounds_loss_coef: float) -> dict:
    """The minibatch objective over on-policy and leader off-policy rows alike.

    Args:
        actor_loss, critic_loss, entropy, bounds_loss: per row ``(n,)`` (the clipped PPO actor
            loss, the clipped value loss, the policy entropy, rl_games' bounds penalty).
        entropy_coef: per-row entropy coefficient ``(n,)``, the row's block's ``c_b``.
        critic_coef, bounds_loss_coef: rl_games' coefficients (critic weighted
            ``0.5 * critic_coef``, as rl_games does).
    """
    return {
        "loss_actor": actor_loss.mean(),
        "loss_critic": 0.5 * critic_coef * critic_loss.mean(),
        "loss_entropy": -(entropy_coef * entropy).mean(),
        "loss_bounds": bounds_loss_coef * bounds_loss.mean(),
        "actor_loss": actor_loss.mean().detach(),
        "critic_loss": critic_loss.mean().detach(),
        "entropy": entropy.mean().detach(),
        "bounds_loss": bounds_loss.mean().detach(),
    }


def total(losses: dict) -> torch.Tensor:
    """Sum of the ``loss_*`` entries."""
    return sum(v for k, v in losses.items() if k.startswith("loss_"))


def step_kl(mu: torch.Tensor, sigma: torch.Tensor, old_mu: torch.Tensor, old_sigma: torch.Tensor,
            on_policy: torch.Tensor) -> torch.Tensor:
    """``mean KL(new || old)`` over on-policy rows only: the adaptive learning rate's step size.

    Rows relabelled to another policy (the leader's off-policy rows) are left out: their
    ``old`` is a different policy's behaviour, not a previous step of the same one
    (ALGORITHM.md, SAPG loss 5).
    """
    return gaussian.kl(mu[on_policy], sigma[on_policy], old_mu[on_policy], old_sigma[on_policy]).mean()
