"""CPO's reverse-KL coupling (docs/algorithm.md, CPO reverse KL, paper Eq. 25): on the followers'
on-policy rows the PPO actor loss sees ``A - lambda_r * (log pi_F,theta(a|s) - log pi_L(a|s))``.
On when ``cpo.lambda_r > 0`` (0 in every paper table)."""

from rlgames_cpo.adapters.terms import Term
from rlgames_cpo.core import coupling, rows
from rlgames_cpo.core.blocks import LEADER
from rlgames_cpo.core.conditioning import split_block_column


class ReverseKl(Term):

    @staticmethod
    def active(agent) -> bool:
        return agent.cpo.lambda_r > 0

    def advantages(self, minibatch, advantages, log_prob):
        """With the current follower log-prob (the gradient flows through it, as Eq. 25 is
        written); ``log pi_L`` under the leader's index with the current weights, without
        gradient, every minibatch (as the public code does)."""
        _, blocks = split_block_column(minibatch.obs)
        followers = (minibatch.kind == rows.ON_POLICY) & (blocks != LEADER)
        leader_log_prob = -self.agent.policy_under(minibatch, LEADER)["prev_neglogp"]
        return coupling.reverse_kl_advantages(advantages, log_prob, leader_log_prob, followers,
                                              self.agent.cpo.lambda_r)
