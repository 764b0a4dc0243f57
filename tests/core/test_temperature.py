"""lambda_f adapted to a KL target, and scheduled (rlgames_cpo.core.temperature), on
hand-computed values."""

import math

import pytest
import torch

from rlgames_cpo.core import temperature

BOUNDS = dict(low=0.02, high=2.0)


def step(lambda_f, kl, target=0.01, rate=0.1, **bounds):
    return temperature.kl_target_step(torch.tensor(lambda_f), torch.tensor(kl), target, rate,
                                      **{**BOUNDS, **bounds})


def test_a_follower_above_its_target_gets_a_smaller_lambda_f_and_below_a_larger_one():
    # relative errors (KL - eps) / eps = 1, 0, -0.5 -> log lambda_f moves by -0.1, 0, +0.05
    new = step([0.2, 0.2, 0.2], [0.02, 0.01, 0.005])
    torch.testing.assert_close(new, torch.tensor([0.2 * math.exp(-0.1), 0.2, 0.2 * math.exp(0.05)]))
    torch.testing.assert_close(new, torch.tensor([0.180967, 0.2, 0.210254]))


def test_a_follower_at_its_target_keeps_its_multiplier():
    for lambda_f in (0.03, 0.2, 1.5):
        assert step([lambda_f], [0.01]).item() == pytest.approx(lambda_f, rel=1e-7)


def test_one_step_is_at_most_a_factor_exp_rate_each_way():
    # KL ten times the target counts as twice (error clipped at 1); KL 0 as error -1
    torch.testing.assert_close(step([0.2, 0.2], [0.1, 0.0], rate=0.3),
                               torch.tensor([0.2 * math.exp(-0.3), 0.2 * math.exp(0.3)]))
    torch.testing.assert_close(step([0.2], [0.1]), step([0.2], [0.02]))


def test_the_bounds_hold():
    torch.testing.assert_close(step([0.021, 1.9], [1.0, 0.0]), torch.tensor([0.02, 2.0]))
    # from the start, a KL far above the target reaches the lower bound after
    # ceil(ln(0.2 / 0.02) / 0.1) = 24 steps and stays there
    lambda_f = torch.tensor([0.2])
    history = []
    for _ in range(30):
        lambda_f = temperature.kl_target_step(lambda_f, torch.tensor([5.0]), 0.01, 0.1, **BOUNDS)
        history.append(lambda_f.item())
    assert history[22] > 0.02 and history[23:] == [pytest.approx(0.02)] * 7


def test_each_follower_steps_on_its_own_kl():
    new = step([0.2, 0.5], [0.0, 0.015])  # errors -1 and 0.5
    torch.testing.assert_close(new, torch.tensor([0.2 * math.exp(0.1), 0.5 * math.exp(-0.05)]))


@pytest.mark.parametrize("frame, expected", [(0, 0.5), (250, 0.4), (500, 0.3), (1000, 0.1),
                                             (5000, 0.1)])
def test_the_schedule_goes_linearly_from_start_to_end_then_stays(frame, expected):
    assert temperature.scheduled(0.5, 0.1, 1000, frame) == pytest.approx(expected)
