"""CPO's forward-KL coupling (docs/algorithm.md, CPO forward KL): every follower also imitates the
leader's actions by advantage-weighted regression (AWAC) on the leader's transitions, relabelled
to that follower, with the follower's own one-step TD advantage. On when ``cpo.beta > 0``.

Its temperature ``lambda_f`` is one per follower: the configured value, a schedule of it, or each
follower's multiplier adapted to ``cpo.kl_target`` (``rlgames_cpo.core.temperature``)."""

import torch

from rlgames_cpo import summaries
from rlgames_cpo.adapters import block_diagnostics, distributed
from rlgames_cpo.adapters.terms import Term
from rlgames_cpo.core import coupling, rows, temperature
from rlgames_cpo.core.blocks import LEADER
from rlgames_cpo.core.conditioning import split_block_column


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
        cpo = agent.cpo
        # lambda_f of block b at [b]; [LEADER] unused (the leader has no constraint)
        self.lambda_f = torch.full((agent.sapg.num_blocks,), cpo.lambda_f, device=agent.ppo_device)
        self.measured_kl = None   # this iteration's KL(pi_F || pi_L) per block, target mode

    def recorded_envs(self):
        return self.leader_envs  # their values under every follower's index

    def rows(self, rollout):
        """The leader's transitions once under every follower's index (``(M - 1) * B * H``
        rows), advantage ``r + gamma V_F(s') - V_F(s)`` under that follower's value."""
        agent = self.agent
        self._update_temperature(rollout)
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
                                  self._row_temperatures(minibatch.obs[awac_rows]),
                                  self.agent.cpo.weight_max)
        self.losses.append(loss.detach())
        return {"loss_awac": self.beta_eff * loss}

    def _row_temperatures(self, obs):
        """Each AWAC row's follower's ``lambda_f`` (the configured number when it is fixed)."""
        if self.agent.cpo.lambda_f_mode == "fixed":
            return self.agent.cpo.lambda_f
        _, followers = split_block_column(obs)
        return self.lambda_f[followers]

    def _update_temperature(self, rollout) -> None:
        """This iteration's ``lambda_f``, before the update it weights: scheduled by the env steps
        done, or one dual step on the KL measured on the rollout (averaged over ranks, so every
        rank steps the same way)."""
        agent, cpo = self.agent, self.agent.cpo
        if cpo.lambda_f_mode == "schedule":
            # env steps before this iteration, over all ranks (rl_games counts them on rank 0 only)
            ranks = agent.world_size if agent.multi_gpu else 1
            frames = (agent.epoch_num - 1) * agent.batch_size_envs * ranks
            self.lambda_f.fill_(temperature.scheduled(cpo.lambda_f, cpo.lambda_f_end,
                                                      cpo.lambda_f_frames, frames))
        elif cpo.lambda_f_mode == "target":
            # the diagnostics' KL matrix when they ran this iteration, else one of our own
            kl = block_diagnostics.kl_of_rollout(agent, rollout) if agent.kl is None else agent.kl
            kl = kl[:, LEADER].to(agent.ppo_device)  # KL(pi_b || pi_L) of every block b
            if agent.multi_gpu:
                kl = distributed.mean_tensor_over_ranks(kl)
            self.measured_kl = kl
            self.lambda_f[1:] = temperature.kl_target_step(
                self.lambda_f[1:], kl[1:], cpo.kl_target, cpo.kl_target_step,
                cpo.lambda_f_min, cpo.lambda_f_max)

    def stats(self):
        losses, self.losses = self.losses, []
        stats = {summaries.AWAC_LOSS: torch.stack(losses).mean().item()} if losses else {}
        followers = range(1, self.agent.sapg.num_blocks)
        if self.agent.cpo.lambda_f_mode != "fixed":
            stats.update({summaries.lambda_f_block(b): self.lambda_f[b].item() for b in followers})
        if self.measured_kl is not None:
            stats[summaries.KL_TARGET] = self.agent.cpo.kl_target
            stats.update({summaries.kl_to_leader_block(b): self.measured_kl[b].item()
                          for b in followers})
        return stats

    def state_dict(self):
        if self.agent.cpo.lambda_f_mode != "target":
            return {}  # a fixed lambda_f is the config's; a schedule's follows the env steps
        return {"cpo_lambda_f": self.lambda_f.cpu()}

    def load_state_dict(self, state):
        """The adapted multipliers where the checkpoint has them (a run in target mode); else the
        run starts from ``cpo.lambda_f``, as a fresh one does. A schedule is a function of the
        env steps done, which rl_games restores."""
        if self.agent.cpo.lambda_f_mode != "target" or "cpo_lambda_f" not in state:
            return
        saved = state["cpo_lambda_f"]
        if saved.shape != self.lambda_f.shape:
            raise ValueError(f"the checkpoint holds lambda_f of {len(saved)} blocks, and this run "
                             f"has sapg.num_blocks={len(self.lambda_f)}: resume with the "
                             "checkpoint's num_blocks")
        self.lambda_f.copy_(saved.to(self.lambda_f.device))
