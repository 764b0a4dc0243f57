"""Loss assembly for SAPG (docs/algorithm.md, SAPG loss). Builders return dicts whose ``loss_*``
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
        "loss_actor": mean(actor_loss),
        "loss_critic": 0.5 * critic_coef * mean(critic_loss),
        "loss_entropy": -mean(entropy_coef * entropy),
        "loss_bounds": bounds_loss_coef * mean(bounds_loss),
        "actor_loss": mean(actor_loss).detach(),
        "critic_loss": mean(critic_loss).detach(),
        "entropy": mean(entropy).detach(),
        "bounds_loss": mean(bounds_loss).detach(),
    }


def mean(x: torch.Tensor) -> torch.Tensor:
    """Mean of ``x``, 0 for no rows: a minibatch without rows of a set (possible with tiny
    batches) gets no term from it, not a NaN."""
    return x.sum() / max(x.numel(), 1)


def total(losses: dict) -> torch.Tensor:
    """Sum of the ``loss_*`` entries."""
    return sum(v for k, v in losses.items() if k.startswith("loss_"))


def step_kl(mu: torch.Tensor, sigma: torch.Tensor, old_mu: torch.Tensor, old_sigma: torch.Tensor,
            on_policy: torch.Tensor, expected_on_policy_rows) -> torch.Tensor:
    """``KL(new || old)`` of one minibatch's on-policy rows: the adaptive learning rate's step.

    Rows relabelled to another policy (the leader's off-policy rows, CPO's AWAC rows) are left
    out: their ``old`` is a different policy's behaviour, not a previous step of the same one
    (docs/algorithm.md, SAPG loss 5). The KL sum is divided by the on-policy rows a minibatch holds on
    average (``expected_on_policy_rows``), not by this one's count: rl_games averages the
    minibatches of a mini-epoch, which is then the mean over its on-policy rows, and a minibatch
    without any adds 0 instead of a NaN that would void the schedule's step.
    """
    kl = gaussian.kl(mu[on_policy], sigma[on_policy], old_mu[on_policy], old_sigma[on_policy])
    return kl.sum() / expected_on_policy_rows
