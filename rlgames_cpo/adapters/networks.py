"""rl_games models and network conditioned on the block (docs/algorithm.md, Conditioning).

``block_actor_critic`` is rl_games' ``actor_critic`` (MLP, optional ``rnn``, ``separate``,
``central_value``) whose input is ``[normalised obs, E[block]]`` and whose state-independent
log-std is a per-block table. ``block_continuous_a2c_logstd`` and ``block_central_value`` are
rl_games' ``continuous_a2c_logstd`` and ``central_value`` whose input normaliser skips the block
column. Observations (and the asymmetric critic's states) carry the block as their last column.
"""

import torch
from rl_games.algos_torch import model_builder
from rl_games.algos_torch.models import ModelA2CContinuousLogStd, ModelCentralValue
from rl_games.algos_torch.network_builder import A2CBuilder

from rlgames_cpo.core.conditioning import BlockEmbedding, split_block_column

MODEL_NAME = "block_continuous_a2c_logstd"
CENTRAL_VALUE_MODEL_NAME = "block_central_value"
NETWORK_NAME = "block_actor_critic"


class BlockA2CBuilder(A2CBuilder):
    """Builds :class:`BlockA2CBuilder.Network`; reads ``network.block: {num_blocks, embedding_dim}``."""

    def build(self, name, **kwargs):
        return BlockA2CBuilder.Network(self.params, **kwargs)

    class Network(A2CBuilder.Network):
        def __init__(self, params, **kwargs):
            block = params["block"]
            if params.get("cnn"):
                raise ValueError("sapg/cpo networks are MLPs with an optional rnn; remove the "
                                 "network.cnn section")
            obs_dim = kwargs["input_shape"][0] - 1  # the last column is the block index
            kwargs["input_shape"] = (obs_dim + block["embedding_dim"],)
            super().__init__(params, **kwargs)
            self.embedding = BlockEmbedding(block["num_blocks"], block["embedding_dim"])
            if not self.central_value and self.fixed_sigma:
                # The shared log-std becomes one row per block. The parent's forward still reads
                # `self.sigma`, so it stays as a zero buffer whose output forward() replaces.
                shared = self.sigma
                del self.sigma
                self.register_buffer("sigma", torch.zeros_like(shared), persistent=False)
                self.block_log_std = torch.nn.Parameter(
                    shared.detach().expand(block["num_blocks"], -1).clone())

        def forward(self, obs_dict):
            features, blocks = split_block_column(obs_dict["obs"])
            out = super().forward({**obs_dict, "obs": self.embedding(features, blocks)})
            if self.central_value:  # (value, states)
                return out
            mu, log_std, value, states = out
            if self.fixed_sigma:
                log_std = mu * 0 + self.sigma_act(self.block_log_std[blocks])
            return mu, log_std, value, states


def _normalise_all_but_block(norm_obs, observation):
    """``norm_obs`` on every column but the last, the block index, which passes through."""
    return torch.cat([norm_obs(observation[..., :-1]), observation[..., -1:]], dim=-1)


class _SkipsBlockColumn:
    """A model whose input normaliser has the shape of its input without the block column."""

    def build(self, config):
        return self.Network(self.network_builder.build(self.model_class, **config),
                            obs_shape=(config["input_shape"][0] - 1,),
                            normalize_value=config.get("normalize_value", False),
                            normalize_input=config.get("normalize_input", False),
                            value_size=config.get("value_size", 1))


class BlockModelA2CContinuousLogStd(_SkipsBlockColumn, ModelA2CContinuousLogStd):
    """``continuous_a2c_logstd`` whose normaliser skips the block column of the obs."""

    class Network(ModelA2CContinuousLogStd.Network):
        def norm_obs(self, observation):
            return _normalise_all_but_block(super().norm_obs, observation)


class BlockModelCentralValue(_SkipsBlockColumn, ModelCentralValue):
    """``central_value`` (the asymmetric critic) whose normaliser skips the block column of the
    states."""

    class Network(ModelCentralValue.Network):
        def norm_obs(self, observation):
            return _normalise_all_but_block(super().norm_obs, observation)


def register_block_model() -> None:
    model_builder.register_model(MODEL_NAME, BlockModelA2CContinuousLogStd)
    model_builder.register_model(CENTRAL_VALUE_MODEL_NAME, BlockModelCentralValue)
    model_builder.register_network(NETWORK_NAME, BlockA2CBuilder)


def use_block_model(params: dict, num_blocks: int, embedding_dim: int) -> dict:
    """Swaps a stock PPO model/network for the block-conditioned ones (the drop-in).

    Accepts ``continuous_a2c_logstd`` + ``actor_critic`` (or the block versions, from a
    checkpointed config) and fails clearly on anything else.
    """
    model, network = params["model"]["name"], params["network"]["name"]
    if model not in ("continuous_a2c_logstd", MODEL_NAME):
        raise ValueError(f"model.name={model}: sapg/cpo need continuous_a2c_logstd")
    if network not in ("actor_critic", NETWORK_NAME):
        raise ValueError(f"network.name={network}: sapg/cpo need actor_critic")
    params["model"] = {**params["model"], "name": MODEL_NAME}
    params["network"] = {**params["network"], "name": NETWORK_NAME,
                         "block": {"num_blocks": num_blocks, "embedding_dim": embedding_dim}}
    central = params["config"].get("central_value_config")
    if central:
        params["config"]["central_value_config"] = use_block_central_value(central, num_blocks,
                                                                           embedding_dim)
    return params


def use_block_central_value(central: dict, num_blocks: int, embedding_dim: int) -> dict:
    """A copy of ``central_value_config`` whose critic is conditioned on the block like the
    actor-critic's value (docs/algorithm.md, Asymmetric critic): rl_games' ``central_value`` model
    with an ``actor_critic`` network (MLP, optional ``rnn``), the block models here."""
    model = (central.get("model") or {}).get("name", "central_value")
    network = central["network"]["name"]
    if model not in ("central_value", CENTRAL_VALUE_MODEL_NAME):
        raise ValueError(f"central_value_config.model.name={model}: sapg/cpo need central_value")
    if network not in ("actor_critic", NETWORK_NAME):
        raise ValueError(f"central_value_config.network.name={network}: sapg/cpo need actor_critic")
    return {**central, "model": {**(central.get("model") or {}), "name": CENTRAL_VALUE_MODEL_NAME},
            "network": {**central["network"], "name": NETWORK_NAME, "central_value": True,
                        "block": {"num_blocks": num_blocks, "embedding_dim": embedding_dim}}}
