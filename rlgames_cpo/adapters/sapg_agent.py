"""``algo.name: sapg``: rl_games' continuous PPO agent with leader/follower blocks (ALGORITHM.md,
SAPG loss). The math is in ``rlgames_cpo.core``; this class moves tensors in and out of it."""

import torch
from rl_games.algos_torch.a2c_continuous import A2CAgent
from rl_games.common import common_losses, vecenv

from rlgames_cpo import summaries
from rlgames_cpo.adapters.block_env import BlockIndexedVecEnv
from rlgames_cpo.adapters.meters import BlockSplitMeter
from rlgames_cpo.adapters.networks import use_block_model
from rlgames_cpo.config import SapgConfig
from rlgames_cpo.core import gaussian, losses, targets
from rlgames_cpo.core.blocks import LEADER, BlockLayout, entropy_coefficients, sample_follower_blocks
from rlgames_cpo.core.conditioning import split_block_column, with_block
from rlgames_cpo.core.minibatches import ShuffledMinibatches


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


class SapgAgent(A2CAgent):
    """Continuous PPO where env block 0 is the leader and blocks 1..M-1 are followers sharing one
    block-conditioned network; each epoch the leader also learns from ``off_policy_ratio``
    followers' samples by importance sampling."""

    def __init__(self, base_name, params):
        config = params["config"]
        self.sapg = SapgConfig.from_config(config)
        if config.get("central_value_config"):
            raise ValueError("sapg/cpo do not support central_value_config (the asymmetric critic "
                             "would need the block too): remove it, or train it with ppo")
        self.layout = BlockLayout(config["num_actors"], self.sapg.num_blocks)
        params = with_block_env(params, self.layout.block_of_env(), self.sapg.num_blocks,
                                self.sapg.embedding_dim, config.get("device", "cuda:0"))
        super().__init__(base_name, params)
        if self.num_agents != 1:
            raise ValueError("sapg/cpo support single-agent envs only")

        self.block_of_env = self.layout.block_of_env(self.ppo_device)
        # Same seed on every rank: all ranks must pick the same follower blocks.
        self.block_generator = torch.Generator().manual_seed(int(params.get("seed") or 0))
        # Deviation from the public SAPG code: the enlarged batch is reshuffled every mini-epoch.
        self.dataset = ShuffledMinibatches(self.num_minibatches,
                                           self.seq_length if self.is_rnn else None,
                                           torch.Generator().manual_seed(int(params.get("seed") or 0) + 1))
        self._done_blocks = torch.zeros(0, dtype=torch.long, device=self.ppo_device)
        for name in ("game_rewards", "game_shaped_rewards", "game_lengths"):
            setattr(self, name, BlockSplitMeter(getattr(self, name), self.sapg.num_blocks,
                                                lambda: self._done_blocks))
        self.block_stats = {}

    # ---- rollout -------------------------------------------------------------------------

    def train_epoch(self):
        self.off_policy_blocks = sample_follower_blocks(
            self.sapg.num_blocks, self.sapg.off_policy_ratio, self.block_generator).to(self.ppo_device)
        self.off_policy_envs = self.layout.envs_of(self.off_policy_blocks)
        self._rollout_step = 0
        self._time_outs = torch.zeros(self.horizon_length, self.num_actors, device=self.ppo_device)
        if self.is_rnn:
            self._step_rnn_states = [
                torch.zeros((self.horizon_length + 1,) + s[:, self.off_policy_envs].shape,
                            device=self.ppo_device) for s in self.rnn_states]
        return super().train_epoch()

    def get_action_values(self, obs):
        if self.is_rnn and self.off_policy_envs.numel():
            for store, state in zip(self._step_rnn_states, self.rnn_states):
                store[self._rollout_step] = state[:, self.off_policy_envs]
        return super().get_action_values(obs)

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
        self.block_stats = self._block_policy_stats(batch_dict)
        rollout_rows = len(batch_dict["actions"])
        if self.off_policy_envs.numel():
            batch_dict = self._with_leader_rows(batch_dict)
        super().prepare_dataset(batch_dict)
        on_policy = torch.zeros(len(batch_dict["actions"]), dtype=torch.bool, device=self.ppo_device)
        on_policy[:rollout_rows] = True
        self.dataset.values_dict["on_policy"] = on_policy

    def _rows_of(self, envs: torch.Tensor) -> torch.Tensor:
        """Env-major row indices of ``envs``' whole trajectories."""
        steps = torch.arange(self.horizon_length, device=envs.device)
        return (envs[:, None] * self.horizon_length + steps[None, :]).reshape(-1)

    @torch.no_grad()
    def _leader_values(self) -> torch.Tensor:
        """``V_L`` on the chosen followers' states ``(H + 1, k*B, 1)``, time-major, the last
        step being the state after the rollout. Runs in eval mode: no normaliser updates."""
        envs = self.off_policy_envs
        obs = torch.cat([self.experience_buffer.tensor_dict["obses"][:, envs],
                         self.obs["obs"][envs].unsqueeze(0)])
        steps, n = obs.shape[:2]
        input_dict = {"is_train": False, "prev_actions": None,
                      "obs": with_block(obs.reshape(steps * n, -1), LEADER)}
        if self.is_rnn:
            # one step from each stored per-step follower hidden state (ALGORITHM.md, SAPG 2)
            self._step_rnn_states_last()
            input_dict["rnn_states"] = tuple(s.permute(1, 0, 2, 3).reshape(s.shape[1], steps * n, -1)
                                             for s in self._step_rnn_states)
            input_dict["seq_length"] = 1
        was_training = self.model.training
        self.model.eval()
        values = self.model(input_dict)["values"]
        self.model.train(was_training)
        return values.reshape(steps, n, -1)

    def _step_rnn_states_last(self):
        for store, state in zip(self._step_rnn_states, self.rnn_states):
            store[self.horizon_length] = state[:, self.off_policy_envs]

    def _with_leader_rows(self, batch_dict: dict) -> dict:
        """Appends the chosen followers' transitions relabelled to the leader, with one-step TD
        targets under the leader's value (ALGORITHM.md, SAPG loss 2)."""
        envs, buffer = self.off_policy_envs, self.experience_buffer.tensor_dict
        leader_values = self._leader_values()
        rewards = targets.rebootstrap_time_outs(
            buffer["rewards"][:, envs], self._time_outs[:, envs].unsqueeze(-1),
            buffer["values"][:, envs], leader_values[:-1], self.gamma) if self.value_bootstrap \
            else buffer["rewards"][:, envs]
        next_dones = targets.shift_to_next(buffer["dones"][:, envs], self.dones[envs]).unsqueeze(-1)
        td_targets = targets.td0_targets(rewards, leader_values[1:], next_dones, self.gamma)

        rows = self._rows_of(envs)
        to_rows = lambda x: x.transpose(0, 1).reshape(-1, *x.shape[2:])  # time-major -> env-major
        leader_rows = {key: batch_dict[key][rows] for key in
                       ("actions", "neglogpacs", "mus", "sigmas", "dones")}
        leader_rows["obses"] = with_block(batch_dict["obses"][rows], LEADER)
        leader_rows["values"] = to_rows(leader_values[:-1])
        leader_rows["returns"] = to_rows(td_targets)
        extended = dict(batch_dict)
        for key, value in leader_rows.items():
            extended[key] = torch.cat([batch_dict[key], value])
        if self.is_rnn:
            sequences = self._rows_of(envs)[:: self.seq_length] // self.seq_length
            extended["rnn_states"] = [torch.cat([s, s[:, sequences]], dim=1)
                                      for s in batch_dict["rnn_states"]]
        return extended

    # ---- losses --------------------------------------------------------------------------

    def calc_gradients(self, input_dict):
        self._minibatch = input_dict
        super().calc_gradients(input_dict)
        a_loss, c_loss, entropy, _, lr, lr_mul, mu, sigma, b_loss = self.train_result
        # Deviation from the public SAPG code: the adaptive lr sees KL of on-policy rows only.
        kl = losses.step_kl(mu, sigma, input_dict["mu"], input_dict["sigma"], input_dict["on_policy"])
        self.train_result = (a_loss, c_loss, entropy, kl, lr, lr_mul, mu, sigma, b_loss)

    def calc_losses(self, actor_loss_func, old_action_log_probs_batch, action_log_probs, advantage,
                    curr_e_clip, value_preds_batch, values, return_batch, mu, entropy, rnn_masks):
        actor = actor_loss_func(old_action_log_probs_batch, action_log_probs, advantage, self.ppo,
                                curr_e_clip)
        critic = (common_losses.critic_loss(self.model, value_preds_batch, values, curr_e_clip,
                                            return_batch, self.clip_value).sum(-1)
                  if self.has_value_loss else torch.zeros_like(actor))
        bounds = {"regularisation": self.reg_loss, "bound": self.bound_loss}.get(self.bound_loss_type)
        bounds = bounds(mu) if bounds and self.bounds_loss_coef else torch.zeros_like(actor)
        _, blocks = split_block_column(self._minibatch["obs"])
        coefficients = entropy_coefficients(self.sapg.num_blocks, self.sapg.entropy_scale,
                                            self.entropy_coef).to(blocks.device)
        terms = losses.sapg_loss(actor, critic, entropy, bounds, coefficients[blocks],
                                 self.critic_coef, self.bounds_loss_coef or 0.0)
        return (losses.total(terms), terms["actor_loss"], terms["critic_loss"], terms["entropy"],
                terms["bounds_loss"], None)

    # ---- logging -------------------------------------------------------------------------

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

    def write_stats(self, total_time, epoch_num, step_time, play_time, update_time, a_losses,
                    c_losses, entropies, kls, last_lr, lr_mul, frame, scaled_time,
                    scaled_play_time, curr_frames):
        super().write_stats(total_time, epoch_num, step_time, play_time, update_time, a_losses,
                            c_losses, entropies, kls, last_lr, lr_mul, frame, scaled_time,
                            scaled_play_time, curr_frames)
        for name, value in self.block_stats.items():
            self.writer.add_scalar(name, value, frame)
        for b, meter in enumerate(self.game_rewards.blocks):
            if meter.current_size > 0:
                self.writer.add_scalar(summaries.reward_block(b), meter.get_mean()[0], frame)
