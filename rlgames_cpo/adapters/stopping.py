"""Ways a training run stops early: a stop signal (checkpoint, clean exit) or non-finite values
(error naming the iteration and the last good checkpoint)."""

import signal
import threading

import torch


def non_finite(tensors: dict) -> list:
    """Names of the floating-point tensors in ``tensors`` that hold a NaN or an infinity."""
    return [name for name, t in tensors.items()
            if torch.is_floating_point(t) and not torch.isfinite(t).all()]


def non_finite_envs(*per_env: torch.Tensor) -> list:
    """Envs (first dimension) with a NaN or an infinity in any of ``per_env``."""
    bad = torch.zeros(len(per_env[0]), dtype=torch.bool, device=per_env[0].device)
    for t in per_env:
        bad |= ~torch.isfinite(t.reshape(len(t), -1).float()).all(dim=1)
    return bad.nonzero()[:, 0].tolist()


class StopSignals:
    """Within ``with StopSignals() as stop:``, SIGINT (Ctrl-C) and SIGTERM (schedulers, torchrun)
    only record themselves in ``stop.received``, so training can finish the iteration, write a
    checkpoint and exit. The first signal puts the previous handlers back: a second one stops at
    once. Outside the main thread, where Python cannot install handlers, it does nothing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> "StopSignals":
        self.received = None
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        return self

    def _handle(self, signum, frame) -> None:
        self.received = signal.Signals(signum).name
        self._restore()
        print(f"\n[rlgames_cpo] {self.received}: finishing this iteration, then writing a "
              "checkpoint (send it again to stop at once)", flush=True)

    def _restore(self) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous = {}

    def __exit__(self, *exc) -> None:
        self._restore()


class TrainingInterrupted(Exception):
    """Training stopped on a signal after writing ``checkpoint``."""

    def __init__(self, signal_name: str, epoch: int, checkpoint: str):
        self.checkpoint = checkpoint
        where = f"checkpoint written to {checkpoint}; resume with checkpoint={checkpoint}" \
            if checkpoint else "the checkpoint is written by rank 0"
        super().__init__(f"stopped by {signal_name} after iteration {epoch}: {where}")


class NonFiniteError(FloatingPointError):
    """NaN or infinity in the losses, parameters, observations or rewards of an iteration."""

    def __init__(self, epoch: int, what: str, last_checkpoint):
        last = (f"the last good checkpoint is {last_checkpoint} (resume with "
                f"checkpoint={last_checkpoint}, e.g. with a lower learning_rate)"
                if last_checkpoint else "no checkpoint was written before it")
        super().__init__(f"iteration {epoch}: {what}; stopped without saving, {last}")
