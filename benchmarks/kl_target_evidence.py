"""The figures behind cpo.kl_target in docs/results.md ("A KL target instead of lambda_f"): per
arm (a folder of seeds, as `python -m rlgames_cpo.compare --train-dir` leaves it), what each seed
ends at, averaged over the last third of its iterations (one iteration's value is noisy): the
followers' mean KL to the leader, the leader's IS-ratio deviation and ESS rate, and, in the
target arms, the followers' mean lambda_f.

    python benchmarks/kl_target_evidence.py runs/kltarget/mc_lf0.5 runs/kltarget/mc_target ...
    python benchmarks/kl_target_evidence.py --eps-from runs/kltarget/mc_lf0.2 runs/kltarget/hum_lf0.2
    python benchmarks/kl_target_evidence.py runs/kltarget/mc_* --plot kl.png --title MountainCar

--plot draws, per arm, the median over seeds of the followers' mean KL to the leader against env
steps, and each target arm's mean lambda_f.

--eps-from prints the one eps_KL of the target arms, by the rule fixed before the fixed arms
ran: per task, the median over seeds of the end KL of the paper's default lambda_f (0.2); the
geometric mean of the tasks' values; one significant figure.
"""

import argparse
import math
import statistics
from pathlib import Path

import numpy as np

from rlgames_cpo import summaries
from rlgames_cpo.compare.runs import read_scalars


def end_value(scalars: dict, tag: str) -> float:
    """The mean of ``tag`` over the last third of the run's logged iterations."""
    values = scalars[tag][1]
    return float(np.mean(values[-max(len(values) // 3, 1):]))


def end_lambda_f(scalars: dict) -> float:
    tags = [t for t in scalars if t.startswith("coupling/lambda_f_block_")]
    return float(np.mean([end_value(scalars, t) for t in tags])) if tags else math.nan


def arm_scalars(arm: Path) -> list:
    """The scalars of every run (seed) of the arm."""
    return [read_scalars(p / "summaries") for p in sorted(arm.iterdir())
            if (p / "summaries").is_dir()]


def arm_rows(runs: list) -> list:
    rows = []
    for scalars in runs:
        rows.append({
                     "kl": end_value(scalars, summaries.KL_LEADER_FOLLOWER_MEAN),
                     "is_deviation": end_value(scalars, summaries.IS_RATIO_DEVIATION),
                     "ess_rate": end_value(scalars, summaries.ESS_RATE),
                     "lambda_f": end_lambda_f(scalars)})
    return rows


def plot(arms: dict, path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (kl_ax, lambda_ax) = plt.subplots(1, 2, figsize=(11, 4))
    for arm, runs in arms.items():
        steps = runs[0][summaries.KL_LEADER_FOLLOWER_MEAN][0]
        kls = np.median([r[summaries.KL_LEADER_FOLLOWER_MEAN][1][:len(steps)] for r in runs], axis=0)
        line, = kl_ax.plot(steps, kls, label=arm.name)
        tags = [t for t in runs[0] if t.startswith("coupling/lambda_f_block_")]
        if tags:
            lambda_f = np.median([np.mean([r[t][1][:len(steps)] for t in tags], axis=0)
                                  for r in runs], axis=0)
            lambda_ax.plot(steps, lambda_f, color=line.get_color(), label=arm.name)
            target = runs[0][summaries.KL_TARGET][1][0]
            kl_ax.axhline(target, color=line.get_color(), linestyle=":", label=f"target {target:g}")
    kl_ax.set(yscale="log", xlabel="environment steps", title="KL(pi_F || pi_L)")
    lambda_ax.set(yscale="log", xlabel="environment steps", title="lambda_f (target arms)")
    fig.suptitle(f"{title}: followers' mean, median over seeds")
    kl_ax.legend(fontsize=8)
    lambda_ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arms", nargs="*", type=Path)
    parser.add_argument("--eps-from", nargs="+", type=Path, metavar="ARM")
    parser.add_argument("--plot", type=Path, help="a PNG of the arms' KL and lambda_f curves")
    parser.add_argument("--title", default="")
    args = parser.parse_args()
    arms = {arm: arm_scalars(arm) for arm in dict.fromkeys(args.arms + (args.eps_from or []))}
    if args.plot:
        plot({arm: arms[arm] for arm in args.arms}, args.plot, args.title)
    if args.eps_from:
        medians = []
        for arm in args.eps_from:
            kls = [row["kl"] for row in arm_rows(arms[arm])]
            medians.append(statistics.median(kls))
            print(f"{arm}: end KL per seed {', '.join(f'{v:.3g}' for v in kls)}; "
                  f"median {medians[-1]:.3g}")
        eps = math.exp(sum(map(math.log, medians)) / len(medians))
        print(f"eps_KL = geometric mean {eps:.3g}, to one significant figure: {eps:.1g}")
    if args.arms:
        print("| arm | seeds | end KL(pi_F \\|\\| pi_L): median (min-max) | IS deviation | "
              "ESS rate | lambda_f |")
        print("|---|---|---|---|---|---|")
        for arm in args.arms:
            rows = arm_rows(arms[arm])
            kls = [r["kl"] for r in rows]
            lambda_f = np.mean([r["lambda_f"] for r in rows])
            print(f"| {arm.name} | {len(rows)} | {statistics.median(kls):.3g} ({min(kls):.3g}-"
                  f"{max(kls):.3g}) | {np.mean([r['is_deviation'] for r in rows]):.3f} | "
                  f"{np.mean([r['ess_rate'] for r in rows]):.3f} | "
                  + ("fixed" if math.isnan(lambda_f) else f"{lambda_f:.3g}") + " |")


if __name__ == "__main__":
    main()
