"""CPO's terms as parts of the SAPG learner (docs/algorithm.md, CPO; docs/adding-a-term.md).

A term is one module with one class: it says whether the configuration switches it on, and then
takes part in an iteration through the hooks below, each with a neutral default, so a term
overrides only what it changes. ``SapgAgent`` is the agent with no terms; ``CpoAgent`` lists
three in ``CpoAgent.TERMS``. The agent calls, every iteration, in this order:

1. ``recorded_envs()`` as the rollout starts: envs whose value-LSTM states the rollout keeps;
2. ``rewards(rewards)`` before GAE: the rollout's rewards ``(H, N, 1)`` as the advantages see them;
3. ``rows(rollout)`` once the rollout is done: rows the term adds to the iteration's training set
   (built before the value statistics change, normalised with the others' advantages);
4. ``after_rows(rollout)`` once the training set is built: the term's own training, its stats;
5. per minibatch ``advantages(minibatch, advantages, log_prob)``, then ``loss(minibatch,
   log_prob)``: ``{"loss_<name>": ...}`` added to the objective;
6. ``stats()`` after the update: scalars to log (``rlgames_cpo.summaries`` names).

``state_dict``/``load_state_dict`` (top-level checkpoint keys), ``generators`` (random streams
restored on resume) and ``modules`` (kept identical on every rank) complete it.
"""

from typing import Optional

import torch


class Term:
    """A part of the objective; ``agent`` is the ``SapgAgent`` it belongs to."""

    @staticmethod
    def active(agent) -> bool:
        """Whether the agent's configuration switches this term on (its coefficient > 0)."""
        raise NotImplementedError

    def __init__(self, agent):
        self.agent = agent

    def recorded_envs(self) -> Optional[torch.Tensor]:
        return None

    def rewards(self, rewards: torch.Tensor) -> torch.Tensor:
        return rewards

    def rows(self, rollout):
        return None

    def after_rows(self, rollout) -> dict:
        return {}

    def advantages(self, minibatch, advantages: torch.Tensor, log_prob: torch.Tensor) -> torch.Tensor:
        return advantages

    def loss(self, minibatch, log_prob: torch.Tensor) -> dict:
        return {}

    def stats(self) -> dict:
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass

    def generators(self) -> dict:
        return {}

    def modules(self) -> list:
        return []
