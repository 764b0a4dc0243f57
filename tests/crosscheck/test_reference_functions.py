"""The public SAPG and CPO codes' own functions beside ours, on the same tensors.

``reference_side.py`` runs their vendored rl_games (one subprocess per code, every case at once);
this side computes the same quantities with our production functions and either asserts equality
within float tolerance or asserts the documented difference as such (docs/reference.md,
"Cross-checks"). Their layout: the block's coefficient id as the last observation column
(``linspace(50, 0, M)`` by env block), the leader the last block; ours: the block index, the
leader block 0, so their env block ``j`` is our block ``M - 1 - j``.
"""

import dataclasses
import tempfile

import pytest
import torch
from recording import record_update
from reference_codes import needs_reference, run_reference
from rl_games.common import a2c_common, common_losses

from rlgames_cpo.core import coupling, losses, rows, targets
from rlgames_cpo.core.blocks import entropy_coefficients
from rlgames_cpo.core.discriminator import (Discriminator, reference_labels, reference_loss,
                                            reference_reward)
from rlgames_cpo.core.minibatches import ShuffledMinibatches
from rlgames_cpo.hydra_setup import compose_config
from rlgames_cpo.launch import build_agent

pytestmark = needs_reference

H, N, M, D, A = 4, 12, 3, 5, 2      # horizon, envs, blocks, observation and action sizes
B = N // M
K = 1                               # off_policy_ratio
GAMMA, E_CLIP = 0.99, 0.2
TOLERANCE = dict(rtol=1e-5, atol=1e-6)
CPO_TERMS = dict(beta=0.01, lambda_f=0.2, lambda_r=0.5, lambda_adv=0.1, entropy_scale=0.1)
UNITS, DISCRIMINATOR_UNITS = [16, 8], [16, 16]
MAX_DIFFERENCES = {}   # case -> max |theirs - ours|, printed at the end (the docs' table)


def generator():
    return torch.Generator().manual_seed(0)


def their_ids():
    """Their coefficient id per env (last observation column): linspace(50, 0, M) by block."""
    return torch.linspace(50, 0, M).repeat_interleave(B)


def rollout():
    """A time-major rollout in their layout, with dones inside the horizon."""
    g = generator()
    ids = their_ids()
    obs = torch.cat([torch.randn(H, N, D, generator=g), ids.expand(H, N).unsqueeze(-1)], -1)
    return dict(obs=obs, actions=torch.randn(H, N, A, generator=g),
                neglogp=torch.randn(H, N, generator=g), rewards=torch.randn(H, N, 1, generator=g),
                dones=(torch.rand(H, N, generator=g) < 0.25).to(torch.uint8),
                last_obs=torch.cat([torch.randn(N, D, generator=g), ids.unsqueeze(-1)], -1),
                last_dones=(torch.rand(N, generator=g) < 0.25).to(torch.uint8),
                value_weights=torch.randn(D, 1, generator=g), gamma=GAMMA, num_blocks=M)


def value(obs, weights):
    """The value function both sides use for the relabelled rows (``reference_side``'s)."""
    return torch.tanh(obs[..., :-1] @ weights) + 0.01 * obs[..., -1:]


def loss_rows():
    """One minibatch's per-row loss inputs, with the row sets of an iteration in their
    proportions (in units of B H = 8 rows: leader 1, followers M - 1, leader rows K, AWAC M - 1):
    our PPO rows are then (M + K) / (2M + K - 1) of all rows, as over a whole iteration."""
    g = generator()
    kinds = torch.tensor([0] * 8 + [1] * 16 + [2] * 8 + [3] * 16)  # leader, follower, leader row, AWAC
    n = len(kinds)
    return dict(old_neglogp=torch.randn(n, generator=g), neglogp=torch.randn(n, generator=g),
                leader_neglogp=torch.randn(n, generator=g), advantage=torch.randn(n, generator=g),
                e_clip=E_CLIP, leader_online_mask=kinds == 0, follower_online_mask=kinds == 1,
                off_policy_mask=kinds == 2, awac_mask=kinds == 3, critic_mask=kinds != 3,
                weight_max=100.0, **{k: CPO_TERMS[k] for k in ("beta", "lambda_f", "lambda_r")})


