"""Compare algorithms over seeds, from existing runs or by launching the grid.

    python -m rlgames_cpo.compare --runs "runs/EnvpoolAnt_*" --out report/           # report
    python -m rlgames_cpo.compare --task EnvpoolAnt --algos ppo sapg cpo --seeds 0 1 2 \\
        --max-iterations 100 --out report/ [hydra overrides ...]                   # launch

--runs reports on existing runs (no training). --task launches: it runs train.py once per (algorithm, seed) with train=<task><ALGO> (EnvpoolAntPPO,
EnvpoolAntSAPG, EnvpoolAntCPO), experiment=<task>_<algo>_s<seed> and wandb_group=<task>_compare,
skips runs that already finished (so an interrupted grid resumes), then writes the report.
"""

import argparse
import glob
import subprocess
import sys
from pathlib import Path

from rlgames_cpo.compare.report import write_report
from rlgames_cpo.compare.runs import load_run

REPO = Path(__file__).resolve().parents[2]
TRAIN_SUFFIX = {"ppo": "PPO", "sapg": "SAPG", "cpo": "CPO"}


def expand(patterns) -> list:
    paths = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) or [pattern]
        paths += [Path(m) for m in matches if (Path(m) / "config.yaml").is_file()]
    if not paths:
        raise SystemExit(f"no run directories (with config.yaml) in {patterns}")
    return paths


def launch(args, overrides) -> list:
    """Trains the missing runs of the grid sequentially; returns all run directories."""
    paths = []
    for algo in args.algos:
        for seed in args.seeds:
            experiment = f"{args.task}_{algo}_s{seed}"
            path = Path(args.train_dir) / experiment
            paths.append(path)
            if (path / "config.yaml").is_file() and load_run(path).complete:
                print(f"[compare] {experiment}: finished, skipped")
                continue
            command = [sys.executable, str(REPO / "train.py"), f"task={args.task}",
                       f"train={args.task}{TRAIN_SUFFIX[algo]}", f"seed={seed}",
                       f"max_iterations={args.max_iterations}", f"experiment={experiment}",
                       f"train_dir={args.train_dir}", f"wandb_group={args.task}_compare",
                       f"wandb_tags=[{algo},{args.task},seed{seed}]", *overrides]
            print(f"[compare] {experiment}: training", flush=True)
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rlgames_cpo.compare",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", help="report mode: run directories or globs")
    parser.add_argument("--task", help="launch mode: the task of the grid")
    parser.add_argument("--algos", nargs="+", default=["ppo", "sapg", "cpo"], choices=TRAIN_SUFFIX)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--max-iterations", type=int, help="launch mode: epochs per run")
    parser.add_argument("--train-dir", default="runs", help="launch mode: where runs go")
    parser.add_argument("--out", type=Path, default=Path("report"))
    parser.add_argument("--budget", type=float, help="env steps for the final table "
                        "(default: the smallest last step of the complete runs)")
    parser.add_argument("--diagnostics-step", type=float, help="env steps for the IS/ESS table")
    args, overrides = parser.parse_known_args(argv)
    if bool(args.runs) == bool(args.task):
        parser.error("give --runs (report on existing runs) or --task (launch a grid), not both")
    if args.task and not args.max_iterations:
        parser.error("--task needs --max-iterations")
    if args.runs and overrides:
        parser.error(f"unrecognized arguments: {' '.join(overrides)}")
    paths = expand(args.runs) if args.runs else launch(args, overrides)
    summary = write_report([load_run(p) for p in paths], args.out, args.budget,
                           args.diagnostics_step)
    print((args.out / "final_performance.md").read_text())
    print((args.out / "diagnostics.md").read_text())
    incomplete = [r["path"] for r in summary["runs"] if not r["complete"]]
    if incomplete:
        print(f"incomplete runs (not averaged in past their last step): {', '.join(incomplete)}")
    print(f"report written to {args.out}/")


if __name__ == "__main__":
    main()
