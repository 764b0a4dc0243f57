"""The task backends our train.py runs (``task.backend`` of a task config), as rl_games envs.

Each backend is an adapter in ``rlgames_cpo.envs`` registered in rl_games' global env registries
under its own ``env_name``; rl_games builds it from ``config.env_name`` and passes
``config.env_config`` as keyword arguments (``num_envs`` comes from ``num_actors``). The
keyword arguments come from the composed Hydra config, here, per backend. Nothing here imports
torch at module level (train.py reads ``backend_of`` before Isaac Gym is imported).
"""

from omegaconf import OmegaConf

ENVPOOL = "rlgames_cpo_envpool"
ISAACGYM = "rlgames_cpo_isaacgym"
SYNTHETIC = "rlgames_cpo_synthetic"
# IsaacGymEnvs' own task configs carry no backend key: they are Isaac Gym tasks.
DEFAULT = "isaacgym"


def backend_of(cfg) -> str:
    return cfg.task.get("backend", DEFAULT)


def _envpool(cfg) -> dict:
    env = cfg.task.env
    return {"task_id": env.envpoolId, "device": cfg.rl_device, "seed": cfg.seed,
            "num_threads": env.get("numThreads", 0),
            "obs_keys": OmegaConf.to_container(env.obsKeys) if env.get("obsKeys") else None,
            "state_keys": OmegaConf.to_container(env.stateKeys) if env.get("stateKeys") else None,
            "max_episode_steps": env.get("maxEpisodeSteps")}


def _isaacgym(cfg) -> dict:
    return {"task_config": OmegaConf.to_container(cfg.task, resolve=True), "seed": cfg.seed,
            "sim_device": cfg.sim_device, "rl_device": cfg.rl_device,
            "graphics_device_id": cfg.graphics_device_id, "headless": cfg.headless,
            "multi_gpu": cfg.multi_gpu}


def _synthetic(cfg) -> dict:
    env = cfg.task.env
    return {"num_obs": env.numObservations, "num_actions": env.numActions,
            "num_states": env.get("numStates", 0), "device": cfg.rl_device, "seed": cfg.seed,
            "episode_length": env.episodeLength}


# backend -> (rl_games env_name, adapter module and class, its keyword arguments from the config)
BACKENDS = {
    "envpool": (ENVPOOL, "rlgames_cpo.envs.envpool_env", "EnvpoolVecEnv", _envpool),
    "isaacgym": (ISAACGYM, "rlgames_cpo.envs.isaacgym_env", "IsaacGymVecEnv", _isaacgym),
    "synthetic": (SYNTHETIC, "rlgames_cpo.envs.synthetic_env", "SyntheticVecEnv", _synthetic),
}


def env_of(cfg) -> tuple:
    """``(env_name, env_config)`` of the composed config's task for rl_games' ``params.config``."""
    backend = backend_of(cfg)
    if backend not in BACKENDS:
        raise ValueError(f"task.backend={backend!r} is unknown: use one of {sorted(BACKENDS)}")
    env_name, _, _, env_config = BACKENDS[backend]
    return env_name, env_config(cfg)


def _maker(module: str, name: str):
    def make(config_name, num_actors, **env_config):
        import importlib

        return getattr(importlib.import_module(module), name)(num_envs=num_actors, **env_config)

    return make


def register_env_backends() -> None:
    """Registers every backend's ``env_name`` in rl_games' registries."""
    from rl_games.common import env_configurations, vecenv

    for env_name, module, name, _ in BACKENDS.values():
        vecenv.register(env_name, _maker(module, name))
        env_configurations.register(env_name, {"vecenv_type": env_name, "env_creator": None})
