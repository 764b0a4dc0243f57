import math

import pytest
import torch

from rlgames_cpo.core.discriminator import (MIN_LOG_PROB, Discriminator, adversarial_reward,
                                            discriminator_loss, reference_labels, reference_loss,
                                            reference_reward)


def test_reward_is_lambda_log_d_for_followers_and_zero_for_the_leader():
    logits = torch.log(torch.tensor([[0.5, 0.25, 0.25], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]))
    blocks = torch.tensor([0, 1, 2])
    reward = adversarial_reward(logits, blocks, lambda_adv=0.01)
    assert reward[0].item() == 0.0
    assert math.isclose(reward[1].item(), 0.01 * math.log(0.6), rel_tol=1e-5)
    assert math.isclose(reward[2].item(), 0.01 * math.log(0.6), rel_tol=1e-5)


def test_reward_is_bounded_by_the_clamp():
    logits = torch.tensor([[0.0, 100.0], [100.0, 0.0]])   # follower sample judged certain leader
    reward = adversarial_reward(logits, torch.tensor([1, 1]), lambda_adv=2.0)
    assert abs(reward[0].item()) < 1e-6                    # correctly identified: log D ~ 0
    assert reward[1].item() == pytest.approx(2.0 * MIN_LOG_PROB)


def test_loss_is_cross_entropy_on_logits_with_accuracy():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    blocks = torch.tensor([0, 0])
    terms = discriminator_loss(logits, blocks)
    expected = -(torch.log_softmax(logits, -1)[[0, 1], [0, 0]]).mean()
    torch.testing.assert_close(terms["loss_discriminator"], expected)
    assert terms["accuracy"].item() == 0.5


def test_discriminator_shape():
    d = Discriminator(obs_dim=5, action_dim=2, num_blocks=4, units=(8, 8), activation="elu")
    assert d(torch.zeros(3, 5), torch.zeros(3, 2)).shape == (3, 4)
    with pytest.raises(ValueError, match="activation='gelu'"):
        Discriminator(5, 2, 4, (8,), "gelu")


def test_reference_labels_mark_chunks_of_time_not_blocks():
    # H = 4, N = 6, M = 3: 24 samples flattened time-major (t * 6 + e), chunks of 24 / 3 = 8
    # labelled 2, 1, 0 in that order
    labels = reference_labels(horizon=4, num_envs=6, num_blocks=3)
    assert labels.tolist() == [[2, 2, 2, 2, 2, 2],
                               [2, 2, 1, 1, 1, 1],
                               [1, 1, 1, 1, 0, 0],
                               [0, 0, 0, 0, 0, 0]]


def test_reference_reward_is_cross_entropy_of_softmax_probabilities():
    e = math.e
    # rows: uniform logits (probabilities 1/3); certain of class 1 (probabilities 0, 1, 0) twice
    logits = torch.tensor([[0.0, 0.0, 0.0], [-100.0, 100.0, -100.0], [-100.0, 100.0, -100.0],
                           [0.0, 0.0, 0.0]])
    labels = torch.tensor([1, 1, 2, 0])
    reward = reference_reward(logits, labels, lambda_adv=0.5)
    # CE of probabilities p, label y: log(sum_j e^{p_j}) - p_y
    # uniform: log(3 e^{1/3}) - 1/3 = log 3; certain and right: log(e + 2) - 1; certain and
    # wrong: log(e + 2); label 0 (the "leader" class): no reward
    expected = [-0.5 * math.log(3), -0.5 * (math.log(e + 2) - 1), -0.5 * math.log(e + 2), 0.0]
    torch.testing.assert_close(reward, torch.tensor(expected))
    terms = reference_loss(logits, labels)
    ce = [math.log(3), math.log(e + 2) - 1, math.log(e + 2), math.log(3)]
    assert terms["loss_discriminator"].item() == pytest.approx(sum(ce) / 4, rel=1e-6)
    assert terms["accuracy"].item() == 0.5   # rows 1 and 3 (a tie argmaxes to class 0)
