"""Conditioning one shared actor-critic on the block (docs/algorithm.md, Conditioning on the block).

The block index travels as the last observation column, so rl_games' rollout buffer,
minibatches, checkpoints and players carry it without changes; input normalisation skips it.
"""

import torch
from torch import nn


def append_block_column(obs: torch.Tensor, blocks: torch.Tensor) -> torch.Tensor:
    """``(n, D), (n,) -> (n, D + 1)``: the block index as a float last column (exact for any M
    that fits a float's 24-bit mantissa)."""
    return torch.cat([obs, blocks.to(obs.dtype).unsqueeze(-1)], dim=-1)


def split_block_column(obs: torch.Tensor):
    """``(n, D + 1) -> (n, D), (n,) long``."""
    return obs[..., :-1], obs[..., -1].round().long()


def with_block(obs: torch.Tensor, block: int) -> torch.Tensor:
    """A copy of ``obs`` ``(n, D + 1)`` relabelled to ``block``."""
    relabelled = obs.clone()
    relabelled[..., -1] = block
    return relabelled


class BlockEmbedding(nn.Module):
    """Learned table ``E`` ``(num_blocks, embedding_dim)``, ``N(0, 1)`` init; ``forward``
    concatenates ``E[block]`` to the trunk's input features."""

    def __init__(self, num_blocks: int, embedding_dim: int):
        super().__init__()
        self.table = nn.Parameter(torch.randn(num_blocks, embedding_dim))

    def forward(self, features: torch.Tensor, blocks: torch.Tensor) -> torch.Tensor:
        return torch.cat([features, self.table[blocks]], dim=-1)
