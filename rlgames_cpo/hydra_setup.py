"""Hydra config helpers that must run before torch is imported (Isaac Gym needs that order)."""

import warnings
from pathlib import Path

from rlgames_cpo.hosts import isaacgymenvs

# The configs: in an installed wheel rlgames_cpo/cfg (package data), in a checkout cfg/ beside
# train.py (pyproject.toml maps the one to the other).
_PACKAGED = Path(__file__).resolve().parent / "cfg"
CFG_DIR = _PACKAGED if (_PACKAGED / "config.yaml").is_file() else _PACKAGED.parent.parent / "cfg"


def register_resolvers() -> None:
    """The OmegaConf resolvers the configs use (IsaacGymEnvs' own when it is installed).

    Also silences Hydra's warning about the IsaacGymEnvs search path (cfg/config.yaml) when
    that package is not installed: nothing is wrong then, and it would print on every run.
    """
    warnings.filterwarnings("ignore", message=".*path=isaacgymenvs.cfg is not available")
    isaacgymenvs.register_resolvers()


def embedded_tasks() -> list:
    """Names of the tasks that ship with this package (``cfg/task/*.yaml``)."""
    return sorted(p.stem for p in (CFG_DIR / "task").glob("*.yaml"))


def _override(argv, key: str):
    """The value of the ``key=VALUE`` override of a command line, or ``None``."""
    for arg in argv:
        name, _, value = arg.lstrip("+~").partition("=")
        if name == key:
            return value
    return None


def task_from_argv(argv) -> str:
    """The ``task=NAME`` override of a command line, or ``''``."""
    return _override(argv, "task") or ""


def default_task() -> str:
    """cfg/config.yaml's default task, read from its defaults list: one place to change it."""
    from omegaconf import OmegaConf

    defaults = OmegaConf.to_container(OmegaConf.load(CFG_DIR / "config.yaml"))["defaults"]
    return next(entry["task"] for entry in defaults if isinstance(entry, dict) and "task" in entry)


def default_train(argv) -> str:
    """The ``train=...`` override to add to ``argv``, or ``''`` when the config's default applies.

    ``task=X`` alone trains ``XCPO`` for an embedded task (cfg/config.yaml's ``${task}CPO``) and,
    as in IsaacGymEnvs, IsaacGymEnvs' own ``XPPO`` for an IsaacGymEnvs task.
    """
    task = task_from_argv(argv) or default_task()
    if _override(argv, "train") is not None or task in embedded_tasks():
        return ""
    return f"train={isaacgymenvs.default_train(task)}"


def missing_task_error(task: str) -> str:
    """Why ``task`` cannot be composed here, or ``''`` when it can."""
    if not task or task in embedded_tasks():
        return ""
    if isaacgymenvs.installed():
        known = embedded_tasks() + isaacgymenvs.task_names()
        if task in known:
            return ""
        import difflib

        close = difflib.get_close_matches(task, known, n=3)
        return (f"task={task} is neither an embedded task nor one of IsaacGymEnvs' tasks"
                + (f": did you mean {' or '.join(f'task={c}' for c in close)}?" if close else
                   f". Tasks: {', '.join(known)}."))
    return (f"task={task} is not an embedded task and IsaacGymEnvs is not installed, so its "
            f"config cannot be found. {isaacgymenvs.INSTALL_HINT} Embedded tasks (no Isaac Gym "
            f"needed): {', '.join(embedded_tasks())}.")


def compose_config(*overrides: str):
    """The config ``python train.py <overrides>`` would run, composed without starting Hydra's
    app (for scripts, benchmarks and tests)."""
    from hydra import compose, initialize_config_dir

    register_resolvers()
    overrides = list(overrides)
    train = default_train(overrides)
    with initialize_config_dir(config_dir=str(CFG_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=overrides + ([train] if train else []))
