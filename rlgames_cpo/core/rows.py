"""Row sets of a SAPG/CPO batch and their indices (env-major rows, ``row = env * H + t``)."""

import torch

ON_POLICY = 0          # every block's own samples
LEADER_OFF_POLICY = 1  # follower samples relabelled to the leader (SAPG)
AWAC = 2               # leader samples relabelled to a follower (CPO forward KL)


def rows_of(envs: torch.Tensor, horizon: int) -> torch.Tensor:
    """Row indices of the whole trajectories of ``envs`` ``(n,)``: ``(n * horizon,)``."""
    steps = torch.arange(horizon, device=envs.device)
    return (envs[:, None] * horizon + steps[None, :]).reshape(-1)


def sequences_of(envs: torch.Tensor, horizon: int, seq_length: int) -> torch.Tensor:
    """Sequence indices (``sequence = row // seq_length``) of the trajectories of ``envs``."""
    return rows_of(envs, horizon)[::seq_length] // seq_length


def time_major_to_rows(x: torch.Tensor) -> torch.Tensor:
    """``(H, n, ...) -> (n * H, ...)`` env-major rows."""
    return x.transpose(0, 1).reshape(-1, *x.shape[2:])
