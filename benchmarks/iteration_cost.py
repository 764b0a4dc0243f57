"""Wall time per training iteration of ppo and sapg, split into rollout, target computation
and update, and each algorithm's ratio to PPO, measured in one process.

    python benchmarks/iteration_cost.py                                  # the issue's target setup
    python benchmarks/iteration_cost.py --num-envs 240 --horizon 16 --iterations 5 --num-blocks 6
    python benchmarks/iteration_cost.py --train EnvpoolAntLSTMPPO       # the LSTM network

rollout: rl_games' play_steps (env steps and policy inference). targets: prepare_dataset
(advantages, value normalisation, and for sapg the leader's off-policy rows: V_L recompute and
TD(0) targets). update: the mini-epochs of gradient steps. One warm-up iteration is dropped.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rlgames_cpo.hydra_setup import compose_config  # noqa: E402
from rlgames_cpo.launch import build_agent  # noqa: E402


ALGO_NAMES = {"ppo": "a2c_continuous", "sapg": "sapg"}


def measure(algo: str, args) -> dict:
    overrides = [f"task={args.task}", f"train={args.train}", f"num_envs={args.num_envs}",
                 f"train.params.algo.name={ALGO_NAMES[algo]}", "rl_device=cpu", "experiment=bench",
                 f"train_dir={tempfile.mkdtemp()}",
                 f"train.params.config.horizon_length={args.horizon}",
                 f"train.params.config.minibatch_size_per_env={args.horizon // args.minibatches}",
                 f"train.params.network.mlp.units=[{','.join(map(str, args.units))}]"]
    if algo != "ppo":
        overrides.append(f"++train.params.config.sapg.num_blocks={args.num_blocks}")
    if "LSTM" in args.train:
        overrides.append(f"++train.params.config.seq_length={args.horizon}")
    agent = build_agent(compose_config(*overrides))
    prepare = agent.prepare_dataset
    timings = {"prepare": 0.0}

    def timed_prepare(batch_dict):
        start = time.perf_counter()
        prepare(batch_dict)
        timings["prepare"] = time.perf_counter() - start

    agent.prepare_dataset = timed_prepare
    rows = {"rollout": [], "targets": [], "update": [], "total": []}
    for i in range(args.iterations + 1):
        agent.update_epoch()
        _, play_time, update_time, total_time, *_ = agent.train_epoch()
        if i == 0:
            continue  # warm-up
        rows["rollout"].append(play_time)
        rows["targets"].append(timings["prepare"])
        rows["update"].append(update_time - timings["prepare"])
        rows["total"].append(total_time)
    return {k: statistics.mean(v) for k, v in rows.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="EnvpoolAnt")
    parser.add_argument("--train", default="EnvpoolAntPPO", help="a PPO train config")
    parser.add_argument("--num-envs", type=int, default=4096)
    parser.add_argument("--horizon", type=int, default=16)
    parser.add_argument("--minibatches", type=int, default=2, help="minibatches per mini-epoch")
    parser.add_argument("--units", type=int, nargs="+", default=[256, 128, 64])
    parser.add_argument("--num-blocks", type=int, default=4, help="sapg num_blocks")
    parser.add_argument("--algos", nargs="+", default=list(ALGO_NAMES), choices=list(ALGO_NAMES))
    parser.add_argument("--iterations", type=int, default=3)
    args = parser.parse_args()

    print(f"{args.task} ({args.train}), num_envs {args.num_envs}, horizon {args.horizon}, "
          f"MLP {args.units}, sapg num_blocks {args.num_blocks}, mean of {args.iterations} "
          "iterations after one warm-up")
    results = {algo: measure(algo, args) for algo in args.algos}
    print(f"{'algo':6s} {'rollout s':>10s} {'targets s':>10s} {'update s':>10s} {'total s':>10s} "
          f"{'x ppo':>7s}")
    base = results.get("ppo", {}).get("total")
    for algo, r in results.items():
        ratio = f"{r['total'] / base:7.3f}" if base else "      -"
        print(f"{algo:6s} {r['rollout']:10.3f} {r['targets']:10.3f} {r['update']:10.3f} "
              f"{r['total']:10.3f} {ratio}")


if __name__ == "__main__":
    main()
