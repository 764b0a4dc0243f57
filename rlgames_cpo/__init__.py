"""SAPG and CPO ensemble policy gradients for rl_games.

``register(runner)`` is the whole plugin surface for people who build their own ``Runner``
(Isaac Lab, rl_games scripts); ``train.py`` calls it too.
"""

__version__ = "0.1.0"


def register(runner) -> None:
    """Registers everything this package adds on an rl_games ``Runner``.

    Env backends, the block-conditioned model and network go into rl_games' global registries
    (``env_name: rlgames_cpo_envpool`` / ``rlgames_cpo_isaacgym``, ``block_continuous_a2c_logstd``,
    ``block_actor_critic``); the ``sapg`` and ``cpo`` algorithms and players on ``runner``, and
    ``a2c_continuous`` replaced by our subclasses of rl_games' agent (``PpoAgent``: torchrun on
    CPUs too, exact resume, checkpoint on SIGINT/SIGTERM, non-finite checks) and player
    (``PpoPlayer``: a clear message for another network's checkpoint), so PPO baselines train
    and play under the same conditions.

    Args:
        runner: an ``rl_games.torch_runner.Runner``.
    """
    from rlgames_cpo.adapters.cpo_agent import CpoAgent
    from rlgames_cpo.adapters.networks import register_block_model
    from rlgames_cpo.adapters.player import PpoPlayer, SapgPlayer
    from rlgames_cpo.adapters.ppo_agent import PpoAgent
    from rlgames_cpo.adapters.sapg_agent import SapgAgent
    from rlgames_cpo.envs.registry import register_env_backends

    register_env_backends()
    register_block_model()
    runner.algo_factory.register_builder("a2c_continuous", lambda **kwargs: PpoAgent(**kwargs))
    runner.player_factory.register_builder("a2c_continuous", lambda **kwargs: PpoPlayer(**kwargs))
    runner.algo_factory.register_builder("sapg", lambda **kwargs: SapgAgent(**kwargs))
    runner.player_factory.register_builder("sapg", lambda **kwargs: SapgPlayer(**kwargs))
    runner.algo_factory.register_builder("cpo", lambda **kwargs: CpoAgent(**kwargs))
    runner.player_factory.register_builder("cpo", lambda **kwargs: SapgPlayer(**kwargs))