def minibatch_ours():
    """A minibatch in our layout for the whole-minibatch check: every row set, in an
    iteration's proportions (as ``loss_rows``)."""
    g = generator()
    row_type = torch.tensor([rows.ON_POLICY] * 24 + [rows.LEADER_OFF_POLICY] * 8 + [rows.AWAC] * 16)
    blocks = torch.tensor([0] * 8 + [1] * 8 + [2] * 8 + [0] * 8 + [1] * 8 + [2] * 8)
    n = len(row_type)
    obs = torch.cat([torch.randn(n, D, generator=g) * 2 + 1, blocks.float().unsqueeze(-1)], -1)
    return {"obs": obs, "actions": torch.randn(n, A, generator=g),
            "neglogp": torch.rand(n, generator=g) * 3,
            "advantages": torch.randn(n, generator=g), "returns": torch.randn(n, 1, generator=g),
            "values": torch.randn(n, 1, generator=g),
            "mu": torch.randn(n, A, generator=g) * 0.5, "sigma": torch.rand(n, A, generator=g) + 0.5,
            "kind": row_type, "dones": torch.zeros(n)}


def to_theirs(minibatch, ids):
    """Our minibatch in their terms: the block column becomes the block's id, masks by row set."""
    their_names = {"neglogp": "old_logp_actions", "values": "old_values"}
    theirs = {their_names.get(k, k): v.clone() for k, v in minibatch.items()
              if k not in ("kind", "dones")}
    blocks = minibatch["obs"][:, -1].long()
    theirs["obs"][:, -1] = ids[M - 1 - blocks]
    row_type, leader = minibatch["kind"], blocks == 0
    theirs.update(leader_online_mask=(row_type == rows.ON_POLICY) & leader,
                  follower_online_mask=(row_type == rows.ON_POLICY) & ~leader,
                  off_policy_mask=row_type == rows.LEADER_OFF_POLICY,
                  awac_mask=row_type == rows.AWAC)
    return theirs


CPO_CASES = {
    "actor_loss": lambda: dict(kind="actor_loss", **loss_rows()),
    "actor_loss_sapg": lambda: dict(kind="actor_loss_sapg", **{
        **loss_rows(), "critic_mask": torch.ones(48, dtype=torch.bool),
        "awac_mask": torch.zeros(48, dtype=torch.bool)}),
    "actor_loss_cpo": lambda: dict(kind="actor_loss_cpo", **loss_rows()),
    "critic_loss": lambda: critic_case(True),
    "critic_loss_unclipped": lambda: critic_case(False),
    "gae": lambda: gae_case(),
    "augment": lambda: dict(kind="augment_cpo", follower=1, **rollout()),
    "dataset_rnn": lambda: dict(kind="dataset", rows=112, minibatch_size=32, seq_length=16,
                                is_rnn=True, seed=3),
    "dataset_mlp": lambda: dict(kind="dataset", rows=112, minibatch_size=48, seq_length=4,
                                is_rnn=False, seed=3),
    "agent": lambda: dict(kind="agent", num_envs=N, num_blocks=M, num_obs=D, num_actions=A,
                          horizon=H, minibatch_size=N * H // 2, units=UNITS,
                          discriminator_units=DISCRIMINATOR_UNITS, seed=0,
                          minibatch=to_theirs(minibatch_ours(), torch.linspace(50, 0, M)),
                          settings=MINIBATCH_SETTINGS,
                          log_std=torch.linspace(-0.5, 0.5, M * A).view(M, A), **CPO_TERMS),
}
SAPG_CASES = {
    "actor_loss": lambda: dict(kind="actor_loss", **{k: v for k, v in loss_rows().items()
                                                     if k != "off_policy_mask"}),
    "critic_loss": lambda: critic_case(True),
    "gae": lambda: gae_case(),
    "augment": lambda: dict(kind="augment_sapg", follower=2, **rollout()),
    "dataset_rnn": lambda: dict(kind="dataset", rows=112, minibatch_size=32, seq_length=16,
                                is_rnn=True, seed=3),
}


