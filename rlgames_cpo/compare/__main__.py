"""Compare algorithms over seeds, from existing runs or by launching the grid.

    python -m rlgames_cpo.compare report --runs runs/EnvpoolAnt_* --out report/
    python -m rlgames_cpo.compare launch --task EnvpoolAnt --algos ppo sapg cpo --seeds 0 1 2 \\
        --max-iterations 100 --out report/ [hydra overrides ...]

launch runs train.py once per (algorithm, seed) with train=<task><ALGO> (EnvpoolAntPPO,
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
    sub = parser.add_subparsers(dest="mode", required=True)
    report = sub.add_parser("report", help="report on existing runs (no training)")
    report.add_argument("--runs", nargs="+", required=True, help="run directories or globs")
    grid = sub.add_parser("launch", help="train the grid (resuming), then report")
    grid.add_argument("--task", required=True)
    grid.add_argument("--algos", nargs="+", default=["ppo", "sapg", "cpo"], choices=TRAIN_SUFFIX)
    grid.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    grid.add_argument("--max-iterations", type=int, required=True)
    grid.add_argument("--train-dir", default="runs")
    for p in (report, grid):
        p.add_argument("--out", type=Path, default=Path("report"))
        p.add_argument("--budget", type=float, help="env steps for the final table "
                       "(default: the smallest last step of the complete runs)")
        p.add_argument("--diagnostics-step", type=float, help="env steps for the IS/ESS table")
    args, overrides = parser.parse_known_args(argv)
    if args.mode == "report" and overrides:
        parser.error(f"unrecognized arguments: {' '.join(overrides)}")
    paths = expand(args.runs) if args.mode == "report" else launch(args, overrides)
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
