"""CPO's adversarial diversity reward (docs/algorithm.md, CPO adversarial reward): a discriminator
learns which block acted from ``(s, a)``; a follower's GAE reward gains ``lambda_adv`` times how
badly it is recognised. On when ``cpo.lambda_adv > 0``.

``cpo.discriminator.reward=reference`` reproduces the public CPO code's reward, its defects
included (time-chunk labels, raw observations; docs/reference.md)."""

import torch

from rlgames_cpo import summaries
from rlgames_cpo.adapters import distributed
from rlgames_cpo.adapters.terms import Term
from rlgames_cpo.core import rows
from rlgames_cpo.core.blocks import LEADER
from rlgames_cpo.core.conditioning import split_block_column
from rlgames_cpo.core.discriminator import (Discriminator, adversarial_reward, discriminator_loss,
                                            reference_labels, reference_loss, reference_reward)


class AdversarialReward(Term):

    @staticmethod
    def active(agent) -> bool:
        return agent.cpo.lambda_adv > 0

    def __init__(self, agent):
        super().__init__(agent)
        settings = agent.cpo.discriminator
        self.reference = settings.reward == "reference"
        self.discriminator = Discriminator(agent.obs_shape[0] - 1, agent.actions_num,
                                           agent.sapg.num_blocks, settings.units,
                                           settings.activation).to(agent.ppo_device)
        self.optimizer = torch.optim.Adam(self.discriminator.parameters(),
                                          float(agent.config["learning_rate"]))
        self.generator = torch.Generator().manual_seed(agent.seed + 3)
        self.reward_mean = None

    def features(self, obs: torch.Tensor) -> torch.Tensor:
        """The observation without the block column: normalised (normaliser frozen), or raw as
        the public CPO code feeds it (``reference``)."""
        if self.reference:
            return split_block_column(obs)[0]
        with self.agent.eval_mode():
            return split_block_column(self.agent.model.norm_obs(obs))[0]

    def labels(self) -> torch.Tensor:
        """``(H, N)`` time-major: the block that acted. Deviation from the public CPO code: it
        labels chunks of time steps instead (``reference_labels``, kept for ``reference``)."""
        agent = self.agent
        if self.reference:
            return reference_labels(agent.horizon_length, agent.num_actors, agent.sapg.num_blocks,
                                    agent.ppo_device)
        return agent.block_of_env.expand(agent.horizon_length, -1)

    def rewards(self, rewards):
        """Added to the GAE rewards only: the buffer keeps the extrinsic reward, which the
        leader's off-policy rows and the AWAC rows use."""
        buffer = self.agent.experience_buffer.tensor_dict
        horizon, num_envs = buffer["actions"].shape[:2]
        features = self.features(buffer["obses"].reshape(horizon * num_envs, -1))
        labels = self.labels().reshape(-1)
        with torch.no_grad():
            logits = self.discriminator(features, buffer["actions"].reshape(horizon * num_envs, -1))
        reward_of = reference_reward if self.reference else adversarial_reward
        reward = reward_of(logits, labels, self.agent.cpo.lambda_adv)
        self.reward_mean = reward[labels != LEADER].mean().item()
        return rewards + reward.view(horizon, num_envs, 1)

    def after_rows(self, rollout):
        """One shuffled pass over the rollout (env-major rows), cross-entropy against each
        sample's label, in rl_games' number of minibatches."""
        agent = self.agent
        features = self.features(rollout.obs)
        labels = rows.time_major_to_rows(self.labels())
        loss = reference_loss if self.reference else discriminator_loss
        order = torch.randperm(len(labels), generator=self.generator).to(labels.device)
        results = []
        for part in torch.chunk(order, agent.num_minibatches):
            terms = loss(self.discriminator(features[part], rollout.actions[part]), labels[part])
            self.optimizer.zero_grad(set_to_none=True)
            terms["loss_discriminator"].backward()
            if agent.multi_gpu:
                distributed.average_gradients(self.discriminator.parameters(), agent.world_size)
            self.optimizer.step()
            results.append((terms["loss_discriminator"].item(), terms["accuracy"].item()))
        return {summaries.DISCRIMINATOR_LOSS: sum(r[0] for r in results) / len(results),
                summaries.DISCRIMINATOR_ACCURACY: sum(r[1] for r in results) / len(results),
                summaries.ADVERSARIAL_REWARD_MEAN: self.reward_mean}

    def state_dict(self):
        return {"discriminator": self.discriminator.state_dict(),
                "discriminator_optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state):
        if "discriminator" in state:
            self.discriminator.load_state_dict(state["discriminator"])
            self.optimizer.load_state_dict(state["discriminator_optimizer"])

    def generators(self):
        return {"discriminator": self.generator}

    def modules(self):
        return [self.discriminator]
