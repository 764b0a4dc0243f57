"""Paper-style figures from a run's files.

    python -m rlgames_cpo.plots kl-matrix runs/<experiment> out.png [--epoch N]

draws the inter-policy KL matrix (CPO paper Fig. 4 style: ``KL(pi_i || pi_j)``, row i column j,
log colour scale, values written in the cells, each follower's nearest policy outlined) from
``runs/<experiment>/diagnostics/kl_matrix.jsonl`` (the last epoch unless ``--epoch``).
"""

import argparse
import json
from pathlib import Path

import numpy as np


def load_kl_matrix(run_dir: Path, epoch=None):
    records = [json.loads(line) for line in
               (Path(run_dir) / "diagnostics" / "kl_matrix.jsonl").read_text().splitlines()]
    if epoch is not None:
        records = [r for r in records if r["epoch"] == epoch] or records
    return records[-1]


def plot_kl_matrix(kl, path, title: str = "") -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    import torch

    from rlgames_cpo.core.diagnostics import nearest_policy

    kl = np.asarray(kl, dtype=np.float64)
    m = len(kl)
    nearest = nearest_policy(torch.from_numpy(kl)).tolist()
    shown = np.where(np.eye(m, dtype=bool), np.nan, kl)
    fig, ax = plt.subplots(figsize=(1.0 + 0.8 * m, 0.6 + 0.8 * m), dpi=120)
    off = kl[~np.eye(m, dtype=bool)]
    norm = LogNorm(vmin=max(off.min(), 1e-6), vmax=max(off.max(), 2e-6)) if m > 1 else None
    image = ax.imshow(shown, cmap="viridis", norm=norm)
    labels = ["L"] + [f"F{b}" for b in range(1, m)]
    ax.set_xticks(range(m), labels)
    ax.set_yticks(range(m), labels)
    ax.set_xlabel("j")
    ax.set_ylabel("i")
    for i in range(m):
        for j in range(m):
            if i != j:
                ax.text(j, i, f"{kl[i, j]:.3f}", ha="center", va="center", color="white", fontsize=7)
        if i > 0:
            ax.add_patch(plt.Rectangle((nearest[i] - 0.5, i - 0.5), 1, 1, fill=False,
                                       edgecolor="red", linewidth=2))
    fig.colorbar(image, ax=ax, label="KL(pi_i || pi_j)")
    ax.set_title(title or "inter-policy KL (red: nearest policy)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description="paper-style figures from a run's files")
    sub = parser.add_subparsers(dest="figure", required=True)
    kl = sub.add_parser("kl-matrix", help="inter-policy KL heatmap (Fig. 4 style)")
    kl.add_argument("run_dir", type=Path)
    kl.add_argument("out", type=Path)
    kl.add_argument("--epoch", type=int)
    args = parser.parse_args()
    record = load_kl_matrix(args.run_dir, args.epoch)
    plot_kl_matrix(record["kl"], args.out,
                   f"epoch {record['epoch']}: KL(pi_i || pi_j), red: nearest")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
