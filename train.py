"""Train or play with rl_games: python train.py task=EnvpoolAnt train=EnvpoolAntPPO key=value ...

IsaacGymEnvs conventions: Hydra configs under cfg/, the same top-level keys, and IsaacGymEnvs'
own task configs when that package is installed.
"""

import sys

import hydra
from omegaconf import DictConfig

from rlgames_cpo.hydra_setup import (ISAACGYM_HINT, missing_task_error, ppo_fallback,
                                     register_resolvers, task_from_argv)

register_resolvers()


@hydra.main(version_base="1.3", config_path="cfg", config_name="config")
def main(cfg: DictConfig) -> None:
    if cfg.task.get("backend", "isaacgym") == "isaacgym":
        try:
            import isaacgym  # noqa: F401  (must be imported before torch)
        except ImportError:
            sys.exit(f"task={cfg.task.name} runs on Isaac Gym, which is not importable. {ISAACGYM_HINT}")
    from rlgames_cpo.launch import launch

    launch(cfg)


if __name__ == "__main__":
    error = missing_task_error(task_from_argv(sys.argv[1:]))
    if error:
        sys.exit(error)
    fallback = ppo_fallback(sys.argv[1:])
    if fallback:
        print(f"[rlgames_cpo] no {fallback[6:-3]}CPO config: training with {fallback}")
        sys.argv.append(fallback)
    main()
