"""Shuffled minibatches of a fixed size over a batch of any size (ALGORITHM.md, SAPG loss 6).

Stands in for rl_games' ``PPODataset``, which has a fixed length and never shuffles continuous
batches; SAPG's batch grows by the leader's off-policy rows and CPO's by the AWAC rows.

The rule is the public codes': every minibatch has ``minibatch_size`` rows, and an iteration has
``rows // minibatch_size`` of them, so added rows add minibatches (optimizer steps) at the
paper's minibatch size. The remainder, fewer than ``minibatch_size`` rows, sits out the pass: a
different random subset every pass, so every row is used equally often on average. (The public
codes never shuffle, so their remainder is always the same last rows.)
"""

from typing import Optional

import torch

SEQUENCE_STATE_KEYS = ("rnn_states",)


def minibatch_count(rows: int, minibatch_size: int) -> int:
    """Minibatches (optimizer steps) per pass over ``rows`` rows: ``rows // minibatch_size``."""
    return rows // minibatch_size


class ShuffledMinibatches:
    """Splits rows (or, for an RNN, whole sequences of ``seq_length`` rows) into minibatches of
    ``minibatch_size`` rows, reshuffled at the start of every pass; the remainder sits out.

    Rows are env-major (``row = env * H + t``), so sequence ``s`` is rows
    ``s * seq_length .. (s + 1) * seq_length - 1``, and ``rnn_states`` hold one state per
    sequence, ``(layers, num_sequences, units)``. It keeps rl_games' dataset interface:
    ``update_values_dict``, ``len``, indexing, ``update_mu_sigma``.

    Args:
        minibatch_size: rows per minibatch (a multiple of ``seq_length`` for an RNN).
        seq_length: sequence length for an RNN, ``None`` for an MLP.
        generator: CPU generator for the permutations.
    """

    def __init__(self, minibatch_size: int, seq_length: Optional[int] = None,
                 generator: Optional[torch.Generator] = None):
        if seq_length and minibatch_size % seq_length:
            raise ValueError(f"minibatch_size={minibatch_size} must be a multiple of "
                             f"seq_length={seq_length}")
        self.minibatch_size = minibatch_size
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
        unit = self.seq_length or 1
        units, per_minibatch = self.num_rows // unit, self.minibatch_size // unit
        if len(self) == 0:
            raise ValueError(f"{self.num_rows} rows cannot fill one minibatch of "
                             f"{self.minibatch_size}: lower minibatch_size or raise num_envs / "
                             "horizon_length")
        permutation = torch.randperm(units, generator=self.generator)
        self.parts = list(permutation[:len(self) * per_minibatch].split(per_minibatch))

    def __len__(self) -> int:
        return minibatch_count(self.num_rows, self.minibatch_size)

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
        """Stores the latest policy outputs of the last minibatch (rl_games' KL bookkeeping);
        under mixed precision they come in bfloat16, cast to the stored dtype (an index put,
        unlike rl_games' slice assignment, does not cast)."""
        for key, value in (("mu", mu), ("sigma", sigma)):
            stored = self.values_dict[key]
            stored[self.last_rows] = value.to(stored.dtype)
