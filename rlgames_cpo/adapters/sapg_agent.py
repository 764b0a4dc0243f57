"""``algo.name: sapg``: rl_games' continuous PPO agent with leader/follower blocks (ALGORITHM.md,
SAPG loss). The math is in ``rlgames_cpo.core``; this class moves tensors in and out of it."""

import json
import os
from contextlib import contextmanager

import torch
from rl_games.algos_torch.central_value import CentralValueTrain
from rl_games.common import common_losses, vecenv

from rlgames_cpo import summaries
from rlgames_cpo.adapters import distributed
from rlgames_cpo.adapters.block_env import BlockIndexedVecEnv, has_states
from rlgames_cpo.adapters.meters import BlockSplitMeter
from rlgames_cpo.adapters.networks import use_block_model
from rlgames_cpo.adapters.ppo_agent import PpoAgent
from rlgames_cpo.config import DiagnosticsConfig, SapgConfig
from rlgames_cpo.core import diagnostics, gaussian, losses, rows, targets
from rlgames_cpo.core.blocks import LEADER, BlockLayout, entropy_coefficients, sample_follower_blocks
from rlgames_cpo.core.conditioning import split_block_column, with_block
from rlgames_cpo.core.minibatches import ShuffledMinibatches


# Rows per no-grad forward of the extra evaluations (values and policies under other blocks, the
# diagnostics): bounds their memory at thousands of envs, and oneDNN's CPU LSTM cannot take a
# batch of 2^18 rows ("could not create a primitive"; AllegroKuka's AWAC values at N = 24576).
EVAL_ROWS = 1 << 16


