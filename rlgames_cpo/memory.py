"""Refuses a ``num_envs`` this host's memory cannot hold, before any env is built or file written.

Too many envpool envs do not fail cleanly: the allocation aborts the process
(``cannot allocate memory for thread-local data: ABORT``) or the kernel's OOM killer ends it,
with nothing said. The estimate (rlgames_cpo.core.memory) covers what lives in this host's
memory: an envpool task's simulator (its measured ``task.env.memoryPerEnvMB``) and, with
``rl_device=cpu``, the learner. Isaac Gym's simulator lives on the GPU and is not estimated.
"""

import os
from typing import Optional

from omegaconf import DictConfig

from rlgames_cpo.core.memory import GB, MB, MemoryEstimate, hidden_units, learner_bytes_per_env
from rlgames_cpo.hosts import backends
from rlgames_cpo.settings import ENSEMBLES, Settings


def _meminfo_bytes(field: str, text: str) -> Optional[float]:
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1]) * 1024  # kB
    return None


def available_bytes() -> Optional[float]:
    """Memory this process can still take: the kernel's ``MemAvailable`` plus free swap, capped
    by the cgroup's limit where one is set; None where neither can be read (not Linux)."""
    try:
        with open("/proc/meminfo") as f:
            text = f.read()
    except OSError:
        return None
    available = _meminfo_bytes("MemAvailable", text)
    if available is None:
        return None
    available += _meminfo_bytes("SwapFree", text) or 0.0
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = float(f.read().strip())
        if limit != "max":
            available = min(available, float(limit) - used)
    except (OSError, ValueError):
        pass
    return available


def _sizes(cfg: DictConfig) -> Optional[tuple]:
    """``(num_obs, num_states, num_actions)`` of the task, where known without building it."""
    backend, env = backends.backend_of(cfg), cfg.task.env
    if backend == "envpool":
        from rlgames_cpo.envs.envpool_env import sizes

        return sizes(env.envpoolId, env.get("obsKeys"), env.get("stateKeys"))
    if backend == "synthetic":
        return env.numObservations, env.get("numStates", 0), env.numActions
    return None


def _hidden_units(params: dict) -> int:
    network, config = params["network"], params["config"]
    central = config.get("central_value_config") or {}
    cpo = Settings.of(params).cpo
    discriminator = list(cpo.discriminator.units) if cpo and cpo.lambda_adv > 0 else []
    return hidden_units(network.get("mlp", {}).get("units", []),
                        central_units=(central.get("network", {}).get("mlp", {}).get("units", [])
                                       + discriminator),
                        rnn_units=network.get("rnn", {}).get("units", 0),
                        separate=bool(network.get("separate", False)))


def estimate(cfg: DictConfig, params: dict) -> Optional[MemoryEstimate]:
    """The host memory of this run (every rank of a torchrun job on this host), or None where
    the task's sizes are unknown before it is built (Isaac Gym, Isaac Lab)."""
    sizes = _sizes(cfg)
    if sizes is None:
        return None
    config = params["config"]
    learner = 0.0
    if str(cfg.rl_device) == "cpu":
        learner = learner_bytes_per_env(config["horizon_length"], *sizes, _hidden_units(params))
    sim = float(cfg.task.env.get("memoryPerEnvMB") or 0.0) * MB
    processes = int(os.environ.get("LOCAL_WORLD_SIZE", 1)) if cfg.multi_gpu else 1
    return MemoryEstimate(config["num_actors"], sim, learner, processes)


def check(cfg: DictConfig, params: dict, available: Optional[float] = None) -> None:
    """Refuses, naming the sizes and a ``num_envs`` that fits, a run whose estimate exceeds the
    memory available now."""
    needed = estimate(cfg, params)
    available = available_bytes() if available is None else available
    if needed is None or available is None or needed.total <= available:
        return
    settings = Settings.of(params)
    blocks = settings.sapg.num_blocks if settings.algo in ENSEMBLES else 1
    fitting = needed.largest_num_envs(available, multiple_of=blocks)
    parts = [f"{needed.sim_bytes_per_env / MB:.2f} MB per env for the simulator "
             "(task.env.memoryPerEnvMB)"]
    if needed.learner_bytes_per_env:
        parts.append(f"{needed.learner_bytes_per_env / MB:.2f} MB per env for the learner on "
                     f"{cfg.rl_device}")
    ranks = f" on each of {needed.processes} ranks" if needed.processes > 1 else ""
    fix = (f"use num_envs={fitting} or fewer" if fitting > 0 else
           "this host cannot hold one env per block: use a machine with more memory")
    raise ValueError(f"num_envs={needed.num_envs}{ranks} of task={cfg.task.name} needs about "
                     f"{needed.total / GB:.1f} GiB of memory (about {' and '.join(parts)}), "
                     f"and {available / GB:.1f} GiB is available: {fix}. Nothing was built or "
                     "written.")
