"""Isaac Lab as a host: importing this module makes every rl_games ``Runner`` built afterwards
know ``sapg`` and ``cpo``, so Isaac Lab's own scripts train and play them unedited.

Isaac Lab builds ``Runner(IsaacAlgoObserver())`` inside its scripts and has no plugin hook, but
it builds the env first, with ``gym.make(args_cli.task, ...)``, and gymnasium imports
``<module>`` for an id written ``<module>:<id>``. So in Isaac Lab 2.x::

    python scripts/reinforcement_learning/rl_games/train.py \\
        --task rlgames_cpo.isaaclab:Isaac-Repose-Cube-Allegro-Direct-v0 agent.params.algo.name=cpo

Isaac Lab's scripts and config loaders read the id after the colon, so everything else is as
without the prefix. Isaac Lab 3.0 imports the ``isaaclab.tasks`` entry points of installed
packages before its rl_games backend builds the Runner; ours (``pyproject.toml``) names this
module, so there no prefix is needed.

The hook only adds names: rl_games' own ``a2c_continuous`` agent (Isaac Lab's PPO) is left as it
is, and nothing changes for a run that does not ask for ``sapg`` or ``cpo`` (the PPO player is
ours, which differs only in what it says of a checkpoint it cannot load). Without rl_games
installed (Isaac Lab with another library) importing this does nothing. Our error messages name
Isaac Lab's spellings (``agent.params.config...``, ``--num_envs``) and its hints. Importing twice
hooks once. ``rlgames_cpo.isaaclab`` is the name users type (the id prefix, the entry point).
"""

import functools
import importlib.util

import rlgames_cpo
from rlgames_cpo.errors import Spelling
from rlgames_cpo.hosts.isaaclab_agents import add_agent_configs

HOOKED = "_rlgames_cpo_hooked"

ISAACLAB = Spelling("agent.params", "--num_envs {}", hints={
    "dict_observations": "Isaac Lab: keep agent.params.env.concate_obs_groups=True, its default",
    "play_algo": "Isaac Lab's play.py needs agent.params.algo.name={algo}",
})


def hook_runner(runner_class) -> None:
    """Wraps ``runner_class.__init__`` so that each new Runner registers sapg and cpo."""
    original = runner_class.__init__
    if getattr(original, HOOKED, False):
        return

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        try:
            rlgames_cpo.check_rl_games()
        except ImportError as error:  # another rl_games: its PPO untouched, sapg/cpo say why not
            refuse_ensembles(self, error)
        else:
            rlgames_cpo.register(self, ppo=False, spelling=ISAACLAB)
        for factory in (self.algo_factory, self.player_factory):
            name_unknown_algorithms(factory)

    setattr(__init__, HOOKED, True)
    runner_class.__init__ = __init__


def name_unknown_algorithms(factory) -> None:
    """rl_games' factory says only ``ValueError: cp0`` for an unknown ``algo.name``; this one says
    which key and which names exist."""
    create = factory.create

    def checked(name, **kwargs):
        if name not in factory._builders:
            raise ValueError(f"agent.params.algo.name={name} is unknown: use one of "
                             f"{', '.join(sorted(factory._builders))}")
        return create(name, **kwargs)

    factory.create = checked


def refuse_ensembles(runner, error: ImportError) -> None:
    """``sapg``/``cpo`` builders that raise ``error`` when a run asks for them."""
    def refuse(**kwargs):
        raise error

    for factory in (runner.algo_factory, runner.player_factory):
        for name in ("sapg", "cpo"):
            factory.register_builder(name, refuse)


def install() -> None:
    """Every rl_games Runner built from now on knows sapg and cpo, and Isaac Lab's reorientation
    tasks get our agent configs (``isaaclab_agents``)."""
    if importlib.util.find_spec("rl_games") is None:
        return
    from rl_games.torch_runner import Runner

    hook_runner(Runner)
    add_agent_configs()


USAGE = ("usage: python -m rlgames_cpo.isaaclab <Isaac Lab script.py> <its arguments>, e.g. "
         "./isaaclab.sh -p -m rlgames_cpo.isaaclab scripts/reinforcement_learning/rl_games/train.py "
         "--task Isaac-Repose-Cube-Allegro-Direct-v0 --agent rl_games_cpo_cfg_entry_point")


def run_script(argv: list) -> None:
    """``python -m rlgames_cpo.isaaclab <script> <args>``: Isaac Lab 2.x's script run as
    ``__main__`` with our agent configs in the registry before it reads them (the ``--task``
    prefix is imported at ``gym.make``, too late for ``--agent``) and no prefix needed. The Runner
    hook, which imports torch, waits for the script's first ``gym.make``: Isaac Lab's scripts
    start Isaac Sim before they import torch."""
    import runpy
    import sys

    import gymnasium

    if not argv or argv[0] in ("-h", "--help"):
        raise SystemExit(USAGE)
    add_agent_configs()
    make = gymnasium.make

    @functools.wraps(make)
    def make_after_install(*args, **kwargs):
        gymnasium.make = make
        install()
        return make(*args, **kwargs)

    gymnasium.make = make_after_install
    sys.argv = list(argv)
    runpy.run_path(argv[0], run_name="__main__")
