"""CpoAgent on a small Pendulum rollout: AWAC rows, discriminator labels and reward, and the
exact reduction to SAPG."""

import torch
from agent_helpers import SMALL, run_epoch

from rlgames_cpo.adapters import cpo_agent
from rlgames_cpo.core import rows
from rlgames_cpo.core.conditioning import split_block_column
from rlgames_cpo.core.discriminator import adversarial_reward

DISCRIMINATOR = ["+train.params.config.cpo.lambda_adv=0.5",
                 "+train.params.config.cpo.discriminator.units=[16]"]


def test_awac_rows_give_every_follower_the_leaders_samples(make_agent):
    agent = make_agent(*SMALL, "+train.params.config.cpo.beta=0.01", algo="cpo")
    captured = []
    values_under = agent._values_under

    def capture(envs, labels):
        captured.append((envs, labels, values_under(envs, labels)))
        return captured[-1][2]

    agent._values_under = capture
    rollout, data = run_epoch(agent)
    B, H = 4, 8
    awac = data["row_type"] == rows.AWAC
    assert awac.sum() == 2 * B * H                         # (M - 1) * B * H
    _, labels = split_block_column(data["obs"][awac])
    assert labels.tolist() == [1] * B * H + [2] * B * H
    leader_rows = torch.arange(B * H)                      # envs 0..3, env-major
    for i in range(2):
        part = slice(i * B * H, (i + 1) * B * H)
        torch.testing.assert_close(data["actions"][awac][part], rollout["actions"][leader_rows])
        torch.testing.assert_close(data["obs"][awac][part][:, :-1],
                                   rollout["obses"][leader_rows][:, :-1])
    # TD(0) advantage under each follower's value, before the joint normalisation
    envs, labels, values = captured[-1]
    assert envs.tolist() == [0, 1, 2, 3] * 2 and labels.tolist() == [1] * 4 + [2] * 4
    td = rows.time_major_to_rows(agent._one_step_td(envs, values) - values[:-1])[:, 0]
    # the dataset holds them normalised jointly with the other rows: an affine image of td
    fit = torch.linalg.lstsq(torch.stack([td, torch.ones_like(td)], 1),
                             data["advantages"][awac].unsqueeze(1)).solution
    torch.testing.assert_close(td * fit[0] + fit[1], data["advantages"][awac], rtol=1e-4, atol=1e-4)
    assert fit[0].item() > 0


def test_discriminator_labels_are_the_acting_block_and_the_leader_gets_no_bonus(make_agent,
                                                                               monkeypatch):
    agent = make_agent(*SMALL, *DISCRIMINATOR, algo="cpo")
    seen = {}

    def spy(logits, blocks, lambda_adv):
        seen["blocks"], seen["reward"] = blocks, adversarial_reward(logits, blocks, lambda_adv)
        return seen["reward"]

    monkeypatch.setattr(cpo_agent, "adversarial_reward", spy)
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
    for a, b in zip(agent.discriminator.parameters(), other.discriminator.parameters()):
        assert torch.equal(a, b)
