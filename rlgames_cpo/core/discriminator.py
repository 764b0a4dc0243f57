"""The adversarial diversity reward's discriminator (docs/algorithm.md, CPO adversarial reward)."""

import math

import torch
from torch import nn

ACTIVATIONS = {"elu": nn.ELU, "relu": nn.ReLU, "tanh": nn.Tanh, "silu": nn.SiLU}
# log D is clamped here, so a confident discriminator cannot blow up the returns.
MIN_LOG_PROB = -math.log(1e4)


class Discriminator(nn.Module):
    """``D(y | s, a)``: an MLP from the normalised observation (no block index) and the action
    to ``num_blocks`` logits."""

    def __init__(self, obs_dim: int, action_dim: int, num_blocks: int, units, activation: str):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"cpo.discriminator.activation={activation!r}: use one of "
                             f"{sorted(ACTIVATIONS)}")
        layers, size = [], obs_dim + action_dim
        for width in units:
            layers += [nn.Linear(size, width), ACTIVATIONS[activation]()]
            size = width
        layers.append(nn.Linear(size, num_blocks))
        self.net = nn.Sequential(*layers)

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([obs, actions], dim=-1))


def adversarial_reward(logits: torch.Tensor, blocks: torch.Tensor, lambda_adv: float) -> torch.Tensor:
    """``lambda_adv * log D(block | s, a)`` for followers, exactly 0 for the leader (Eq. 12).

    Deviation from the public CPO code: log_softmax of the logits (it applies softmax twice,
    which squashes the reward to about [-2.04, -1.04] * coef for M = 6), with labels the true
    block of each sample.
    """
    log_probs = torch.log_softmax(logits, dim=-1).gather(-1, blocks.unsqueeze(-1)).squeeze(-1)
    return lambda_adv * log_probs.clamp(min=MIN_LOG_PROB) * (blocks != 0)


def discriminator_loss(logits: torch.Tensor, blocks: torch.Tensor) -> dict:
    """Cross-entropy on the logits with label = the sample's block; plus accuracy."""
    return {"loss_discriminator": nn.functional.cross_entropy(logits, blocks),
            "accuracy": (logits.argmax(-1) == blocks).float().mean().detach()}


# The public CPO code's reward, reproduced on purpose for runs that must match the paper's numbers
# (cpo.discriminator.reward=reference; docs/algorithm.md, CPO adversarial reward). Not a fix: it keeps
# both of that code's defects, so its discriminator cannot learn and its reward is in effect a
# near-uniform penalty of about -1.79 * lambda_adv (M = 6) on most samples, the leader's included.

def reference_labels(horizon: int, num_envs: int, num_blocks: int, device=None) -> torch.Tensor:
    """The public CPO code's labels, ``(H, N)`` time-major: it flattens the ``(H, N)`` rollout
    time-major (sample ``t * N + e``) but labels it as if it were block-major, so the ``i``-th
    ``H N / M`` flattened samples, i.e. chunks of time steps, get label ``M - 1 - i`` whatever env
    made them. Label 0 is the class it treats as the leader's (no bonus)."""
    chunk = horizon * num_envs // num_blocks
    flat = num_blocks - 1 - torch.arange(horizon * num_envs, device=device) // chunk
    return flat.view(horizon, num_envs)


def _double_softmax_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per-sample cross-entropy of the softmax *probabilities* (the public code's discriminator
    ends in a softmax and its loss applies another), between about 1.04 and 2.04 for M = 6."""
    return nn.functional.cross_entropy(torch.softmax(logits, dim=-1), labels, reduction="none")


def reference_reward(logits: torch.Tensor, labels: torch.Tensor, lambda_adv: float) -> torch.Tensor:
    """The public CPO code's reward: ``-lambda_adv * CE(softmax(D(s, a)), label)`` for samples
    whose label is not 0 (``reference_labels``), 0 for the others; no clamp (the double softmax
    keeps it in ``[-2.04, -1.04] * lambda_adv`` for M = 6)."""
    return -lambda_adv * _double_softmax_cross_entropy(logits, labels) * (labels != 0)


def reference_loss(logits: torch.Tensor, labels: torch.Tensor) -> dict:
    """The public CPO code's discriminator loss (double softmax), and accuracy."""
    return {"loss_discriminator": _double_softmax_cross_entropy(logits, labels).mean(),
            "accuracy": (logits.argmax(-1) == labels).float().mean().detach()}
