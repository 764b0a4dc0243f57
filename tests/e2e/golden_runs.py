"""Short deterministic runs for the golden test (``test_golden.py``): ppo, sapg and cpo with
every term, MLP, LSTM and asymmetric critics, and one resume, on the restorable task with
``torch_deterministic=True`` on the CPU. Writes ``TRAIN_DIR/golden.json``: per run, every logged
scalar by frame (timings aside) and the final checkpoint's weights (SHA-256, sum of squares).

    PYTHONPATH=tests/e2e/restorable_task python tests/e2e/golden_runs.py TRAIN_DIR

One process for all runs (each run is ``launch`` of a composed config, as ``train.py`` does).
"""

import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(Path(__file__).resolve().parent)]

from restorable_runs import CPO, NETWORKS, scalars  # noqa: E402

from rlgames_cpo.hydra_setup import compose_config  # noqa: E402  (before torch: Isaac Gym's rule)

ITERATIONS = 4
RUNS = {
    "ppo_mlp": [*CPO, "train.params.algo.name=a2c_continuous"],
    "sapg_mlp": [*CPO, "train.params.algo.name=sapg"],
    **{f"cpo_{network}": [*CPO, *overrides] for network, overrides in NETWORKS.items()},
}


def weights(checkpoint: Path) -> dict:
    """The SHA-256 over every tensor of the checkpoint's model, critic (rl_games' key
    ``assymetric_vf_nets``) and discriminator weights, and their sum of squares."""
    import torch

    state = torch.load(checkpoint, weights_only=False)
    digest, squares = hashlib.sha256(), 0.0
    for part in ("model", "assymetric_vf_nets", "discriminator"):
        for name, tensor in sorted((state.get(part) or {}).items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
            squares += tensor.double().pow(2).sum().item()
    return {"sha256": digest.hexdigest(), "sum_of_squares": squares}


def run(train_dir: Path, name: str, *overrides: str) -> dict:
    from rlgames_cpo.launch import launch

    launch(compose_config(*overrides, f"experiment={name}", f"train_dir={train_dir}"))
    (checkpoint,) = (train_dir / name / "nn").glob(f"last_{name}_ep_*.pth")
    return {"scalars": scalars(train_dir / name), "weights": weights(checkpoint)}


def main(train_dir: Path) -> dict:
    results = {name: run(train_dir, name, *overrides, f"max_iterations={ITERATIONS}")
               for name, overrides in RUNS.items()}
    # a resume: 2 iterations, then 2 more from the checkpoint
    run(train_dir, "first", *CPO, "max_iterations=2")
    (checkpoint,) = (train_dir / "first" / "nn").glob("last_first_ep_2_*.pth")
    results["cpo_resumed"] = run(train_dir, "resumed", *CPO, f"max_iterations={ITERATIONS}",
                                 f"checkpoint={checkpoint}")
    return results


if __name__ == "__main__":
    out = Path(sys.argv[1])
    (out / "golden.json").write_text(json.dumps(main(out), indent=1, sort_keys=True) + "\n")
