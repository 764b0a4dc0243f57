"""IsaacGymEnvs (1.5.1, on Isaac Gym Preview 4) as a host: its resolvers, its config tree, its
command-line conventions and its quirks, in one place.

``train.py`` calls this before Hydra composes and before torch is imported (Isaac Gym refuses to
load after torch), so nothing here imports torch. Tested against the faithful stand-in
``../shared/fixtures/isaacgymenvs`` (IsaacGymEnvs' real ``__init__.py`` and ``cfg/`` tree).
"""

import importlib
import importlib.util

from omegaconf import OmegaConf

PACKAGE = "isaacgymenvs"
INSTALL_HINT = (
    "Isaac Gym tasks need NVIDIA Isaac Gym Preview 4 (`pip install -e isaacgym/python` from its "
    "tarball) and IsaacGymEnvs (`pip install -e IsaacGymEnvs` from its git checkout).")

# IsaacGymEnvs' resolvers under their names (its cfg/ and ours use them). The same functions
# as isaacgymenvs/__init__.py's, made safe for non-string arguments.
RESOLVERS = {
    "eq": lambda x, y: str(x).lower() == str(y).lower(),
    "contains": lambda x, y: str(x).lower() in str(y).lower(),
    "if": lambda pred, a, b: a if pred else b,
    # The default when the override is '' (how IsaacGymEnvs spells "unset").
    "resolve_default": lambda default, arg: default if arg == "" else arg,
}


def installed() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


def register_resolvers() -> None:
    """Registers IsaacGymEnvs' resolvers, whatever else registers them and in whatever order.

    ``isaacgymenvs/__init__.py`` registers the same four names at import *without*
    ``replace=True``, so it raises if anything registered them first, and Hydra, which imports it
    for the search path ``pkg://isaacgymenvs/cfg``, swallows that error and reports the train
    config as missing. So when IsaacGymEnvs is installed it is imported here first and its
    resolvers stand; ours fill in only the names nobody registered.
    """
    if installed():
        try:
            importlib.import_module(PACKAGE)
        except Exception as error:  # Hydra would hide it behind "Could not find 'train/...'"
            raise RuntimeError(f"IsaacGymEnvs is installed but `import isaacgymenvs` fails: "
                               f"{type(error).__name__}: {error}") from error
    for name, resolver in RESOLVERS.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)


def task_names() -> list:
    """The task configs of the installed IsaacGymEnvs (its ``cfg/task/*.yaml``), found without
    importing it."""
    from pathlib import Path

    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        return []
    return sorted(p.stem for p in (Path(spec.origin).parent / "cfg" / "task").glob("*.yaml"))


def default_train(task: str) -> str:
    """What ``task=<task>`` alone trains for an IsaacGymEnvs task: its own ``<task>PPO``, the
    rule of IsaacGymEnvs' cfg/config.yaml (``train: ${task}PPO``)."""
    return f"{task}PPO"


def check(cfg) -> None:
    """Stops on IsaacGymEnvs settings this ``train.py`` does not run, with the fix.

    - ``pbt`` and ``capture_video``: IsaacGymEnvs' population-based training and video capture
      run from its own ``train.py``.
    - ``train.subtask``: a train config tuned for one AllegroKuka subtask (our
      ``AllegroKukaLSTM<Subtask>{SAPG,CPO}``) run on another would silently train the wrong task.
    """
    if cfg.get("pbt") is not None and cfg.pbt.get("enabled", False):
        raise ValueError("pbt.enabled=True is IsaacGymEnvs' population-based training, which this "
                         "train.py does not run: drop the pbt=... override (or run it with "
                         "IsaacGymEnvs' own train.py)")
    if cfg.get("capture_video", False):
        raise ValueError("capture_video=True: this train.py records no video (IsaacGymEnvs' "
                         "train.py does); drop the override")
    wanted = cfg.train.get("subtask")
    subtask = cfg.task.get("env", {}).get("subtask")
    if wanted is not None and subtask != wanted:
        raise ValueError(f"this train config is tuned for the {cfg.task.name} subtask '{wanted}' "
                         f"(train.subtask), but task.env.subtask={subtask!r}: add "
                         f"task/env={wanted} to the command line")
