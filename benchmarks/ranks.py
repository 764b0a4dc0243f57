"""Seconds per training iteration and env steps per second with 1 and 2 (or more) torchrun
ranks on this machine, for the same per-rank command.

    python benchmarks/ranks.py                      # the issue's command: EnvpoolAntCPO, 60 envs
    python benchmarks/ranks.py --ranks 0 1 2 --num-envs 240 --iterations 12   # 0: no torchrun

Every rank steps its own ``num_envs`` envs, so an iteration of P ranks collects P times the env
steps of one. The time per iteration is the median gap between consecutive iterations' summaries
(wall time of rank 0's TensorBoard events), the first two iterations dropped as warm-up.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

REPO = Path(__file__).resolve().parent.parent


def iteration_times(run_dir: Path) -> list:
    (events,) = (run_dir / "summaries").glob("events.out.tfevents.*")
    accumulator = EventAccumulator(str(events))
    accumulator.Reload()
    walls = [e.wall_time for e in accumulator.Scalars("info/epochs")]
    return [b - a for a, b in zip(walls, walls[1:])]


def measure(ranks: int, args) -> float:
    train_dir = Path(tempfile.mkdtemp())
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable)) or "torchrun"
    launcher = ([torchrun, "--standalone", f"--nproc_per_node={ranks}", "train.py", "multi_gpu=True"]
                if ranks else [sys.executable, "train.py"])  # 0: one plain process
    command = [*launcher, f"task={args.task}", f"train={args.train}", f"num_envs={args.num_envs}",
               f"max_iterations={args.iterations}", "experiment=ranks", f"train_dir={train_dir}"]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    times = iteration_times(train_dir / "ranks")[1:]
    shutil.rmtree(train_dir, ignore_errors=True)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="EnvpoolAnt")
    parser.add_argument("--train", default="EnvpoolAntCPO")
    parser.add_argument("--num-envs", type=int, default=60)
    parser.add_argument("--horizon", type=int, default=64, help="the train config's horizon_length")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"{args.train} on {args.task}, {args.num_envs} envs per rank, {os.cpu_count()} CPUs")
    print(f"{'ranks':>5} {'s/iteration':>12} {'env steps/iteration':>20} {'env steps/s':>12}")
    for ranks in args.ranks:
        seconds = measure(ranks, args)
        steps = max(ranks, 1) * args.num_envs * args.horizon
        label = ranks if ranks else "1*"
        print(f"{label:>5} {seconds:>12.2f} {steps:>20} {steps / seconds:>12.0f}", flush=True)
    if 0 in args.ranks:
        print("1*: python train.py without torchrun (torch may use every core; torchrun sets "
              "OMP_NUM_THREADS=1 per rank)")


if __name__ == "__main__":
    main()
