"""The spaces our envs hand to rl_games, of the library the imported rl_games compares against:
gymnasium's for rl-games 1.6.5 (its ``gym_compat``, on Python 3.9 and newer; gym's on 3.8), gym's
for Isaac Lab's fork, which checks ``type(space) is gym.spaces.Box`` (rlgames_cpo.adapters.flavour)."""

import numpy as np


def rl_games_spaces():
    try:
        from rl_games.common.gym_compat import spaces
    except ImportError:  # Isaac Lab's fork: plain gym
        from gym import spaces
    return spaces


def box(low, high, shape=None) -> object:
    """A float32 ``Box`` rl_games reads."""
    return rl_games_spaces().Box(low, high, shape, np.float32)
