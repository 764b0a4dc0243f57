"""The command line: ``python -m rlgames_cpo task=X train=XCPO key=value ...`` (and our
``train.py``, which calls :func:`main`) trains or, with ``test=True``, plays, as IsaacGymEnvs'
``train.py`` does: a Hydra app over ``cfg/`` (shipped in the package) and, when IsaacGymEnvs is
installed, its task and train configs.

``main(argv) -> int`` returns the exit status; an error prints one line that names the problem
and the fix (``HYDRA_FULL_ERROR=1`` raises it with its traceback instead).
"""

import os
import sys

import hydra
from omegaconf import DictConfig

from rlgames_cpo.hosts import backends, isaacgymenvs
from rlgames_cpo.hydra_setup import (CFG_DIR, default_train, missing_task_error,
                                     register_resolvers, task_from_argv)

# Errors whose message names the problem and the fix (ours, and rl_games' config checks).
CLEAR_ERRORS = (ValueError, OSError, FloatingPointError)


def run(cfg: DictConfig) -> None:
    """Trains or plays a composed config (Isaac Gym first, as it must be imported before torch)."""
    if backends.backend_of(cfg) == "isaacgym":
        try:
            import isaacgym  # noqa: F401
        except ImportError as error:
            raise SystemExit(f"task={cfg.task.name} runs on Isaac Gym, which is not importable "
                             f"({error}). {isaacgymenvs.INSTALL_HINT}") from None
    from rlgames_cpo.launch import launch

    try:
        launch(cfg)
    except Exception as error:  # one clear line, not Hydra's traceback
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        kind = "" if isinstance(error, CLEAR_ERRORS) else f" ({type(error).__name__}; " \
            "HYDRA_FULL_ERROR=1 shows the traceback)"
        raise SystemExit(f"error: {error}{kind}") from None


_hydra_app = hydra.main(version_base="1.3", config_path=str(CFG_DIR), config_name="config")(run)


def arguments(argv: list) -> list:
    """``argv`` with the train config IsaacGymEnvs would pick for its own tasks; stops with the
    fix when the task cannot be composed here."""
    try:
        register_resolvers()
    except RuntimeError as error:  # an IsaacGymEnvs that does not import
        raise SystemExit(f"error: {error}") from None
    task = task_from_argv(argv)
    error = missing_task_error(task)
    if error:
        raise SystemExit(error)
    train = default_train(argv)
    if train:
        ours = f"train={task}CPO or " if (CFG_DIR / "train" / f"{task}CPO.yaml").is_file() else ""
        print(f"[rlgames_cpo] task={task} is an IsaacGymEnvs task: training IsaacGymEnvs' own "
              f"{train[6:]}, as IsaacGymEnvs does (for CPO add {ours}train.params.algo.name=cpo)")
        argv = [*argv, train]
    return argv


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    saved = sys.argv
    try:
        sys.argv = [saved[0] if saved else "rlgames_cpo", *arguments(argv)]
        _hydra_app()
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)
        return 1
    finally:
        sys.argv = saved
    return 0
