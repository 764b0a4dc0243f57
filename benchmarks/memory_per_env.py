"""Host memory per env: the figures behind ``task.env.memoryPerEnvMB`` and the learner's model in
rlgames_cpo/core/memory.py, which train.py uses to refuse a ``num_envs`` that cannot fit.

    python benchmarks/memory_per_env.py                # the simulator, every envpool task
    python benchmarks/memory_per_env.py --sim EnvpoolAnt
    python benchmarks/memory_per_env.py --learner      # one training iteration: measured vs estimate

--sim: the resident memory of building and resetting an envpool pool of n1 and of n2 envs, each in
a fresh process; the slope is the MB per env (the fixed part, the libraries, cancels).
--learner: the peak resident memory of one training iteration (rl_device=cpu) at n1 and n2 envs,
each in a fresh process; the slope minus the simulator's is the learner's per-env memory, printed
beside rlgames_cpo.core.memory's estimate for the same config.
"""

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# task: (n1, n2), small enough for a 24 GiB machine
SIM_SIZES = {"EnvpoolAnt": (200, 2000), "EnvpoolHalfCheetah": (200, 2000),
             "EnvpoolHumanoid": (200, 2000), "EnvpoolMountainCar": (200, 2000),
             "EnvpoolPendulum": (200, 2000), "EnvpoolShadowHandBlock": (32, 256),
             "EnvpoolLeapCube": (16, 96)}
# (task, train config, n1, n2)
LEARNER_RUNS = [("EnvpoolMountainCar", "EnvpoolMountainCarCPO", 1020, 8160),
                ("EnvpoolAnt", "EnvpoolAntCPO", 240, 2400),
                ("EnvpoolHumanoid", "EnvpoolHumanoidCPO", 240, 2400),
                ("EnvpoolAnt", "EnvpoolAntPPO", 240, 2400),
                ("EnvpoolLeapCube", "EnvpoolLeapCubeCPO", 12, 48)]


def resident_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def child_sim(task: str, num_envs: int) -> dict:
    from rlgames_cpo.envs.envpool_env import EnvpoolVecEnv
    from rlgames_cpo.hosts import backends
    from rlgames_cpo.hydra_setup import compose_config

    _, env_config = backends.env_of(compose_config(f"task={task}", f"num_envs={num_envs}",
                                                   "rl_device=cpu"))
    before = resident_mb()
    EnvpoolVecEnv(num_envs=num_envs, **env_config).reset()
    return {"mb": resident_mb() - before}


def child_learner(task: str, train: str, num_envs: int) -> dict:
    import tempfile

    from rlgames_cpo import memory
    from rlgames_cpo.hydra_setup import compose_config
    from rlgames_cpo.launch import build_agent, check_run, prepare

    overrides = [f"task={task}", f"train={train}", f"num_envs={num_envs}", "rl_device=cpu",
                 "max_iterations=1", f"train_dir={tempfile.mkdtemp()}", "experiment=memory"]
    cfg = prepare(compose_config(*overrides))
    estimate = memory.estimate(cfg, check_run(cfg))
    before = resident_mb()
    agent = build_agent(compose_config(*overrides))
    agent.train_epoch()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mb": peak - before, "learner_estimate_mb": estimate.learner_bytes_per_env / 2**20}


def in_child(*args) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def slope(args_small, args_large, n1: int, n2: int) -> tuple:
    small, large = in_child(*args_small), in_child(*args_large)
    return (large["mb"] - small["mb"]) / (n2 - n1), large


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim", nargs="*", help="envpool tasks (default: all)")
    parser.add_argument("--learner", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = (child_sim(rest[0], int(rest[1])) if kind == "sim"
                  else child_learner(rest[0], rest[1], int(rest[2])))
        print(json.dumps(result))
        return
    if args.learner:
        from rlgames_cpo.hydra_setup import compose_config

        print(f"{'task':<20} {'train':<24} {'total MB/env':>12} {'sim':>8} "
              f"{'learner':>8} {'estimate':>8}")
        for task, train, n1, n2 in LEARNER_RUNS:
            total, large = slope(("learner", task, train, n1), ("learner", task, train, n2), n1, n2)
            sim = compose_config(f"task={task}").task.env.memoryPerEnvMB
            print(f"{task:<20} {train:<24} {total:>12.3f} {sim:>8.3f} {total - sim:>8.3f} "
                  f"{large['learner_estimate_mb']:>8.3f}", flush=True)
        return
    print(f"{'task':<24} {'MB per env':>10}  (n1, n2)")
    for task in args.sim or SIM_SIZES:
        n1, n2 = SIM_SIZES[task]
        per_env, _ = slope(("sim", task, n1), ("sim", task, n2), n1, n2)
        print(f"{task:<24} {per_env:>10.3f}  ({n1}, {n2})", flush=True)


if __name__ == "__main__":
    main()