# The whole-minibatch check's settings: lambda_r and the input normaliser's statistics.
STATISTICS = dict(normaliser_mean=torch.linspace(-1, 1, D), normaliser_var=torch.linspace(0.5, 3, D))
IDENTITY = dict(normaliser_mean=torch.zeros(D), normaliser_var=torch.ones(D))
MINIBATCH_SETTINGS = [dict(lambda_r=0.0, **STATISTICS),    # every paper config: lambda_r = 0
                      dict(lambda_r=0.5, **IDENTITY),
                      dict(lambda_r=0.5, **STATISTICS)]


def critic_case(clip_value):
    g = generator()
    n = 48
    return dict(kind="critic_loss", old_values=torch.randn(n, 1, generator=g),
                values=torch.randn(n, 1, generator=g), returns=torch.randn(n, 1, generator=g),
                e_clip=E_CLIP, clip_value=clip_value, critic_mask=loss_rows()["critic_mask"])


def gae_case():
    r = rollout()
    g = generator()
    return dict(kind="gae", rewards=r["rewards"], values=torch.randn(H, N, 1, generator=g),
                last_values=torch.randn(N, 1, generator=g), dones=r["dones"].float(),
                last_dones=r["last_dones"].float(), gamma=GAMMA, tau=0.95)


@pytest.fixture(scope="module")
def theirs(tmp_path_factory):
    """Every case's result from each public code: ``theirs[code][case]``."""
    cases = {"cpo": CPO_CASES, "sapg": SAPG_CASES}
    return {code: run_reference(code, {name: make() for name, make in made.items()},
                                tmp_path_factory.mktemp(code))
            for code, made in cases.items()}


@pytest.fixture(scope="module", autouse=True)
def cross_check_table():
    """After the module's tests, prints each case's largest difference (docs/reference.md's
    table; shown with ``-s``)."""
    yield
    for case, difference in sorted(MAX_DIFFERENCES.items()):
        print(f"| {case} | {difference:.1e} |")


def close(case, theirs, ours, **tolerance):
    """Asserts equality within float tolerance and records the largest difference."""
    theirs, ours = torch.as_tensor(theirs, dtype=torch.float32), torch.as_tensor(ours, dtype=torch.float32)
    torch.testing.assert_close(ours, theirs, **(tolerance or TOLERANCE))
    difference = (ours - theirs).abs().max().item() if ours.numel() else 0.0
    MAX_DIFFERENCES[case] = max(MAX_DIFFERENCES.get(case, 0.0), difference)


@pytest.mark.parametrize("code", ["cpo", "sapg"])
def test_ppo_actor_loss(theirs, code):
    case = loss_rows()
    ours = common_losses.actor_loss(case["old_neglogp"], case["neglogp"], case["advantage"], True,
                                    E_CLIP)   # our agents' actor_loss_func on PPO and leader rows
    close(f"actor_loss ({code} code)", theirs[code]["actor_loss"]["loss"], ours)


def test_sapg_actor_loss_of_the_cpo_code(theirs):
    case = loss_rows()
    ours = common_losses.actor_loss(case["old_neglogp"], case["neglogp"], case["advantage"], True, E_CLIP)
    close("actor_loss_sapg (cpo code)", theirs["cpo"]["actor_loss_sapg"]["loss"], ours)


def our_cpo_actor_terms(case, neglogp):
    """Our CPO actor terms on ``case``'s rows: the per-row PPO loss (with Eq. 25's shaping on the
    followers' own rows), the per-row AWAC term before beta, and the objective we minimise."""
    followers = case["follower_online_mask"]
    ppo_rows = ~case["awac_mask"]
    shaped = coupling.reverse_kl_advantages(case["advantage"], -neglogp, -case["leader_neglogp"],
                                            followers, case["lambda_r"])
    per_row = common_losses.actor_loss(case["old_neglogp"], neglogp, shaped, True, E_CLIP)
    awac = case["awac_mask"]
    weights = coupling.awac_weights(case["advantage"], case["lambda_f"], case["weight_max"])
    awac_rows = -weights * -neglogp
    total = (losses.mean(per_row[ppo_rows])
             + coupling.beta_eff(case["beta"], M, K) * coupling.awac_loss(
                 -neglogp[awac], case["advantage"][awac], case["lambda_f"], case["weight_max"]))
    return per_row, awac_rows, total


