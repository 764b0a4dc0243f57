"""Compare algorithms over seeds, from existing runs or by launching the grid.

    python -m rlgames_cpo.compare --runs "runs/EnvpoolAnt_*" --out report/           # report
    python -m rlgames_cpo.compare --task EnvpoolAnt --algos ppo sapg cpo --seeds 0 1 2 \\
        --max-iterations 100 --out report/ [hydra overrides ...]                   # launch
    python -m rlgames_cpo.compare --runs "runs/lf*/*" --arms cpo.lambda_f --out report/  # arms

--runs reports on existing runs (no training); with --arms, settings of one algorithm (e.g.
cpo.lambda_f) are compared, each a row, where without it runs that differ in a setting are
refused. --task launches: it trains (``python -m rlgames_cpo``, what train.py runs; so it works
from an installed wheel too) once per
(algorithm, seed) with train=<configs><ALGO> (EnvpoolAntPPO, EnvpoolAntSAPG, EnvpoolAntCPO;
<configs> is --configs, by default the task), experiment=<configs>_<algo>_s<seed> and
wandb_group=<configs>_compare; for ppo it takes <configs>PPOPaper where we ship one (the paper's
PPO baseline, like for like with <configs>SAPG/CPO, e.g. ShadowHandPPOPaper, not IsaacGymEnvs'
ShadowHandPPO at other settings). It skips runs that already finished
and resumes unfinished ones from their newest checkpoint (so an interrupted grid resumes), then
writes the report. Ctrl-C lets the current run write its interrupted checkpoint first.
"""

import argparse
import glob
import signal
import subprocess
import sys
from pathlib import Path

from rlgames_cpo.compare.report import write_report
from rlgames_cpo.compare.runs import RunError, as_arms, incomparable, load_run
from rlgames_cpo.hydra_setup import CFG_DIR
from rlgames_cpo.run_folder import newest_checkpoint

TRAIN_SUFFIX = {"ppo": "PPO", "sapg": "SAPG", "cpo": "CPO"}
# The PPO baseline at the paper's settings, where a config family has one (IsaacGymEnvs tasks).
PAPER_PPO_SUFFIX = "PPOPaper"


def train_config(configs: str, algo: str) -> str:
    """The train config of ``algo`` in the family ``configs`` (``<configs>SAPG``, ...): for ppo
    ``<configs>PPOPaper`` when it exists, so the three algorithms compare like for like."""
    if algo == "ppo" and (CFG_DIR / "train" / f"{configs}{PAPER_PPO_SUFFIX}.yaml").is_file():
        return f"{configs}{PAPER_PPO_SUFFIX}"
    return f"{configs}{TRAIN_SUFFIX[algo]}"


def expand(patterns) -> list:
    paths = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) or [pattern]
        paths += [Path(m) for m in matches if Path(m).is_dir()]
    if not paths:
        raise SystemExit(f"no run directories in {patterns}")
    return paths


def load_runs(paths) -> list:
    """The runs that can be read; every other folder is named with the reason it is skipped."""
    runs = []
    for path in paths:
        try:
            runs.append(load_run(path))
        except RunError as error:
            print(f"[compare] skipped {error}")
    if not runs:
        raise SystemExit("no readable runs to report on")
    return runs


