"""CpoAgent on a small Pendulum rollout: AWAC rows, discriminator labels and reward, and the
exact reduction to SAPG."""

import torch
from agent_helpers import SMALL, one_step_td_by_loop, run_epoch, term_of

from rlgames_cpo.adapters.terms import adversarial
from rlgames_cpo.adapters.row_sets import RowSet
from rlgames_cpo.adapters.terms.adversarial import AdversarialReward
from rlgames_cpo.adapters.terms.reverse_kl import ReverseKl
from rlgames_cpo.core import rows
from rlgames_cpo.core.conditioning import split_block_column
from rlgames_cpo.core.discriminator import adversarial_reward, reference_labels, reference_reward

DISCRIMINATOR = ["+train.params.config.cpo.lambda_adv=0.5",
                 "+train.params.config.cpo.discriminator.units=[16]"]


def test_awac_rows_give_every_follower_the_leaders_samples(make_agent):
    agent = make_agent(*SMALL, "+train.params.config.cpo.beta=0.01", algo="cpo")
    rollout, data = run_epoch(agent)
    B, H = 4, 8
    awac = data["kind"] == rows.AWAC
    assert awac.sum() == 2 * B * H                         # (M - 1) * B * H
    _, labels = split_block_column(data["obs"][awac])
    assert labels.tolist() == [1] * B * H + [2] * B * H
    leader_rows = torch.arange(B * H)                      # envs 0..3, env-major
    for i in range(2):
        part = slice(i * B * H, (i + 1) * B * H)
        torch.testing.assert_close(data["actions"][awac][part], rollout["actions"][leader_rows])
        torch.testing.assert_close(data["obs"][awac][part][:, :-1],
                                   rollout["obses"][leader_rows][:, :-1])
        torch.testing.assert_close(data["neglogp"][awac][part],
                                   rollout["neglogpacs"][leader_rows])


def test_awac_advantages_are_one_step_td_under_each_followers_value(make_agent):
    # value normalisation on, as in every paper config: V_Fi denormalised with the statistics of
    # the rollout, like GAE and the leader rows (rl_games' prepare_dataset updates them)
    agent = make_agent(*SMALL, "+train.params.config.cpo.beta=0.01",
                       "train.params.config.normalize_advantage=False", algo="cpo")
    _, data = run_epoch(agent)
    leader_envs = torch.arange(4)
    assert agent.before_update["time_outs"][:, leader_envs].any()
    expected = []
    for follower in (1, 2):
        targets, values = one_step_td_by_loop(agent, leader_envs, block=follower)
        expected.append((targets - values).reshape(-1))
    torch.testing.assert_close(data["advantages"][data["kind"] == rows.AWAC],
                               torch.cat(expected), rtol=1e-4, atol=1e-4)


