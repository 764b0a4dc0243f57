"""The comparison report: learning curves, final-performance and IS/ESS tables, KL heatmaps and
``summary.json`` (CPO paper Fig. 3, Tables 1-2, Fig. 4)."""

import json
import re
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

from rlgames_cpo import summaries
from rlgames_cpo.compare import stats
from rlgames_cpo.compare.runs import RETURN

ORDER = {"ppo": 0, "sapg": 1, "cpo": 2}


def by_algo(runs) -> dict:
    groups = defaultdict(list)
    for run in runs:
        groups[run.algo].append(run)
    return dict(sorted(groups.items(), key=lambda kv: (ORDER.get(kv[0], 9), kv[0])))


def final_performance(runs, budget: float) -> dict:
    """Per algorithm: the leader return of every run at ``budget`` env steps. Listed apart, never
    averaged in: runs that stopped before the budget (``incomplete``) and runs that trained that
    far but had no episode end by then (``no_episode_ended``: rl_games logs no return until one
    does; on MountainCar, whose time limit is 999 steps, that means no leader env reached the
    flag)."""
    table = {}
    for algo, group in by_algo(runs).items():
        values, short, silent = [], [], []
        for run in group:
            value = stats.value_at(*run.curve(RETURN), budget)
            if run.last_step < budget:
                short.append(str(run.path))
            elif np.isnan(value):
                silent.append(str(run.path))
            else:
                values.append(value)
        table[algo] = {"values": values, "incomplete": short, "no_episode_ended": silent,
                       "mean": float(np.mean(values)) if values else None,
                       "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0}
    bold = stats.bold_set({k: v["values"] for k, v in table.items()})
    for algo, row in table.items():
        row["bold"] = algo in bold
    return table


def diagnostics_table(runs, step: float) -> dict:
    """Per algorithm: mean IS-ratio deviation and ESS rate at ``step`` (paper Table 2), and the
    followers' mean KL to the leader there."""
    table = {}
    for algo, group in by_algo(runs).items():
        row = {}
        for name, tag in (("is_ratio_deviation", summaries.IS_RATIO_DEVIATION),
                          ("ess_rate", summaries.ESS_RATE),
                          ("kl_leader_follower_mean", summaries.KL_LEADER_FOLLOWER_MEAN)):
            values = [v for v in (stats.value_at(*run.curve(tag), step) for run in group)
                      if not np.isnan(v)]
            row[name] = float(np.mean(values)) if values else None
        table[algo] = row
    return table


def markdown_final(table: dict, budget: float) -> str:
    lines = [f"Leader return at {budget:,.0f} env steps (mean ± std over seeds; bold: best and "
             "those not significantly different by Welch's t-test, p > 0.05)", "",
             "| algorithm | return | seeds | incomplete runs | runs with no episode ended |",
             "|---|---|---|---|---|"]
    for algo, row in table.items():
        cell = "n/a" if row["mean"] is None else f"{row['mean']:.1f} ± {row['std']:.1f}"
        cell = f"**{cell}**" if row["bold"] else cell
        lines.append(f"| {algo} | {cell} | {len(row['values'])} | {len(row['incomplete'])} | "
                     f"{len(row['no_episode_ended'])} |")
    return "\n".join(lines) + "\n"


def markdown_diagnostics(table: dict, step: float) -> str:
    lines = [f"IS-ratio deviation, ESS rate and the followers' mean KL to the leader at "
             f"{step:,.0f} env steps (mean over seeds)", "",
             "| algorithm | IS deviation | ESS rate | KL(pi_F \\|\\| pi_L) |", "|---|---|---|---|"]
    fmt = lambda v: "n/a" if v is None else f"{v:.3g}" if v < 0.01 else f"{v:.3f}"
    for algo, row in table.items():
        lines.append(f"| {algo} | {fmt(row['is_ratio_deviation'])} | {fmt(row['ess_rate'])} | "
                     f"{fmt(row['kl_leader_follower_mean'])} |")
    return "\n".join(lines) + "\n"


def plot_curves(runs, path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=120)
    for algo, group in by_algo(runs).items():
        end = max(run.last_step for run in group)
        grid = np.linspace(0, end, 200)
        values = stats.aligned([run.curve(RETURN) for run in group], grid)
        with warnings.catch_warnings():  # steps no run reached stay nan
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, std = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
        line, = ax.plot(grid, mean, label=f"{algo} ({len(group)} runs)")
        ax.fill_between(grid, mean - std, mean + std, alpha=0.2, color=line.get_color())
    ax.set(xlabel="environment steps", ylabel="leader return (last 100 episodes)", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def kl_snapshots(runs, out: Path, count: int = 3) -> list:
    """KL heatmaps of each algorithm's first run with matrices, at ``count`` evenly spread
    logged epochs."""
    from rlgames_cpo.plots import plot_kl_matrix

    written = []
    for algo, group in by_algo(runs).items():
        run = next((r for r in group if r.kl_matrices), None)
        if run is None:
            continue
        picks = np.unique(np.linspace(0, len(run.kl_matrices) - 1, count).round().astype(int))
        for i in picks:
            record = run.kl_matrices[i]
            path = out / f"kl_{re.sub(r'[^A-Za-z0-9_.=-]+', '_', algo)}_epoch{record['epoch']}.png"
            plot_kl_matrix(record["kl"], path, f"{algo}, epoch {record['epoch']}")
            written.append(path.name)
    return written


def write_report(runs, out: Path, budget: float = None, diagnostics_step: float = None) -> dict:
    """Writes curves.png, final_performance.md, diagnostics.md, kl_*.png and summary.json to
    ``out``; returns the summary. ``budget`` defaults to the smallest last step of the complete
    runs (equal env-step budget, whether or not their episodes had ended), ``diagnostics_step``
    to the budget."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    complete = [run for run in runs if run.complete] or runs
    budget = budget or min(run.last_step for run in complete)
    diagnostics_step = diagnostics_step or budget
    tasks = sorted({run.task for run in runs})
    final = final_performance(runs, budget)
    diag = diagnostics_table(runs, diagnostics_step)
    plot_curves(runs, out / "curves.png", ", ".join(tasks))
    (out / "final_performance.md").write_text(markdown_final(final, budget))
    (out / "diagnostics.md").write_text(markdown_diagnostics(diag, diagnostics_step))
    summary = {
        "tasks": tasks, "budget_env_steps": budget, "diagnostics_env_steps": diagnostics_step,
        "final_performance": final, "diagnostics": diag,
        "runs": [{"path": str(r.path), "algo": r.algo, "seed": r.seed, "complete": r.complete,
                  "last_epoch": r.last_epoch, "max_epochs": r.max_epochs,
                  "last_env_step": r.last_step} for r in runs],
        "kl_heatmaps": kl_snapshots(runs, out),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
