"""Train or play with rl_games: python train.py task=EnvpoolAnt train=EnvpoolAntPPO key=value ...

IsaacGymEnvs conventions: Hydra configs under cfg/, the same top-level keys, and IsaacGymEnvs'
own task and train configs when that package is installed.
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


@hydra.main(version_base="1.3", config_path="cfg", config_name="config")
def main(cfg: DictConfig) -> None:
    if backends.backend_of(cfg) == "isaacgym":
        try:
            import isaacgym  # noqa: F401  (must be imported before torch)
        except ImportError as error:
            sys.exit(f"task={cfg.task.name} runs on Isaac Gym, which is not importable ({error}). "
                     f"{isaacgymenvs.INSTALL_HINT}")
    from rlgames_cpo.launch import launch

    try:
        launch(cfg)
    except Exception as error:  # one clear line, not Hydra's traceback
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        kind = "" if isinstance(error, CLEAR_ERRORS) else f" ({type(error).__name__}; " \
            "HYDRA_FULL_ERROR=1 shows the traceback)"
        sys.exit(f"error: {error}{kind}")


if __name__ == "__main__":
    try:
        register_resolvers()
    except RuntimeError as error:  # an IsaacGymEnvs that does not import
        sys.exit(f"error: {error}")
    error = missing_task_error(task_from_argv(sys.argv[1:]))
    if error:
        sys.exit(error)
    train = default_train(sys.argv[1:])
    if train:
        task = task_from_argv(sys.argv[1:])
        ours = f"train={task}CPO or " if (CFG_DIR / "train" / f"{task}CPO.yaml").is_file() else ""
        print(f"[rlgames_cpo] task={task} is an IsaacGymEnvs task: training IsaacGymEnvs' own "
              f"{train[6:]}, as IsaacGymEnvs does (for CPO add {ours}train.params.algo.name=cpo)")
        sys.argv.append(train)
    main()