def test_cpo_actor_loss_awac_weight_and_reverse_kl(theirs):
    """Per row their loss is ours (PPO rows; Eq. 25 on followers' rows; beta x the AWAC term on
    AWAC rows). Reduced, theirs averages every row (``ppo_row + beta * awac_row``), ours is
    ``mean(PPO rows) + beta_eff * mean(AWAC rows)``: equal up to the share of PPO rows,
    ``(M + K) / (2M + K - 1)``, for a minibatch of an iteration's mix (docs/reference.md)."""
    case = loss_rows()
    result = theirs["cpo"]["actor_loss_cpo"]
    neglogp = case["neglogp"].clone().requires_grad_()
    per_row, awac_rows, total = our_cpo_actor_terms(case, neglogp)
    awac = case["awac_mask"]
    close("actor_loss_cpo per row", result["loss"][~awac], per_row[~awac])
    close("actor_loss_cpo per row", result["loss"][awac], case["beta"] * awac_rows[awac])
    share = (M + K) / (2 * M + K - 1)
    assert (~awac).float().mean().item() == pytest.approx(share)
    close("actor_loss_cpo mean", result["loss"].mean(), share * total)
    gradient, = torch.autograd.grad(share * total, neglogp)
    close("actor_loss_cpo gradient", result["gradient"], gradient)


def test_critic_loss(theirs):
    case = critic_case(True)
    args = (case["old_values"], case["values"], E_CLIP, case["returns"])
    for name, clip in (("critic_loss", True), ("critic_loss_unclipped", False)):
        ours = common_losses.critic_loss(None, *args, clip)   # what our agents call
        close("critic_loss", theirs["cpo"][name]["loss"], ours)
    close("critic_loss (sapg code)", theirs["sapg"]["critic_loss"]["loss"],
          common_losses.critic_loss(None, *args, True))
    # the CPO code's masked version averages every row (AWAC rows count as 0); ours the PPO rows
    ours = common_losses.critic_loss(None, *args, True).sum(-1)
    mask = case["critic_mask"]
    close("critic_loss_sapg2 mean", theirs["cpo"]["critic_loss"]["masked"].mean(),
          mask.float().mean() * losses.mean(ours[mask]))


@pytest.mark.parametrize("code", ["cpo", "sapg"])
def test_gae(theirs, code):
    case = gae_case()
    agent = type("Namespace", (), dict(horizon_length=H, gamma=GAMMA, tau=0.95))()
    ours = a2c_common.A2CBase.discount_values(agent, case["last_dones"], case["last_values"],
                                              case["dones"], case["values"], case["rewards"])
    close(f"gae ({code} code)", theirs[code]["gae"]["advantages"], ours)


def our_relabelled_td(r, envs, ids):
    """Our one-step TD targets and values of ``envs``' transitions (their layout) relabelled to
    the block ids ``ids`` (one per env): ``(n * H, 1)`` env-major rows."""
    obs = torch.cat([r["obs"][:, envs], r["last_obs"][envs].unsqueeze(0)]).clone()
    obs[..., -1] = ids
    values = value(obs, r["value_weights"])
    next_dones = targets.shift_to_next(r["dones"][:, envs], r["last_dones"][envs]).unsqueeze(-1)
    td = targets.td0_targets(r["rewards"][:, envs], values[1:], next_dones, GAMMA)
    return rows.time_major_to_rows(td), rows.time_major_to_rows(values[:-1])


