"""sapg and cpo with rl_games' asymmetric critic (``central_value_config``) on a small LeapCube
rollout (57-d obs, 128-d privileged states): the critic is conditioned on the block and supplies
every value; it trains on the on-policy and leader rows, never the AWAC rows."""

import copy

import pytest
import torch
from agent_helpers import one_step_td_by_loop, run_epoch

from rlgames_cpo.core import rows
from rlgames_cpo.core.conditioning import split_block_column

CENTRAL = ["task=EnvpoolLeapCube", "train=EnvpoolLeapCubePPO", "num_envs=12",
           "task.env.maxEpisodeSteps=5", "train.params.config.horizon_length=8",
           "train.params.config.minibatch_size_per_env=4",
           "train.params.config.central_value_config.minibatch_size_per_env=4",
           "train.params.config.central_value_config.mini_epochs=2",
           "train.params.network.mlp.units=[32]",
           "train.params.config.central_value_config.network.mlp.units=[32]",
           "+train.params.config.sapg.num_blocks=3"]
# rl_games steps an LSTM critic only in its recurrent rollout, so the actor has one too
LSTM_CRITIC = ["+train.params.config.central_value_config.network.rnn={name: lstm, units: 8, "
               "layers: 1, before_mlp: True}", "+train.params.config.seq_length=4",
               "+train.params.network.rnn={name: lstm, units: 8, layers: 1, before_mlp: True}"]


def raw(agent, x):
    """rl_games stores targets normalised by the critic's value statistics: undo it."""
    agent.central_value_net.model.eval()
    with torch.no_grad():
        return agent.central_value_net.model.value_mean_std(x, denorm=True)


