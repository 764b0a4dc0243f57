"""Shuffled minibatches over a batch of any size (ALGORITHM.md, SAPG loss 6).

Stands in for rl_games' ``PPODataset``, which has a fixed length and never shuffles continuous
batches; SAPG's batch grows by the leader's off-policy rows, so it needs both.
"""

from typing import Optional

import torch

SEQUENCE_STATE_KEYS = ("rnn_states",)


class ShuffledMinibatches:
    """Splits rows (or, for an RNN, whole sequences of ``seq_length`` rows) into
    ``num_minibatches`` nearly equal random parts, reshuffled at the start of every pass.

    Rows are env-major (``row = env * H + t``), so sequence ``s`` is rows
    ``s * seq_length .. (s + 1) * seq_length - 1``, and ``rnn_states`` hold one state per
    sequence, ``(layers, num_sequences, units)``. It keeps rl_games' dataset interface:
    ``update_values_dict``, ``len``, indexing, ``update_mu_sigma``.

    Args:
        num_minibatches: minibatches per pass (rl_games' ``batch_size // minibatch_size``).
        seq_length: sequence length for an RNN, ``None`` for an MLP.
        generator: CPU generator for the permutations.
    """

    def __init__(self, num_minibatches: int, seq_length: Optional[int] = None,
                 generator: Optional[torch.Generator] = None):
        self.num_minibatches = num_minibatches
        self.seq_length = seq_length
        self.generator = generator
        self.values_dict = None
        self.parts = []
        self.last_rows = None

    def update_values_dict(self, values_dict: Optional[dict]) -> None:
        self.values_dict = values_dict
        self.parts = []

    @property
    def num_rows(self) -> int:
        return len(self.values_dict["advantages"])

    def _shuffle(self) -> None:
        units = self.num_rows // self.seq_length if self.seq_length else self.num_rows
        if units < self.num_minibatches:
            raise ValueError(f"{units} {'sequences' if self.seq_length else 'rows'} cannot fill "
                             f"{self.num_minibatches} minibatches: lower minibatch_size or raise "
                             "num_envs / horizon_length")
        permutation = torch.randperm(units, generator=self.generator)
        self.parts = list(torch.chunk(permutation, self.num_minibatches))

    def __len__(self) -> int:
        return self.num_minibatches

    def __getitem__(self, index: int) -> dict:
        if index == 0 or not self.parts:
            self._shuffle()
        device = self.values_dict["advantages"].device
        units = self.parts[index].to(device)
        if self.seq_length:
            offsets = torch.arange(self.seq_length, device=device)
            rows = (units[:, None] * self.seq_length + offsets[None, :]).reshape(-1)
        else:
            rows = units
        self.last_rows = rows
        batch = {}
        for key, value in self.values_dict.items():
            if key in SEQUENCE_STATE_KEYS:
                batch[key] = None if value is None else [s[:, units].contiguous() for s in value]
            elif isinstance(value, dict):
                batch[key] = {k: v[rows] for k, v in value.items()}
            else:
                batch[key] = None if value is None else value[rows]
        return batch

    def update_mu_sigma(self, mu: torch.Tensor, sigma: torch.Tensor) -> None:
        """Stores the latest policy outputs of the last minibatch (rl_games' KL bookkeeping)."""
        self.values_dict["mu"][self.last_rows] = mu
        self.values_dict["sigma"][self.last_rows] = sigma
