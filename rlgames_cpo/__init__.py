"""SAPG and CPO ensemble policy gradients for rl_games.

``register(runner)`` is the whole plugin surface for people who build their own ``Runner``
(Isaac Lab, rl_games scripts); ``train.py`` calls it too.
"""

__version__ = "0.1.0"


def check_rl_games() -> str:
    """sapg and cpo build on rl_games internals: rl-games 1.6.5 or Isaac Lab's fork
    (``rlgames_cpo.adapters.flavour``); the flavour imported, or ImportError for another rl_games,
    said before training rather than deep inside it."""
    from rlgames_cpo.adapters import flavour

    return flavour.detect()


def register(runner, *, ppo: bool = True, spelling=None) -> None:
    """Registers everything this package adds on an rl_games ``Runner``.

    Env backends, the block-conditioned model and network go into rl_games' global registries
    (``env_name: rlgames_cpo_envpool`` / ``rlgames_cpo_isaacgym``, ``block_continuous_a2c_logstd``,
    ``block_actor_critic``); the ``sapg`` and ``cpo`` algorithms and players on ``runner``. With
    ``ppo=True`` ``a2c_continuous`` is replaced by our subclasses of rl_games' agent
    (``PpoAgent``: torchrun on CPUs too, exact resume, checkpoint on SIGINT/SIGTERM, non-finite
    checks) and player (``PpoPlayer``: a clear message for another network's checkpoint), so PPO
    baselines train and play under the same conditions. ``ppo=False`` leaves rl_games' PPO agent
    as it is (what the Isaac Lab hook, ``rlgames_cpo.isaaclab``, does); the player is ours either
    way, as it differs from rl_games' only in what it says of a checkpoint it cannot load.

    Args:
        runner: an ``rl_games.torch_runner.Runner``.
        ppo: also replace rl_games' ``a2c_continuous`` agent by our ``PpoAgent``.
        spelling: how the host's command line writes settings (``rlgames_cpo.errors``); the
            agents' and players' configuration errors are re-spelled with it. Default: train.py's.
    """
    check_rl_games()
    from rlgames_cpo.adapters.cpo_agent import CpoAgent
    from rlgames_cpo.adapters.networks import register_block_model
    from rlgames_cpo.adapters.player import PpoPlayer, SapgPlayer
    from rlgames_cpo.adapters.ppo_agent import PpoAgent
    from rlgames_cpo.adapters.sapg_agent import SapgAgent
    from rlgames_cpo.hosts.backends import register_env_backends

    register_env_backends()
    register_block_model()
    builders = {"sapg": (SapgAgent, SapgPlayer), "cpo": (CpoAgent, SapgPlayer),
                "a2c_continuous": (PpoAgent if ppo else None, PpoPlayer)}
    for name, classes in builders.items():
        for factory, cls in zip((runner.algo_factory, runner.player_factory), classes):
            if cls is not None:
                factory.register_builder(name, _builder(cls, spelling))


def _builder(cls, spelling):
    """rl_games' factories call ``builder(**kwargs)``; ours re-spell configuration errors."""
    from rlgames_cpo.errors import ConfigError

    def build(**kwargs):
        try:
            built = cls(**kwargs)
        except ConfigError as error:
            if spelling is None:
                raise
            raise error.spelled(spelling) from None
        if spelling is not None:
            built.spelling = spelling  # for the errors it raises later (restore)
        return built

    return build
