"""Players: ``a2c_continuous`` (rl_games' continuous player with a clear message for another
network's checkpoint) and ``sapg``/``cpo`` (the same on the block-conditioned network, every env
acting as one block, the leader by default)."""

import torch
from rl_games.algos_torch import torch_ext
from rl_games.algos_torch.players import PpoPlayerContinuous

from rlgames_cpo.adapters import checkpoints
from rlgames_cpo.errors import TRAIN_PY, ConfigError
from rlgames_cpo.settings import Settings
from rlgames_cpo.adapters.block_env import with_block_env
from rlgames_cpo.core.blocks import LEADER
from rlgames_cpo.core.conditioning import append_block_column


class PpoPlayer(PpoPlayerContinuous):
    """rl_games' continuous player whose ``restore`` says what differs when a checkpoint holds
    another network (another task's, usually) instead of failing inside ``load_state_dict``."""

    ENSEMBLE = False  # whether it plays sapg/cpo checkpoints (SapgPlayer) or others
    spelling = TRAIN_PY  # the host's (rlgames_cpo.register sets it)

    def restore(self, fn):
        checkpoint = torch_ext.load_checkpoint(fn)
        saved_algo = checkpoint.get(checkpoints.KEY, {}).get("algo")
        if saved_algo is not None and (saved_algo in ("sapg", "cpo")) != self.ENSEMBLE:
            raise ConfigError(lambda s: f"checkpoint {fn} was trained with algo.name={saved_algo} "
                              "and this player is another algorithm's: play it with "
                              f"{s.setting('algo.name', saved_algo)}"
                              f"{s.hint('play_algo', algo=saved_algo)}", self.spelling)
        problem = checkpoints.incompatibility(checkpoint, fn, None, self.model.state_dict())
        if problem:
            raise ConfigError(lambda s: f"{problem.message(s)}; play it with the task it was "
                              "trained on", self.spelling)
        super().restore(fn)


class SapgPlayer(PpoPlayer):
    """Evaluates block ``player.block`` (default 0, the leader) on all ``num_envs`` envs; any
    ``num_envs`` works, it need not be a multiple of ``num_blocks``.

    rl_games' ``run()`` steps the block-indexed env, whose observations carry the block column;
    a host's own play loop (Isaac Lab's ``play.py``) steps its env and hands ``get_action`` the
    raw observations, which get the column here.
    """

    ENSEMBLE = True

    def __init__(self, params):
        config = params["config"]
        sapg = Settings.of(params, training=False).sapg
        block = config.get("player", {}).get("block", LEADER)
        if not isinstance(block, int) or not 0 <= block < sapg.num_blocks:
            raise ValueError(f"player.block={block!r} must be a block index from 0 (the leader) "
                             f"to {sapg.num_blocks - 1}")
        # Deviation from the public SAPG code: any num_blocks and num_envs, any block evaluated.
        self.block = block
        blocks = torch.full((config["num_actors"],), block, dtype=torch.long)
        super().__init__(with_block_env(params, blocks, sapg.num_blocks, sapg.embedding_dim,
                                        config.get("device_name", "cuda")))

    def get_action(self, obs, is_deterministic=False):
        if isinstance(obs, torch.Tensor) and obs.shape[-1] == self.obs_shape[-1] - 1:
            obs = append_block_column(obs, torch.full(obs.shape[:-1], self.block, device=obs.device))
        return super().get_action(obs, is_deterministic)
