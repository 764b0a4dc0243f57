"""A player's deterministic policy as one traceable module: what rl_games' player computes from an
observation, with nothing of rl_games needed to run it (rlgames_cpo.export writes it as ONNX or
TorchScript)."""

import copy

import torch
from rl_games.algos_torch.players import rescale_actions
from rl_games.algos_torch.running_mean_std import RunningMeanStd

from rlgames_cpo.core.conditioning import append_block_column


class DeterministicPolicy(torch.nn.Module):
    """``obs (n, num_obs) [, h, c] -> actions (n, num_actions) [, h_out, c_out]``.

    As rl_games' player: the block column (sapg/cpo), the input normaliser, the network's ``mu``,
    then, with ``clip_actions``, ``mu`` clamped to [-1, 1] and rescaled to the action space.
    """

    def __init__(self, model, num_obs: int, block, low, high, clip_actions: bool,
                 rnn_shapes: list):
        super().__init__()
        self.model = model
        self.num_obs = num_obs        # the observation's width, without the block column
        self.block = block
        self.clip_actions = clip_actions
        self.register_buffer("low", torch.as_tensor(low, dtype=torch.float32))
        self.register_buffer("high", torch.as_tensor(high, dtype=torch.float32))
        self.rnn_shapes = rnn_shapes  # (layers, units) of h and c, for an LSTM policy

    @classmethod
    def of(cls, player) -> "DeterministicPolicy":
        block = getattr(player, "block", None)
        rnn = [(s.shape[0], s.shape[2]) for s in player.model.get_default_rnn_state()] \
            if player.is_rnn else []
        num_obs = player.obs_shape[0] - (1 if block is not None else 0)
        return cls(unscripted(player.model), num_obs, block, player.actions_low.cpu(),
                   player.actions_high.cpu(), bool(player.clip_actions), rnn).eval()

    def forward(self, obs, *states):
        if self.block is not None:
            obs = append_block_column(obs, torch.full_like(obs[:, 0], self.block))
        network_input = {"obs": self.model.norm_obs(obs), "is_train": False,
                         "rnn_states": tuple(states) if states else None}
        mu, _, _, out_states = self.model.a2c_network(network_input)
        actions = rescale_actions(self.low, self.high, torch.clamp(mu, -1.0, 1.0)) \
            if self.clip_actions else mu
        return (actions, *out_states) if states else actions

    # What an exporter needs to name and size the inputs.

    @property
    def input_names(self) -> list:
        return ["obs"] + ["h", "c"][:len(self.rnn_shapes)]

    @property
    def output_names(self) -> list:
        return ["actions"] + ["h_out", "c_out"][:len(self.rnn_shapes)]

    @property
    def batch_axes(self) -> dict:
        """Each input's and output's batch axis (an LSTM's states are (layers, batch, units))."""
        return {name: {0 if name in ("obs", "actions") else 1: "batch"}
                for name in self.input_names + self.output_names}

    def example_inputs(self) -> tuple:
        return (torch.zeros(1, self.num_obs),
                *(torch.zeros(layers, 1, units) for layers, units in self.rnn_shapes))

    def description(self) -> dict:
        return {"inputs": {"obs": [None, self.num_obs],
                           **{name: [layers, None, units] for name, (layers, units)
                              in zip(("h", "c"), self.rnn_shapes)}},
                "outputs": {"actions": [None, int(self.low.shape[0])],
                            **{name: [layers, None, units] for name, (layers, units)
                               in zip(("h_out", "c_out"), self.rnn_shapes)}},
                "block": self.block, "clip_actions": self.clip_actions,
                "action_low": self.low.tolist(), "action_high": self.high.tolist(),
                "recurrent": "lstm: zero h and c at an episode's start" if self.rnn_shapes else None}


def unscripted(model):
    """A copy of ``model`` whose input normaliser, which rl_games scripts (``torch.jit.script``),
    is a plain ``RunningMeanStd`` with the same state: the ONNX exporter traces plain modules
    only. The computation is rl_games' own either way."""
    model = copy.deepcopy(model).eval()
    scripted = getattr(model, "running_mean_std", None)
    if isinstance(scripted, torch.jit.ScriptModule):
        plain = RunningMeanStd(tuple(scripted.running_mean.shape))
        plain.load_state_dict(scripted.state_dict())
        model.running_mean_std = plain.eval()
    return model
