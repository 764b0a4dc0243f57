"""A run's folder, ``<train_dir>/<experiment>/``: named inside ``train_dir``, claimed atomically,
never clobbered, and left as it was when a run fails to start.

- A folder that holds another run is refused, with the fixes: another ``experiment``,
  ``checkpoint=`` one of its checkpoints to resume it, or ``overwrite=True``, which moves the old
  run to ``<train_dir>/.overwritten/`` (nothing is deleted).
- The claim is a lock file created with ``O_EXCL`` (``.lock``, removed when the run ends), so two
  runs never share a folder, however close their starts; a default name that is taken gets a
  ``_2``, ``_3``... suffix instead. A folder whose lock is held by a live process is refused,
  ``overwrite=True`` included; a lock left by a process that is gone (kill -9, out of memory) is
  taken over, with one line saying so.
- Nothing is written into the folder before the run is known to start (``started``: agent
  built, checkpoint restored); a run that fails before that leaves the folder as it found it
  (``abandon``).
"""

import os
import shutil
import socket
from datetime import datetime
from pathlib import Path, PurePosixPath

LOCK = ".lock"
OVERWRITTEN = ".overwritten"


class RunFolderError(ValueError):
    """The run's folder cannot be used, and why (with the fix)."""


def check_experiment(experiment: str) -> PurePosixPath:
    """``experiment`` as a relative path inside ``train_dir`` (``grp/s1`` groups runs)."""
    if not isinstance(experiment, str) or not experiment.strip():
        raise RunFolderError(f"experiment={experiment!r} must be a run name, e.g. experiment=ant_s1")
    path = PurePosixPath(experiment)
    if path.is_absolute() or ".." in path.parts or experiment != experiment.strip() or \
            any(part.startswith(".") for part in path.parts) or "\\" in experiment:
        raise RunFolderError(f"experiment={experiment!r} must stay inside train_dir: a name or "
                             "a relative path of names (e.g. experiment=ant/s1), without '..', "
                             "a leading '/' or '.', or surrounding spaces; use train_dir=... to "
                             "write elsewhere")
    return path


def lock_holder(path: Path):
    """``(pid, host, text)`` of the lock in run folder ``path``, ``None`` when there is none."""
    try:
        text = (path / LOCK).read_text().strip()
    except FileNotFoundError:
        return None
    words = text.split()
    pid = int(words[1]) if len(words) > 3 and words[0] == "pid" and words[1].isdigit() else None
    host = words[3] if pid is not None else None
    return pid, host, text


