"""Hydra config helpers that must run before torch is imported (Isaac Gym needs that order)."""

import importlib.util
import warnings
from pathlib import Path

from omegaconf import OmegaConf

CFG_DIR = Path(__file__).resolve().parent.parent / "cfg"
ISAACGYM_HINT = (
    "Isaac Gym tasks need NVIDIA Isaac Gym Preview 4 (`pip install -e isaacgym/python` from its "
    "tarball) and IsaacGymEnvs (`pip install -e IsaacGymEnvs` from its git checkout).")


def register_resolvers() -> None:
    """The OmegaConf resolvers IsaacGymEnvs' configs use, under the same names.

    Also silences Hydra's warning about the IsaacGymEnvs search path (cfg/config.yaml) when
    that package is not installed: nothing is wrong then, and it would print on every run.
    """
    warnings.filterwarnings("ignore", message=".*path=isaacgymenvs.cfg is not available")
    resolvers = {
        "eq": lambda x, y: str(x).lower() == str(y).lower(),
        "contains": lambda x, y: str(x).lower() in str(y).lower(),
        "if": lambda pred, a, b: a if pred else b,
        # The default when the override is '' (how IsaacGymEnvs spells "unset").
        "resolve_default": lambda default, arg: default if arg == "" else arg,
    }
    for name, fn in resolvers.items():
        OmegaConf.register_new_resolver(name, fn, replace=True)


def embedded_tasks() -> list:
    """Names of the tasks that ship with this package (``cfg/task/*.yaml``)."""
    return sorted(p.stem for p in (CFG_DIR / "task").glob("*.yaml"))


def task_from_argv(argv) -> str:
    """The ``task=NAME`` override of a command line, or ``''``."""
    for arg in argv:
        key, _, value = arg.lstrip("+~").partition("=")
        if key == "task":
            return value
    return ""


def train_config_dirs() -> list:
    """Where train configs are searched: ours, then the installed IsaacGymEnvs'."""
    dirs = [CFG_DIR / "train"]
    spec = importlib.util.find_spec("isaacgymenvs")
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(p) / "cfg" / "train" for p in spec.submodule_search_locations]
    return dirs


def ppo_fallback(argv) -> str:
    """``train=<task>PPO`` when ``argv`` names a task without a train config and no
    ``<task>CPO`` exists (most IsaacGymEnvs tasks): the default stays CPO where we ship one."""
    task = task_from_argv(argv)
    if not task or any(a.lstrip("+~").startswith("train=") for a in argv):
        return ""
    exists = lambda name: any((d / f"{name}.yaml").is_file() for d in train_config_dirs())
    return f"train={task}PPO" if not exists(f"{task}CPO") and exists(f"{task}PPO") else ""


def missing_task_error(task: str) -> str:
    """Why ``task`` cannot be composed here, or ``''`` when it can."""
    if not task or task in embedded_tasks():
        return ""
    if importlib.util.find_spec("isaacgymenvs") is not None:
        return ""
    return (f"task={task} is not an embedded task and IsaacGymEnvs is not installed, so its "
            f"config cannot be found. {ISAACGYM_HINT} Embedded tasks (no Isaac Gym needed): "
            f"{', '.join(embedded_tasks())}.")


def compose_config(*overrides: str):
    """The config ``python train.py <overrides>`` would run, composed without starting Hydra's
    app (for scripts, benchmarks and tests)."""
    from hydra import compose, initialize_config_dir

    register_resolvers()
    with initialize_config_dir(config_dir=str(CFG_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))
