"""Wall time per training iteration of ppo, sapg and cpo, split into rollout, target computation
and update, and each algorithm's ratio to PPO, measured in one process.

    python benchmarks/iteration_cost.py                                  # the issue's target setup
    python benchmarks/iteration_cost.py --num-envs 240 --horizon 16 --iterations 5 --num-blocks 6
    python benchmarks/iteration_cost.py --train EnvpoolAntLSTMPPO       # the LSTM network
    python benchmarks/iteration_cost.py --paper-scale --device cuda:0   # 24,576 envs, synthetic env
    python benchmarks/iteration_cost.py --paper-scale --num-envs 1536    # the same, smaller, on a CPU
    python benchmarks/iteration_cost.py --task EnvpoolLeapCube --train EnvpoolLeapCubePPO \
        --units 512 256 128                          # the asymmetric critic (--no-central: without)

rollout: rl_games' play_steps (env steps and policy inference; for cpo_disc the discriminator
reward). targets: prepare_dataset (advantages, value normalisation, sapg's leader rows, cpo's
AWAC rows, the diagnostics and the discriminator's training). update: the mini-epochs, the
asymmetric critic's included when the config has one. Of the
targets column, `diag` is the diagnostics alone and `disc` the discriminator's training alone.
One warm-up iteration is dropped.

--paper-scale: the learner at the paper's ShadowHand settings on a synthetic vec env of torch
tensors (cfg/task/Synthetic.yaml: ShadowHand's 211 observations and 20 actions, no simulator):
N = 24,576 envs (or --num-envs), M = 6 blocks, H = 8, MLP [512, 512, 256, 128], minibatch 4N,
5 mini-epochs, cpo_disc with the paper's [1024, 1024, 512, 512] discriminator (CPO Appendix A.7).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rlgames_cpo.adapters import block_diagnostics  # noqa: E402
from rlgames_cpo.adapters.terms.adversarial import AdversarialReward  # noqa: E402
from rlgames_cpo.hydra_setup import compose_config  # noqa: E402
from rlgames_cpo.launch import build_agent  # noqa: E402


VARIANTS = {  # label: (rl_games algo name, extra overrides)
    "ppo": ("a2c_continuous", []),
    "sapg": ("sapg", []),
    "sapg_nodiag": ("sapg", ["++train.params.config.diagnostics.every=0"]),
    "cpo": ("cpo", []),
    "cpo_disc": ("cpo", ["++train.params.config.cpo.lambda_adv=0.01"]),
}


def timed(owner, name: str, timings: dict, key: str) -> None:
    """Wraps ``owner.<name>`` (an agent, a term, a module) to add its wall time to
    ``timings[key]``."""
    method = getattr(owner, name, None)
    if method is None:
        return

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            timings[key] += time.perf_counter() - start

    setattr(owner, name, wrapper)


def measure(label: str, args) -> dict:
    algo, extra = VARIANTS[label]
    overrides = [f"task={args.task}", f"train={args.train}", f"num_envs={args.num_envs}",
                 f"train.params.algo.name={algo}", *extra, f"rl_device={args.device}",
                 "experiment=bench",
                 f"train_dir={tempfile.mkdtemp()}",
                 f"train.params.config.horizon_length={args.horizon}",
                 f"train.params.config.minibatch_size_per_env={args.horizon // args.minibatches}",
                 f"train.params.network.mlp.units=[{','.join(map(str, args.units))}]"]
    if args.mini_epochs:
        overrides.append(f"train.params.config.mini_epochs={args.mini_epochs}")
    if args.no_central:
        overrides.append("~train.params.config.central_value_config")
    elif "central_value_config" in compose_config(f"task={args.task}", f"train={args.train}"
                                                  ).train.params.config:
        overrides += [f"train.params.config.central_value_config.minibatch_size_per_env="
                      f"{args.horizon // args.minibatches}",
                      f"train.params.config.central_value_config.network.mlp.units="
                      f"[{','.join(map(str, args.units))}]"]
    if algo != "a2c_continuous":
        overrides.append(f"++train.params.config.sapg.num_blocks={args.num_blocks}")
    if "LSTM" in args.train:
        overrides.append(f"++train.params.config.seq_length={args.horizon}")
    agent = build_agent(compose_config(*overrides))
    names = ("prepare_dataset", "diagnostics", "discriminator")
    timings = dict.fromkeys(names, 0.0)
    timed(agent, "prepare_dataset", timings, "prepare_dataset")
    timed(block_diagnostics, "rollout_diagnostics", timings, "diagnostics")
    for term in getattr(agent, "terms", []):
        if isinstance(term, AdversarialReward):
            timed(term, "after_rows", timings, "discriminator")
    rows = {"rollout": [], "targets": [], "diag": [], "disc": [], "update": [], "total": []}
    for i in range(args.iterations + 1):
        timings.update(dict.fromkeys(names, 0.0))
        agent.update_epoch()
        _, play_time, update_time, total_time, *_ = agent.train_epoch()
        if i == 0:
            continue  # warm-up
        rows["rollout"].append(play_time)
        rows["targets"].append(timings["prepare_dataset"])
        rows["diag"].append(timings["diagnostics"])
        rows["disc"].append(timings["discriminator"])
        rows["update"].append(update_time - timings["prepare_dataset"])
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
    parser.add_argument("--num-blocks", type=int, default=4, help="sapg/cpo num_blocks")
    parser.add_argument("--algos", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--mini-epochs", type=int, default=None, help="default: the config's")
    parser.add_argument("--device", default="cpu", help="rl_device: cpu or cuda:N")
    parser.add_argument("--paper-scale", action="store_true",
                        help="the paper's ShadowHand settings on the synthetic env (see above)")
    parser.add_argument("--no-central", action="store_true",
                        help="drop the config's central_value_config (asymmetric critic)")
    args = parser.parse_args()
    if args.paper_scale:  # CPO Appendix A.7, ShadowHand; explicit flags of these keys are ignored
        num_envs = args.num_envs if "--num-envs" in sys.argv else 24576
        args.task, args.train, args.num_envs, args.horizon = "Synthetic", "EnvpoolAntPPO", num_envs, 8
        args.minibatches, args.units, args.num_blocks = 2, [512, 512, 256, 128], 6
        args.mini_epochs = 5

    print(f"{args.task} ({args.train}), {args.device}, num_envs {args.num_envs}, horizon {args.horizon}, "
          f"{args.mini_epochs or 'config'} mini-epochs, "
          f"MLP {args.units}{', no central critic' if args.no_central else ''}, sapg/cpo num_blocks {args.num_blocks}, mean of {args.iterations} "
          "iterations after one warm-up")
    results = {algo: measure(algo, args) for algo in args.algos}
    columns = ("rollout", "targets", "diag", "disc", "update", "total")
    print(f"{'algo':12s}" + "".join(f"{c + ' s':>11s}" for c in columns) + f"{'x ppo':>8s}")
    base = results.get("ppo", {}).get("total")
    for label, r in results.items():
        ratio = f"{r['total'] / base:8.3f}" if base else "       -"
        print(f"{label:12s}" + "".join(f"{r[c]:11.3f}" for c in columns) + ratio)


if __name__ == "__main__":
    main()
