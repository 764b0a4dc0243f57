import torch
from rl_games.algos_torch.running_mean_std import RunningMeanStd

from rlgames_cpo.core.running_moments import pool_running_moments


def test_two_ranks_pool_to_the_statistics_of_all_their_samples():
    """Start (mean 0, var 1, count 1). Rank 0 sees [1, 3], rank 1 sees [5].
    Samples incl. the pseudo-sample: sum 0 + 9 = 9, sum of squares 1 + 1 + 9 + 25 = 36, count 4:
    mean 9/4 = 2.25, var 36/4 - 2.25^2 = 3.9375."""
    start = (torch.tensor([0.0]), torch.tensor([1.0]), torch.tensor(1.0))
    # Rank 0 after [1, 3]: count 3, sum 4, sum of squares 11 -> mean 4/3, var 11/3 - 16/9.
    # Rank 1 after [5]:    count 2, sum 5, sum of squares 26 -> mean 2.5,  var 13 - 6.25.
    means = torch.tensor([[4 / 3], [2.5]])
    variances = torch.tensor([[11 / 3 - 16 / 9], [13 - 6.25]])
    counts = torch.tensor([3.0, 2.0])
    mean, var, count = pool_running_moments(start, (means, variances, counts))
    torch.testing.assert_close(mean, torch.tensor([2.25]))
    torch.testing.assert_close(var, torch.tensor([3.9375]))
    torch.testing.assert_close(count, torch.tensor(4.0))


def test_pooling_equals_one_normaliser_fed_every_rank_batch():
    torch.manual_seed(0)
    common = RunningMeanStd((3,)).double()
    common(torch.randn(7, 3, dtype=torch.float64) * 2 + 1)  # some history before the split
    start = tuple(t.clone() for t in (common.running_mean, common.running_var, common.count))
    batches = [[torch.randn(5, 3, dtype=torch.float64) + r for _ in range(2)] for r in range(3)]
    ranks = []
    for rank_batches in batches:
        rank = RunningMeanStd((3,)).double()
        rank.load_state_dict(common.state_dict())
        for batch in rank_batches:
            rank(batch)
        ranks.append((rank.running_mean, rank.running_var, rank.count))
    for rank_batches in batches:
        for batch in rank_batches:
            common(batch)
    pooled = pool_running_moments(start, tuple(torch.stack(x) for x in zip(*ranks)))
    for got, want in zip(pooled, (common.running_mean, common.running_var, common.count)):
        torch.testing.assert_close(got, want)


def test_one_rank_is_left_as_it_is():
    start = (torch.zeros(2), torch.ones(2), torch.tensor(1.0))
    state = (torch.tensor([[0.5, -1.0]]), torch.tensor([[2.0, 0.25]]), torch.tensor([9.0]))
    for got, want in zip(pool_running_moments(start, state), (s[0] for s in state)):
        torch.testing.assert_close(got, want)
