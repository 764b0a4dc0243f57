"""CpoAgent's objective on a real minibatch: which rows feed which term, and what the forward-KL
(AWAC) term does to the followers. In-process and fast; tests/crosscheck compares the same
objective with the public CPO code's."""

import torch
from agent_helpers import SMALL, log_prob, run_epoch, term_of

from rlgames_cpo.adapters.terms.forward_kl import ForwardKl

from rlgames_cpo.core import coupling, rows
from rlgames_cpo.core.minibatches import ShuffledMinibatches

COUPLED = [*SMALL, "+train.params.config.cpo.beta=0.01", "+train.params.config.cpo.lambda_f=0.5"]


def objective(agent, minibatch, step=False):
    """The loss ``calc_gradients`` minimises on ``minibatch`` (the optimizer steps only when
    ``step``), and the follower log-probs of the minibatch's actions before and after."""
    seen = {}
    scale = agent.scaler.scale

    def recording(loss):
        seen["loss"] = loss.detach().clone()
        return scale(loss)

    agent.scaler.scale = recording
    if not step:
        agent.trancate_gradients_and_step = lambda: None
    agent.dataset = ShuffledMinibatches(len(minibatch["advantages"]))
    agent.dataset.update_values_dict(cloned(minibatch))
    before = log_prob(agent, minibatch)
    agent.set_train()
    agent.calc_gradients(cloned(minibatch))
    return seen["loss"], before, log_prob(agent, minibatch)


def cloned(minibatch):
    return {k: v.clone() if torch.is_tensor(v) else v for k, v in minibatch.items()}


def rows_of(minibatch, kept):
    return {k: v[kept] if torch.is_tensor(v) else v for k, v in minibatch.items()}


def test_awac_rows_feed_the_forward_kl_term_and_nothing_else(make_agent):
    agent = make_agent(*COUPLED, algo="cpo")
    run_epoch(agent)
    minibatch = agent.dataset[0]
    awac = minibatch["kind"] == rows.AWAC
    assert awac.any() and (~awac).any()
    loss, _, _ = objective(agent, minibatch)
    # what only the PPO, critic, entropy and bounds terms read: changing it on AWAC rows
    # changes nothing
    changed = cloned(minibatch)
    changed["returns"][awac] += 10.0
    changed["values"][awac] -= 10.0
    changed["neglogp"][awac] += 3.0
    assert torch.equal(objective(agent, changed)[0], loss)
    # what the AWAC term reads (the advantage in its weight) does change it
    changed["advantages"][awac] += 1.0
    assert not torch.equal(objective(agent, changed)[0], loss)


def test_the_forward_kl_term_pulls_followers_towards_the_leaders_actions(make_agent):
    """A minibatch of AWAC rows only (the leader's samples under followers' indices): the loss
    is ``beta_eff * mean(-w log pi_F(a|s))`` and one optimizer step raises ``log pi_F`` of the
    leader's actions (the term's sign; a zero or flipped term fails here)."""
    agent = make_agent(*COUPLED, algo="cpo")
    run_epoch(agent)
    awac = {k: v[agent.dataset.values_dict["kind"] == rows.AWAC]
            for k, v in agent.dataset.values_dict.items() if torch.is_tensor(v)}
    awac = rows_of(awac, torch.arange(32))
    beta_eff = term_of(agent, ForwardKl).beta_eff
    expected = beta_eff * coupling.awac_loss(log_prob(agent, awac), awac["advantages"],
                                                   lambda_f=0.5, weight_max=100.0)
    loss, before, after = objective(agent, awac, step=True)
    assert beta_eff > 0 and loss.item() > 0
    torch.testing.assert_close(loss, expected.detach())
    weights = coupling.awac_weights(awac["advantages"], 0.5, 100.0)
    # the weighted log-likelihood of the leader's actions, the quantity the term maximises
    assert ((weights * (after - before)).sum() / weights.sum()).item() > 1e-4


def test_each_awac_row_is_weighted_with_its_own_followers_lambda_f(make_agent):
    """With a KL target every follower has its own temperature: the term's loss on AWAC rows of
    followers 1 and 2 is ``beta_eff * mean(-w log pi_F)`` with ``w = min(exp(A / lambda_f of the
    row's follower), weight_max)``, not one temperature for all."""
    agent = make_agent(*COUPLED, "+train.params.config.cpo.kl_target=0.01", algo="cpo")
    run_epoch(agent)
    term = term_of(agent, ForwardKl)
    term.lambda_f[:] = torch.tensor([9.0, 0.3, 1.5])  # the leader's [0] is never read
    awac = {k: v[agent.dataset.values_dict["kind"] == rows.AWAC]
            for k, v in agent.dataset.values_dict.items() if torch.is_tensor(v)}
    followers = awac["obs"][:, -1].round().long()
    assert set(followers.tolist()) == {1, 2}
    per_row = torch.tensor([0.3, 1.5])[followers - 1]
    expected = term.beta_eff * coupling.awac_loss(log_prob(agent, awac), awac["advantages"],
                                                  per_row, weight_max=100.0)
    loss, _, _ = objective(agent, awac)
    torch.testing.assert_close(loss, expected.detach())
    one_temperature = term.beta_eff * coupling.awac_loss(log_prob(agent, awac), awac["advantages"],
                                                         0.3, weight_max=100.0)
    assert not torch.allclose(loss, one_temperature.detach())
