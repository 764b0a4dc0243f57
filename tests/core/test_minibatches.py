import pytest
import torch

from rlgames_cpo.core.minibatches import ShuffledMinibatches, minibatch_count, minibatch_sizes


def values(rows, seq_length=None):
    d = {"advantages": torch.arange(rows, dtype=torch.float32), "mu": torch.zeros(rows, 2),
         "sigma": torch.ones(rows, 2), "rnn_masks": None}
    if seq_length:
        d["rnn_states"] = [torch.arange(rows // seq_length, dtype=torch.float32).view(1, -1, 1)]
    return d


def test_minibatch_count_is_rows_over_minibatch_size_and_the_last_takes_the_remainder():
    # the iteration, N = 60, H = 16, M = 6, k = 1, minibatch 480:
    assert minibatch_count(960, 480) == 2     # ppo: N H = 960 rows
    assert minibatch_count(1120, 480) == 2    # sapg: + B H = 160 leader rows
    assert minibatch_count(1920, 480) == 4    # cpo: + (M - 1) B H = 800 AWAC rows
    assert minibatch_sizes(1120, 480) == [480, 640]   # 1120 - 480 = 640
    assert minibatch_sizes(1920, 480) == [480] * 4
    assert minibatch_sizes(479, 480) == []


def test_every_row_trains_once_per_pass_in_one_shuffle_per_batch():
    data = ShuffledMinibatches(5, generator=torch.Generator().manual_seed(0))
    data.update_values_dict(values(14))       # 14 rows: minibatches of 5 and 5 + 4
    assert len(data) == 2
    passes = [[data[i]["advantages"].long().tolist() for i in range(len(data))] for _ in range(3)]
    first = passes[0]
    assert [len(p) for p in first] == [5, 9]
    assert sorted(first[0] + first[1]) == list(range(14))  # every row exactly once
    assert first != [list(range(5)), list(range(5, 14))]   # shuffled
    assert passes[1] == passes[2] == first                 # the same minibatches every pass
    data.update_values_dict(values(14))                    # the next iteration: a new shuffle
    assert [data[i]["advantages"].long().tolist() for i in range(2)] != first
    assert data[0]["rnn_masks"] is None


def test_rows_added_after_the_update_are_shuffled_in():
    data = ShuffledMinibatches(5, generator=torch.Generator().manual_seed(0))
    data.update_values_dict(values(10))
    data.values_dict.update(values(14))     # SapgAgent appends rows after rl_games updates
    rows = torch.cat([data[i]["advantages"] for i in range(len(data))]).long()
    assert sorted(rows.tolist()) == list(range(14))


def test_rnn_keeps_whole_sequences_with_their_states():
    data = ShuffledMinibatches(8, seq_length=4, generator=torch.Generator().manual_seed(1))
    data.update_values_dict(values(28, seq_length=4))  # 7 sequences: minibatches of 2, 2 and 3
    assert len(data) == 3
    seen = []
    for i, sequences_in_minibatch in enumerate([2, 2, 3]):
        batch = data[i]
        rows = batch["advantages"].view(-1, 4)
        assert rows.shape == (sequences_in_minibatch, 4)
        assert (rows[:, 1:] - rows[:, :-1] == 1).all()          # consecutive rows of one sequence
        sequences = rows[:, 0] / 4
        assert torch.equal(batch["rnn_states"][0].view(-1), sequences)  # state of that sequence
        seen += sequences.tolist()
    assert sorted(seen) == list(range(7))


def test_update_mu_sigma_writes_the_last_minibatch_rows():
    data = ShuffledMinibatches(3, generator=torch.Generator().manual_seed(0))
    data.update_values_dict(values(6))
    batch = data[1]
    data.update_mu_sigma(torch.full((3, 2), 7.0), torch.full((3, 2), 9.0))
    rows = batch["advantages"].long()
    assert (data.values_dict["mu"][rows] == 7).all() and (data.values_dict["sigma"][rows] == 9).all()
    others = torch.ones(6, dtype=torch.bool)
    others[rows] = False
    assert (data.values_dict["mu"][others] == 0).all()


def test_too_few_rows_and_partial_sequences_are_clear_errors():
    data = ShuffledMinibatches(4)
    data.update_values_dict(values(3))
    with pytest.raises(ValueError, match="3 rows cannot fill one minibatch of 4"):
        data[0]
    with pytest.raises(ValueError, match="minibatch_size=6 must be a multiple of seq_length=4"):
        ShuffledMinibatches(6, seq_length=4)
