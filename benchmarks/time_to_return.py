"""Learning curve (return vs wall-clock minutes) of a training run, and when it first reaches a
target return.

    python benchmarks/time_to_return.py --target 2000                 # trains the default run
    python benchmarks/time_to_return.py --target 2000 -- task=EnvpoolAnt num_envs=128
    python benchmarks/time_to_return.py --target 2000 --run-dir runs/my_run   # existing run
    python benchmarks/time_to_return.py --target 2000 --run-dir runs/my_run --plot curve.png

Reads rl_games' `rewards/step` scalar (mean return of the last 100 episodes; the leader's
envs for SAPG/CPO) from the run's TensorBoard summaries; minutes count from the first epoch's
summary, so start-up is not included.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def learning_curve(run_dir: Path, tag: str = "rewards/step"):
    """``[(minutes, frames, return)]`` from every events file under ``run_dir/summaries``."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    points = []
    for events in sorted((run_dir / "summaries").glob("events.out.tfevents.*")):
        accumulator = EventAccumulator(str(events), size_guidance={"scalars": 0})
        accumulator.Reload()
        if tag in accumulator.Tags()["scalars"]:
            points += [(e.wall_time, e.step, e.value) for e in accumulator.Scalars(tag)]
    if not points:
        raise SystemExit(f"no '{tag}' scalars under {run_dir}/summaries")
    points.sort()
    start = points[0][0]
    return [((wall - start) / 60, frames, value) for wall, frames, value in points]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, required=True, help="return to reach")
    parser.add_argument("--run-dir", type=Path, help="read an existing run instead of training")
    parser.add_argument("--every", type=float, default=0.5, help="minutes between printed rows")
    parser.add_argument("--plot", type=Path, help="also save the curve as a PNG")
    parser.add_argument("--title", help="plot title (default: the run's name)")
    parser.add_argument("overrides", nargs="*", help="train.py overrides (after --)")
    args = parser.parse_args()

    run_dir = args.run_dir
    if run_dir is None:
        experiment = f"time_to_return_{time.strftime('%d-%H-%M-%S')}"
        command = [sys.executable, "train.py", f"experiment={experiment}", *args.overrides]
        print("running:", " ".join(command[1:]), flush=True)
        subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        run_dir = REPO / "runs" / experiment

    curve = learning_curve(run_dir)
    print(f"{'minutes':>8s} {'frames':>10s} {'return':>9s}")
    next_row = 0.0
    for minutes, frames, value in curve:
        if minutes >= next_row:
            print(f"{minutes:8.2f} {frames:10d} {value:9.1f}")
            next_row += args.every
    minutes, frames, value = curve[-1]
    print(f"{minutes:8.2f} {frames:10d} {value:9.1f}  (last)")
    reached = next(((m, f) for m, f, v in curve if v >= args.target), None)
    if reached:
        print(f"reached {args.target:g} after {reached[0]:.2f} min, {reached[1]} frames")
    else:
        print(f"did not reach {args.target:g} (best {max(v for _, _, v in curve):.1f})")
    if args.plot:
        plot(curve, args.target, args.title or run_dir.name, args.plot)


def plot(curve, target, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=120)
    ax.plot([m for m, _, _ in curve], [v for _, _, v in curve], label="mean return")
    ax.axhline(target, color="grey", linestyle="--", linewidth=1, label=f"target {target:g}")
    ax.set(xlabel="wall-clock minutes", ylabel="return (last 100 episodes)", title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