def rows_of_input(input_dict: dict, start: int, stop: int, unit: int) -> dict:
    """Rows ``start:stop`` of a model input dict; ``rnn_states`` hold one state per ``unit``
    rows (a sequence), so they are cut at ``start // unit : stop // unit``."""
    part = dict(input_dict)
    for key in ("obs", "prev_actions", "dones"):
        if part.get(key) is not None:
            part[key] = part[key][start:stop]
    if part.get("rnn_states") is not None:
        part["rnn_states"] = tuple(s[:, start // unit:stop // unit] for s in part["rnn_states"])
    return part


def update_normaliser(model, inputs: torch.Tensor) -> None:
    """Feeds ``inputs`` to ``model``'s input normaliser once (``norm_obs`` skips the block
    column), then freezes it."""
    normaliser = model.running_mean_std
    normaliser.train()
    with torch.no_grad():
        model.norm_obs(inputs)
    normaliser.eval()


class FrozenNormaliserCentralValue(CentralValueTrain):
    """rl_games' asymmetric-critic trainer whose input normaliser stays frozen while it trains:
    the agent feeds it the rollout's states once per iteration (``update_normaliser``), where
    rl_games would update it on every minibatch, leader rows (follower states) counted twice.
    SapgAgent gives rl_games' instance this class."""

    def train(self, mode=True):
        super().train(mode)
        if self.normalize_input:
            self.model.running_mean_std.eval()
        return self


def block_env(config: dict, blocks: torch.Tensor, num_blocks: int, device) -> BlockIndexedVecEnv:
    """The configured vec env (created as rl_games would) wrapped to carry the block column."""
    env = config.get("vec_env") or vecenv.create_vec_env(
        config["env_name"], config["num_actors"], **config.get("env_config", {}))
    if isinstance(env, BlockIndexedVecEnv):
        env = env.env
    return BlockIndexedVecEnv(env, blocks, num_blocks, device)


def with_block_env(params: dict, blocks: torch.Tensor, num_blocks: int, embedding_dim: int,
                   device) -> dict:
    """A copy of rl_games ``params`` set up for the block-conditioned model and a block-indexed
    env (``config.vec_env`` / ``config.env_info``); the caller's dicts are left as they were."""
    params = {**params, "config": dict(params["config"])}
    use_block_model(params, num_blocks, embedding_dim)
    config = params["config"]
    config["vec_env"] = block_env(config, blocks, num_blocks, device)
    config["env_info"] = config["vec_env"].get_env_info()
    return params


class SapgAgent(PpoAgent):
    """Continuous PPO where env block 0 is the leader and blocks 1..M-1 are followers sharing one
    block-conditioned network; each epoch the leader also learns from ``off_policy_ratio``
    followers' samples by importance sampling.

    Extension points for CPO: ``_recorded_envs`` (whose per-step LSTM states the rollout keeps),
    ``_extra_rows`` (rows added to the dataset before the joint advantage normalisation),
    ``_policy_advantages`` (the advantages a minibatch's PPO actor loss sees) and
    ``_extra_loss_terms``.
    """

    def _prepare_params(self, params: dict) -> dict:
        config = params["config"]
        self.sapg = SapgConfig.from_config(config)
        self.diagnostics_config = DiagnosticsConfig.from_config(config)
        self.layout = BlockLayout(config["num_actors"], self.sapg.num_blocks)
        params = with_block_env(params, self.layout.block_of_env(), self.sapg.num_blocks,
                                self.sapg.embedding_dim, config.get("device", "cuda:0"))
        if config.get("central_value_config") and not has_states(params["config"]["env_info"]):
            raise ValueError("central_value_config trains an asymmetric critic on the env's "
                             "states, and this env gives none: remove central_value_config, or "
                             "use a task with privileged states")
        return params

    def __init__(self, base_name, params):
        super().__init__(base_name, params)
        if self.num_agents != 1:
            raise ValueError("sapg/cpo support single-agent envs only")

        seed = int(params.get("seed") or 0)
        self.block_of_env = self.layout.block_of_env(self.ppo_device)
        # Same seed on every rank: all ranks must pick the same follower blocks.
        self.block_generator = torch.Generator().manual_seed(seed)
        self.diagnostics_generator = torch.Generator().manual_seed(seed + 2)
        # rows // minibatch_size minibatches of minibatch_size rows, the last with the remainder,
        # shuffled once per iteration: the public codes' rule (ALGORITHM.md, SAPG loss 6).
        self.dataset = ShuffledMinibatches(self.minibatch_size,
                                           self.seq_length if self.is_rnn else None,
                                           torch.Generator().manual_seed(seed + 1))
        if self.has_central_value:
            net = self.central_value_net
            net.__class__ = FrozenNormaliserCentralValue
            # The critic's rows grow like the actor's (on-policy + leader rows): the same rule.
            net.dataset = ShuffledMinibatches(net.minibatch_size,
                                              self.seq_length if net.is_rnn else None,
                                              torch.Generator().manual_seed(seed + 4))
        self._done_blocks = torch.zeros(0, dtype=torch.long, device=self.ppo_device)
        for name in ("game_rewards", "game_shaped_rewards", "game_lengths"):
            setattr(self, name, BlockSplitMeter(getattr(self, name), self.sapg.num_blocks,
                                                lambda: self._done_blocks))
        self.epoch_stats = {}

    def _generators(self) -> dict:
        generators = {"block": self.block_generator, "minibatches": self.dataset.generator,
                      "diagnostics": self.diagnostics_generator}
        if self.has_central_value:
            generators["central_minibatches"] = self.central_value_net.dataset.generator
        return generators

    # The value network: the asymmetric critic when there is one, the actor-critic's head else.

    def _value_model(self):
        return self.central_value_net.model if self.has_central_value else self.model

    def _value_rnn_states(self) -> list:
        return self._central_rnn_states() if self.has_central_value else (self.rnn_states or [])

    # ---- rollout -------------------------------------------------------------------------

    def _recorded_envs(self) -> torch.Tensor:
        """Envs whose per-step LSTM states of the value network the rollout keeps (for values
        under another block)."""
        return self.off_policy_envs

    def train_epoch(self):
        self.off_policy_blocks = sample_follower_blocks(
            self.sapg.num_blocks, self.sapg.off_policy_ratio, self.block_generator).to(self.ppo_device)
        self.off_policy_envs = self.layout.envs_of(self.off_policy_blocks)
        self._rollout_step = 0
        self._time_outs = torch.zeros(self.horizon_length, self.num_actors, device=self.ppo_device)
        recorded = self._recorded_envs()
        self._record_slot = torch.full((self.num_actors,), -1, dtype=torch.long,
                                       device=self.ppo_device)
        self._record_slot[recorded] = torch.arange(len(recorded), device=self.ppo_device)
        self._recorded = recorded
        self._step_rnn_states = [
            torch.zeros((self.horizon_length + 1, s.shape[0], len(recorded), s.shape[2]),
                        device=self.ppo_device) for s in self._value_rnn_states()]
        result = super().train_epoch()
        self.epoch_stats.update(self._update_stats())
        if self.multi_gpu:  # rank 0 logs: the statistics of every rank's samples
            self.epoch_stats = distributed.mean_over_ranks(self.epoch_stats, self.ppo_device)
            if summaries.ESS_RATE in self.epoch_stats:
                self.kl = distributed.mean_tensor_over_ranks(self.kl.to(self.ppo_device)).cpu()
        return result

    def get_action_values(self, obs):
        if self._recorded.numel():
            for store, state in zip(self._step_rnn_states, self._value_rnn_states()):
                store[self._rollout_step] = state[:, self._recorded]
        return super().get_action_values(obs)

    def get_values(self, obs):
        # After the rollout: the state the final observation's value starts from (rl_games'
        # asymmetric critic steps its LSTM state here too).
        if self._recorded.numel():
            for store, state in zip(self._step_rnn_states, self._value_rnn_states()):
                store[self.horizon_length] = state[:, self._recorded]
        return super().get_values(obs)

    def env_step(self, actions):
        obs, rewards, dones, infos = super().env_step(actions)
        if "time_outs" in infos:
            self._time_outs[self._rollout_step] = torch.as_tensor(
                infos["time_outs"], device=self.ppo_device).float()
        self._rollout_step += 1
        # rl_games feeds its episode meters in dones.nonzero() order; BlockSplitMeter needs
        # the block of each finished env in that order.
        self._done_blocks = self.block_of_env[dones.nonzero(as_tuple=False)[:, 0]]
        return obs, rewards, dones, infos

    # ---- batch ---------------------------------------------------------------------------

    def prepare_dataset(self, batch_dict):
        rollout = batch_dict
        self.epoch_stats = self._block_policy_stats(rollout)
        if self.diagnostics_config.every and self.epoch_num % self.diagnostics_config.every == 0:
            self.epoch_stats.update(self._diagnostics(rollout))
        row_type = torch.full((len(rollout["actions"]),), rows.ON_POLICY, device=self.ppo_device)
        if self.off_policy_envs.numel():
            batch_dict = self._with_leader_rows(rollout)
            row_type = torch.cat([row_type, torch.full(
                (len(batch_dict["actions"]) - len(row_type),), rows.LEADER_OFF_POLICY,
                device=self.ppo_device)])
        # Built before rl_games' prepare_dataset updates the value statistics: every value of
        # the iteration (GAE, leader rows, these) is denormalised with the same ones.
        extra = self._extra_rows(rollout)
        # The advantages of every row set are normalised together, here, not in rl_games.
        normalize, self.normalize_advantage = self.normalize_advantage, False
        try:
            super().prepare_dataset(batch_dict)
        finally:
            self.normalize_advantage = normalize
        if self.has_central_value:
            self._complete_central_dataset()
        data = self.dataset.values_dict
        data["row_type"] = row_type
        for key, value in extra.items():
            data[key] = ([torch.cat([a, b], dim=1) for a, b in zip(data[key], value)]
                         if key == "rnn_states" else torch.cat([data[key], value]))
        if normalize:
            data["advantages"] = (self.advantage_mean_std(data["advantages"])
                                  if self.normalize_rms_advantage
                                  else targets.normalize(data["advantages"]))
        self._update_input_normalisers(rollout["obses"], rollout.get("states"))

    def _complete_central_dataset(self) -> None:
        """rl_games gave the asymmetric critic's dataset every row of the batch (on-policy and
        leader rows; never the AWAC rows) but LSTM states for the rollout's sequences only: the
        leader rows' sequences start from their follower envs' states."""
        net = self.central_value_net
        data = net.dataset.values_dict
        if net.is_rnn and self.off_policy_envs.numel():
            sequences = rows.sequences_of(self.off_policy_envs, self.horizon_length, self.seq_length)
            data["rnn_states"] = [torch.cat([s, s[:, sequences]], dim=1) for s in data["rnn_states"]]
        net.num_minibatches = len(net.dataset)  # rl_games averages its logged loss over them

    def _extra_rows(self, rollout: dict) -> dict:
        """Rows to append to the dataset, under its keys (CPO: the AWAC rows); ``{}``: none."""
        return {}

    def set_train(self):
        super().set_train()  # rl_games calls it before every minibatch
        if self.normalize_input:
            self.model.running_mean_std.eval()  # updated once per iteration, see below

    def _update_input_normalisers(self, obses: torch.Tensor, states) -> None:
        """Deviation from the public CPO code: the observation statistics are updated from the
        rollout's own ``N * H`` samples, once per iteration, and stay frozen through the update.
        rl_games updates them on every training forward (``set_train`` before each minibatch),
        which would count the leader's states ``M`` times as often as others (once, and once per
        follower's AWAC rows) and the chosen followers' twice (ALGORITHM.md, SAPG loss 7). The
        asymmetric critic's states normaliser likewise, from the rollout's states."""
        if self.normalize_input:
            update_normaliser(self.model, obses)
        if self.has_central_value and self.central_value_net.normalize_input:
            update_normaliser(self.central_value_net.model, states)

    @torch.no_grad()
    def _values_under(self, envs: torch.Tensor, labels) -> torch.Tensor:
        """``V`` of ``envs``' rollout states under block ``labels`` (int, or ``(n,)`` per env):
        ``(H + 1, n, 1)`` time-major, the last step the state after the rollout. From the
        asymmetric critic on the env's states when there is one (ALGORITHM.md, Asymmetric
        critic), else from the actor-critic's value head. For an LSTM, one step from each stored
        per-step hidden state (ALGORITHM.md, SAPG loss 2). Runs in eval mode, so the normalisers
        do not update."""
        key, last = ("states", self.obs["states"]) if self.has_central_value else ("obses", self.obs["obs"])
        inputs = torch.cat([self.experience_buffer.tensor_dict[key][:, envs],
                            last[envs].unsqueeze(0)]).clone()
        inputs[..., -1] = torch.as_tensor(labels, device=inputs.device, dtype=inputs.dtype)
        steps, n = inputs.shape[:2]
        input_dict = {"is_train": False, "prev_actions": None, "obs": inputs.reshape(steps * n, -1)}
        if self._step_rnn_states:
            slots = self._record_slot[envs]
            input_dict["rnn_states"] = tuple(
                s[:, :, slots].permute(1, 0, 2, 3).reshape(s.shape[1], steps * n, -1)
                for s in self._step_rnn_states)
            input_dict["seq_length"] = 1
        return self._eval_forward(input_dict, self._value_model())["values"].reshape(steps, n, -1)

    @contextmanager
    def _eval_mode(self, model=None):
        """``model`` (the actor-critic by default) in eval mode (normalisers frozen) and no grad;
        every module's mode is restored afterwards (input normalisers stay frozen through the
        update)."""
        model = self.model if model is None else model
        modes = [(module, module.training) for module in model.modules()]
        model.eval()
        try:
            with torch.no_grad():
                yield
        finally:
            for module, training in modes:
                module.training = training

    def _eval_forward(self, input_dict: dict, model=None) -> dict:
        """``model``'s (the actor-critic's by default) outputs on ``input_dict``'s rows, in eval
        mode, ``EVAL_ROWS`` rows (whole sequences for an LSTM) per forward; tensors of every
        row, concatenated."""
        model = self.model if model is None else model
        rows = len(input_dict["obs"])
        unit = input_dict.get("seq_length", 1) if input_dict.get("rnn_states") is not None else 1
        step = max(EVAL_ROWS // unit, 1) * unit
        with self._eval_mode(model):
            parts = [model(rows_of_input(input_dict, start, start + step, unit))
                     for start in range(0, rows, step)]
        if len(parts) == 1:
            return parts[0]
        return {key: torch.cat([p[key] for p in parts]) for key, value in parts[0].items()
                if torch.is_tensor(value)}

    def _one_step_td(self, envs: torch.Tensor, values: torch.Tensor):
        """TD(0) targets ``(H, n, 1)`` of ``envs``' transitions under ``values`` (from
        ``_values_under``), extrinsic reward with time-outs bootstrapped by these values."""
        buffer = self.experience_buffer.tensor_dict
        rewards = buffer["rewards"][:, envs]
        if self.value_bootstrap:
            rewards = targets.rebootstrap_time_outs(
                rewards, self._time_outs[:, envs].unsqueeze(-1), buffer["values"][:, envs],
                values[:-1], self.gamma)
        next_dones = targets.shift_to_next(buffer["dones"][:, envs], self.dones[envs]).unsqueeze(-1)
        return targets.td0_targets(rewards, values[1:], next_dones, self.gamma)

    def _relabelled(self, batch_dict: dict, envs: torch.Tensor, labels) -> dict:
        """``envs``' rollout rows (and LSTM sequence states) with the block column set to
        ``labels`` (int, or one per env)."""
        index = rows.rows_of(envs, self.horizon_length)
        relabelled = ("obses", "states") if self.has_central_value else ("obses",)
        out = {key: batch_dict[key][index] for key in
               ("actions", "neglogpacs", "mus", "sigmas", "dones") + relabelled}
        per_row = torch.as_tensor(labels, device=index.device).expand(len(envs))
        for key in relabelled:
            out[key][:, -1] = per_row.repeat_interleave(self.horizon_length).to(out[key].dtype)
        if self.is_rnn:
            sequences = rows.sequences_of(envs, self.horizon_length, self.seq_length)
            out["rnn_states"] = [s[:, sequences] for s in batch_dict["rnn_states"]]
        return out

    def _with_leader_rows(self, batch_dict: dict) -> dict:
        """Appends the chosen followers' transitions relabelled to the leader, with one-step TD
        targets under the leader's value (ALGORITHM.md, SAPG loss 2)."""
        envs = self.off_policy_envs
        leader_values = self._values_under(envs, LEADER)
        leader_rows = self._relabelled(batch_dict, envs, LEADER)
        leader_rows["values"] = rows.time_major_to_rows(leader_values[:-1])
        leader_rows["returns"] = rows.time_major_to_rows(self._one_step_td(envs, leader_values))
        extended = dict(batch_dict)
        for key, value in leader_rows.items():
            if key == "rnn_states":
                extended[key] = [torch.cat([a, b], dim=1) for a, b in zip(batch_dict[key], value)]
            else:
                extended[key] = torch.cat([batch_dict[key], value])
        return extended

    def _policy_under(self, batch: dict, block=None) -> dict:
        """The policy on ``batch``'s rows (whole sequences for an LSTM) under ``block`` (``None``:
        each row's own): ``mus``, ``sigmas`` and ``prev_neglogp`` of the stored actions."""
        obs = batch["obses"] if block is None else with_block(batch["obses"], block)
        input_dict = {"is_train": True, "prev_actions": batch["actions"], "obs": obs}
        if self.is_rnn:
            input_dict.update(rnn_states=batch["rnn_states"], seq_length=self.seq_length)
            if self.zero_rnn_on_done:
                input_dict["dones"] = batch["dones"]
        return self._eval_forward(input_dict)

    # ---- losses --------------------------------------------------------------------------

    def calc_gradients(self, input_dict):
        self._minibatch = input_dict
        super().calc_gradients(input_dict)
        a_loss, c_loss, entropy, _, lr, lr_mul, mu, sigma, b_loss = self.train_result
        # Deviation from the public SAPG and CPO codes: the adaptive lr sees KL of on-policy rows
        # only, per minibatch their KL sum over the on-policy rows a minibatch holds on average.
        on_policy_rows = (self.dataset.values_dict["row_type"] == rows.ON_POLICY).sum()
        kl = losses.step_kl(mu, sigma, input_dict["mu"], input_dict["sigma"],
                            input_dict["row_type"] == rows.ON_POLICY,
                            on_policy_rows / len(self.dataset))
        self.train_result = (a_loss, c_loss, entropy, kl, lr, lr_mul, mu, sigma, b_loss)

    def calc_losses(self, actor_loss_func, old_action_log_probs_batch, action_log_probs, advantage,
                    curr_e_clip, value_preds_batch, values, return_batch, mu, entropy, rnn_masks):
        actor = actor_loss_func(old_action_log_probs_batch, action_log_probs,
                                self._policy_advantages(advantage, action_log_probs), self.ppo,
                                curr_e_clip)
        critic = (common_losses.critic_loss(self.model, value_preds_batch, values, curr_e_clip,
                                            return_batch, self.clip_value).sum(-1)
                  if self.has_value_loss else torch.zeros_like(actor))
        bounds = {"regularisation": self.reg_loss, "bound": self.bound_loss}.get(self.bound_loss_type)
        bounds = bounds(mu) if bounds and self.bounds_loss_coef else torch.zeros_like(actor)
        _, blocks = split_block_column(self._minibatch["obs"])
        coefficients = entropy_coefficients(self.sapg.num_blocks, self.sapg.entropy_scale,
                                            self.entropy_coef).to(blocks.device)
        per_row = [actor, critic, entropy, bounds, coefficients[blocks]]
        ppo_rows = self._ppo_rows(self._minibatch)
        if ppo_rows is not None:
            per_row = [x[ppo_rows] for x in per_row]
        terms = losses.sapg_loss(*per_row, self.critic_coef, self.bounds_loss_coef or 0.0)
        terms.update(self._extra_loss_terms(action_log_probs, advantage))
        return (losses.total(terms), terms["actor_loss"], terms["critic_loss"], terms["entropy"],
                terms["bounds_loss"], None)

    def _ppo_rows(self, minibatch: dict):
        """Mask of the rows the PPO, critic, entropy and bounds terms apply to; ``None``: all."""
        return None

    def _policy_advantages(self, advantage: torch.Tensor, neglogp: torch.Tensor) -> torch.Tensor:
        """The advantages the minibatch's PPO actor loss sees (CPO: with the reverse-KL term);
        ``neglogp`` is the current policy's, with gradient."""
        return advantage

    def _extra_loss_terms(self, neglogp: torch.Tensor, advantage: torch.Tensor) -> dict:
        """More ``loss_*`` terms of the minibatch (CPO: the forward-KL term)."""
        return {}

    # ---- logging -------------------------------------------------------------------------

    def _update_stats(self) -> dict:
        """Statistics of the update just done (CPO: the AWAC loss), logged with epoch_stats."""
        return {}

    def _block_policy_stats(self, batch_dict: dict) -> dict:
        """Mean sigma and entropy of every block's rollout samples."""
        _, blocks = split_block_column(batch_dict["obses"])
        sigmas = batch_dict["sigmas"]
        stats = {}
        for b in range(self.sapg.num_blocks):
            block_sigmas = sigmas[blocks == b]
            stats[summaries.sigma_block(b)] = block_sigmas.mean().item()
            stats[summaries.entropy_block(b)] = gaussian.entropy(block_sigmas).mean().item()
        stats[summaries.LEADER_OFF_POLICY_ROWS] = self.off_policy_envs.numel() * self.horizon_length
        return stats

    def _kl_sample(self, batch_dict: dict) -> dict:
        """A random subset of the rollout (whole sequences for an LSTM) for the KL matrix."""
        total = len(batch_dict["actions"])
        unit = self.seq_length if self.is_rnn else 1
        count = min(max(self.diagnostics_config.kl_states // unit, 1), total // unit)
        units = torch.randperm(total // unit, generator=self.diagnostics_generator)[:count]
        units = units.to(self.ppo_device)
        index = (units[:, None] * unit + torch.arange(unit, device=self.ppo_device)).reshape(-1)
        sample = {key: batch_dict[key][index] for key in ("obses", "actions", "dones")}
        if self.is_rnn:
            sample["rnn_states"] = [s[:, units] for s in batch_dict["rnn_states"]]
        return sample

    def _diagnostics(self, batch_dict: dict) -> dict:
        """IS-ratio deviation and ESS of the leader on every block's samples, and the
        inter-policy KL matrix (ALGORITHM.md, Diagnostics), on the rollout before the update."""
        _, blocks = split_block_column(batch_dict["obses"])
        log_ratio = batch_dict["neglogpacs"] - self._policy_under(batch_dict, LEADER)["prev_neglogp"]
        stats = {summaries.ESS_RATE: diagnostics.ess_rate(log_ratio).item()}
        deviations = []
        for b in range(self.sapg.num_blocks):
            stats[summaries.ess_rate_block(b)] = diagnostics.ess_rate(log_ratio[blocks == b]).item()
            if b != LEADER:
                deviations.append(diagnostics.is_ratio_deviation(log_ratio[blocks == b]).item())
                stats[summaries.is_ratio_deviation_block(b)] = deviations[-1]
        if deviations:
            stats[summaries.IS_RATIO_DEVIATION] = sum(deviations) / len(deviations)
        sample = self._kl_sample(batch_dict)
        policies = [self._policy_under(sample, b) for b in range(self.sapg.num_blocks)]
        kl = diagnostics.kl_matrix(torch.stack([p["mus"] for p in policies]),
                                   torch.stack([p["sigmas"] for p in policies]))
        if self.sapg.num_blocks > 1:
            stats.update({f"diagnostics/{k}": v
                          for k, v in diagnostics.leader_follower_summary(kl).items()})
        self.kl = kl.cpu()
        return stats

    def write_stats(self, total_time, epoch_num, step_time, play_time, update_time, a_losses,
                    c_losses, entropies, kls, last_lr, lr_mul, frame, scaled_time,
                    scaled_play_time, curr_frames):
        super().write_stats(total_time, epoch_num, step_time, play_time, update_time, a_losses,
                            c_losses, entropies, kls, last_lr, lr_mul, frame, scaled_time,
                            scaled_play_time, curr_frames)
        for name, value in self.epoch_stats.items():
            self.writer.add_scalar(name, value, frame)
        for b, meter in enumerate(self.game_rewards.blocks):
            if meter.current_size > 0:
                self.writer.add_scalar(summaries.reward_block(b), meter.get_mean()[0], frame)
        if summaries.ESS_RATE in self.epoch_stats:
            self._write_kl_matrix(epoch_num, frame)

    def _write_kl_matrix(self, epoch_num: int, frame: int) -> None:
        nearest = diagnostics.nearest_policy(self.kl) if self.sapg.num_blocks > 1 else [0]
        self.writer.add_image(summaries.KL_MATRIX, summaries.kl_heatmap(self.kl, nearest), frame)
        path = os.path.join(self.experiment_dir, "diagnostics", "kl_matrix.jsonl")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            f.write(json.dumps({"epoch": epoch_num, "frame": frame,
                                "kl": self.kl.tolist()}) + "\n")
