"""Episode statistics by block: the leader's feed rl_games' mean reward, all are logged."""

import torch
from rl_games.algos_torch.torch_ext import AverageMeter
from torch import nn


class BlockSplitMeter(nn.Module):
    """Stands in for one of rl_games' episode meters (``game_rewards``, ``game_lengths``, ...).

    rl_games updates its meters with the values of the envs that finished this step, in
    ``dones.nonzero()`` order; the agent sets ``done_blocks``, the block of each of them in that
    same order, after every env step, so every value lands in its block's meter. Reads (``get_mean``, ``current_size``)
    report block 0, the leader: mean reward, best checkpoint and ``score_to_win`` follow the
    policy that is deployed (docs/algorithm.md, Rollout).
    """

    def __init__(self, template: AverageMeter, num_blocks: int):
        super().__init__()
        shape = tuple(template.mean.shape)
        self.blocks = nn.ModuleList(AverageMeter(shape, template.max_size) for _ in range(num_blocks))
        self.to(template.mean.device)
        self.done_blocks = torch.zeros(0, dtype=torch.long, device=template.mean.device)

    def update(self, values: torch.Tensor) -> None:
        blocks = self.done_blocks
        for b in blocks.unique().tolist():
            self.blocks[b].update(values[blocks == b])

    @property
    def current_size(self) -> int:
        return self.blocks[0].current_size

    def get_mean(self):
        return self.blocks[0].get_mean()

    def clear(self) -> None:
        for meter in self.blocks:
            meter.clear()

    def __len__(self) -> int:
        return self.current_size
