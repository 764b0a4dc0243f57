"""The process-group set-up's choices (the two-rank run itself is tests/e2e/test_torchrun.py).
No GPU here: the NCCL branch is checked for what it asks torch for, not run."""

import pytest
import torch

from rlgames_cpo.adapters import distributed
from rlgames_cpo.adapters.distributed import Ranks


def test_each_local_rank_gets_its_own_gpu_and_cpu_ranks_share_the_cpu():
    assert distributed.rank_device("cuda:0", Ranks(rank=5, local_rank=1, world_size=8)) == "cuda:1"
    assert distributed.rank_device("cpu", Ranks(rank=1, local_rank=1, world_size=2)) == "cpu"


@pytest.mark.parametrize("device, backend, cuda_device", [("cuda:0", "nccl", 1), ("cpu", "gloo", None)])
def test_join_uses_the_backend_of_the_device(monkeypatch, device, backend, cuda_device):
    calls = {}
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setattr(distributed.dist, "is_initialized", lambda: False)
    monkeypatch.setattr(distributed.dist, "init_process_group",
                        lambda backend, rank, world_size: calls.update(group=(backend, rank, world_size)))
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: calls.update(cuda=index))
    assert distributed.join(device) == Ranks(rank=3, local_rank=1, world_size=4)
    assert calls["group"] == (backend, 3, 4) and calls.get("cuda") == cuda_device


def test_join_twice_keeps_the_first_group(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(distributed.dist, "is_initialized", lambda: True)
    monkeypatch.setattr(distributed.dist, "init_process_group",
                        lambda *a, **k: pytest.fail("initialised twice"))
    assert distributed.join("cpu").world_size == 2
