"""Minibatches of a fixed size over a batch of any size (docs/algorithm.md, SAPG loss 6).

Stands in for rl_games' ``PPODataset``, which has a fixed length and never shuffles continuous
batches; SAPG's batch grows by the leader's off-policy rows and CPO's by the AWAC rows.

The rule is the public codes' (``shuffle_batch`` and ``PPODataset`` of their rl_games): the
iteration's rows are shuffled once (whole ``seq_length`` sequences for an RNN), an iteration has
``rows // minibatch_size`` minibatches of ``minibatch_size`` rows, and the **last minibatch also
takes the remainder**, so every row trains in every mini-epoch and added rows add optimizer steps
at the paper's minibatch size. Every mini-epoch goes through the same minibatches, in the same
order, as theirs does.

Deviation from the public SAPG code: an MLP's rows are shuffled one by one; the public codes
shuffle them in runs of ``seq_length`` consecutive steps of one env (4 by default, a value meant
for RNNs), which puts correlated samples in the same minibatch.
"""

from typing import Optional

import torch

SEQUENCE_STATE_KEYS = ("rnn_states",)


def minibatch_count(rows: int, minibatch_size: int) -> int:
    """Minibatches (optimizer steps) per pass over ``rows`` rows: ``rows // minibatch_size``."""
    return rows // minibatch_size


def minibatch_sizes(rows: int, minibatch_size: int) -> list:
    """Rows of each minibatch of a pass: ``minibatch_size``, the last one plus the remainder.

    ``minibatch_sizes(1120, 480) == [480, 640]``."""
    count = minibatch_count(rows, minibatch_size)
    if count == 0:
        return []
    return [minibatch_size] * (count - 1) + [rows - (count - 1) * minibatch_size]


class ShuffledMinibatches:
    """Splits rows (or, for an RNN, whole sequences of ``seq_length`` rows) into minibatches of
    ``minibatch_size`` rows, the last one with the remainder, shuffled once per batch (when its
    first minibatch is asked for, so rows added to ``values_dict`` after
    ``update_values_dict`` are shuffled in too).

    Rows are env-major (``row = env * H + t``), so sequence ``s`` is rows
    ``s * seq_length .. (s + 1) * seq_length - 1``, and ``rnn_states`` hold one state per
    sequence, ``(layers, num_sequences, units)``. It keeps rl_games' dataset interface:
    ``update_values_dict``, ``len``, indexing, ``update_mu_sigma``.

    Args:
        minibatch_size: rows per minibatch (a multiple of ``seq_length`` for an RNN).
        seq_length: sequence length for an RNN, ``None`` for an MLP.
        generator: CPU generator for the permutation.
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
        self.parts = None
        self.last_rows = None

    def update_values_dict(self, values_dict: Optional[dict]) -> None:
        """Takes an iteration's batch (``None`` frees it); it is split at its first minibatch."""
        self.values_dict = values_dict
        self.parts = None

    @property
    def num_rows(self) -> int:
        return len(self._first_tensor())

    def _first_tensor(self) -> torch.Tensor:
        return next(v for v in self.values_dict.values() if torch.is_tensor(v))

    def _split(self) -> list:
        """The shuffled units (rows, or sequences for an RNN) of every minibatch."""
        unit = self.seq_length or 1
        if len(self) == 0:
            raise ValueError(f"{self.num_rows} rows cannot fill one minibatch of "
                             f"{self.minibatch_size}: lower minibatch_size or raise num_envs / "
                             "horizon_length")
        permutation = torch.randperm(self.num_rows // unit, generator=self.generator)
        sizes = [size // unit for size in minibatch_sizes(self.num_rows, self.minibatch_size)]
        return list(permutation.split(sizes))

    def __len__(self) -> int:
        return minibatch_count(self.num_rows, self.minibatch_size)

    def __getitem__(self, index: int) -> dict:
        if self.parts is None:
            self.parts = self._split()
        device = self._first_tensor().device
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
