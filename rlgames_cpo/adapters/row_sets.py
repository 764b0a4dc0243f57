"""The rows one SAPG/CPO iteration trains on, in one vocabulary (docs/algorithm.md, Row sets).

rl_games' rollout speaks ``obses``/``neglogpacs``/``mus``/``sigmas``; :meth:`RowSet.from_rollout`
converts it once, and every row set (the rollout's on-policy rows, the leader's off-policy rows,
CPO's AWAC rows) is then a ``RowSet`` with the same fields. The minibatches are cut from the
concatenation (``core.minibatches``) and reach the loss as ``RowSet``s too.

Rows are env-major (``row = env * H + t``); ``rnn_states`` hold one state per ``seq_length``
rows (a sequence), ``(layers, sequences, units)`` each.
"""

import dataclasses
from dataclasses import dataclass
from typing import Optional

import torch

from rlgames_cpo.core import rows


@dataclass
class RowSet:
    obs: torch.Tensor                  # (n, obs + 1): the block column last
    actions: torch.Tensor
    neglogp: torch.Tensor              # -log pi_behaviour(a|s) of the stored action
    mu: torch.Tensor                   # behaviour policy's mean and std
    sigma: torch.Tensor
    dones: torch.Tensor
    kind: torch.Tensor                 # rows.ON_POLICY, rows.LEADER_OFF_POLICY or rows.AWAC
    values: Optional[torch.Tensor] = None       # (n, 1) the critic's targets and predictions
    returns: Optional[torch.Tensor] = None
    advantages: Optional[torch.Tensor] = None   # (n,)
    states: Optional[torch.Tensor] = None       # the asymmetric critic's input
    rnn_states: Optional[list] = None

    @classmethod
    def from_rollout(cls, batch: dict) -> "RowSet":
        """The on-policy rows of rl_games' rollout ``batch_dict`` (the one place its key names
        are read)."""
        return cls(obs=batch["obses"], actions=batch["actions"], neglogp=batch["neglogpacs"],
                   mu=batch["mus"], sigma=batch["sigmas"], dones=batch["dones"],
                   kind=torch.full((len(batch["actions"]),), rows.ON_POLICY,
                                   device=batch["actions"].device),
                   values=batch["values"], returns=batch["returns"], states=batch.get("states"),
                   rnn_states=batch.get("rnn_states"))

    @classmethod
    def of(cls, minibatch: dict) -> "RowSet":
        """A minibatch of ``core.minibatches`` (a dict of the fields) as a ``RowSet``."""
        return cls(**minibatch)

    def __len__(self) -> int:
        return len(self.actions)

    def fields(self) -> dict:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    def of_envs(self, envs: torch.Tensor, horizon: int, seq_length: Optional[int], labels,
                kind: int) -> "RowSet":
        """The rows of ``envs``' whole trajectories (and their sequences' LSTM states), the block
        column of ``obs`` and ``states`` set to ``labels`` (an int, or one per env), as row set
        ``kind``; targets left for the caller."""
        index = rows.rows_of(envs, horizon)
        label = torch.as_tensor(labels, device=index.device).expand(len(envs)).repeat_interleave(horizon)

        def relabelled(x):
            x = x[index]
            x[:, -1] = label.to(x.dtype)
            return x

        return RowSet(obs=relabelled(self.obs), actions=self.actions[index],
                      neglogp=self.neglogp[index], mu=self.mu[index], sigma=self.sigma[index],
                      dones=self.dones[index], kind=torch.full_like(index, kind),
                      states=None if self.states is None else relabelled(self.states),
                      rnn_states=None if self.rnn_states is None else [
                          s[:, rows.sequences_of(envs, horizon, seq_length)] for s in self.rnn_states])

    @staticmethod
    def cat(*sets: "RowSet") -> "RowSet":
        """The rows of ``sets`` in order (fields that some set lacks are left out)."""
        joined = {}
        for name, first in sets[0].fields().items():
            parts = [getattr(s, name) for s in sets]
            if any(p is None for p in parts):
                joined[name] = None
            elif name == "rnn_states":
                joined[name] = [torch.cat(layer, dim=1) for layer in zip(*parts)]
            else:
                joined[name] = torch.cat(parts)
        return RowSet(**joined)
