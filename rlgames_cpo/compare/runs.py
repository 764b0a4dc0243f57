"""Reading finished (or unfinished) runs: their config and their TensorBoard summaries."""

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

RETURN = "rewards/step"      # rl_games' mean return; the leader's for sapg/cpo
EPOCHS = "info/epochs"
ALGO_LABELS = {"a2c_continuous": "ppo", "sapg": "sapg", "cpo": "cpo"}


@dataclass
class Run:
    """One run directory: ``path`` holds ``config.yaml`` and ``summaries/``."""

    path: Path
    algo: str
    task: str
    seed: int
    max_epochs: int
    scalars: dict = field(default_factory=dict)   # tag -> (steps array, values array)
    kl_matrices: list = field(default_factory=list)

    @property
    def last_epoch(self) -> int:
        steps, values = self.scalars.get(EPOCHS, (np.zeros(0), np.zeros(0)))
        return int(values[-1]) if len(values) else 0

    @property
    def complete(self) -> bool:
        return self.max_epochs > 0 and self.last_epoch >= self.max_epochs

    @property
    def last_step(self) -> float:
        """Env steps at the run's last logged iteration (whether or not an episode had ended)."""
        steps, _ = self.curve(EPOCHS)
        return float(steps[-1]) if len(steps) else 0.0

    def curve(self, tag: str = RETURN):
        return self.scalars.get(tag, (np.zeros(0), np.zeros(0)))


def read_scalars(summaries_dir: Path) -> dict:
    """``tag -> (steps, values)`` over every events file, sorted by step (last write wins)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    merged = {}
    for events in sorted(Path(summaries_dir).glob("events.out.tfevents.*")):
        accumulator = EventAccumulator(str(events), size_guidance={"scalars": 0})
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            for event in accumulator.Scalars(tag):
                merged.setdefault(tag, {})[event.step] = event.value
    return {tag: (np.array(sorted(points)), np.array([points[s] for s in sorted(points)]))
            for tag, points in merged.items()}


class RunError(ValueError):
    """A folder that cannot be reported on, and why (the message starts with its path)."""


def load_run(path) -> Run:
    """The run in ``path``; :class:`RunError` names what is wrong with a folder that is not one."""
    path = Path(path)
    config_file = path / "config.yaml"
    if not config_file.is_file():
        raise RunError(f"{path}: no config.yaml (not a run folder, or a run that never started)")
    try:
        config = yaml.safe_load(config_file.read_text())
        params = config["train"]["params"]
        algo, task = params["algo"]["name"], config["task"]["name"]
        seed, max_epochs = int(config["seed"]), int(params["config"].get("max_epochs", -1))
    except Exception as error:
        raise RunError(f"{path}: config.yaml is not a run's config ({type(error).__name__}: "
                       f"{error})") from None
    scalars = read_scalars(path / "summaries")
    if EPOCHS not in scalars:
        raise RunError(f"{path}: no logged iteration ({EPOCHS} not in {path / 'summaries'}): the "
                       "run stopped before its first iteration ended")
    kl_file = path / "diagnostics" / "kl_matrix.jsonl"
    return Run(path=path, algo=ALGO_LABELS.get(algo, algo), task=task, seed=seed,
               max_epochs=max_epochs, scalars=scalars,
               kl_matrices=[json.loads(line) for line in kl_file.read_text().splitlines()]
               if kl_file.is_file() else [])

