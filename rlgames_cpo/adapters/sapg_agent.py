"""``algo.name: sapg``: rl_games' continuous PPO agent with leader/follower blocks
(docs/algorithm.md, SAPG). The math is in ``rlgames_cpo.core``; CPO's terms are parts
(``rlgames_cpo.adapters.terms``): SAPG is this agent with none, CPO the one with three."""

import dataclasses
import time

import torch
from rl_games.common import common_losses

from rlgames_cpo import summaries
from rlgames_cpo.adapters import block_diagnostics, distributed, evaluation, flavour, normalisers
from rlgames_cpo.adapters.block_env import check_critic_states, with_block_env
from rlgames_cpo.adapters.meters import BlockSplitMeter
from rlgames_cpo.adapters.ppo_agent import EPISODE_METERS, PpoAgent
from rlgames_cpo.adapters.rollout_record import RolloutRecord
from rlgames_cpo.adapters.row_sets import RowSet
from rlgames_cpo.core import losses, rows, targets
from rlgames_cpo.core.blocks import LEADER, BlockLayout, entropy_coefficients, sample_follower_blocks
from rlgames_cpo.core.conditioning import split_block_column, with_block
from rlgames_cpo.core.minibatches import ShuffledMinibatches


class SapgAgent(PpoAgent):
    """Continuous PPO where env block 0 is the leader and blocks 1..M-1 are followers sharing one
    block-conditioned network; each iteration the leader also learns from ``off_policy_ratio``
    followers' samples by importance sampling. ``TERMS`` are the objective's further parts, each
    built when the configuration switches it on."""

    TERMS = ()

    def _prepare_params(self, params: dict) -> dict:
        config = params["config"]
        self.sapg, self.diagnostics_config = self.settings.sapg, self.settings.diagnostics
        self.layout = BlockLayout(config["num_actors"], self.sapg.num_blocks)
        params = with_block_env(params, self.layout.block_of_env(), self.sapg.num_blocks,
                                self.sapg.embedding_dim, config.get("device", "cuda:0"))
        check_critic_states(config, params["config"]["env_info"])
        return params

    def __init__(self, base_name, params):
        super().__init__(base_name, params)
        if self.num_agents != 1:
            raise ValueError("sapg/cpo support single-agent envs only")
        self.seed = int(params.get("seed") or 0)
        if self.multi_gpu:  # rank 0's: every rank must draw the same follower blocks
            self.seed = distributed.broadcast_object(self.seed, self.ppo_device)
        self.block_of_env = self.layout.block_of_env(self.ppo_device)
        # Same seed on every rank: all ranks must pick the same follower blocks.
        self.block_generator = torch.Generator().manual_seed(self.seed)
        self.diagnostics_generator = torch.Generator().manual_seed(self.seed + 2)
        # The public codes' rule (docs/algorithm.md, Minibatches), for the asymmetric critic too:
        # its rows grow like the actor's (on-policy + leader rows).
        self.dataset = ShuffledMinibatches(self.minibatch_size, self.seq_length if self.is_rnn else None,
                                           torch.Generator().manual_seed(self.seed + 1))
        for model, _ in self._normalised_inputs():
            normalisers.freeze(model.running_mean_std)
        if self.has_central_value:
            net = self.central_value_net
            net.dataset = ShuffledMinibatches(net.minibatch_size, self.seq_length if net.is_rnn else None,
                                              torch.Generator().manual_seed(self.seed + 4))
        for name in EPISODE_METERS:
            setattr(self, name, BlockSplitMeter(getattr(self, name), self.sapg.num_blocks))
        self.record = None         # this iteration's RolloutRecord
        self.epoch_stats, self.kl = {}, None
        self.term_seconds = {}     # this iteration's wall time in each term's hooks
        self.on_policy_rows_per_minibatch = None
        self.terms = [term(self) for term in self.TERMS if term.active(self)]
        if self.ranks.is_main:
            print(f"[rlgames_cpo] {self.algo_name}: {self.sapg.num_blocks} blocks of "
                  f"{self.layout.block_size} envs, the leader first; on {flavour.detect()}")

    def _normalised_inputs(self) -> list:
        """``(model, RowSet field of its inputs)`` of the models whose input normaliser updates
        once per iteration (docs/algorithm.md, Input normalisers)."""
        pairs = [(self.model, "obs")] if self.normalize_input else []
        if self.has_central_value and self.central_value_net.normalize_input:
            pairs.append((self.central_value_net.model, "states"))
        return pairs

    def _generators(self) -> dict:
        generators = {"block": self.block_generator, "minibatches": self.dataset.generator,
                      "diagnostics": self.diagnostics_generator}
        if self.has_central_value:
            generators["central_minibatches"] = self.central_value_net.dataset.generator
        for term in self.terms:
            generators.update(term.generators())
        return generators

    def _replicated_modules(self) -> list:
        return [module for term in self.terms for module in term.modules()]

    def _call(self, term, hook: str, *args):
        """``term.<hook>(*args)``, its wall time added to the term's share of the iteration
        (``time/term_<Term>``; on a GPU, what the host waits for: kernels launched and not awaited
        count where PyTorch next synchronises)."""
        start = time.perf_counter()
        try:
            return getattr(term, hook)(*args)
        finally:
            name = type(term).__name__
            self.term_seconds[name] = self.term_seconds.get(name, 0.0) + time.perf_counter() - start

    # The value network: the asymmetric critic when there is one, the actor-critic's head else.

    def _value_model(self):
        return self.central_value_net.model if self.has_central_value else self.model

    def _value_rnn_states(self) -> list:
        return self._central_rnn_states() if self.has_central_value else (self.rnn_states or [])

    # ---- rollout -------------------------------------------------------------------------

    def train_epoch(self):
        blocks = sample_follower_blocks(self.sapg.num_blocks, self.sapg.off_policy_ratio,
                                        self.block_generator).to(self.ppo_device)
        off_policy_envs = self.layout.envs_of(blocks)
        recorded = [off_policy_envs] + [term.recorded_envs() for term in self.terms]
        self.record = RolloutRecord(self.horizon_length, self.num_actors, self.block_of_env,
                                    off_policy_envs, torch.cat([e for e in recorded if e is not None]),
                                    self._value_rnn_states())
        self.term_seconds = {type(term).__name__: 0.0 for term in self.terms}
        result = super().train_epoch()
        for term in self.terms:
            self.epoch_stats.update(term.stats())
        self.epoch_stats.update({summaries.term_time(name): seconds
                                 for name, seconds in self.term_seconds.items()})
        if self.multi_gpu:  # rank 0 logs: the statistics of every rank's samples
            self.epoch_stats = distributed.mean_over_ranks(self.epoch_stats, self.ppo_device)
            if self.kl is not None:
                self.kl = distributed.mean_tensor_over_ranks(self.kl.to(self.ppo_device)).cpu()
        return result

    def get_action_values(self, obs):
        self.record.keep_value_states(self._value_rnn_states())
        return super().get_action_values(obs)

    def get_values(self, obs):
        # After the rollout: the state the final observation's value starts from (rl_games'
        # asymmetric critic steps its LSTM state here too).
        self.record.keep_value_states(self._value_rnn_states(), last=True)
        return super().get_values(obs)

    def env_step(self, actions):
        obs, rewards, dones, infos = super().env_step(actions)
        self.record.after_step(dones, infos)
        for name in EPISODE_METERS:
            getattr(self, name).done_blocks = self.record.done_blocks
        return obs, rewards, dones, infos

    def discount_values(self, fdones, last_extrinsic_values, mb_fdones, mb_extrinsic_values,
                        mb_rewards):
        for term in self.terms:
            mb_rewards = self._call(term, "rewards", mb_rewards)
        return super().discount_values(fdones, last_extrinsic_values, mb_fdones,
                                       mb_extrinsic_values, mb_rewards)

    # ---- the iteration's rows ------------------------------------------------------------

    def prepare_dataset(self, batch_dict):
        """Replaces rl_games 1.6.5 ``A2CAgent.prepare_dataset`` because the iteration trains on
        more rows than the rollout's (the leader's off-policy rows, the terms' rows), whose
        advantages are normalised together, and on minibatches of ``RowSet`` fields. Value
        targets are normalised as rl_games does (``value_mean_std`` on values, then returns)."""
        rollout = RowSet.from_rollout(batch_dict)
        self.epoch_stats = block_diagnostics.block_policy_stats(self, rollout)
        self.kl = None
        if self.diagnostics_config.every and self.epoch_num % self.diagnostics_config.every == 0:
            diagnostics, self.kl = block_diagnostics.rollout_diagnostics(self, rollout)
            self.epoch_stats.update(diagnostics)
        training = self._training_rows(rollout)
        self.dataset.update_values_dict(dataclasses.replace(training, states=None).fields())
        self.on_policy_rows_per_minibatch = (training.kind == rows.ON_POLICY).sum() / len(self.dataset)
        if self.has_central_value:
            net = self.central_value_net
            net.dataset.update_values_dict(self._critic_rows(training))
            net.num_minibatches = len(net.dataset)  # rl_games averages its logged loss over them
        for model, field in self._normalised_inputs():
            normalisers.update_once(model, getattr(rollout, field))
        for term in self.terms:
            self.epoch_stats.update(self._call(term, "after_rows", rollout))

    def _training_rows(self, rollout: RowSet) -> RowSet:
        """On-policy rows, the leader's off-policy rows, then the terms' rows; the terms' rows are
        built before the value statistics change, so every value of the iteration is
        denormalised with the same ones."""
        critic_rows = (RowSet.cat(rollout, self._leader_rows(rollout)) if self.record.off_policy_envs.numel()
                       else dataclasses.replace(rollout))
        added = [r for r in (self._call(term, "rows", rollout) for term in self.terms)
                 if r is not None]
        critic_rows.advantages = (critic_rows.returns - critic_rows.values).sum(-1)
        if self.normalize_value:
            self.value_mean_std.train()
            critic_rows.values = self.value_mean_std(critic_rows.values)
            critic_rows.returns = self.value_mean_std(critic_rows.returns)
            self.value_mean_std.eval()
        training = RowSet.cat(critic_rows, *added) if added else critic_rows
        if self.normalize_advantage:
            training.advantages = (self.advantage_mean_std(training.advantages)
                                   if self.normalize_rms_advantage
                                   else targets.normalize(training.advantages))
        return training

    def _critic_rows(self, training: RowSet) -> dict:
        """The asymmetric critic's dataset, under rl_games' ``CentralValueTrain`` keys: the
        on-policy and leader rows (no critic loss on the terms' rows), its LSTM states from its
        own rollout (as rl_games' ``update_dataset`` builds them), the leader rows' sequences
        from their follower envs' states."""
        net = self.central_value_net
        critic = training.kind != rows.AWAC
        data = {"obs": training.states[critic], "old_values": training.values[critic],
                "returns": training.returns[critic], "actions": training.actions[critic],
                "dones": training.dones[critic], "rnn_masks": None, "rnn_states": None}
        if net.is_rnn:
            states = [s.permute(1, 2, 0, 3).reshape(-1, s.size(0) * s.size(2), s.size(3))
                      for s in net.mb_rnn_states]
            sequences = rows.sequences_of(self.record.off_policy_envs, self.horizon_length, self.seq_length)
            data["rnn_states"] = [torch.cat([s, s[:, sequences]], dim=1) for s in states]
        return data

    def _leader_rows(self, rollout: RowSet) -> RowSet:
        """The chosen followers' transitions relabelled to the leader, with one-step TD targets
        under the leader's value (docs/algorithm.md, SAPG loss 2)."""
        envs = self.record.off_policy_envs
        values = self.values_under(envs, LEADER)
        leader = self.rows_of_envs(rollout, envs, LEADER, rows.LEADER_OFF_POLICY)
        leader.values = rows.time_major_to_rows(values[:-1])
        leader.returns = rows.time_major_to_rows(self.one_step_td(envs, values))
        return leader

    def rows_of_envs(self, rollout: RowSet, envs, labels, kind: int) -> RowSet:
        """``envs``' rollout rows relabelled to block ``labels`` (int, or one per env)."""
        return rollout.of_envs(envs, self.horizon_length, self.seq_length if self.is_rnn else None,
                               labels, kind)

    # ---- evaluations under other blocks (no grad, eval mode) -----------------------------

    def values_under(self, envs: torch.Tensor, labels) -> torch.Tensor:
        """``V`` of ``envs``' rollout states under block ``labels`` (int, or ``(n,)`` per env):
        ``(H + 1, n, 1)`` time-major, the last step the state after the rollout. From the
        asymmetric critic on the env's states when there is one, else from the actor-critic's
        value head; for an LSTM, one step from each recorded per-step state (docs/algorithm.md,
        SAPG loss 2)."""
        key, last = ("states", self.obs["states"]) if self.has_central_value else ("obses", self.obs["obs"])
        inputs = torch.cat([self.experience_buffer.tensor_dict[key][:, envs],
                            last[envs].unsqueeze(0)]).clone()
        inputs[..., -1] = torch.as_tensor(labels, device=inputs.device, dtype=inputs.dtype)
        steps, n = inputs.shape[:2]
        input_dict = {"is_train": False, "prev_actions": None, "obs": inputs.reshape(steps * n, -1)}
        if self.record.value_rnn_states:
            input_dict.update(rnn_states=self.record.value_states_of(envs), seq_length=1)
        return evaluation.forward(self._value_model(), input_dict)["values"].reshape(steps, n, -1)

    def one_step_td(self, envs: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """TD(0) targets ``(H, n, 1)`` of ``envs``' transitions under ``values`` (from
        ``values_under``), extrinsic reward with time-outs bootstrapped by these values."""
        buffer = self.experience_buffer.tensor_dict
        rewards = buffer["rewards"][:, envs]
        if self.value_bootstrap:
            rewards = targets.rebootstrap_time_outs(
                rewards, self.record.time_outs[:, envs].unsqueeze(-1), buffer["values"][:, envs],
                values[:-1], self.gamma)
        next_dones = targets.shift_to_next(buffer["dones"][:, envs], self.dones[envs]).unsqueeze(-1)
        return targets.td0_targets(rewards, values[1:], next_dones, self.gamma)

    def policy_under(self, row_set: RowSet, block=None) -> dict:
        """The policy on ``row_set``'s rows (whole sequences for an LSTM) under ``block``
        (``None``: each row's own): ``mus``, ``sigmas`` and ``prev_neglogp`` of the stored
        actions."""
        obs = row_set.obs if block is None else with_block(row_set.obs, block)
        input_dict = {"is_train": True, "prev_actions": row_set.actions, "obs": obs}
        if self.is_rnn:
            input_dict.update(rnn_states=row_set.rnn_states, seq_length=self.seq_length)
            if self.zero_rnn_on_done:
                input_dict["dones"] = row_set.dones
        return evaluation.forward(self.model, input_dict)

    def eval_mode(self):
        return evaluation.eval_mode(self.model)

    # ---- the update ----------------------------------------------------------------------

    def calc_gradients(self, input_dict):
        """Replaces rl_games 1.6.5 ``A2CAgent.calc_gradients`` because the loss needs the whole
        minibatch (each row's set and block), which rl_games' ``calc_losses`` is not given, and
        the adaptive lr's KL its on-policy rows only. The forward, the gradient step and the
        ``train_result`` tuple are rl_games' (1.6.5 never sets ``rnn_masks``, so none apply)."""
        minibatch = RowSet.of(input_dict)
        model_input = {"is_train": True, "prev_actions": minibatch.actions,
                       "obs": self._preproc_obs(minibatch.obs)}
        if self.is_rnn:
            model_input.update(rnn_states=minibatch.rnn_states, seq_length=self.seq_length)
            if self.zero_rnn_on_done:
                model_input["dones"] = minibatch.dones
        with torch.amp.autocast("cuda", enabled=self.mixed_precision, dtype=torch.bfloat16):
            outputs = self.model(model_input)
            terms = self.loss(minibatch, outputs)
        for param in self.model.parameters():
            param.grad = None
        self.scaler.scale(losses.total(terms)).backward()
        self.trancate_gradients_and_step()
        self.diagnostics.mini_batch(self, {"values": minibatch.values, "returns": minibatch.returns,
                                           "new_neglogp": outputs["prev_neglogp"],
                                           "old_neglogp": minibatch.neglogp, "masks": None},
                                    self.e_clip, 0)
        mu, sigma = outputs["mus"].detach(), outputs["sigmas"].detach()
        # Deviation from the public codes: the lr schedule's KL is of on-policy rows only.
        kl = losses.step_kl(mu, sigma, minibatch.mu, minibatch.sigma,
                            minibatch.kind == rows.ON_POLICY, self.on_policy_rows_per_minibatch)
        self.train_result = (terms["actor_loss"], terms["critic_loss"], terms["entropy"], kl,
                             self.last_lr, 1.0, mu, sigma, terms["bounds_loss"])

    def loss(self, minibatch: RowSet, outputs: dict) -> dict:
        """The minibatch's ``loss_*`` terms (docs/algorithm.md, SAPG loss): PPO, critic, per-block
        entropy and bounds on the on-policy and leader rows, then each term's."""
        log_prob = -outputs["prev_neglogp"]
        advantages = minibatch.advantages
        for term in self.terms:
            advantages = self._call(term, "advantages", minibatch, advantages, log_prob)
        actor = self.actor_loss_func(minibatch.neglogp, outputs["prev_neglogp"], advantages,
                                     self.ppo, self.e_clip)
        critic = (common_losses.critic_loss(self.model, minibatch.values, outputs["values"],
                                            self.e_clip, minibatch.returns, self.clip_value).sum(-1)
                  if self.has_value_loss else torch.zeros_like(actor))
        bounds = {"regularisation": self.reg_loss, "bound": self.bound_loss}.get(self.bound_loss_type)
        bounds = bounds(outputs["mus"]) if bounds and self.bounds_loss_coef else torch.zeros_like(actor)
        _, blocks = split_block_column(minibatch.obs)
        coefficients = entropy_coefficients(self.sapg.num_blocks, self.sapg.entropy_scale,
                                            self.entropy_coef).to(blocks.device)
        ppo_rows = minibatch.kind != rows.AWAC
        per_row = [x[ppo_rows] for x in (actor, critic, outputs["entropy"], bounds, coefficients[blocks])]
        terms = losses.sapg_loss(*per_row, self.critic_coef, self.bounds_loss_coef or 0.0)
        for term in self.terms:
            terms.update(self._call(term, "loss", minibatch, log_prob))
        return terms

    # ---- logging and checkpoints ---------------------------------------------------------

    def write_stats(self, total_time, epoch_num, step_time, play_time, update_time, a_losses,
                    c_losses, entropies, kls, last_lr, lr_mul, frame, scaled_time,
                    scaled_play_time, curr_frames):
        super().write_stats(total_time, epoch_num, step_time, play_time, update_time, a_losses,
                            c_losses, entropies, kls, last_lr, lr_mul, frame, scaled_time,
                            scaled_play_time, curr_frames)
        block_diagnostics.write(self, epoch_num, frame)

    def get_full_state_weights(self):
        state = super().get_full_state_weights()
        for term in self.terms:
            state.update(term.state_dict())
        return state

    def set_full_state_weights(self, weights, set_epoch=True):
        super().set_full_state_weights(weights, set_epoch=set_epoch)
        for term in self.terms:
            term.load_state_dict(weights)
