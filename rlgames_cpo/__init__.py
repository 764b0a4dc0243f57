"""SAPG and CPO ensemble policy gradients for rl_games.

``register(runner)`` is the whole plugin surface for people who build their own ``Runner``
(Isaac Lab, rl_games scripts); ``train.py`` calls it too.
"""

__version__ = "0.1.0"


def register(runner) -> None:
    """Registers everything this package adds on an rl_games ``Runner``.

    Env backends go into rl_games' global registries (``env_name: rlgames_cpo_envpool`` and
    ``rlgames_cpo_isaacgym``). Algorithms and players are registered on ``runner`` itself.

    Args:
        runner: an ``rl_games.torch_runner.Runner``.
    """
    from rlgames_cpo.envs.registry import register_env_backends

    register_env_backends()
