"""How the parallel envs are split between the leader and the followers (docs/algorithm.md, Notation).

Blocks are contiguous: env ``e`` belongs to block ``e // block_size``. Block 0 is the leader,
blocks ``1 .. M-1`` are the followers. (The public SAPG code puts its leader last.)
"""

from dataclasses import dataclass

import torch

# Deviation from the public SAPG code: the leader is the first block, not the last.
LEADER = 0


@dataclass(frozen=True)
class BlockLayout:
    """``num_envs`` envs in ``num_blocks`` contiguous blocks of ``block_size``."""

    num_envs: int
    num_blocks: int

    def __post_init__(self):
        if self.num_blocks < 1:
            raise ValueError(f"sapg.num_blocks={self.num_blocks} must be at least 1")
        if self.num_envs % self.num_blocks:
            raise ValueError(f"sapg.num_blocks={self.num_blocks} does not divide "
                             f"num_envs={self.num_envs}")

    @staticmethod
    def fitting_num_envs(num_envs: int, num_blocks: int) -> list:
        """The env counts nearest ``num_envs`` that ``num_blocks`` divides."""
        lower = num_envs - num_envs % num_blocks
        return [n for n in (lower, lower + num_blocks) if n > 0]

    @property
    def block_size(self) -> int:
        return self.num_envs // self.num_blocks

    def block_of_env(self, device=None) -> torch.Tensor:
        """``(num_envs,)`` long: the block of every env."""
        return torch.arange(self.num_envs, device=device) // self.block_size

    def envs_of(self, blocks: torch.Tensor) -> torch.Tensor:
        """The env indices of ``blocks`` ``(k,)``, in block order: ``(k * block_size,)``."""
        offsets = torch.arange(self.block_size, device=blocks.device)
        return (blocks[:, None] * self.block_size + offsets[None, :]).reshape(-1)


def sample_follower_blocks(num_blocks: int, k: int, generator: torch.Generator) -> torch.Tensor:
    """``k`` distinct follower blocks, uniformly without replacement, sorted (docs/algorithm.md, SAPG
    loss 2). With one block there are no followers and the result is empty.

    ``generator`` must be seeded identically on every rank so all ranks pick the same blocks.
    """
    followers = num_blocks - 1
    if followers == 0 or k == 0:
        return torch.zeros(0, dtype=torch.long)
    if k > followers:
        raise ValueError(f"sapg.off_policy_ratio={k} exceeds the {followers} follower blocks of "
                         f"num_blocks={num_blocks}: use at most {followers}")
    chosen = torch.randperm(followers, generator=generator)[:k] + 1
    return chosen.sort().values


def entropy_coefficients(num_blocks: int, entropy_scale: float, entropy_coef: float) -> torch.Tensor:
    """Per-block entropy bonus ``(num_blocks,)`` (docs/algorithm.md, SAPG loss 4).

    ``c_b = entropy_scale * 0.5 * b / (M - 1)``: 0 for the leader, rising to
    ``0.5 * entropy_scale`` for the last follower (the reference's ``linspace(0.5, 0, M)``,
    leader first). With ``entropy_scale == 0`` every block gets the plain ``entropy_coef``.
    """
    if entropy_scale == 0 or num_blocks == 1:
        return torch.full((num_blocks,), float(entropy_coef))
    return entropy_scale * 0.5 * torch.arange(num_blocks, dtype=torch.float32) / (num_blocks - 1)
