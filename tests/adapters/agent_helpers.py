"""Shared setup of the adapter tests (imported by them; pytest puts this folder on sys.path)."""

import copy

import torch

from rlgames_cpo.adapters.row_sets import RowSet
from rlgames_cpo.core.conditioning import with_block

# A small Pendulum setup whose 5-step episodes put dones and time-outs inside the 8-step horizon.
SMALL = ["task=EnvpoolPendulum", "train=EnvpoolPendulumPPO", "num_envs=12",
         "task.env.maxEpisodeSteps=5",
         "train.params.config.horizon_length=8", "train.params.config.minibatch_size_per_env=4",
         "+train.params.config.sapg.num_blocks=3"]


def run_epoch(agent):
    """One train_epoch; returns the rollout batch and the dataset the update used. Also keeps, in
    ``agent.before_update``, what the agent held when the rollout ended (the value network's
    weights and normalisers, buffer, last observation or state and dones, time-outs), for
    recomputing the targets by hand."""
    seen = {}
    prepare = agent.prepare_dataset

    def recording(batch_dict):
        seen["rollout"] = {k: v.clone() if torch.is_tensor(v) else v for k, v in batch_dict.items()}
        central = agent.has_central_value
        agent.before_update = {
            "model": copy.deepcopy(agent._value_model().state_dict() if central
                                   else agent.model.state_dict()),
            "buffer": {k: v.clone() for k, v in agent.experience_buffer.tensor_dict.items()
                       if torch.is_tensor(v)},
            "last_obs": agent.obs["states" if central else "obs"].clone(),
            "last_dones": agent.dones.clone(),
            "time_outs": agent.record.time_outs.clone() if getattr(agent, "record", None) else None}
        prepare(batch_dict)
        seen["dataset"] = {k: v.clone() if torch.is_tensor(v) else v
                           for k, v in agent.dataset.values_dict.items()}

    agent.prepare_dataset = recording
    agent.train_epoch()
    return seen["rollout"], seen["dataset"]


def one_step_td_by_loop(agent, envs, block):
    """TD(0) targets and the values ``V_block(s_t)`` of ``envs``' transitions, one state at a time
    with the weights and value statistics the agent had when its rollout ended (an MLP; the
    asymmetric critic on the states when there is one), and time-outs bootstrapped with
    ``V_block`` instead of the behaviour's value. ``(len(envs), H)``."""
    state = agent.before_update
    model = copy.deepcopy(agent._value_model())
    model.load_state_dict(state["model"])
    model.eval()
    buffer, gamma = state["buffer"], agent.gamma
    inputs = buffer["states" if agent.has_central_value else "obses"]
    horizon = inputs.shape[0]

    def value(obs):
        with torch.no_grad():
            out = model({"is_train": False, "prev_actions": None, "obs": with_block(obs[None], block)})
        return out["values"][0, 0].item()   # denormalised with the statistics of the rollout

    targets = torch.zeros(len(envs), horizon)
    values = torch.zeros(len(envs), horizon)
    for i, e in enumerate(envs.tolist()):
        for t in range(horizon):
            v = value(inputs[t, e])
            stored = buffer["rewards"][t, e, 0].item()
            time_out = state["time_outs"][t, e].item()
            # rl_games stored r + gamma * V_behaviour(s_t) at a time-out: swap in V_block(s_t)
            reward = stored - gamma * buffer["values"][t, e, 0].item() * time_out + gamma * v * time_out
            last = t == horizon - 1
            next_obs = state["last_obs"][e] if last else inputs[t + 1, e]
            next_done = (state["last_dones"][e] if last else buffer["dones"][t + 1, e]).item()
            targets[i, t] = reward + gamma * value(next_obs) * (1 - next_done)
            values[i, t] = v
    return targets, values


def term_of(agent, term_class):
    """The agent's term of ``term_class`` (``rlgames_cpo.adapters.terms``)."""
    (term,) = [t for t in agent.terms if isinstance(t, term_class)]
    return term


def log_prob(agent, minibatch: dict) -> torch.Tensor:
    """``log pi(a|s)`` of a minibatch dict's stored actions under each row's own block."""
    return -agent.policy_under(RowSet.of(minibatch))["prev_neglogp"]
