"""What our checkpoints hold beyond rl_games' own, checked on load and written safely.

rl_games 1.6.5 saves the model (with its normalisers), optimiser, epoch, frame, best reward and
env state. An exact resume also needs the learning-rate state, every random stream, the episode
meters and what the rollout carries from one epoch to the next; they go under ``rlgames_cpo``.
"""

import errno
import os
import random
import shutil
from pathlib import Path

import numpy as np
import torch
from rl_games.algos_torch.torch_ext import AverageMeter

from rlgames_cpo.errors import ConfigError
from rlgames_cpo.selectors import checkpoints_of

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


def incompatibility(checkpoint: dict, path: str, algo: str, model_state: dict,
                    central_state: dict = None):
    """Why ``checkpoint`` cannot continue this run (another algorithm, unless ``algo`` is None,
    or another network shape, the asymmetric critic's included when ``central_state`` is
    given), as an error that says what to do instead; ``None`` when it can."""
    saved_algo = checkpoint.get(KEY, {}).get("algo")
    if algo is not None and saved_algo is not None and saved_algo != algo:
        return ConfigError(lambda s: f"checkpoint={path} was written by algo.name={saved_algo}, "
                           f"but this run is algo.name={algo}: resume it with "
                           f"{s.setting('algo.name', saved_algo)}, play it with test=True (play "
                           "mode uses the checkpoint's own algorithm), or train from scratch")
    details = _differences(checkpoint.get("model", {}), model_state, "")
    if central_state is not None:
        if "assymetric_vf_nets" not in checkpoint:  # rl_games' spelling
            details.append("no asymmetric critic there (central_value_config here)")
        else:
            details += _differences(checkpoint["assymetric_vf_nets"], central_state,
                                    "central value ")
    if not details:
        return None
    return ConfigError(f"checkpoint={path} holds another network than this config builds "
                       f"({'; '.join(details[:6])}): the network section, central_value_config, "
                       "sapg.num_blocks, sapg.embedding_dim, normalize_input/normalize_value and "
                       "the task's observation, state and action sizes must match the run that "
                       "wrote it")


def _differences(saved: dict, current: dict, label: str) -> list:
    missing = [k for k in current if k not in saved]
    unexpected = [k for k in saved if k not in current]
    resized = [f"{label}{k} is {list(saved[k].shape)} there, {list(v.shape)} here"
               for k, v in current.items() if k in saved and saved[k].shape != v.shape]
    return (resized[:3] + [f"{label}{k} missing there" for k in missing[:3]]
            + [f"{label}{k} not in this network" for k in unexpected[:3]])


PARTIAL = ".partial"


def save_atomically(state: dict, path: str) -> None:
    """``torch.save`` to a temporary file renamed over ``path``: an interrupted or failed write
    never leaves a truncated file where a good checkpoint was (the best one is overwritten as
    the reward improves). A failure says at once which path and which OS error."""
    partial = path + PARTIAL
    try:
        # Python opens the file, so a read-only folder is an OSError with its errno; torch's own
        # writer reports a full disk as a RuntimeError ("[enforce fail at inline_container.cc]
        # ... unexpected pos ..."), which says neither the path nor the cause
        with open(partial, "wb") as f:
            torch.save(state, f)
        os.replace(partial, path)
    except OSError as error:
        raise OSError(error.errno, f"could not write the checkpoint {path}: "
                      f"{error.strerror or error}") from error
    except RuntimeError as error:
        free = shutil.disk_usage(os.path.dirname(path) or ".").free
        written = os.path.getsize(partial) if os.path.exists(partial) else 0
        raise OSError(errno.ENOSPC if free < 2 * max(written, 1 << 20) else
                      errno.EIO, f"could not write the checkpoint {path}: the write stopped "
                      f"short ({free / 2**20:.0f} MiB free there; torch: "
                      f"{str(error).splitlines()[0][:100]})") from error
    finally:
        if os.path.exists(partial):  # the write failed (disk full, ...): leave no debris
            os.remove(partial)


def _looks_like_checkpoint(path: Path) -> bool:
    """What ``torch.save`` writes starts with a zip header (or, before torch 1.6, a pickle)."""
    with open(path, "rb") as f:
        head = f.read(4)
    return head == b"PK\x03\x04" or head[:1] == b"\x80"


def _others(path: Path) -> str:
    """``e.g. checkpoint=<the newest other checkpoint beside path>``, or ''."""
    found = [p for p in checkpoints_of(path if path.is_dir() else path.parent)
             if p != path and _looks_like_checkpoint(p)]
    return f", e.g. checkpoint={found[-1]}" if found else ""


def check_file(checkpoint: str) -> dict:
    """Stops, naming the file and what to do, when ``checkpoint`` is not a checkpoint file: a
    folder, missing, an unfinished ``.partial`` write, empty, or not something torch wrote; the
    checkpoint, loaded on the CPU, else."""
    path = Path(checkpoint)
    if path.name.endswith(PARTIAL) or (not path.exists() and Path(checkpoint + PARTIAL).exists()):
        raise ValueError(f"checkpoint={checkpoint}: {path.name} is an unfinished write (the "
                         f"process stopped while saving); give a finished one{_others(path)}, "
                         f"and delete {path if path.name.endswith(PARTIAL) else checkpoint + PARTIAL}")
    if path.is_dir():
        raise ValueError(f"checkpoint={checkpoint} is a folder, not a checkpoint file: give one "
                         f"of the .pth files of a run's nn/ folder{_others(path)}")
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint={checkpoint} does not exist"
                                + (f"; the newest in its folder{_others(path)}"
                                   if path.parent.is_dir() and _others(path) else ""))
    if path.stat().st_size == 0:
        raise ValueError(f"checkpoint={checkpoint} is empty (0 bytes, a write that was cut "
                         f"short): give another checkpoint{_others(path)}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:
        raise ValueError(f"checkpoint={checkpoint} is not a PyTorch checkpoint ({type(error).__name__}"
                         f": {str(error).splitlines()[0][:120]}): give a .pth written by training"
                         f"{_others(path)}") from None
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(f"checkpoint={checkpoint} holds no rl_games model (a "
                         f"{type(state).__name__}, not the dict rl_games saves): give a .pth "
                         f"written by training{_others(path)}")
    return state


def finished(state: dict, max_epochs) -> bool:
    """Whether the run that wrote checkpoint ``state`` has done ``max_epochs`` iterations
    (``-1`` or none: no limit)."""
    return isinstance(max_epochs, int) and max_epochs > 0 and state.get("epoch", 0) >= max_epochs
