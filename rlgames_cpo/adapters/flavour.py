"""Which rl_games is imported: the two that sapg and cpo train on, and where they differ.

- **rl-games 1.6.5** (PyPI): what ``pip install rlgames-cpo`` brings where there is no rl_games.
- **Isaac Lab's fork** (``isaac-sim/rl_games@python3.11``: 1.6.1 plus Isaac Lab's patches), which
  Isaac Lab 2.x and 3.0 source installs pin; our dependency (``rl-games>=1.6.1,<=1.6.5``) leaves it
  in place.

The agents are one code path on both: everything they call exists on both with the same
meaning (``tests/contracts``, one contract test per flavour). Where the two differ:

- the fork's checkpoints leave out the asymmetric critic's optimiser (1.6.5 saves it as
  ``assymetric_vf_optimizer``): ``PpoAgent`` saves and restores it itself when rl_games did not
  (``central_value_optimizer``), so a resume is exact on both;
- the fork works in ``gym`` spaces, 1.6.5 in gymnasium's: ``adapters.block_env`` builds its
  spaces with the env's own ``Box`` class;
- rl_games' own defaults differ (``value_bootstrap`` unset is off on the fork and on in 1.6.5;
  the fork's normaliser uses the unbiased variance): sapg/cpo follow the imported rl_games, as its
  PPO does, so a comparison with PPO stays like for like.

Anything else (PyPI's plain 1.6.1, a 2.0) is refused with one line before a run starts.
"""

import importlib.metadata
import importlib.util
from pathlib import Path

RL_GAMES_165 = "rl-games 1.6.5"
ISAACLAB_FORK = "Isaac Lab's rl_games fork (isaac-sim/rl_games@python3.11, 1.6.1)"
# the version each flavour's distribution reports
VERSIONS = {RL_GAMES_165: "1.6.5", ISAACLAB_FORK: "1.6.1"}
INSTALL = "pip install rl-games==1.6.5 (or, in Isaac Lab, its own: ./isaaclab.sh -i rl_games)"


def _by_code() -> str:
    """The flavour the imported code is, from what each has and the other lacks; '' if neither."""
    from rl_games.algos_torch.a2c_continuous import A2CAgent
    from rl_games.common.a2c_common import A2CBase

    has_gym_compat = importlib.util.find_spec("rl_games.common.gym_compat") is not None
    if has_gym_compat and hasattr(A2CAgent, "calc_losses"):
        return RL_GAMES_165
    # Isaac Lab's patches over 1.6.1: forced env resets and loading the critic alone
    if (not has_gym_compat and hasattr(A2CBase, "init_current_rewards")
            and hasattr(A2CBase, "set_central_value_function_weights")):
        return ISAACLAB_FORK
    return ""


def _installed_version(package_dir: Path):
    """The version of the installed rl-games distribution when it is the one imported (a source
    folder on PYTHONPATH is judged by its code alone)."""
    try:
        dist = importlib.metadata.distribution("rl-games")
    except importlib.metadata.PackageNotFoundError:
        return None
    located = Path(str(dist.locate_file("rl_games"))).resolve()
    return dist.version if located == package_dir.resolve() else None


def detect() -> str:
    """The imported rl_games' flavour; ImportError, naming it and the fix, for another."""
    import rl_games

    package_dir = Path(rl_games.__path__[0])
    flavour, version = _by_code(), _installed_version(package_dir)
    if flavour and (version is None or version == VERSIONS[flavour]):
        return flavour
    raise ImportError(
        f"sapg/cpo train on rl-games 1.6.5 or on Isaac Lab's rl_games fork, and the rl_games "
        f"imported from {package_dir} is neither (installed version: {version or 'unknown'}): "
        f"{INSTALL}")
