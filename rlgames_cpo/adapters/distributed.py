"""torch.distributed plumbing for ``multi_gpu=True`` under torchrun, on GPUs (NCCL) and CPUs (gloo).

rl_games 1.6.5 hard-codes ``init_process_group("nccl")`` and ``cuda:<local_rank>`` in
``A2CBase.__init__``, so our agents join the process group here, with the backend the device
needs, and hide ``multi_gpu`` from that constructor (``PpoAgent``). rl_games' own collectives
(gradient all-reduce, KL mean, lr and stop broadcasts) then run unchanged on either backend.
"""

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from rlgames_cpo.core.running_moments import pool_running_moments


@dataclass(frozen=True)
class Ranks:
    """Where this process sits among torchrun's workers."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0 writes logs, W&B and checkpoints."""
        return self.rank == 0

    @classmethod
    def from_env(cls) -> "Ranks":
        """From torchrun's ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``."""
        if "WORLD_SIZE" not in os.environ:
            raise RuntimeError("multi_gpu=True needs torchrun's environment (RANK, WORLD_SIZE): "
                               "launch with torchrun --standalone --nproc_per_node=P train.py "
                               "multi_gpu=True ..., or set multi_gpu=False")
        return cls(int(os.environ.get("RANK", 0)), int(os.environ.get("LOCAL_RANK", 0)),
                   int(os.environ["WORLD_SIZE"]))


def rank_device(device: str, ranks: Ranks) -> str:
    """One GPU per local rank (``cuda:<local_rank>``); CPU ranks share the ``cpu`` device."""
    return f"cuda:{ranks.local_rank}" if str(device).startswith("cuda") else "cpu"


def join(device: str) -> Ranks:
    """Joins torchrun's process group (once per process) with NCCL for CUDA devices and gloo
    for the CPU, and makes ``cuda:<local_rank>`` the current CUDA device."""
    ranks = Ranks.from_env()
    if not dist.is_initialized():
        cuda = str(device).startswith("cuda")
        if cuda:
            torch.cuda.set_device(ranks.local_rank)
        dist.init_process_group("nccl" if cuda else "gloo", rank=ranks.rank,
                                world_size=ranks.world_size)
    return ranks


def broadcast_object(value, device: str):
    """Rank 0's ``value`` on every rank (a run name, a flag)."""
    holder = [value]
    dist.broadcast_object_list(holder, 0, device=torch.device(device))
    return holder[0]


def broadcast_module(module: torch.nn.Module) -> None:
    """Rank 0's parameters and buffers on every rank, in place."""
    for tensor in list(module.parameters()) + list(module.buffers()):
        dist.broadcast(tensor.data, 0)


def average_gradients(parameters, world_size: int) -> None:
    """Replaces every ``.grad`` by its mean over ranks, in one all-reduce."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world_size
    for grad, part in zip(grads, torch.split(flat, [g.numel() for g in grads])):
        grad.copy_(part.view_as(grad))


def mean_tensor_over_ranks(tensor: torch.Tensor) -> torch.Tensor:
    total = tensor.clone()
    dist.all_reduce(total)
    return total / dist.get_world_size()


def mean_over_ranks(values: dict, device) -> dict:
    """Every scalar of ``values`` averaged over ranks (the same keys on every rank)."""
    if not values:
        return values
    flat = torch.tensor([float(v) for v in values.values()], dtype=torch.float64, device=device)
    return dict(zip(values, mean_tensor_over_ranks(flat).tolist()))


def any_rank(flag: bool, device) -> bool:
    """True on every rank when ``flag`` is true on at least one."""
    tensor = torch.tensor([float(flag)], device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


MOMENTS = ("running_mean", "running_var", "count")


def normalisers(*models: torch.nn.Module) -> list:
    """The observation and value normalisers inside ``models``: rl_games' ``RunningMeanStd``,
    which its models hold TorchScript-compiled (so found by their buffers, not their class)."""
    return [m for model in models for m in model.modules()
            if set(MOMENTS) <= {name for name, _ in m.named_buffers(recurse=False)}]


def moments(normaliser: torch.nn.Module) -> tuple:
    return (normaliser.running_mean.clone(), normaliser.running_var.clone(),
            normaliser.count.clone())


def pool_normalisers(models: list, starts: list) -> None:
    """Gives every rank the statistics of all ranks' samples since ``starts`` (the moments of
    ``normalisers(*models)`` when the ranks last agreed); exact, see ``core.running_moments``."""
    for normaliser, start in zip(normalisers(*models), starts):
        local = moments(normaliser)
        gathered = [[torch.empty_like(t) for _ in range(dist.get_world_size())] for t in local]
        for bucket, tensor in zip(gathered, local):
            dist.all_gather(bucket, tensor)
        mean, var, count = pool_running_moments(start, tuple(torch.stack(b) for b in gathered))
        normaliser.running_mean.copy_(mean)
        normaliser.running_var.copy_(var)
        normaliser.count.copy_(count)
