"""What our checkpoints hold beyond rl_games' own, checked on load and written safely.

rl_games 1.6.5 saves the model (with its normalisers), optimiser, epoch, frame, best reward and
env state. An exact resume also needs the learning-rate state, every random stream, the episode
meters and what the rollout carries from one epoch to the next; they go under ``rlgames_cpo``.
"""

import os
import random

import numpy as np
import torch
from rl_games.algos_torch.torch_ext import AverageMeter

KEY = "rlgames_cpo"


def rng_state(generators: dict) -> dict:
    """The global python, numpy and torch (CPU and CUDA) streams and our named generators."""
    return {"python": random.getstate(), "numpy": np.random.get_state(),
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "generators": {name: g.get_state() for name, g in generators.items()}}


def set_rng_state(state: dict, generators: dict, global_streams: bool) -> None:
    """Restores the named generators and, when ``global_streams``, the global streams."""
    for name, generator in generators.items():
        generator.set_state(state["generators"][name])
    if global_streams:
        random.setstate(state["python"])
        np.random.set_state(state["numpy"])
        torch.set_rng_state(state["torch"])
        if state["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])


def meter_state(meter) -> list:
    """``(mean, size)`` of every rl_games ``AverageMeter`` in ``meter`` (one, or one per block)."""
    return [(m.mean.clone(), m.current_size) for m in meter.modules() if isinstance(m, AverageMeter)]


def set_meter_state(meter, state: list) -> None:
    meters = [m for m in meter.modules() if isinstance(m, AverageMeter)]
    if len(meters) != len(state):
        return  # another block count: the shape check has said so already
    for m, (mean, size) in zip(meters, state):
        m.mean = mean.clone().to(m.mean.device)  # update() may have changed its shape
        m.current_size = size


def incompatibility(checkpoint: dict, path: str, algo: str, model_state: dict):
    """Why ``checkpoint`` cannot continue this run (another algorithm or network shape), as a
    message that says what to do instead; ``None`` when it can."""
    saved_algo = checkpoint.get(KEY, {}).get("algo")
    if saved_algo is not None and saved_algo != algo:
        return (f"checkpoint={path} was written by algo.name={saved_algo}, but this run is "
                f"algo.name={algo}: resume it with train.params.algo.name={saved_algo}, play it with "
                "test=True (play mode uses the checkpoint's own algorithm), or train from scratch")
    saved = checkpoint.get("model", {})
    missing = [k for k in model_state if k not in saved]
    unexpected = [k for k in saved if k not in model_state]
    resized = [f"{k} is {list(saved[k].shape)} there, {list(v.shape)} here"
               for k, v in model_state.items() if k in saved and saved[k].shape != v.shape]
    if not (missing or unexpected or resized):
        return None
    details = resized[:3] + [f"{k} missing there" for k in missing[:3]] + \
        [f"{k} not in this network" for k in unexpected[:3]]
    return (f"checkpoint={path} holds another network than this config builds "
            f"({'; '.join(details)}): the network section, sapg.num_blocks, "
            "sapg.embedding_dim, normalize_input/normalize_value and the task's observation and "
            "action sizes must match the run that wrote it")


def save_atomically(state: dict, path: str) -> None:
    """``torch.save`` to a temporary file renamed over ``path``: an interrupted or failed write
    never leaves a truncated file where a good checkpoint was (the best one is overwritten as
    the reward improves)."""
    partial = f"{path}.partial"
    try:
        torch.save(state, partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):  # the write failed (disk full, ...): leave no debris
            os.remove(partial)
