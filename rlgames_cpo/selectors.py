"""``checkpoint=latest`` and ``checkpoint=best``: a run's newest and best checkpoint, by name, for
training (resume), play and export.

``latest`` / ``best`` pick from the run of ``experiment=X`` (``<train_dir>/X``);
``<run folder>/latest`` / ``<run folder>/best`` from any run folder (ours, IsaacGymEnvs', Isaac
Lab's ``logs/rl_games/<config>/<time>``). rl_games writes ``nn/last_<name>_ep_<N>_rew_<R>.pth``
(every ``save_frequency`` iterations and at the end) and ``nn/<name>.pth`` whenever the mean
reward improves after ``save_best_after`` iterations: latest is the newest ``.pth`` of ``nn/``,
best the newest one not named ``last_...``.
"""

from pathlib import Path
from typing import Optional

SELECTORS = ("latest", "best")


def checkpoints_of(run: Path) -> list:
    """The ``.pth`` files of a run folder's ``nn/`` (or of ``run`` itself, an ``nn/`` folder),
    oldest first."""
    folder = run / "nn" if (run / "nn").is_dir() else run
    return sorted((p for p in folder.glob("*.pth") if p.is_file()),
                  key=lambda p: (p.stat().st_mtime, p.name))


def pick(run: Path, selector: str) -> Path:
    """The ``selector`` checkpoint of the run folder ``run``; a clear error when it has none."""
    if not run.is_dir():
        raise FileNotFoundError(f"checkpoint={selector} of {run}: there is no such run folder")
    found = checkpoints_of(run)
    if not found:
        raise FileNotFoundError(f"checkpoint={selector}: {run} has no checkpoint yet (no nn/*.pth; "
                                "rl_games writes one every save_frequency iterations and at the end)")
    if selector == "latest":
        return found[-1]
    best = [p for p in found if not p.name.startswith("last_")]
    if not best:
        raise FileNotFoundError(
            f"checkpoint=best: {run} has no best checkpoint yet (rl_games writes nn/<name>.pth when "
            f"the mean reward improves, after save_best_after iterations); its newest is "
            f"{found[-1]}: use checkpoint=latest")
    return best[-1]


def resolve(checkpoint: str, run: Optional[Path]) -> str:
    """The file ``checkpoint`` names: ``latest``/``best`` of ``run`` (the run of ``experiment=X``,
    None when none was given), ``<run folder>/latest``/``/best``, or a path as given."""
    if not checkpoint:
        return checkpoint
    path = Path(checkpoint)
    if checkpoint in SELECTORS:
        if run is None:
            raise ValueError(f"checkpoint={checkpoint} picks a run's {checkpoint} checkpoint: say "
                             f"which run with experiment=X (the folder <train_dir>/X), or give "
                             f"checkpoint=<run folder>/{checkpoint}")
        return str(pick(run, checkpoint))
    if path.name in SELECTORS and not path.exists():
        return str(pick(path.parent, path.name))
    return checkpoint
