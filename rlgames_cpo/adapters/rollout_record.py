"""What a SAPG/CPO rollout keeps besides rl_games' experience buffer, in one object per
iteration: the time-outs, the value network's LSTM state before every step of the envs whose
values are later re-evaluated under another block, and the blocks of the envs that just finished.
"""

import torch


class RolloutRecord:
    """Filled step by step while rl_games plays an iteration's ``H`` steps.

    Args:
        horizon, num_envs: ``H`` and ``N``.
        block_of_env: ``(N,)`` each env's block.
        off_policy_envs: the envs of the follower blocks chosen for the leader's off-policy rows.
        recorded_envs: envs whose per-step value-LSTM states to keep (docs/algorithm.md, SAPG
            loss 2: a value under another block starts from the state the env had there).
        value_rnn_states: the value network's current LSTM states (their shapes), ``[]`` for an MLP.
    """

    def __init__(self, horizon: int, num_envs: int, block_of_env: torch.Tensor,
                 off_policy_envs: torch.Tensor, recorded_envs: torch.Tensor, value_rnn_states: list):
        device = block_of_env.device
        self.off_policy_envs = off_policy_envs
        self.horizon = horizon
        self.block_of_env = block_of_env
        self.step = 0
        self.time_outs = torch.zeros(horizon, num_envs, device=device)
        self.done_blocks = torch.zeros(0, dtype=torch.long, device=device)
        self.recorded_envs = recorded_envs
        self.slot = torch.full((num_envs,), -1, dtype=torch.long, device=device)
        self.slot[recorded_envs] = torch.arange(len(recorded_envs), device=device)
        self.value_rnn_states = [
            torch.zeros((horizon + 1, s.shape[0], len(recorded_envs), s.shape[2]), device=device)
            for s in value_rnn_states]

    def keep_value_states(self, states: list, last: bool = False) -> None:
        """The value network's LSTM states before this step (``last``: after the rollout, where
        the final observation's value starts)."""
        if self.recorded_envs.numel():
            for store, state in zip(self.value_rnn_states, states):
                store[self.horizon if last else self.step] = state[:, self.recorded_envs]

    def after_step(self, dones: torch.Tensor, infos: dict) -> None:
        if "time_outs" in infos:
            self.time_outs[self.step] = torch.as_tensor(infos["time_outs"],
                                                        device=self.time_outs.device).float()
        self.step += 1
        # rl_games feeds its episode meters in dones.nonzero() order: the blocks in that order.
        self.done_blocks = self.block_of_env[dones.nonzero(as_tuple=False)[:, 0]]

    def value_states_of(self, envs: torch.Tensor) -> tuple:
        """``envs``' kept states for one-step forwards from each of the ``H + 1`` steps:
        ``(layers, (H + 1) * n, units)`` each, time-major rows (``t * n + i``)."""
        slots = self.slot[envs]
        steps = self.horizon + 1
        return tuple(s[:, :, slots].permute(1, 0, 2, 3).reshape(s.shape[1], steps * len(envs), -1)
                     for s in self.value_rnn_states)
