"""Mixed precision as far as a CPU runs it: rl_games autocasts on CUDA only (bfloat16), so here
a cpo iteration with every term on runs inside CPU bfloat16 autocast, and the flag itself, a
no-op on the CPU, says so."""

import torch
from agent_helpers import SMALL, run_epoch, term_of

from rlgames_cpo.adapters.terms.adversarial import AdversarialReward

from rlgames_cpo.core.coupling import awac_loss, reverse_kl_advantages
from rlgames_cpo.core.discriminator import Discriminator, adversarial_reward, discriminator_loss

ALL_TERMS = ["+train.params.config.cpo.beta=0.01", "+train.params.config.cpo.lambda_r=0.1",
             "+train.params.config.cpo.lambda_adv=0.01",
             "+train.params.config.cpo.discriminator.units=[32,32]"]


def test_cpo_terms_in_bfloat16_match_float32():
    torch.manual_seed(0)
    discriminator = Discriminator(5, 2, 4, (16, 16), "elu")
    obs, actions, blocks = torch.randn(64, 5), torch.randn(64, 2), torch.randint(0, 4, (64,))
    log_prob, leader, advantages = torch.randn(64), torch.randn(64), torch.randn(64)
    followers = blocks != 0

    def terms():
        logits = discriminator(obs, actions)
        return (adversarial_reward(logits, blocks, 0.01),
                discriminator_loss(logits, blocks)["loss_discriminator"],
                awac_loss(log_prob, advantages, 0.2, 100.0),
                reverse_kl_advantages(advantages, log_prob, leader, followers, 0.1))

    exact = terms()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = terms()
    assert low[0].dtype in (torch.bfloat16, torch.float32)  # the logits were computed in bf16
    for a, b in zip(exact, low):
        assert torch.isfinite(b).all()
        torch.testing.assert_close(b.float(), a, rtol=0.05, atol=0.02)


def test_a_cpo_iteration_with_every_term_runs_under_bfloat16_autocast(make_agent):
    agent = make_agent(*SMALL, *ALL_TERMS, algo="cpo")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        _, dataset = run_epoch(agent)
    assert all(torch.isfinite(p).all() for p in agent.model.parameters())
    assert all(torch.isfinite(p).all() for p in term_of(agent, AdversarialReward).discriminator.parameters())
    assert torch.isfinite(dataset["advantages"]).all()


def test_mixed_precision_on_the_cpu_says_it_trains_in_float32(make_agent, capsys):
    # stock configs set it (IsaacGymEnvs' AllegroKuka, Humanoid, Anymal): they must still run
    agent = make_agent(*SMALL, "train.params.config.mixed_precision=True", algo="cpo")
    assert "mixed_precision=True has no effect on cpu: rl_games autocasts on CUDA only, so this " \
           "run trains in float32" in capsys.readouterr().out
    run_epoch(agent)