def test_states_carry_the_block_and_the_critic_is_block_conditioned(make_agent):
    agent = make_agent(*CENTRAL)
    assert agent.has_central_value and agent.state_shape == (129,)     # 128 + the block
    rollout, _ = run_epoch(agent)
    _, blocks = split_block_column(rollout["states"])
    assert torch.equal(blocks, torch.arange(12).repeat_interleave(8) // 4)
    assert hasattr(agent.central_value_net.model.a2c_network, "embedding")


def test_leader_targets_come_from_the_critic_under_the_leader(make_agent):
    agent = make_agent(*CENTRAL)
    _, data = run_epoch(agent)
    envs = agent.record.off_policy_envs
    assert agent.before_update["time_outs"][:, envs].any()
    expected, _ = one_step_td_by_loop(agent, envs, block=0)
    torch.testing.assert_close(raw(agent, data["returns"][12 * 8:])[:, 0], expected.reshape(-1),
                               rtol=1e-4, atol=1e-4)


def test_awac_advantages_come_from_the_critic_under_each_follower(make_agent):
    agent = make_agent(*CENTRAL, "+train.params.config.cpo.beta=0.01",
                       "train.params.config.normalize_advantage=False", algo="cpo")
    _, data = run_epoch(agent)
    expected = []
    for follower in (1, 2):
        targets, values = one_step_td_by_loop(agent, torch.arange(4), block=follower)
        expected.append((targets - values).reshape(-1))
    torch.testing.assert_close(data["advantages"][data["kind"] == rows.AWAC],
                               torch.cat(expected), rtol=1e-4, atol=1e-4)


def test_the_critic_trains_on_on_policy_and_leader_rows_only(make_agent):
    agent = make_agent(*CENTRAL, "+train.params.config.cpo.beta=0.01", algo="cpo")
    sizes = []
    calc_gradients = agent.central_value_net.calc_gradients

    def counting(batch):
        sizes.append(len(batch["obs"]))
        return calc_gradients(batch)

    agent.central_value_net.calc_gradients = counting
    rollout, data = run_epoch(agent)
    critic = agent.central_value_net.dataset.values_dict
    assert len(critic["obs"]) == 12 * 8 + 4 * 8          # N H + k B H; the 64 AWAC rows are not
    assert len(data["obs"]) == 12 * 8 + 4 * 8 + 2 * 4 * 8
    leader_rows = critic["obs"][12 * 8:]
    _, blocks = split_block_column(leader_rows)
    assert (blocks == 0).all()                            # states relabelled to the leader
    envs = agent.record.off_policy_envs
    index = (envs[:, None] * 8 + torch.arange(8)).reshape(-1)
    torch.testing.assert_close(leader_rows[:, :-1], rollout["states"][index][:, :-1])
    # minibatch_size 12 * 4 = 48 rows: 128 // 48 = 2 per mini-epoch, the last with the
    # remainder (48 + 80), 2 mini-epochs
    assert sizes == [48, 80] * 2


def test_the_critics_input_normaliser_counts_every_rollout_state_once(make_agent):
    agent = make_agent(*CENTRAL)
    run_epoch(agent)
    reference = copy.deepcopy(agent.central_value_net.model.running_mean_std)
    rollout, _ = run_epoch(agent)
    reference.train()
    with torch.no_grad():
        reference(rollout["states"][:, :-1])
    for name, expected in reference.named_buffers():
        assert torch.equal(getattr(agent.central_value_net.model.running_mean_std, name), expected)


def test_cpo_with_zero_coefficients_is_bit_for_bit_sapg_with_the_critic(make_agent):
    results = {}
    zeros = ["+train.params.config.cpo={beta: 0, lambda_r: 0, lambda_adv: 0}"]
    for algo in ("sapg", "cpo"):
        agent = make_agent(*CENTRAL, *(zeros if algo == "cpo" else []), algo=algo)
        for _ in range(2):
            agent.update_epoch()
            agent.train_epoch()
        results[algo] = [p.detach().clone() for net in agent._networks() for p in net.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(results["sapg"], results["cpo"]))


def test_lstm_critic_values_from_stored_states_equal_a_direct_recompute(make_agent):
    agent = make_agent(*CENTRAL, *LSTM_CRITIC)
    captured = {}
    values_under = agent.values_under

    def capture(envs, labels):
        captured["weights"] = copy.deepcopy(agent.central_value_net.model.state_dict())
        captured["v"] = values_under(envs, labels)
        return captured["v"]

    agent.values_under = capture
    run_epoch(agent)
    model = agent.central_value_net.model
    model.load_state_dict(captured["weights"])
    envs = agent.record.off_policy_envs
    buffer = agent.experience_buffer.tensor_dict
    states = torch.cat([buffer["states"][:, envs], agent.obs["states"][envs].unsqueeze(0)])
    dones = torch.cat([buffer["dones"][:, envs], agent.dones[envs].unsqueeze(0)])
    # replay the critic from its state at t = 0 under the followers' own index, zeroing it where
    # an episode starts, reading the leader's value from each state
    state = tuple(s[0][:, agent.record.slot[envs]] for s in agent.record.value_rnn_states)
    expected = []
    model.eval()
    with torch.no_grad():
        for t in range(9):
            if t > 0:
                mask = (1 - dones[t].float()).view(1, -1, 1)
                state = tuple(s * mask for s in state)
            leader = states[t].clone()
            leader[:, -1] = 0
            expected.append(model({"is_train": False, "obs": leader, "rnn_states": state})["values"])
            state = model({"is_train": False, "obs": states[t], "rnn_states": state})["rnn_states"]
    torch.testing.assert_close(captured["v"], torch.stack(expected), rtol=1e-5, atol=1e-5)


def test_checkpoints_hold_the_critic_and_another_critic_is_refused(make_agent, tmp_path):
    agent = make_agent(*CENTRAL, algo="cpo")
    run_epoch(agent)
    agent.save(str(tmp_path / "c"))
    other = make_agent(*CENTRAL, algo="cpo")
    other.restore(str(tmp_path / "c.pth"))
    for a, b in zip(agent.central_value_net.parameters(), other.central_value_net.parameters()):
        assert torch.equal(a, b)
    wider = make_agent(*CENTRAL[:-2], "train.params.network.mlp.units=[32]",
                       "train.params.config.central_value_config.network.mlp.units=[16]",
                       "+train.params.config.sapg.num_blocks=3", algo="cpo")
    with pytest.raises(ValueError, match=r"holds another network .*central value "):
        wider.restore(str(tmp_path / "c.pth"))
