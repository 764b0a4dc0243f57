"""Runs the public SAPG or CPO code's own functions on given tensors (the other side of the
cross-checks in this folder). Not a test: ``reference_codes.run_reference`` starts it as

    PYTHONPATH=tests/crosscheck/shims:<shared>/fixtures/reference-codes/<code>/rl_games \\
        python reference_side.py cases.pt results.pt

so ``import rl_games`` is the public code's vendored rl_games 1.6.1. Each case is a dict with a
``kind`` (a function below) and its inputs; the results file maps each case's name to what the
public code returned. Their functions that are methods run on a ``SimpleNamespace`` holding just
the attributes they read, or on their real agent (``kind='agent'``), built on a small tensor env.
Nothing of theirs is copied here: every number comes from a call into their package.
"""

import copy
import sys
from types import SimpleNamespace

import gym
import numpy as np
import rl_games
import torch
from rl_games.algos_torch import a2c_continuous
from rl_games.common import a2c_common, common_losses, datasets
from rl_games.common.algo_observer import DefaultAlgoObserver
from rl_games.common.custom_utils import shuffle_batch, swap_and_flatten01
from rl_games.common.tr_helpers import DefaultRewardsShaper

from recording import record_update   # this folder: plain torch


def actor_loss(case):
    """The plain PPO actor loss (the SAPG code's, whose leader rows are plain PPO rows too)."""
    args = [case["old_neglogp"], case["neglogp"], case["advantage"], True, case["e_clip"]]
    if "off_policy_mask" in case:   # the CPO code's signature takes (and ignores) a mask
        args.append(case["off_policy_mask"])
    return {"loss": common_losses.actor_loss(*args)}


def actor_loss_sapg(case):
    """The CPO code's SAPG loss (``vanilla_sapg``): PPO on the on-policy and leader rows."""
    return {"loss": common_losses.actor_loss_sapg(
        case["old_neglogp"], case["neglogp"], case["advantage"], True, case["e_clip"],
        case["off_policy_mask"], case["awac_mask"], case["lambda_f"], case["weight_max"], 1.0,
        case["critic_mask"], False)}


def actor_loss_cpo(case):
    """The CPO code's loss per row, and its mean's gradient in the current neglogp."""
    neglogp = case["neglogp"].clone().requires_grad_()
    loss, info = common_losses.actor_loss_cpo(
        case["old_neglogp"], neglogp, case["leader_neglogp"], case["advantage"], True,
        case["e_clip"], case["off_policy_mask"], case["awac_mask"], case["leader_online_mask"],
        case["follower_online_mask"], case["lambda_f"], case["lambda_r"], case["weight_max"],
        1, case["beta"], 1, None, False)
    gradient, = torch.autograd.grad(loss.mean(), neglogp)
    return {"loss": loss.detach(), "gradient": gradient, "info": {k: v.detach() for k, v in info.items()}}


def critic_loss(case):
    args = (case["old_values"], case["values"], case["e_clip"], case["returns"], case["clip_value"])
    out = {"loss": common_losses.critic_loss(None, *args)}
    if hasattr(common_losses, "critic_loss_sapg2"):
        out["masked"] = common_losses.critic_loss_sapg2(None, *args, case["critic_mask"], None, False)[0]
    return out


def gae(case):
    """Their GAE (``discount_values``) on a namespace with the attributes it reads."""
    agent = SimpleNamespace(horizon_length=case["rewards"].shape[0], gamma=case["gamma"],
                            tau=case["tau"])
    return {"advantages": a2c_common.A2CBase.discount_values(
        agent, case["last_dones"], case["last_values"], case["dones"], case["values"],
        case["rewards"])}


def _rollout_namespace(case):
    """An agent namespace and the ``batch_dict``/``extras`` its ``play_steps`` would return for
    the rollout in ``case`` (time-major, their layout: the block's coefficient id as the last
    observation column, the leader last), with ``case``'s value function."""
    obs, horizon = case["obs"], case["obs"].shape[0]
    num_envs, weights = obs.shape[1], case["value_weights"]

    def get_values(obs_dict, rnn_states=None):
        x = obs_dict["obs"]   # a fixed function of the observation and the block id
        return torch.tanh(x[:, :-1] @ weights) + 0.01 * x[:, -1:]

    agent = SimpleNamespace(
        intr_coef_block_size=num_envs // case["num_blocks"], num_actors=num_envs,
        horizon_length=horizon, gamma=case["gamma"], multi_gpu=False, use_others_experience="lf",
        intr_reward_coef_embd=obs[0, :, -1:].clone(), intr_reward_coef=torch.zeros(num_envs),
        get_values=get_values, config={}, save_batch=False, use_ad_reward=False,
        reduce_awac=False)
    flat = lambda x: swap_and_flatten01(x)  # noqa: E731
    values = get_values({"obs": obs.reshape(-1, obs.shape[-1])}).view(horizon, num_envs, 1)
    batch = {"obses": flat(obs), "actions": flat(case["actions"]),
             "neglogpacs": flat(case["neglogp"]), "values": flat(values),
             "returns": flat(values + 1.0), "mus": flat(case["actions"]),
             "sigmas": flat(torch.ones_like(case["actions"])), "dones": flat(case["dones"]),
             "played_frames": horizon * num_envs, "step_time": 0.0}
    extras = {"rewards": case["rewards"], "obs": obs.clone(), "last_obs": {"obs": case["last_obs"]},
              "states": None, "dones": case["dones"].float(), "last_dones": case["last_dones"].float(),
              "rnn_states": None, "last_rnn_states": None, "mb_intr_rewards": None}
    return agent, batch, extras


