"""``algo.name: cpo``: SAPG plus the followers' coupling to the leader and the adversarial
diversity reward (ALGORITHM.md, CPO). With ``beta = lambda_r = lambda_adv = 0`` it runs exactly
the SAPG computation."""

import torch

from rlgames_cpo import summaries
from rlgames_cpo.adapters import distributed
from rlgames_cpo.adapters.sapg_agent import SapgAgent
from rlgames_cpo.config import CpoConfig
from rlgames_cpo.core import coupling, rows
from rlgames_cpo.core.blocks import LEADER
from rlgames_cpo.core.conditioning import split_block_column
from rlgames_cpo.core.discriminator import (Discriminator, adversarial_reward, discriminator_loss,
                                            reference_labels, reference_loss, reference_reward)
from rlgames_cpo.spelling import params_key


class CpoAgent(SapgAgent):
    """SapgAgent with the forward-KL (AWAC) rows, reverse-KL advantage shaping and the
    discriminator reward; each term is built only when its coefficient is non-zero."""

    def _prepare_params(self, params: dict) -> dict:
        self.cpo = CpoConfig.from_config(params["config"])
        params = super()._prepare_params(params)
        if self.sapg.num_blocks < 2:
            raise ValueError(f"cpo couples followers to a leader, so it needs sapg.num_blocks >= 2 "
                             f"(got {self.sapg.num_blocks}): set {params_key('config.sapg.num_blocks')}"
                             "=6 (the paper's value), or train one policy with algo.name=a2c_continuous")
        return params

    def __init__(self, base_name, params):
        super().__init__(base_name, params)
        self.beta_eff = coupling.beta_eff(self.cpo.beta, self.sapg.num_blocks,
                                          self.sapg.off_policy_ratio)
        self.couples = self.cpo.beta > 0 and self.sapg.num_blocks > 1
        self.leader_envs = self.layout.envs_of(torch.tensor([LEADER], device=self.ppo_device))
        self._awac_losses = []   # the forward-KL term of each minibatch of the epoch
        self.discriminator = None
        if self.cpo.lambda_adv > 0:
            settings = self.cpo.discriminator
            self.discriminator = Discriminator(self.obs_shape[0] - 1, self.actions_num,
                                               self.sapg.num_blocks, settings.units,
                                               settings.activation).to(self.ppo_device)
            self.discriminator_optimizer = torch.optim.Adam(self.discriminator.parameters(),
                                                            float(self.config["learning_rate"]))
            seed = int(params.get("seed") or 0)
            self.discriminator_generator = torch.Generator().manual_seed(seed + 3)

    def _generators(self) -> dict:
        generators = super()._generators()
        if self.discriminator is not None:
            generators["discriminator"] = self.discriminator_generator
        return generators

    def _replicated_modules(self) -> list:
        return [self.discriminator] if self.discriminator is not None else []

    # ---- rollout: adversarial reward -----------------------------------------------------

    def _recorded_envs(self) -> torch.Tensor:
        envs = super()._recorded_envs()
        return torch.cat([envs, self.leader_envs]) if self.couples else envs

    def train_epoch(self):
        self._awac_losses = []
        return super().train_epoch()

    @property
    def _reproduces_public_reward(self) -> bool:
        return self.cpo.discriminator.reward == "reference"

    def _discriminator_inputs(self, obs: torch.Tensor) -> torch.Tensor:
        """The observation without the block column: normalised (normaliser in eval mode), or raw
        as the public CPO code feeds it (``cpo.discriminator.reward=reference``)."""
        if self._reproduces_public_reward:
            return split_block_column(obs)[0]
        with self._eval_mode():
            return split_block_column(self.model.norm_obs(obs))[0]

    def _discriminator_labels(self) -> torch.Tensor:
        """``(H, N)`` time-major: the block that acted. Deviation from the public CPO code: it
        labels chunks of time steps instead (``reference_labels``, kept for
        ``cpo.discriminator.reward=reference``)."""
        if self._reproduces_public_reward:
            return reference_labels(self.horizon_length, self.num_actors, self.sapg.num_blocks,
                                    self.ppo_device)
        return self.block_of_env.expand(self.horizon_length, -1)

    def discount_values(self, fdones, last_extrinsic_values, mb_fdones, mb_extrinsic_values,
                        mb_rewards):
        if self.discriminator is not None:
            buffer = self.experience_buffer.tensor_dict
            horizon, num_envs = buffer["actions"].shape[:2]
            features = self._discriminator_inputs(buffer["obses"].reshape(horizon * num_envs, -1))
            labels = self._discriminator_labels().reshape(-1)
            with torch.no_grad():
                logits = self.discriminator(features, buffer["actions"].reshape(horizon * num_envs, -1))
            reward_of = reference_reward if self._reproduces_public_reward else adversarial_reward
            reward = reward_of(logits, labels, self.cpo.lambda_adv)
            self._adversarial_mean = reward[labels != LEADER].mean().item()
            # Added to the GAE rewards only: the buffer keeps the extrinsic reward, which the
            # leader's off-policy rows and the AWAC rows use.
            mb_rewards = mb_rewards + reward.view(horizon, num_envs, 1)
        return super().discount_values(fdones, last_extrinsic_values, mb_fdones,
                                       mb_extrinsic_values, mb_rewards)

    # ---- batch ---------------------------------------------------------------------------

    def prepare_dataset(self, batch_dict):
        super().prepare_dataset(batch_dict)
        if self.discriminator is not None:
            self.epoch_stats.update(self._train_discriminator(batch_dict))
            self.epoch_stats[summaries.ADVERSARIAL_REWARD_MEAN] = self._adversarial_mean

    def _train_discriminator(self, batch_dict: dict) -> dict:
        """One shuffled pass over the rollout (env-major rows), cross-entropy against each
        sample's label, in rl_games' number of minibatches."""
        features = self._discriminator_inputs(batch_dict["obses"])
        labels = rows.time_major_to_rows(self._discriminator_labels())
        actions = batch_dict["actions"]
        loss = reference_loss if self._reproduces_public_reward else discriminator_loss
        order = torch.randperm(len(labels), generator=self.discriminator_generator).to(labels.device)
        results = []
        for part in torch.chunk(order, self.num_minibatches):
            terms = loss(self.discriminator(features[part], actions[part]), labels[part])
            self.discriminator_optimizer.zero_grad(set_to_none=True)
            terms["loss_discriminator"].backward()
            if self.multi_gpu:
                distributed.average_gradients(self.discriminator.parameters(), self.world_size)
            self.discriminator_optimizer.step()
            results.append((terms["loss_discriminator"].item(), terms["accuracy"].item()))
        return {summaries.DISCRIMINATOR_LOSS: sum(r[0] for r in results) / len(results),
                summaries.DISCRIMINATOR_ACCURACY: sum(r[1] for r in results) / len(results)}

    def _extra_rows(self, rollout: dict) -> dict:
        """The leader's transitions once under every follower's index, with that follower's
        one-step TD advantage (ALGORITHM.md, CPO forward KL), under the dataset's keys."""
        if not self.couples:
            return {}
        followers = torch.arange(1, self.sapg.num_blocks, device=self.ppo_device)
        envs = self.leader_envs.repeat(len(followers))
        labels = followers.repeat_interleave(len(self.leader_envs))
        values = self._values_under(envs, labels)
        advantages = rows.time_major_to_rows(self._one_step_td(envs, values) - values[:-1])
        awac = self._relabelled(rollout, envs, labels)
        n = len(advantages)
        extra = {"old_values": torch.zeros_like(advantages), "returns": torch.zeros_like(advantages),
                 "old_logp_actions": awac["neglogpacs"], "advantages": advantages.sum(-1),
                 "actions": awac["actions"], "obs": awac["obses"], "dones": awac["dones"],
                 "mu": awac["mus"], "sigma": awac["sigmas"],
                 "row_type": torch.full((n,), rows.AWAC, device=self.ppo_device)}
        if self.is_rnn:
            extra["rnn_states"] = awac["rnn_states"]
        return extra

    def _policy_advantages(self, advantage: torch.Tensor, neglogp: torch.Tensor) -> torch.Tensor:
        """Reverse KL, Eq. 25 as written: on the followers' on-policy rows the actor maximises
        ``r(theta) * (A - lambda_r * (log pi_F,theta(a|s) - log pi_L(a|s)))`` with the current
        follower log-prob, so the gradient flows through it too. ``log pi_L`` is evaluated on the
        minibatch under the leader's index with the current weights, without gradient, every
        minibatch (as the public code does)."""
        if self.cpo.lambda_r == 0:
            return advantage
        minibatch = self._minibatch
        _, blocks = split_block_column(minibatch["obs"])
        followers = (minibatch["row_type"] == rows.ON_POLICY) & (blocks != LEADER)
        rows_of_minibatch = {"obses": minibatch["obs"], "actions": minibatch["actions"],
                             "dones": minibatch.get("dones"), "rnn_states": minibatch.get("rnn_states")}
        leader_log_prob = -self._policy_under(rows_of_minibatch, LEADER)["prev_neglogp"]
        return coupling.reverse_kl_advantages(advantage, -neglogp, leader_log_prob, followers,
                                              self.cpo.lambda_r)

    # ---- losses --------------------------------------------------------------------------

    def _ppo_rows(self, minibatch: dict):
        return minibatch["row_type"] != rows.AWAC if self.couples else None

    def _extra_loss_terms(self, neglogp: torch.Tensor, advantage: torch.Tensor) -> dict:
        if not self.couples:
            return {}
        awac_rows = self._minibatch["row_type"] == rows.AWAC
        if not awac_rows.any():
            return {}
        loss = coupling.awac_loss(-neglogp[awac_rows], advantage[awac_rows], self.cpo.lambda_f,
                                  self.cpo.weight_max)
        self._awac_losses.append(loss.detach())
        return {"loss_awac": self.beta_eff * loss}

    # ---- logging and checkpoints ---------------------------------------------------------

    def _update_stats(self) -> dict:
        stats = super()._update_stats()
        if self._awac_losses:
            stats[summaries.AWAC_LOSS] = torch.stack(self._awac_losses).mean().item()
        return stats

    def get_full_state_weights(self):
        state = super().get_full_state_weights()
        if self.discriminator is not None:
            state["discriminator"] = self.discriminator.state_dict()
            state["discriminator_optimizer"] = self.discriminator_optimizer.state_dict()
        return state

    def set_full_state_weights(self, weights, set_epoch=True):
        super().set_full_state_weights(weights, set_epoch=set_epoch)
        if self.discriminator is not None and "discriminator" in weights:
            self.discriminator.load_state_dict(weights["discriminator"])
            self.discriminator_optimizer.load_state_dict(weights["discriminator_optimizer"])