def train(command: list, experiment: str) -> None:
    """Runs one training process; on Ctrl-C (which reaches both processes) it waits while the run writes
    its interrupted checkpoint, then stops the grid and says how to resume it."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        print(f"[compare] stopping: {experiment} finishes its iteration and writes its "
              "checkpoint (Ctrl-C again stops it at once)", flush=True)
        previous = signal.signal(signal.SIGINT, lambda *_: process.send_signal(signal.SIGINT))
        try:
            process.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
        raise SystemExit(f"[compare] interrupted during {experiment}: run the same command again "
                         "to resume the grid (finished runs are skipped, unfinished ones resume "
                         "from their newest checkpoint)") from None
    if code != 0:
        raise SystemExit(f"[compare] {experiment}: training failed (exit status {code}); its "
                         f"command: {' '.join(command)}")


def launch(args, overrides) -> list:
    """Trains the missing runs of the grid sequentially; returns all run directories."""
    paths = []
    configs = args.configs or args.task
    for algo in args.algos:
        for seed in args.seeds:
            experiment = f"{configs}_{algo}_s{seed}"
            path = Path(args.train_dir) / experiment
            paths.append(path)
            command = [sys.executable, "-m", "rlgames_cpo", f"task={args.task}",
                       f"train={train_config(configs, algo)}", f"seed={seed}",
                       f"max_iterations={args.max_iterations}", f"experiment={experiment}",
                       f"train_dir={args.train_dir}", f"wandb_group={configs}_compare",
                       f"wandb_tags=[{algo},{args.task},seed{seed}]", *overrides]
            state = "training"
            if path.is_dir() and any(path.iterdir()):
                try:
                    if load_run(path).complete:
                        print(f"[compare] {experiment}: finished, skipped")
                        continue
                except RunError:
                    pass  # unfinished: resumed below
                checkpoint = newest_checkpoint(path)
                command.append(f"checkpoint={checkpoint}" if checkpoint else "overwrite=True")
                state = f"resuming from {checkpoint}" if checkpoint else "restarting (no checkpoint)"
            print(f"[compare] {experiment}: {state}", flush=True)
            train(command, experiment)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rlgames_cpo.compare",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", help="report mode: run directories or globs")
    parser.add_argument("--task", help="launch mode: the task of the grid")
    parser.add_argument("--configs", help="launch mode: the train configs' common name, "
                        "<configs>{PPO,SAPG,CPO} (default: the task; e.g. "
                        "AllegroKukaLSTMRegrasping with task/env=regrasping)")
    parser.add_argument("--algos", nargs="+", default=["ppo", "sapg", "cpo"], choices=TRAIN_SUFFIX)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--max-iterations", type=int, help="launch mode: epochs per run")
    parser.add_argument("--train-dir", default="runs", help="launch mode: where runs go")
    parser.add_argument("--out", type=Path, default=Path("report"))
    parser.add_argument("--budget", type=float, help="env steps for the final table "
                        "(default: the smallest last step of the complete runs)")
    parser.add_argument("--diagnostics-step", type=float, help="env steps for the IS/ESS table")
    parser.add_argument("--arms", nargs="+", metavar="KEY", default=[],
                        help="compare settings of one algorithm as arms: its runs grouped by "
                        "these config keys (e.g. cpo.lambda_f cpo.kl_target), each group a row")
    args, overrides = parser.parse_known_args(argv)
    if bool(args.runs) == bool(args.task):
        parser.error("give --runs (report on existing runs) or --task (launch a grid), not both")
    if args.task and not args.max_iterations:
        parser.error("--task needs --max-iterations")
    if args.runs and overrides:
        parser.error(f"unrecognized arguments: {' '.join(overrides)}")
    for name in ("max_iterations", "budget", "diagnostics_step"):
        value = getattr(args, name)
        if value is not None and not value > 0:
            parser.error(f"--{name.replace('_', '-')} {value:g} must be > 0")
    if len(set(args.seeds)) != len(args.seeds) or len(set(args.algos)) != len(args.algos):
        parser.error("--seeds and --algos must not repeat a value")
    if args.out.exists() and not args.out.is_dir():  # before any training of the grid
        parser.error(f"--out {args.out} is a file, and the report is a folder of files: give a "
                     "folder (new or existing), e.g. --out report/")
    paths = expand(args.runs) if args.runs else launch(args, overrides)
    runs = load_runs(paths)
    if args.arms:
        runs = as_arms(runs, args.arms)
    problem = incomparable(runs)
    if problem:
        raise SystemExit(f"[compare] {problem}")
    summary = write_report(runs, args.out, args.budget, args.diagnostics_step)
    print(f"[compare] final performance at {summary['budget_env_steps']:,.0f} env steps ("
          + ("--budget" if args.budget else "the smallest last step of the complete runs; "
             "--budget sets another") + ")")
    print((args.out / "final_performance.md").read_text())
    print((args.out / "diagnostics.md").read_text())
    incomplete = [r["path"] for r in summary["runs"] if not r["complete"]]
    if incomplete:
        print(f"incomplete runs (not averaged in past their last step): {', '.join(incomplete)}")
    silent = [path for row in summary["final_performance"].values()
              for path in row["no_episode_ended"]]
    if silent:
        print(f"runs with no episode ended by {summary['budget_env_steps']:,.0f} env steps (no "
              f"return to average; train longer than an episode): {', '.join(silent)}")
    print(f"report written to {args.out}/")


if __name__ == "__main__":
    main()
