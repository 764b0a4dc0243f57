"""Makes the backend adapters known to rl_games (its global vec-env and env registries)."""

from rl_games.common import env_configurations, vecenv

ENVPOOL = "rlgames_cpo_envpool"
ISAACGYM = "rlgames_cpo_isaacgym"
SYNTHETIC = "rlgames_cpo_synthetic"
BACKEND_ENV_NAMES = {"envpool": ENVPOOL, "isaacgym": ISAACGYM, "synthetic": SYNTHETIC}


def _make_envpool(config_name, num_actors, **env_config):
    from rlgames_cpo.envs.envpool_env import EnvpoolVecEnv
    return EnvpoolVecEnv(num_envs=num_actors, **env_config)


def _make_isaacgym(config_name, num_actors, **env_config):
    from rlgames_cpo.envs.isaacgym_env import IsaacGymVecEnv
    return IsaacGymVecEnv(num_envs=num_actors, **env_config)


def _make_synthetic(config_name, num_actors, **env_config):
    from rlgames_cpo.envs.synthetic_env import SyntheticVecEnv
    return SyntheticVecEnv(num_envs=num_actors, **env_config)


def register_env_backends() -> None:
    """Registers ``env_name: rlgames_cpo_envpool`` and ``rlgames_cpo_isaacgym`` for rl_games.

    rl_games builds the vec env from ``config.env_name`` and passes ``config.env_config`` as
    keyword arguments to the adapter's constructor (``num_envs`` comes from ``num_actors``).
    """
    for env_name, maker in ((ENVPOOL, _make_envpool), (ISAACGYM, _make_isaacgym),
                            (SYNTHETIC, _make_synthetic)):
        vecenv.register(env_name, maker)
        env_configurations.register(env_name, {"vecenv_type": env_name, "env_creator": None})
