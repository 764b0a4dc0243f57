"""Reading finished (or unfinished) runs: their config and their TensorBoard summaries."""

import dataclasses
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
    setting: dict = field(default_factory=dict)   # what must match between seeds (``setting``)

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


# What may differ between the seeds of one comparison: the seed, names, places, devices, length.
NOT_COMPARED = ("name", "full_experiment_name", "train_dir", "device", "device_name", "multi_gpu",
                "max_epochs", "max_frames", "env_config", "player", "print_stats")


def setting(config: dict) -> dict:
    """The keys that make runs comparable, flattened: the task and its env, the algorithm's
    network and ``train.params.config`` but for ``NOT_COMPARED``."""
    params = config["train"]["params"]
    compared = {"task": config["task"], "network": params.get("network"),
                "model": params.get("model"),
                "config": {k: v for k, v in params["config"].items() if k not in NOT_COMPARED}}
    return dict(_flatten(compared))


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}{key}.")
    else:
        yield prefix[:-1], value


def incomparable(runs) -> str:
    """Why ``runs`` cannot be reported together, or ``''``: every run must be of one task, and
    the seeds of one algorithm of one setting (``setting``)."""
    tasks = sorted({run.task for run in runs})
    if len(tasks) > 1:
        return (f"these runs are of {len(tasks)} tasks ({', '.join(tasks)}): report each task "
                "apart (--runs with one task's runs)")
    for algo in sorted({run.algo for run in runs}):
        group = [run for run in runs if run.algo == algo]
        keys = sorted({key for run in group for key in run.setting})
        differ = [k for k in keys if len({repr(run.setting.get(k)) for run in group}) > 1]
        if differ:
            shown = "; ".join(
                f"{k}: " + ", ".join(sorted({f"{run.setting.get(k)!r} ({run.path.name})"
                                             for run in group}))
                for k in differ[:3])
            return (f"the {algo} runs are not seeds of one setting: they differ in "
                    f"{', '.join(differ[:6])}{' ...' if len(differ) > 6 else ''} ({shown}). "
                    "Seeds of one algorithm must share the task, the network and "
                    f"train.params.config (all but {', '.join(NOT_COMPARED)}): report them apart, "
                    f"or compare the settings as arms: --arms {' '.join(differ[:6])}")
    return ""


def as_arms(runs, keys) -> list:
    """``runs`` with each algorithm's runs split into arms by the values of the setting ``keys``
    (``cpo.lambda_f`` names ``config.cpo.lambda_f``), labelled ``cpo lambda_f=0.5``; the seeds of
    an arm must still share every other setting. A key a run lacks is left out of its label."""
    known = sorted({key for run in runs for key in run.setting})
    full = []
    for key in keys:
        matches = [k for k in known if k == key or k.endswith("." + key)]
        if len(matches) != 1:
            close = [k for k in known if key.split(".")[-1] in k][:6]
            raise SystemExit(f"[compare] --arms {key}: " + (
                f"names {len(matches)} settings ({', '.join(matches)}): give the full one"
                if matches else "no run has this setting" + (
                    f"; close: {', '.join(close)}" if close else "")))
        full.append(matches[0])
    armed = []
    for run in runs:
        label = " ".join(f"{k.split('.')[-1]}={run.setting[k]}" for k in full if k in run.setting)
        armed.append(dataclasses.replace(run, algo=f"{run.algo} {label}".strip()))
    return armed


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
               max_epochs=max_epochs, scalars=scalars, setting=setting(config),
               kl_matrices=[json.loads(line) for line in kl_file.read_text().splitlines()]
               if kl_file.is_file() else [])