@pytest.mark.parametrize("code, follower", [("sapg", 2), ("cpo", 1)])
def test_leader_rows_td_targets(theirs, code, follower):
    """The leader's rows: their follower ``repeat_idxs`` index ``f`` is env block ``f - 1``, its
    samples relabelled to the leader's id (0) with TD(0) targets under the leader's value."""
    r, out = rollout(), theirs[code]["augment"]
    envs = torch.arange((follower - 1) * B, follower * B)
    mask = out["off_policy_mask"]
    assert mask.sum() == B * H
    assert (out["obses"][mask][:, -1] == 0).all()                       # the leader's id
    close("leader rows: observations", out["obses"][mask][:, :-1],
          rows.time_major_to_rows(r["obs"][:, envs])[:, :-1])
    returns, values = our_relabelled_td(r, envs, 0.0)
    close(f"leader rows: TD targets ({code} code)", out["returns"][mask], returns)
    close(f"leader rows: values ({code} code)", out["values"][mask], values)


def test_awac_rows_are_the_leaders_samples_with_each_followers_td_advantage(theirs):
    r, out = rollout(), theirs["cpo"]["augment"]
    ids, awac = their_ids(), theirs["cpo"]["augment"]["awac_mask"]
    leader_envs = torch.arange((M - 1) * B, M * B)
    assert awac.sum() == (M - 1) * B * H
    expected_returns, expected_values, expected_ids = [], [], []
    for block in range(M - 1):                                        # their follower env blocks
        returns, values = our_relabelled_td(r, leader_envs, ids[block * B])
        expected_returns.append(returns)
        expected_values.append(values)
        expected_ids.append(torch.full((B * H,), ids[block * B].item()))
    close("AWAC rows: observations", out["obses"][awac][:, :-1],
          rows.time_major_to_rows(r["obs"][:, leader_envs])[:, :-1].repeat(M - 1, 1))
    close("AWAC rows: ids", out["obses"][awac][:, -1], torch.cat(expected_ids))
    close("AWAC rows: actions", out["actions"][awac],
          rows.time_major_to_rows(r["actions"][:, leader_envs]).repeat(M - 1, 1))
    advantages = torch.cat(expected_returns) - torch.cat(expected_values)
    close("AWAC advantages", out["returns"][awac] - out["values"][awac], advantages)


@pytest.mark.parametrize("code", ["cpo", "sapg"])
def test_rnn_minibatches_equal_theirs_with_the_same_seed(theirs, code):
    """One shuffle of whole sequences per iteration, the last minibatch with the remainder: with
    the same seed our minibatches are theirs, sequence for sequence (7 sequences of 16 rows,
    minibatch 32: 2, 2 and 3 sequences)."""
    result = theirs[code]["dataset_rnn"]
    data = ShuffledMinibatches(32, seq_length=16, generator=torch.Generator().manual_seed(3))
    data.update_values_dict({"advantages": torch.arange(112.0),
                             "rnn_states": [torch.arange(7.0).view(1, -1, 1)]})
    ours = [data[i] for i in range(len(data))]
    assert len(ours) == len(result["rows"]) == 3
    for mine, their_rows, their_sequences in zip(ours, result["rows"], result["sequences"]):
        assert torch.equal(mine["advantages"].long(), their_rows)
        assert torch.equal(mine["rnn_states"][0].view(-1).long(), their_sequences)
    MAX_DIFFERENCES[f"RNN minibatches ({code} code)"] = 0.0


def test_mlp_minibatches_have_their_sizes_and_every_row_once(theirs):
    """An MLP's rows: theirs are shuffled in runs of seq_length (4) steps of one env, ours one by
    one (docs/reference.md), so the sets differ; the sizes are theirs and every row trains once."""
    result = theirs["cpo"]["dataset_mlp"]
    data = ShuffledMinibatches(48, generator=torch.Generator().manual_seed(3))
    data.update_values_dict({"advantages": torch.arange(112.0)})
    ours = [data[i]["advantages"].long() for i in range(len(data))]
    assert [len(p) for p in ours] == [len(p) for p in result["rows"]] == [48, 64]
    for parts in (ours, result["rows"]):
        assert torch.equal(torch.cat(parts).sort().values, torch.arange(112))
    runs = torch.cat(result["rows"]).view(-1, 4)
    assert (runs[:, 1:] - runs[:, :-1] == 1).all()     # theirs: consecutive runs of 4 rows
    assert not (torch.cat(ours).view(-1, 4).diff(dim=1) == 1).all()


