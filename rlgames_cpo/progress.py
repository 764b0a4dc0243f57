"""One concise progress line per epoch, in place of rl_games' fps printout."""

import math
import time

from rl_games.common.algo_observer import DefaultAlgoObserver


def format_duration(seconds: float) -> str:
    """``3725 -> '1h02m'``, ``125 -> '2m05s'``, ``9.4 -> '9s'``; ``'?'`` when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_count(n: float) -> str:
    """``1234 -> '1.2k'``, ``5_600_000 -> '5.6M'``."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f}{unit}"
    return f"{n:.0f}"


def eta_seconds(elapsed: float, done: float, total: float) -> float:
    """Remaining time at the average rate so far; ``nan`` when there is no rate or no end."""
    if total <= 0 or done <= 0:
        return math.nan
    return elapsed * max(total - done, 0) / done


def progress_line(epoch: int, max_epochs: int, frame: int, mean_reward: float, fps: float,
                  elapsed: float, eta: float) -> str:
    epochs = f"{epoch}/{max_epochs}" if max_epochs > 0 else f"{epoch}"
    reward = "   n/a" if math.isnan(mean_reward) else f"{mean_reward:8.2f}"
    return (f"epoch {epochs} | frames {format_count(frame)} | reward {reward} | "
            f"fps {format_count(fps)} | {format_duration(elapsed)} elapsed, "
            f"ETA {format_duration(eta)}")


class ProgressObserver(DefaultAlgoObserver):
    """Prints epoch/total, frames, the mean episode return rl_games tracks, fps and ETA.

    The return is rl_games' ``game_rewards`` mean: the deployed (leader) policy's envs for SAPG
    and CPO, all envs for PPO. fps and ETA count wall time since the first epoch began.

    ``on_start``, when set, is called once when training is known to start (our agents call
    ``before_training``: built, checkpoint restored, first iteration next).
    """

    def __init__(self):
        super().__init__()
        self.on_start = None

    def before_training(self, algo):
        if self.on_start is not None:
            self.on_start()

    def after_init(self, algo):
        super().after_init(algo)
        self.start_time = time.perf_counter()
        self.start_frame = self.start_epoch = None

    def after_steps(self):
        super().after_steps()
        if self.start_frame is None:  # first rollout done: counters include a resumed checkpoint
            self.start_frame = self.algo.frame
            self.start_epoch = self.algo.epoch_num - 1

    def after_print_stats(self, frame, epoch_num, total_time):
        super().after_print_stats(frame, epoch_num, total_time)
        algo = self.algo
        frame = algo.frame  # rl_games passes the count from before this epoch's frames
        elapsed = time.perf_counter() - self.start_time
        mean_reward = (algo.game_rewards.get_mean()[0].item()
                       if algo.game_rewards.current_size > 0 else math.nan)
        fps = (frame - self.start_frame) / max(elapsed, 1e-9)
        if algo.max_epochs > 0:
            eta = eta_seconds(elapsed, epoch_num - self.start_epoch, algo.max_epochs - self.start_epoch)
        else:
            eta = eta_seconds(elapsed, frame - self.start_frame, algo.max_frames - self.start_frame)
        print(progress_line(epoch_num, algo.max_epochs, frame, mean_reward, fps, elapsed, eta),
              flush=True)
