"""Players: ``a2c_continuous`` (rl_games' continuous player with a clear message for another
network's checkpoint) and ``sapg``/``cpo`` (the same on the block-conditioned network, every env
acting as one block, the leader by default)."""

import torch
from rl_games.algos_torch import torch_ext
from rl_games.algos_torch.players import PpoPlayerContinuous

from rlgames_cpo.adapters import checkpoints
from rlgames_cpo.adapters.sapg_agent import with_block_env
from rlgames_cpo.config import SapgConfig
from rlgames_cpo.core.blocks import LEADER


class PpoPlayer(PpoPlayerContinuous):
    """rl_games' continuous player whose ``restore`` says what differs when a checkpoint holds
    another network (another task's, usually) instead of failing inside ``load_state_dict``."""

    def restore(self, fn):
        problem = checkpoints.incompatibility(torch_ext.load_checkpoint(fn), fn, None,
                                              self.model.state_dict())
        if problem:
            raise ValueError(f"{problem}; play it with the task it was trained on")
        super().restore(fn)


class SapgPlayer(PpoPlayer):
    """Evaluates block ``player.block`` (default 0, the leader) on all ``num_envs`` envs; any
    ``num_envs`` works, it need not be a multiple of ``num_blocks``."""

    def __init__(self, params):
        config = params["config"]
        sapg = SapgConfig.from_config(config)
        block = config.get("player", {}).get("block", LEADER)
        if not isinstance(block, int) or not 0 <= block < sapg.num_blocks:
            raise ValueError(f"player.block={block!r} must be a block index from 0 (the leader) "
                             f"to {sapg.num_blocks - 1}")
        # Deviation from the public SAPG code: any num_blocks and num_envs, any block evaluated.
        self.block = block
        blocks = torch.full((config["num_actors"],), block, dtype=torch.long)
        super().__init__(with_block_env(params, blocks, sapg.num_blocks, sapg.embedding_dim,
                                        config.get("device_name", "cuda")))
