import pytest
import torch

from rlgames_cpo.core.minibatches import ShuffledMinibatches, minibatch_count


def values(rows, seq_length=None):
    d = {"advantages": torch.arange(rows, dtype=torch.float32), "mu": torch.zeros(rows, 2),
         "sigma": torch.ones(rows, 2), "rnn_masks": None}
    if seq_length:
        d["rnn_states"] = [torch.arange(rows // seq_length, dtype=torch.float32).view(1, -1, 1)]
    return d


def test_minibatch_count_is_rows_over_minibatch_size():
    # the iteration, N = 60, H = 16, M = 6, k = 1, minibatch 480:
    assert minibatch_count(960, 480) == 2     # ppo: N H = 960 rows
    assert minibatch_count(1120, 480) == 2    # sapg: + B H = 160 leader rows; 160 sit out
    assert minibatch_count(1920, 480) == 4    # cpo: + (M - 1) B H = 800 AWAC rows


def test_minibatches_keep_their_size_and_a_random_remainder_sits_out():
    data = ShuffledMinibatches(5, generator=torch.Generator().manual_seed(0))
    data.update_values_dict(values(14))       # 14 rows: 2 minibatches of 5, 4 rows sit out
    assert len(data) == 2
    used = torch.zeros(14)
    left_out = []
    for _ in range(200):
        parts = [data[i]["advantages"] for i in range(len(data))]
        assert [len(p) for p in parts] == [5, 5]
        rows = torch.cat(parts).long()
        assert len(set(rows.tolist())) == 10  # no row twice in a pass
        used[rows] += 1
        left_out.append(frozenset(set(range(14)) - set(rows.tolist())))
    assert len(set(left_out)) > 100           # a different remainder every pass
    # every row used in about 10/14 of the passes: 143 of 200
    assert used.min() > 110 and used.max() < 175
    assert data[0]["rnn_masks"] is None


def test_rnn_keeps_whole_sequences_with_their_states():
    data = ShuffledMinibatches(8, seq_length=4, generator=torch.Generator().manual_seed(1))
    data.update_values_dict(values(28, seq_length=4))  # 7 sequences: 3 minibatches of 2, 1 out
    assert len(data) == 3
    seen = []
    for i in range(3):
        batch = data[i]
        rows = batch["advantages"].view(-1, 4)
        assert rows.shape == (2, 4)
        assert (rows[:, 1:] - rows[:, :-1] == 1).all()          # consecutive rows of one sequence
        sequences = rows[:, 0] / 4
        assert torch.equal(batch["rnn_states"][0].view(-1), sequences)  # state of that sequence
        seen += sequences.tolist()
    assert len(set(seen)) == 6 and set(seen) <= set(range(7))


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