def test_discriminator_labels_are_the_acting_block_and_the_leader_gets_no_bonus(make_agent,
                                                                               monkeypatch):
    agent = make_agent(*SMALL, *DISCRIMINATOR, algo="cpo")
    seen = {}

    def spy(logits, blocks, lambda_adv):
        seen["blocks"], seen["reward"] = blocks, adversarial_reward(logits, blocks, lambda_adv)
        return seen["reward"]

    monkeypatch.setattr(adversarial, "adversarial_reward", spy)
    agent.train_epoch()
    H, N = 8, 12
    blocks = seen["blocks"].view(H, N)
    assert (blocks == torch.arange(N) // 4).all()          # every (t, env): env // block_size
    reward = seen["reward"].view(H, N)
    assert (reward[:, :4] == 0).all() and (reward[:, 4:] < 0).all()


def test_cpo_with_zero_coefficients_is_bit_for_bit_sapg(make_agent):
    losses = {}
    zeros = ["+train.params.config.cpo={beta: 0, lambda_r: 0, lambda_adv: 0}"]
    for algo in ("sapg", "cpo"):
        agent = make_agent(*SMALL, *(zeros if algo == "cpo" else []), algo=algo)
        per_epoch = []
        for _ in range(3):
            agent.update_epoch()
            result = agent.train_epoch()
            a_losses, c_losses = result[4], result[5]
            per_epoch.append(torch.stack(a_losses + c_losses))
        losses[algo] = (torch.stack(per_epoch),
                        [p.detach().clone() for p in agent.model.parameters()])
    assert torch.equal(losses["sapg"][0], losses["cpo"][0])
    assert all(torch.equal(a, b) for a, b in zip(losses["sapg"][1], losses["cpo"][1]))


def test_discriminator_is_checkpointed(make_agent, tmp_path):
    agent = make_agent(*SMALL, *DISCRIMINATOR, algo="cpo")
    agent.update_epoch()
    agent.train_epoch()
    agent.save(str(tmp_path / "c"))
    other = make_agent(*SMALL, *DISCRIMINATOR, algo="cpo")
    other.restore(str(tmp_path / "c.pth"))
    for a, b in zip(term_of(agent, AdversarialReward).discriminator.parameters(),
                    term_of(other, AdversarialReward).discriminator.parameters()):
        assert torch.equal(a, b)


def test_reverse_kl_is_eq_25_with_the_current_follower_log_prob(make_agent):
    agent = make_agent(*SMALL, "+train.params.config.cpo.lambda_r=0.5", algo="cpo")
    run_epoch(agent)
    minibatch = agent.dataset[0]
    _, blocks = split_block_column(minibatch["obs"])
    followers = (minibatch["kind"] == rows.ON_POLICY) & (blocks != 0)
    assert followers.any() and (~followers).any()
    agent.model.train()
    out = agent.model({"is_train": True, "prev_actions": minibatch["actions"],
                       "obs": minibatch["obs"]})
    neglogp = out["prev_neglogp"]                          # pi_F,theta, with gradient
    advantages = minibatch["advantages"]
    shaped = term_of(agent, ReverseKl).advantages(RowSet.of(minibatch), advantages, -neglogp)
    # log pi_L(a|s): the same rows under the leader's index, current weights
    leader_obs = minibatch["obs"].clone()
    leader_obs[:, -1] = 0
    agent.model.eval()
    with torch.no_grad():
        leader = agent.model({"is_train": True, "prev_actions": minibatch["actions"],
                              "obs": leader_obs})["prev_neglogp"]
    expected = advantages - 0.5 * (-neglogp.detach() + leader)
    torch.testing.assert_close(shaped[followers], expected[followers])
    torch.testing.assert_close(shaped[~followers], advantages[~followers])
    # the term is differentiated through log pi_F,theta: d shaped / d neglogp = +0.5 on followers
    gradient, = torch.autograd.grad(shaped.sum(), neglogp, retain_graph=True)
    torch.testing.assert_close(gradient, 0.5 * followers.float())


def test_the_discriminator_learns_each_sample_under_its_acting_block(make_agent, monkeypatch):
    agent = make_agent(*SMALL, *DISCRIMINATOR, algo="cpo")
    seen = []
    forward = term_of(agent, AdversarialReward).discriminator.forward

    def spy(obs, actions):
        logits = forward(obs, actions)
        seen.append(actions.detach().clone())
        return logits

    labels = []
    loss = adversarial.discriminator_loss

    def spy_loss(logits, blocks):
        labels.append(blocks.clone())
        return loss(logits, blocks)

    term_of(agent, AdversarialReward).discriminator.forward = spy
    monkeypatch.setattr(adversarial, "discriminator_loss", spy_loss)
    rollout, _ = run_epoch(agent)
    trained = seen[-len(labels):]                          # the training passes' inputs
    assert sum(len(b) for b in labels) == 12 * 8           # every rollout sample once
    H, B = 8, 4
    for actions, blocks in zip(trained, labels):
        # find each sample's rollout row (env-major, row = env * H + t): its block is env // B
        row = (actions[:, None, :] == rollout["actions"][None]).all(-1).float().argmax(1)
        assert torch.equal(blocks, row // H // B)


def test_reference_reward_reproduces_the_public_codes_labels_and_raw_observations(make_agent,
                                                                                  monkeypatch):
    agent = make_agent(*SMALL, *DISCRIMINATOR, "+train.params.config.cpo.discriminator.reward=reference",
                       algo="cpo")
    run_epoch(agent)                            # the normaliser's statistics away from identity
    seen = {}

    def spy(logits, labels, lambda_adv):
        seen["labels"], seen["reward"] = labels, reference_reward(logits, labels, lambda_adv)
        return seen["reward"]

    forward = term_of(agent, AdversarialReward).discriminator.forward

    def spy_forward(obs, actions):
        seen.setdefault("features", obs.clone())
        return forward(obs, actions)

    monkeypatch.setattr(adversarial, "reference_reward", spy)
    term_of(agent, AdversarialReward).discriminator.forward = spy_forward
    run_epoch(agent)
    H, N = 8, 12
    labels = seen["labels"].view(H, N)
    # time-major samples in chunks of 8 * 12 / 3 = 32: t = 0, 1 and envs 0..7 of t = 2 get 2, ...
    assert torch.equal(labels, reference_labels(H, N, 3))
    assert labels[0].tolist() == [2] * N and labels[7].tolist() == [0] * N
    reward = seen["reward"].view(H, N)
    assert (reward[labels == 0] == 0).all()
    assert (reward[:, :4][labels[:, :4] != 0] < 0).all()   # the leader's envs are rewarded too
    # the raw observations, time-major, block column dropped: not the normalised ones
    raw = agent.before_update["buffer"]["obses"].reshape(H * N, -1)[:, :-1]
    torch.testing.assert_close(seen["features"], raw)
    assert not torch.allclose(agent.model.norm_obs(agent.before_update["buffer"]["obses"][0])[:, :-1],
                              agent.before_update["buffer"]["obses"][0][:, :-1], atol=1e-3)
