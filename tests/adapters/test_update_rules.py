"""How sapg and cpo turn a batch into optimizer steps, on real (small) agents: the minibatch rule,
the input normaliser fed once per iteration, the per-row entropy coefficients, and the KL the
adaptive learning rate reads."""

import copy

import pytest
import torch
from agent_helpers import SMALL, run_epoch

from rlgames_cpo.adapters.row_sets import RowSet
from rlgames_cpo.core import losses, rows

# The issue's iteration: N = 60, H = 16, M = 6 (B = 10), k = 1, minibatch_size 480, 1 mini-epoch
ISSUE = ["task=EnvpoolPendulum", "train=EnvpoolPendulumPPO", "num_envs=60",
         "train.params.config.horizon_length=16", "~train.params.config.minibatch_size_per_env",
         "+train.params.config.minibatch_size=480", "train.params.config.mini_epochs=1",
         "+train.params.config.sapg.num_blocks=6", "+train.params.config.cpo.beta=0.001"]


@pytest.mark.parametrize("algo, rows_per_iteration, sizes", [
    ("a2c_continuous", 960, [480, 480]),   # N H = 960 rows / 480
    ("sapg", 1120, [480, 640]),            # + k B H = 160 leader rows: the last takes them
    ("cpo", 1920, [480] * 4),              # + (M - 1) B H = 800 AWAC rows: 1920 / 480
])
def test_every_row_trains_in_minibatches_of_the_public_codes_rule(make_agent, algo,
                                                                  rows_per_iteration, sizes):
    agent = make_agent(*ISSUE, algo=algo)
    trained = []
    calc_gradients = agent.calc_gradients

    def counting(input_dict):
        trained.append(input_dict["advantages"].clone())
        return calc_gradients(input_dict)

    agent.calc_gradients = counting
    _, data = run_epoch(agent)
    assert len(data["advantages"]) == rows_per_iteration
    assert [len(rows) for rows in trained] == sizes
    # every row of the iteration exactly once (the advantages are distinct floats)
    assert torch.equal(torch.cat(trained).sort().values, data["advantages"].sort().values)


def test_the_input_normaliser_counts_every_rollout_sample_once(make_agent):
    # cpo with AWAC rows: leader states appear 1 + (M - 1) times in the batch
    agent = make_agent(*SMALL, "+train.params.config.cpo.beta=0.01", algo="cpo")
    run_epoch(agent)                                       # statistics away from their start
    reference = copy.deepcopy(agent.model.running_mean_std)
    rollout, data = run_epoch(agent)
    assert len(data["obs"]) > len(rollout["obses"])        # the duplicated rows were trained on
    reference.train()
    with torch.no_grad():
        reference(rollout["obses"][:, :-1])                # the rollout alone, block column aside
    for name, expected in reference.named_buffers():
        assert torch.equal(getattr(agent.model.running_mean_std, name), expected), name


def test_entropy_coefficients_per_row_inside_the_loss(make_agent):
    agent = make_agent(*SMALL, "+train.params.config.sapg.entropy_scale=0.2")
    run_epoch(agent)
    # rows of blocks 0, 1, 2, 2: c_b = 0.2 * 0.5 * b / 2 = 0, 0.05, 0.1, 0.1
    obs = torch.zeros(4, 4)
    obs[:, -1] = torch.tensor([0.0, 1.0, 2.0, 2.0])
    zeros, neglogp = torch.zeros(4, 1), torch.ones(4)
    entropy = torch.tensor([1.0, 2.0, 3.0, 4.0])
    minibatch = RowSet(obs=obs, actions=zeros, neglogp=neglogp, mu=zeros, sigma=zeros + 1,
                       dones=torch.zeros(4), kind=torch.full((4,), rows.ON_POLICY), values=zeros,
                       returns=zeros, advantages=torch.zeros(4))
    terms = agent.loss(minibatch, {"prev_neglogp": neglogp, "values": zeros, "mus": zeros,
                                   "entropy": entropy})
    loss, a_loss, c_loss = losses.total(terms), terms["actor_loss"], terms["critic_loss"]
    reported_entropy, b_loss = terms["entropy"], terms["bounds_loss"]
    # actor, critic and bounds terms are 0 here; entropy: -(0 + 0.1 + 0.3 + 0.4) / 4 = -0.2
    assert a_loss.item() == 0 and c_loss.item() == 0 and b_loss.item() == 0
    assert loss.item() == pytest.approx(-0.2)
    assert reported_entropy.item() == pytest.approx(2.5)


def test_the_adaptive_lr_reads_the_kl_of_on_policy_rows_only(make_agent):
    agent = make_agent(*SMALL)
    run_epoch(agent)
    minibatch = agent.dataset[0]                          # the epoch's dataset, reshuffled
    with torch.no_grad():
        now = agent.policy_under(RowSet.of(minibatch))
    on_policy = minibatch["kind"] == rows.ON_POLICY
    assert 0 < on_policy.sum() < len(on_policy)
    # old policy: the current one moved by 1 in the first action dim on on-policy rows (KL
    # 1 / (2 sigma^2) each), by 10 on the leader's off-policy rows (which must not count)
    sigma = now["sigmas"]
    shift = torch.where(on_policy, 1.0, 10.0)
    minibatch["mu"] = now["mus"].clone()
    minibatch["mu"][:, 0] += shift
    minibatch["sigma"] = sigma
    agent.calc_gradients(minibatch)
    kl = agent.train_result[3]
    per_row = 1 / (2 * sigma[on_policy, 0] ** 2)
    # over the on-policy rows an average minibatch holds: 96 of 128 rows in 2 minibatches = 48
    assert kl.item() == pytest.approx((per_row.sum() / 48).item(), rel=1e-5)