def test_entropy_coefficients_are_theirs_with_the_leader_first(theirs):
    agent = theirs["cpo"]["agent"]
    ids = agent["coefficient_ids"]
    assert torch.equal(ids, torch.linspace(50, 0, M))                 # their leader: id 0, last
    ours = entropy_coefficients(M, CPO_TERMS["entropy_scale"], 0.0)
    close("entropy coefficients", agent["entropy_coefficients"], ours.flip(0))


def our_discriminator(state: dict) -> Discriminator:
    """Ours, with their discriminator's weights (their layers[i] is our net[2 i])."""
    ours = Discriminator(D, A, M, DISCRIMINATOR_UNITS, "elu")
    mapped = {}
    for name, tensor in state.items():
        kind, rest = name.split(".", 1)
        if kind == "layers":
            index, param = rest.split(".")
            mapped[f"net.{2 * int(index)}.{param}"] = tensor
        else:
            mapped[f"net.{2 * len(DISCRIMINATOR_UNITS)}.{rest}"] = tensor
    ours.load_state_dict(mapped)
    return ours


def test_reference_mode_reward_is_the_public_codes(theirs):
    """``cpo.discriminator.reward=reference``: on their rollout (raw observations without the id
    column, actions) and their discriminator's weights, our labels, reward and loss are theirs."""
    agent = theirs["cpo"]["agent"]
    discriminator = our_discriminator(agent["discriminator"])
    features = agent["obses"][..., :-1].reshape(H * N, -1)
    with torch.no_grad():
        logits = discriminator(features, agent["actions"].reshape(H * N, -1))
    labels = reference_labels(H, N, M).reshape(-1)
    reward = reference_reward(logits, labels, CPO_TERMS["lambda_adv"]).view(H, N, 1)
    close("adversarial reward (reference mode)", agent["adversarial_reward"], reward)
    close("discriminator loss (reference mode)", agent["discriminator_loss"],
          reference_loss(logits, labels)["loss_discriminator"])
    assert (reward[:, (M - 1) * B:] != 0).any()       # their leader's envs get the reward too


def our_agent(tmp):
    """Our CpoAgent at the sizes and settings of their agent in reference_side.py."""
    return build_agent(compose_config(
        "experiment=t", f"train_dir={tmp}", "rl_device=cpu", "task=Synthetic",
        "train=SyntheticCPO", f"num_envs={N}", f"task.env.numObservations={D}",
        f"task.env.numActions={A}", f"train.params.network.mlp.units=[{UNITS[0]},{UNITS[1]}]",
        f"train.params.config.horizon_length={H}", "train.params.config.minibatch_size_per_env=2",
        "train.params.config.normalize_value=False", "train.params.config.critic_coef=4",
        "train.params.config.use_smooth_clamp=False",   # the Ant configs' setting; theirs: PPO's clip
        "train.params.config.sapg.num_blocks=3",
        f"train.params.config.sapg.entropy_scale={CPO_TERMS['entropy_scale']}",
        *(f"train.params.config.cpo.{k}={CPO_TERMS[k]}" for k in ("beta", "lambda_f", "lambda_r")),
        "train.params.config.cpo.lambda_adv=0"))


def their_weights_for_ours(state: dict) -> dict:
    """Their model's weights under our names: per-block rows reversed (their env block j is our
    block M - 1 - j), the per-block parameter is our embedding table, sigma our log-std table."""
    renamed = {"a2c_network.extra_params": "a2c_network.embedding.table",
               "a2c_network.sigma": "a2c_network.block_log_std"}
    return {renamed.get(k, k): v.flip(0) if k in renamed else v for k, v in state.items()}


