"""SapgAgent on a real (small) Pendulum rollout: the leader's off-policy rows, the LSTM leader
values, leader-only episode statistics, and num_blocks=1."""

import copy

import pytest
import torch
from agent_helpers import SMALL, one_step_td_by_loop, run_epoch

from rlgames_cpo.adapters.row_sets import RowSet

from rlgames_cpo.core import gaussian, rows, targets
from rlgames_cpo.core.conditioning import split_block_column, with_block

LSTM = ["+train.params.network.rnn={name: lstm, units: 8, layers: 1, before_mlp: True, "
        "concat_input: True, layer_norm: True}", "+train.params.config.seq_length=4"]



def test_leader_rows_relabel_a_follower_block_with_td0_targets(make_agent):
    agent = make_agent(*SMALL)
    rollout, data = run_epoch(agent)
    n, H, B = 12 * 8, 8, 4
    assert len(data["advantages"]) == n + B * H          # (M + k) / M * N * H rows
    assert (data["kind"] == rows.ON_POLICY).sum() == n
    assert (data["kind"][n:] == rows.LEADER_OFF_POLICY).all()
    (follower,) = (agent.record.off_policy_envs // B).unique().tolist()
    assert follower in (1, 2)
    envs = torch.arange(follower * B, (follower + 1) * B)
    index = (envs[:, None] * H + torch.arange(H)).reshape(-1)
    leader_rows = slice(n, None)
    _, blocks = split_block_column(data["obs"][leader_rows])
    assert (blocks == 0).all()
    torch.testing.assert_close(data["obs"][leader_rows][:, :-1], rollout["obses"][index][:, :-1])
    torch.testing.assert_close(data["actions"][leader_rows], rollout["actions"][index])
    # behaviour log-prob: the follower's, stored at rollout time
    torch.testing.assert_close(data["neglogp"][leader_rows], rollout["neglogpacs"][index])
    assert rollout["dones"].any()  # the 5-step episodes put dones inside the horizon


@pytest.mark.parametrize("normalize_value", [True, False])
def test_leader_targets_are_one_step_td_under_the_leader_value(make_agent, normalize_value):
    # every paper config normalises values: the targets must be in reward units all the same
    agent = make_agent(*SMALL, f"train.params.config.normalize_value={normalize_value}")
    rollout, data = run_epoch(agent)
    envs = agent.record.off_policy_envs
    assert agent.before_update["time_outs"][:, envs].any()  # 5-step limit: time-outs exercised
    expected_targets, expected_values = one_step_td_by_loop(agent, envs, block=0)
    leader_rows = slice(12 * 8, None)
    raw = (lambda x: agent.model.value_mean_std(x, denorm=True)) if normalize_value else (lambda x: x)
    agent.model.eval()
    with torch.no_grad():   # returns: normalised by rl_games with the statistics it ends with
        torch.testing.assert_close(raw(data["returns"][leader_rows])[:, 0],
                                   expected_targets.reshape(-1), rtol=1e-4, atol=1e-4)
    if not normalize_value:  # (rl_games normalises values before adding the returns' statistics)
        torch.testing.assert_close(data["values"][leader_rows][:, 0],
                                   expected_values.reshape(-1), rtol=1e-4, atol=1e-4)


def test_off_policy_ratio_is_leader_over_follower_behaviour(make_agent):
    agent = make_agent(*SMALL)
    _, data = run_epoch(agent)
    leader = slice(12 * 8, None)
    obs, actions = data["obs"][leader], data["actions"][leader]
    agent.model.eval()
    with torch.no_grad():
        train_out = agent.model({"is_train": True, "prev_actions": actions, "obs": obs.clone()})
        as_leader = agent.model({"is_train": False, "prev_actions": None, "obs": with_block(obs, 0)})
    log_pi_leader = gaussian.log_prob(actions, as_leader["mus"], as_leader["sigmas"])
    torch.testing.assert_close(-train_out["prev_neglogp"], log_pi_leader, rtol=1e-5, atol=1e-5)
    ratio = torch.exp(data["neglogp"][leader] - train_out["prev_neglogp"])
    log_pi_follower_old = -data["neglogp"][leader]
    torch.testing.assert_close(ratio, torch.exp(log_pi_leader - log_pi_follower_old))


def test_lstm_leader_values_from_stored_hidden_states_equal_a_direct_recompute(make_agent):
    agent = make_agent(*SMALL, *LSTM)
    captured = {}
    values_under = agent.values_under

    def capture(envs, labels):
        captured["weights"] = copy.deepcopy(agent.model.state_dict())  # before the update
        captured["v"] = values_under(envs, labels)
        return captured["v"]

    agent.values_under = capture
    run_epoch(agent)
    agent.model.load_state_dict(captured["weights"])
    envs, H = agent.record.off_policy_envs, 8
    buffer = agent.experience_buffer.tensor_dict
    obs = torch.cat([buffer["obses"][:, envs], agent.obs["obs"][envs].unsqueeze(0)])
    dones = torch.cat([buffer["dones"][:, envs], agent.dones[envs].unsqueeze(0)])
    # Replay the followers from their state at t = 0: step with their own conditioning,
    # zero the state where an episode starts, and read the leader's value from each state.
    state = tuple(s[0][:, agent.record.slot[envs]] for s in agent.record.value_rnn_states)
    expected = []
    agent.model.eval()
    with torch.no_grad():
        for t in range(H + 1):
            if t > 0:
                mask = (1 - dones[t].float()).view(1, -1, 1)
                state = tuple(s * mask for s in state)
            leader = agent.model({"is_train": False, "obs": with_block(obs[t], 0), "rnn_states": state})
            expected.append(leader["values"])
            state = agent.model({"is_train": False, "obs": obs[t], "rnn_states": state})["rnn_states"]
    torch.testing.assert_close(captured["v"], torch.stack(expected), rtol=1e-5, atol=1e-5)


def test_episode_statistics_come_from_the_leader(make_agent):
    agent = make_agent(*SMALL)
    for _ in range(2):
        run_epoch(agent)
    meters = agent.game_rewards.blocks
    assert all(m.current_size > 0 for m in meters)
    assert agent.game_rewards.get_mean() == pytest.approx(meters[0].get_mean())
    assert not all(m.get_mean() == pytest.approx(meters[0].get_mean()) for m in meters[1:])


def test_one_block_has_no_off_policy_rows_and_trains(make_agent):
    agent = make_agent(*[o.replace("num_blocks=3", "num_blocks=1") for o in SMALL])
    _, data = run_epoch(agent)
    assert agent.record.off_policy_envs.numel() == 0
    assert len(data["advantages"]) == 12 * 8 and (data["kind"] == rows.ON_POLICY).all()


def test_indivisible_num_envs_fails_at_start_up(make_agent):
    with pytest.raises(ValueError, match="num_blocks=5 does not divide num_envs=12: use "
                                         "num_envs=10 or num_envs=15"):
        make_agent(*[o.replace("num_blocks=3", "num_blocks=5") for o in SMALL])


def test_unknown_sapg_key_suggests_the_close_one(make_agent):
    with pytest.raises(ValueError, match="unknown config key sapg.num_block: did you mean "
                                         "sapg.num_blocks"):
        make_agent(*SMALL, "+train.params.config.sapg.num_block=3")


@pytest.mark.parametrize("network", ["mlp", "lstm"])
def test_extra_evaluations_in_chunks_equal_one_forward(make_agent, monkeypatch, network):
    from rlgames_cpo.adapters import evaluation

    agent = make_agent(*SMALL, *(LSTM if network == "lstm" else []))
    rollout, _ = run_epoch(agent)
    envs = torch.arange(12)
    whole_values = agent.values_under(envs, 0)
    whole_policy = agent.policy_under(RowSet.from_rollout(rollout), 0)
    monkeypatch.setattr(evaluation, "EVAL_ROWS", 8)   # 117 value rows, 96 policy rows: many parts
    torch.testing.assert_close(agent.values_under(envs, 0), whole_values)
    chunked = agent.policy_under(RowSet.from_rollout(rollout), 0)
    for key in ("mus", "sigmas", "prev_neglogp", "values"):
        torch.testing.assert_close(chunked[key], whole_policy[key])