def lock_is_live(holder) -> bool:
    """Whether the process that wrote a lock may still run: a pid of this host that is gone is
    the only case known to be dead (a lock being written, or another host's, counts as live)."""
    pid, host, _ = holder
    if pid is None or host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holds_a_run(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def newest_checkpoint(path: Path):
    """The most recently written ``.pth`` of a run folder, or ``None``."""
    checkpoints = sorted((path / "nn").glob("*.pth"), key=lambda p: p.stat().st_mtime)
    return checkpoints[-1] if checkpoints else None


class RunFolder:
    """The folder of one training run (``train_dir/experiment``).

    Args:
        train_dir: where runs go.
        experiment: the run's name (checked by :func:`check_experiment`).
        checkpoint: the checkpoint the run resumes from ('' for none); inside this folder it
            means "continue this run here".
        overwrite: move a run already in the folder to ``train_dir/.overwritten/``.
        unique: the name is a default one: pick a free ``_<n>`` suffix instead of refusing.
    """

    def __init__(self, train_dir, experiment: str, checkpoint: str = "", overwrite: bool = False,
                 unique: bool = False):
        check_experiment(experiment)
        self.train_dir = Path(train_dir)
        self.experiment = experiment
        self.checkpoint = checkpoint
        self.overwrite = overwrite
        self.unique = unique
        self.moved_to = None
        self.has_started = False
        self._before = None  # files of the folder before this run, when it existed

    @property
    def path(self) -> Path:
        return self.train_dir / self.experiment

    def _resumes_here(self) -> bool:
        if not self.checkpoint:
            return False
        return self.path.resolve() in Path(self.checkpoint).resolve().parents

    def claim(self) -> "RunFolder":
        """Makes the folder this run's (see the module doc); ``experiment`` may get a suffix."""
        base, n = self.experiment, 1
        while self.unique and holds_a_run(self.path):
            n += 1
            self.experiment = f"{base}_{n}"
        self._respect_the_lock()
        if holds_a_run(self.path) and not self._resumes_here():
            if not self.overwrite:
                raise RunFolderError(self._held_message())
            self.moved_to = self.train_dir / OVERWRITTEN / f"{self.experiment}_{datetime.now():%Y%m%d-%H%M%S-%f}"
            self.moved_to.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.path, self.moved_to)
            print(f"[rlgames_cpo] overwrite=True: the run that was in {self.path} is now in "
                  f"{self.moved_to} (delete it when you are sure)")
        existed = self.path.is_dir()
        self.path.mkdir(parents=True, exist_ok=True)
        self._before = set(self.path.rglob("*")) if existed else None
        try:
            lock = os.open(self.path / LOCK, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if self.unique:  # another run took this default name in the meantime
                self.experiment = f"{base}_{n + 1}"
                return self.claim()
            raise RunFolderError(self._in_use_message(lock_holder(self.path) or
                                                      (None, None, "starting"))) from None
        with os.fdopen(lock, "w") as f:
            f.write(f"pid {os.getpid()} on {socket.gethostname()} since {datetime.now():%Y-%m-%d %H:%M:%S}\n")
        return self

    def _respect_the_lock(self) -> None:
        """A live run's folder is never claimed (not by ``overwrite=True`` either); a lock whose
        process is gone is removed."""
        holder = lock_holder(self.path)
        if holder is None:
            return
        if lock_is_live(holder):
            raise RunFolderError(self._in_use_message(holder))
        (self.path / LOCK).unlink(missing_ok=True)
        print(f"[rlgames_cpo] {self.path / LOCK} was left by {holder[2]}, a process that is gone "
              "(killed, or out of memory): this run takes the folder over", flush=True)

    def _in_use_message(self, holder) -> str:
        return (f"{self.path} is in use by a live run ({holder[2]}): wait for it to finish, or "
                "choose another experiment=... (overwrite=True never moves a live run; if that "
                f"process runs on another machine and has ended, delete {self.path / LOCK})")

    def _held_message(self) -> str:
        contents = ", ".join(sorted(p.name + ("/" if p.is_dir() else "") for p in self.path.iterdir())[:4])
        latest = newest_checkpoint(self.path)
        resume = (f"resume it with checkpoint={latest} experiment={self.experiment}" if latest
                  else "it has no checkpoint to resume from")
        return (f"{self.path} holds another run ({contents}): choose another experiment=..., "
                f"{resume}, or replace it with overwrite=True (the old run is moved to "
                f"{self.train_dir / OVERWRITTEN}/, not deleted)")

    def started(self, config_yaml: str) -> None:
        """The run is known to start: its resolved config is written (atomically)."""
        self.has_started = True
        write_atomically(self.path / "config.yaml", config_yaml)

    def abandon(self) -> None:
        """Undoes the claim of a run that failed before it started: what it created is removed,
        a run moved aside by ``overwrite`` is put back."""
        if self.has_started:
            return
        if self._before is None:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            for created in sorted(set(self.path.rglob("*")) - self._before, reverse=True):
                if created.is_dir() and not created.is_symlink():
                    shutil.rmtree(created, ignore_errors=True)
                else:
                    created.unlink(missing_ok=True)
        if self.moved_to is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            os.replace(self.moved_to, self.path)
            print(f"[rlgames_cpo] the run did not start: {self.path} is back as it was")

    def release(self) -> None:
        (self.path / LOCK).unlink(missing_ok=True)


def write_atomically(path: Path, text: str) -> None:
    """Writes ``text`` to a temporary file renamed over ``path``; a failure names the path and the
    OS error, and leaves ``path`` as it was."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text)
        os.replace(partial, path)
    except OSError as error:
        raise OSError(error.errno, f"could not write {path}: {error.strerror}") from error
    finally:
        partial.unlink(missing_ok=True)
