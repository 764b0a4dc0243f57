"""How the user spells a setting on their command line, for error messages that name the fix.

With our ``train.py`` (and IsaacGymEnvs' conventions) rl_games' params are ``train.params.*`` and
the env count is ``num_envs=N``; Isaac Lab's scripts read ``agent.params.*`` and ``--num_envs N``
(``rlgames_cpo.isaaclab`` switches to those). Messages call these functions when they are raised.
"""

PARAMS = "train.params"
NUM_ENVS = "num_envs={}"


def use_isaaclab() -> None:
    global PARAMS, NUM_ENVS
    PARAMS, NUM_ENVS = "agent.params", "--num_envs {}"


def params_key(key: str) -> str:
    """``config.minibatch_size`` -> ``train.params.config.minibatch_size`` (or ``agent.params...``)."""
    return f"{PARAMS}.{key}"


def num_envs(n) -> str:
    return NUM_ENVS.format(n)
