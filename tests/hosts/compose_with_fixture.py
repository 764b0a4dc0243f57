"""Run in a subprocess with the fixture on PYTHONPATH: composes and resolves each command line
given as a JSON list of override lists (argv[1]) exactly as train.py would, and prints, per command
line, the resolved values the tests read and whether train.py's checks pass, or the error."""

import json
import sys

from omegaconf import OmegaConf

from rlgames_cpo.hydra_setup import compose_config
from rlgames_cpo.launch import check_run, prepare, rl_games_params

results = []
for overrides in json.loads(sys.argv[1]):
    try:
        cfg = prepare(compose_config(*overrides, "rl_device=cpu", "experiment=x"))
        resolved = OmegaConf.to_container(cfg, resolve=True)
        config = rl_games_params(cfg)["config"]
        results.append({"task": resolved["task"]["name"], "algo": resolved["train"]["params"]["algo"]["name"],
                        "num_envs": resolved["num_envs"], "numEnvs": resolved["task"]["env"].get("numEnvs"),
                        "num_actors": config["num_actors"], "max_epochs": config.get("max_epochs"),
                        "subtask": resolved["task"]["env"].get("subtask"),
                        "pbt": resolved["pbt"]["enabled"], "print_stats": config["print_stats"]})
        try:  # every check train.py runs before building anything
            check_run(cfg)
            results[-1]["checks"] = "passed"
        except Exception as error:
            results[-1]["checks"] = f"{type(error).__name__}: {error}"
    except Exception as error:
        results.append({"error": f"{type(error).__name__}: {error}"})
print(json.dumps(results))