def our_minibatch_loss(agent, minibatch, setting):
    """Our agent's ``calc_gradients`` on ``minibatch`` with ``setting``: loss and gradients."""
    agent.cpo = dataclasses.replace(agent.cpo, lambda_r=setting["lambda_r"])
    agent.terms = [term(agent) for term in agent.TERMS if term.active(agent)]
    agent.model.running_mean_std.running_mean.copy_(setting["normaliser_mean"])
    agent.model.running_mean_std.running_var.copy_(setting["normaliser_var"])
    seen = record_update(agent)
    agent.dataset = ShuffledMinibatches(len(minibatch["advantages"]))
    agent.dataset.update_values_dict({k: v.clone() for k, v in minibatch.items()})
    agent.on_policy_rows_per_minibatch = (minibatch["kind"] == rows.ON_POLICY).sum()
    agent.set_train()
    agent.calc_gradients({k: v.clone() for k, v in minibatch.items()})
    a_loss, c_loss, entropy, _, _, _, _, _, b_loss = agent.train_result
    seen.update(actor=a_loss.detach(), critic=c_loss.detach(), entropy=entropy.detach(),
                bounds=b_loss.detach())
    return seen


@pytest.fixture(scope="module")
def minibatch_losses(theirs):
    """Ours and theirs on the same minibatch and weights, for each of MINIBATCH_SETTINGS."""
    result = theirs["cpo"]["agent"]
    with tempfile.TemporaryDirectory() as tmp:
        agent = our_agent(tmp)
    state = their_weights_for_ours(result["model"])
    agent.model.load_state_dict({**agent.model.state_dict(), **state})
    # the per-block tables matter: their rows differ, so a wrong mapping would show
    assert not torch.allclose(state["a2c_network.block_log_std"][0],
                              state["a2c_network.block_log_std"][1])
    ours = [our_minibatch_loss(agent, minibatch_ours(), setting) for setting in MINIBATCH_SETTINGS]
    # their defect, emulated: log pi_L of observations normalised before the model normalises them
    policy_under = agent.policy_under
    agent.policy_under = lambda row_set, block=None: policy_under(
        dataclasses.replace(row_set, obs=agent.model.norm_obs(row_set.obs)), block)
    ours.append(our_minibatch_loss(agent, minibatch_ours(), MINIBATCH_SETTINGS[2]))
    return list(zip(result["minibatches"] + result["minibatches"][2:], ours))


SHARE = (M + K) / (2 * M + K - 1)   # PPO rows of all rows, in a minibatch of an iteration's mix


@pytest.mark.parametrize("setting", [0, 1], ids=["paper (lambda_r 0)", "lambda_r 0.5"])
def test_a_whole_minibatch_loss_and_gradient_on_mapped_weights(minibatch_losses, setting):
    """Their agent's ``calc_gradients`` and ours on the same minibatch (every row set: leader and
    followers on-policy, leader rows, AWAC rows; per-block entropy, Eq. 25, the AWAC weight,
    critic and bounds terms) with the same weights: the loss and every parameter's gradient are
    equal up to the share of PPO rows, the documented difference of the reduction."""
    theirs, ours = minibatch_losses[setting]
    close("whole minibatch: loss", theirs["loss"], SHARE * ours["loss"])
    for term in ("critic", "entropy", "bounds"):   # what rl_games logs of each
        close(f"whole minibatch: {term}", theirs[term], SHARE * ours[term])
    for name, gradient in their_weights_for_ours(theirs["gradients"]).items():
        close("whole minibatch: gradients", gradient, SHARE * ours["gradients"][name],
              rtol=1e-4, atol=1e-6)


def test_their_reverse_kl_normalises_the_leaders_observations_twice(minibatch_losses):
    """With lambda_r > 0 and input statistics away from identity the codes differ: theirs
    evaluates log pi_L on the minibatch dict its first forward already normalised in place, so
    the leader's observations are normalised twice (docs/reference.md). With identity statistics
    (the case above) the two agree; and our loss with their double normalisation emulated is
    theirs: that is the whole difference."""
    theirs, ours = minibatch_losses[2]
    assert abs(theirs["loss"].item() - SHARE * ours["loss"].item()) > 1e-4    # float noise: 1e-7
    theirs, emulated = minibatch_losses[3]
    close("whole minibatch, lambda_r 0.5, their double normalisation emulated: loss",
          theirs["loss"], SHARE * emulated["loss"])
