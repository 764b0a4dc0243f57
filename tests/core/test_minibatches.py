import pytest
import torch

from rlgames_cpo.core.minibatches import ShuffledMinibatches


def values(rows, seq_length=None):
    d = {"advantages": torch.arange(rows, dtype=torch.float32), "mu": torch.zeros(rows, 2),
         "sigma": torch.ones(rows, 2), "rnn_masks": None}
    if seq_length:
        d["rnn_states"] = [torch.arange(rows // seq_length, dtype=torch.float32).view(1, -1, 1)]
    return d


def test_every_row_once_per_pass_reshuffled_between_passes():
    data = ShuffledMinibatches(3, generator=torch.Generator().manual_seed(0))
    data.update_values_dict(values(14))   # not divisible by 3: parts of 5, 5, 4
    passes = []
    for _ in range(2):
        parts = [data[i]["advantages"] for i in range(len(data))]
        assert sorted(len(p) for p in parts) == [4, 5, 5]
        assert sorted(torch.cat(parts).tolist()) == list(range(14))
        passes.append(torch.cat(parts))
    assert not torch.equal(passes[0], passes[1])
    assert data[0]["rnn_masks"] is None


def test_rnn_keeps_whole_sequences_with_their_states():
    data = ShuffledMinibatches(2, seq_length=4, generator=torch.Generator().manual_seed(1))
    data.update_values_dict(values(24, seq_length=4))  # 6 sequences of 4 rows
    seen = []
    for i in range(2):
        batch = data[i]
        rows = batch["advantages"].view(-1, 4)
        assert (rows[:, 1:] - rows[:, :-1] == 1).all()          # consecutive rows of one sequence
        sequences = rows[:, 0] / 4
        assert torch.equal(batch["rnn_states"][0].view(-1), sequences)  # state of that sequence
        seen += sequences.tolist()
    assert sorted(seen) == list(range(6))


def test_update_mu_sigma_writes_the_last_minibatch_rows():
    data = ShuffledMinibatches(2, generator=torch.Generator().manual_seed(0))
    data.update_values_dict(values(6))
    batch = data[1]
    data.update_mu_sigma(torch.full((3, 2), 7.0), torch.full((3, 2), 9.0))
    rows = batch["advantages"].long()
    assert (data.values_dict["mu"][rows] == 7).all() and (data.values_dict["sigma"][rows] == 9).all()
    others = torch.ones(6, dtype=torch.bool)
    others[rows] = False
    assert (data.values_dict["mu"][others] == 0).all()


def test_too_few_rows_is_a_clear_error():
    data = ShuffledMinibatches(4)
    data.update_values_dict(values(3))
    with pytest.raises(ValueError, match="3 rows cannot fill 4 minibatches"):
        data[0]
