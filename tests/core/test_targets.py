import torch

from rlgames_cpo.core import targets


def test_td0_targets_hand_built_batch():
    """Two envs, horizon 3, gamma 0.5. rl_games' dones[t] = 1 when obs t starts an episode.

    env 0: no episode end.           y_t = r_t + 0.5 * V(s_t+1)
    env 1: obs 2 starts a new episode (the step 1 -> 2 ended one), so y_1 = r_1 (no bootstrap);
           after the rollout the final obs also starts an episode, so y_2 = r_2.
    """
    rewards = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])          # (H=3, n=2)
    values = torch.tensor([[10.0, 20.0], [30.0, 40.0], [50.0, 60.0]])     # V(s_t)
    last_values = torch.tensor([70.0, 80.0])                              # V(s_3)
    dones = torch.tensor([[0, 0], [0, 0], [0, 1]])
    last_dones = torch.tensor([0, 1])
    next_values = targets.shift_to_next(values, last_values)
    next_dones = targets.shift_to_next(dones, last_dones)
    assert next_values.tolist() == [[30.0, 40.0], [50.0, 60.0], [70.0, 80.0]]
    y = targets.td0_targets(rewards, next_values, next_dones, gamma=0.5)
    # env 0: 1 + 15 = 16, 3 + 25 = 28, 5 + 35 = 40; env 1: 2 + 20 = 22, 4 (done), 6 (done)
    assert y.tolist() == [[16.0, 22.0], [28.0, 4.0], [40.0, 6.0]]
    # advantages against the value of the same states: y - V(s_t)
    assert (y - values).tolist() == [[6.0, 2.0], [-2.0, -36.0], [-10.0, -54.0]]


def test_time_out_bootstrap_is_moved_to_the_target_value():
    # rl_games stored r + gamma * V_b(s) = 1 + 0.5 * 8 = 5 at a time-out step
    stored = torch.tensor([5.0, 2.0])
    time_outs = torch.tensor([1, 0])
    behaviour = torch.tensor([8.0, 8.0])
    leader = torch.tensor([2.0, 100.0])
    # 5 - 0.5 * 8 + 0.5 * 2 = 2; the second step did not time out and stays 2
    assert targets.rebootstrap_time_outs(stored, time_outs, behaviour, leader, 0.5).tolist() == [2.0, 2.0]


def test_joint_normalisation():
    adv = torch.tensor([1.0, 2.0, 3.0, 6.0])
    # mean 3, unbiased std sqrt((4 + 1 + 0 + 9) / 3) = 2.160247: -2, -1, 0, 3 over it
    torch.testing.assert_close(targets.normalize(adv),
                               torch.tensor([-0.925820, -0.462910, 0.0, 1.388730]))
