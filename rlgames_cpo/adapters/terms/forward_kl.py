"""CPO's forward-KL coupling (docs/algorithm.md, CPO forward KL): every follower also imitates the
leader's actions by advantage-weighted regression (AWAC) on the leader's transitions, relabelled
to that follower, with the follower's own one-step TD advantage. On when ``cpo.beta > 0``."""

import torch

from rlgames_cpo import summaries
from rlgames_cpo.adapters.terms import Term
from rlgames_cpo.core import coupling, rows
from rlgames_cpo.core.blocks import LEADER


class ForwardKl(Term):

    @staticmethod
    def active(agent) -> bool:
        return agent.cpo.beta > 0 and agent.sapg.num_blocks > 1

    def __init__(self, agent):
        super().__init__(agent)
        self.beta_eff = coupling.beta_eff(agent.cpo.beta, agent.sapg.num_blocks,
                                          agent.sapg.off_policy_ratio)
        self.leader_envs = agent.layout.envs_of(torch.tensor([LEADER], device=agent.ppo_device))
        self.losses = []  # the term of each minibatch of the iteration

    def recorded_envs(self):
        return self.leader_envs  # their values under every follower's index

    def rows(self, rollout):
        """The leader's transitions once under every follower's index (``(M - 1) * B * H``
        rows), advantage ``r + gamma V_F(s') - V_F(s)`` under that follower's value."""
        agent = self.agent
        followers = torch.arange(1, agent.sapg.num_blocks, device=agent.ppo_device)
        envs = self.leader_envs.repeat(len(followers))
        labels = followers.repeat_interleave(len(self.leader_envs))
        values = agent.values_under(envs, labels)
        advantages = rows.time_major_to_rows(agent.one_step_td(envs, values) - values[:-1])
        awac = agent.rows_of_envs(rollout, envs, labels, rows.AWAC)
        awac.values = awac.returns = torch.zeros_like(advantages)  # no critic loss on them
        awac.advantages = advantages.sum(-1)
        return awac

    def loss(self, minibatch, log_prob):
        awac_rows = minibatch.kind == rows.AWAC
        if not awac_rows.any():
            return {}
        loss = coupling.awac_loss(log_prob[awac_rows], minibatch.advantages[awac_rows],
                                  self.agent.cpo.lambda_f, self.agent.cpo.weight_max)
        self.losses.append(loss.detach())
        return {"loss_awac": self.beta_eff * loss}

    def stats(self):
        losses, self.losses = self.losses, []
        return {summaries.AWAC_LOSS: torch.stack(losses).mean().item()} if losses else {}
