"""Steps per second and memory per env of each embedded task through our envpool adapter.

    python benchmarks/env_throughput.py                      # every task, num_envs 16 64 256
    python benchmarks/env_throughput.py --tasks EnvpoolAnt --num-envs 64 512 --steps 500

Random actions in [-1, 1] rescaled to the action space; the adapter's reset hiding included.
Each measurement runs in a fresh process; memory is the growth of that process's resident set
while the pool is built and stepped, divided by num_envs.
"""

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rlgames_cpo.hydra_setup import CFG_DIR, embedded_tasks  # noqa: E402
from rlgames_cpo.envs.envpool_env import EnvpoolVecEnv  # noqa: E402


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def measure(task: str, num_envs: int, steps: int):
    env_cfg = yaml.safe_load((CFG_DIR / "task" / f"{task}.yaml").read_text())["env"]
    before = current_rss_mb()
    env = EnvpoolVecEnv(env_cfg["envpoolId"], num_envs, obs_keys=env_cfg.get("obsKeys"),
                        state_keys=env_cfg.get("stateKeys"))
    env.reset()
    low = torch.from_numpy(env.action_space.low)
    high = torch.from_numpy(env.action_space.high)
    actions = [low + (high - low) * torch.rand(num_envs, len(low)) for _ in range(8)]
    for i in range(10):
        env.step(actions[i % 8])
    start = time.perf_counter()
    for i in range(steps):
        env.step(actions[i % 8])
    seconds = time.perf_counter() - start
    memory = current_rss_mb() - before
    return steps * num_envs / seconds, memory / num_envs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=embedded_tasks())
    parser.add_argument("--num-envs", nargs="+", type=int, default=[16, 64, 256])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--one", nargs=2, metavar=("TASK", "NUM_ENVS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(*measure(args.one[0], int(args.one[1]), args.steps))
        return
    print(f"{'task':24s} {'num_envs':>8s} {'steps/s':>10s} {'MB/env':>8s}")
    for task in args.tasks:
        for num_envs in args.num_envs:
            out = subprocess.run([sys.executable, __file__, "--steps", str(args.steps), "--one",
                                  task, str(num_envs)], capture_output=True, text=True, check=True)
            fps, mb_per_env = map(float, out.stdout.split()[-2:])
            print(f"{task:24s} {num_envs:8d} {fps:10.0f} {mb_per_env:8.2f}", flush=True)


if __name__ == "__main__":
    main()
