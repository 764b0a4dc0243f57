"""The adversarial diversity reward's discriminator (ALGORITHM.md, CPO: adversarial reward)."""

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