def augment_sapg(case):
    """The SAPG code's leader rows (``augment_batch_for_mixed_expl``): every row, its returns and
    values, and which rows are off-policy."""
    agent, batch, extras = _rollout_namespace(case)
    out = a2c_common.A2CBase.augment_batch_for_mixed_expl(agent, batch, extras,
                                                          repeat_idxs=[0, case["follower"]])
    return {k: out[k] for k in ("obses", "actions", "returns", "values", "off_policy_mask")}


def augment_cpo(case):
    """The CPO code's batch (``augment_batch_for_cpo``): leader rows and AWAC rows."""
    agent, batch, extras = _rollout_namespace(case)
    out = a2c_common.A2CBase.augment_batch_for_cpo(agent, batch, extras,
                                                   repeat_idxs=[0, 0, case["follower"]])
    return {k: out[k] for k in ("obses", "actions", "neglogpacs", "returns", "values",
                                "off_policy_mask", "awac_mask", "leader_online_mask",
                                "follower_online_mask")}


def dataset(case):
    """Their minibatches: ``shuffle_batch`` once (in runs of ``seq_length`` rows), then
    ``PPODataset``; the row ids (and, for an RNN, sequence ids) of every minibatch."""
    rows, seq_length, is_rnn = case["rows"], case["seq_length"], case["is_rnn"]
    torch.manual_seed(case["seed"])
    batch = {"returns": torch.arange(rows, dtype=torch.float32), "played_frames": rows,
             "rnn_states": [torch.arange(rows // seq_length, dtype=torch.float32).view(1, -1, 1)]
             if is_rnn else None}
    batch = shuffle_batch(batch, seq_length)
    data = datasets.PPODataset(rows, case["minibatch_size"], False, is_rnn, "cpu", seq_length)
    data.update_values_dict({"returns": batch["returns"], "rnn_states": batch["rnn_states"],
                             "rnn_masks": None})
    parts = [data[i] for i in range(len(data))]
    return {"rows": [p["returns"].long() for p in parts],
            "sequences": [p["rnn_states"][0].view(-1).long() for p in parts] if is_rnn else None}


class TensorEnv:
    """A deterministic vec env of tensors for their agent: Gaussian observations, a reward that
    depends on them and the action, episodes of ``length`` steps (staggered)."""

    def __init__(self, num_envs, num_obs, num_actions, length=5, seed=0):
        self.env = SimpleNamespace(device="cpu")   # their env_step reads vec_env.env.device
        self.num_envs, self.num_obs, self.length = num_envs, num_obs, length
        self.generator = torch.Generator().manual_seed(seed)
        self.spaces = (gym.spaces.Box(-np.inf, np.inf, (num_obs,), np.float32),
                       gym.spaces.Box(-1.0, 1.0, (num_actions,), np.float32))
        self.steps = torch.arange(num_envs) % length

    def _obs(self):
        return torch.randn(self.num_envs, self.num_obs, generator=self.generator)

    def reset(self):
        self.obs = self._obs()
        return self.obs

    def step(self, actions):
        reward = -(actions ** 2).sum(-1) + self.obs[:, 0]
        self.steps += 1
        dones = (self.steps % self.length == 0).to(torch.uint8)
        self.obs = self._obs()
        return self.obs, reward, dones, {}

    def get_env_info(self):
        return {"observation_space": self.spaces[0], "action_space": self.spaces[1], "agents": 1,
                "value_size": 1}

    def get_number_of_agents(self):
        return 1


def their_agent(case):
    """Their real ``A2CAgent`` in CPO mode (the launcher's ``--cpo``: ``mixed_expl_learn_param``,
    ``use_others_experience=lf``, per-block sigma) on a ``TensorEnv``."""
    num_envs, num_blocks = case["num_envs"], case["num_blocks"]
    config = {
        "name": "0_crosscheck", "features": {"observer": DefaultAlgoObserver()},
        "vec_env": TensorEnv(num_envs, case["num_obs"], case["num_actions"]), "env_name": "tensor",
        "num_actors": num_envs, "device": "cpu", "reward_shaper": DefaultRewardsShaper(),
        "ppo": True, "mixed_precision": False, "normalize_input": True, "normalize_value": False,
        "normalize_advantage": True, "value_bootstrap": False, "gamma": 0.99, "tau": 0.95,
        "learning_rate": 1e-3, "lr_schedule": "adaptive", "schedule_type": "standard",
        "kl_threshold": 0.016, "max_epochs": 10, "grad_norm": 1.0, "entropy_coef": 0.0,
        "truncate_grads": False, "e_clip": 0.2, "clip_value": True,
        "horizon_length": case["horizon"], "minibatch_size": case["minibatch_size"],
        "mini_epochs": 1, "critic_coef": 4.0, "bounds_loss_coef": 0.0001, "train_dir": "runs",
        "sapg2": True, "vanilla_sapg": False, "lambda_awac": case["lambda_f"],
        "lambda_ppo": case["lambda_r"], "awac_max": 100, "awac_alpha": 1,
        "awac_beta": case["beta"], "awac_gamma": 1, "enable_w": False, "save_batch": False,
        "scheduler_kl_data": "no_awac", "reduce_awac": False,
        "use_ad_reward": case["lambda_adv"] > 0, "ad_reward_type": "sa",
        "ad_reward_discriminate_leader": True, "ad_reward_coef": case["lambda_adv"],
        "discriminator_config": {"units": case["discriminator_units"], "activation": "elu"},
        "good_reset_boundary": 0, "use_others_experience": "lf", "off_policy_ratio": 1.0,
        "expl_type": "mixed_expl_learn_param", "expl_reward_type": "entropy",
        "expl_reward_coef_scale": case["entropy_scale"],
        "expl_coef_block_size": num_envs // num_blocks, "expl_reward_coef_embd_size": 1,
    }
    network = {"name": "actor_critic", "separate": False,
               "space": {"continuous": {"mu_activation": "None", "sigma_activation": "None",
                                        "mu_init": {"name": "default"},
                                        "sigma_init": {"name": "const_initializer", "val": 0},
                                        "fixed_sigma": "coef_cond"}},
               "mlp": {"units": case["units"], "activation": "elu", "d2rl": False,
                       "initializer": {"name": "default"}, "regularizer": {"name": "None"}}}
    params = {"algo": {"name": "a2c_continuous"}, "model": {"name": "continuous_a2c_logstd"},
              "network": network, "config": config}
    torch.manual_seed(case["seed"])
    return a2c_continuous.A2CAgent("run", params)


def agent(case):
    """On their real agent: the per-block entropy coefficients; one rollout's adversarial reward
    (with the discriminator's weights that computed it); and the loss and gradient of
    ``case['minibatch']``, with the model's weights after the rollout."""
    them = their_agent(case)
    out = {"entropy_coefficients": them.intr_reward_coef[::them.intr_coef_block_size].clone(),
           "coefficient_ids": them.intr_reward_coef_embd[::them.intr_coef_block_size, 0].clone()}
    them.init_tensors()
    them.obs = them.env_reset()
    rewards_seen = []
    discount_values = them.discount_values

    def recording(fdones, last_values, mb_fdones, mb_values, mb_rewards):
        rewards_seen.append(mb_rewards.clone())
        return discount_values(fdones, last_values, mb_fdones, mb_values, mb_rewards)

    them.discount_values = recording
    out["discriminator"] = copy.deepcopy(them.discriminator.state_dict())
    batch, extras = them.play_steps()
    buffer = them.experience_buffer.tensor_dict
    out.update(obses=buffer["obses"].clone(), actions=buffer["actions"].clone(),
               adversarial_reward=rewards_seen[1] - rewards_seen[0],
               discriminator_loss=extras["disc_loss_mean"])

    with torch.no_grad():   # a log-std per block that differs between blocks (its init is 0)
        them.model.a2c_network.sigma.copy_(case["log_std"])
    out["model"] = copy.deepcopy(them.model.state_dict())
    out["minibatches"] = [minibatch_loss(them, case["minibatch"], setting)
                          for setting in case["settings"]]
    return out


def minibatch_loss(them, minibatch, setting):
    """Their ``calc_gradients`` on ``minibatch`` with ``setting``'s lambda_r (``lambda_ppo``) and
    input normaliser statistics: the loss and every parameter's gradient (no optimizer step)."""
    them.lambda_ppo = setting["lambda_r"]
    normaliser = them.model.running_mean_std
    normaliser.running_mean.copy_(setting["normaliser_mean"])
    normaliser.running_var.copy_(setting["normaliser_var"])
    seen = record_update(them)
    them.model.train()
    # Frozen, as theirs is from the second mini-epoch on (their first updates it on every
    # minibatch, ours once per iteration: docs/reference.md).
    normaliser.eval()
    them.calc_gradients({k: v.clone() for k, v in minibatch.items()})
    a_loss, c_loss, entropy, _, _, _, _, _, b_loss, _ = them.train_result
    seen.update(actor=a_loss["total"].detach(), critic=c_loss.detach(), entropy=entropy.detach(),
                bounds=b_loss.detach())
    return seen


def main(inputs, outputs):
    assert "reference-codes" in rl_games.__file__, rl_games.__file__   # theirs, not 1.6.5
    cases = torch.load(inputs, weights_only=False)
    kinds = {f.__name__: f for f in (actor_loss, actor_loss_sapg, actor_loss_cpo, critic_loss, gae,
                                     augment_sapg, augment_cpo, dataset, agent)}
    results = {name: kinds[case.pop("kind")](case) for name, case in cases.items()}
    torch.save(results, outputs)


if __name__ == "__main__":
    main(*sys.argv[1:3])
