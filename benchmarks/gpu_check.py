"""Does everything run on this device? ppo, sapg and cpo (every term on, the paper's
discriminator), with an MLP, an LSTM and the asymmetric critic, with torch_compile and
mixed_precision on and off, train a few iterations through train.py's main on the Isaac Gym
fixture (``../shared/fixtures/isaacgymenvs``, whose buffers live on the GPU when CUDA is there),
all in this process (isaacgym imported first, as train.py does); every checkpoint is reloaded and
played. One table: config, s/iteration, peak GPU memory of the run, pass/fail.

    python benchmarks/gpu_check.py --device cuda:0                 # the full matrix (36 runs)
    python benchmarks/gpu_check.py --device cpu --quick            # what CI runs (5 runs)
    python3 benchmarks/gpu_check.py --device cuda:0 --wheels wheels/   # a python3 with torch only

``--wheels DIR``: the packages this interpreter lacks (rl-games, hydra-core, omegaconf, gym ...)
are installed from DIR's wheels with ``pip install --no-index --target`` into a scratch folder
put first on the runs' PYTHONPATH; nothing is installed into the interpreter.

On a CPU mixed_precision does nothing (rl_games autocasts on CUDA only; the agent says so and
trains in float32): the table marks those rows.
Exit status 0 when every run passed, 1 otherwise.
"""

import argparse
import contextlib
import io
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # rlgames_cpo, for reading the runs' TensorBoard files
FIXTURE = REPO.parent / "shared" / "fixtures" / "isaacgymenvs"
# network: (IsaacGymEnvs train config, extra overrides); all ShadowHand, the paper's task
NETWORKS = {
    "mlp": ("ShadowHandPPO", []),
    "lstm": ("ShadowHandPPOLSTM", []),
    "asymmetric": ("ShadowHandPPOAsymm", ["task.env.asymmetric_observations=True"]),
}
ALGOS = {"ppo": "a2c_continuous", "sapg": "sapg", "cpo": "cpo"}
# cpo with every term on: forward KL (the paper's beta), reverse KL and the adversarial reward
# with the paper's [1024, 1024, 512, 512] discriminator (its default).
CPO_TERMS = ["+train.params.config.cpo.beta=0.001", "+train.params.config.cpo.lambda_r=0.1",
             "+train.params.config.cpo.lambda_adv=0.01"]
HORIZON = {"ShadowHandPPO": 8, "ShadowHandPPOLSTM": 32, "ShadowHandPPOAsymm": 8}
QUICK = [  # (algo, network, compile, mixed precision): every algo, network and switch once
    ("ppo", "mlp", False, False), ("sapg", "lstm", False, False),
    ("cpo", "asymmetric", False, False), ("cpo", "mlp", True, False),
    ("cpo", "mlp", False, True),
]
def install_wheels(wheels: Path) -> Path:
    """The wheels of ``wheels`` in a scratch ``--target`` folder (no index, no build)."""
    target = Path(tempfile.mkdtemp(prefix="gpu_check_site_"))
    files = sorted(str(p) for p in wheels.glob("*.whl"))
    if not files:
        raise SystemExit(f"--wheels {wheels}: no .whl files there")
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index",
                             "--no-deps", "--target", str(target), *files],
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"pip install --no-index --target {target} <{len(files)} wheels> failed:"
                         f"\n{result.stderr[-2000:]}")
    return target


def environment(site: Path = None) -> dict:
    paths = [str(p) for p in (site, FIXTURE) if p] + [os.environ.get("PYTHONPATH", "")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_ISAACGYM")}
    env.update(PYTHONPATH=os.pathsep.join(p for p in paths if p), PYTHONUNBUFFERED="1")
    return env


def overrides(algo, network, compile_, mixed, device, num_envs, iterations, folder) -> list:
    train, extra = NETWORKS[network]
    minibatch = num_envs * HORIZON[train] // 2
    args = ["task=ShadowHand", f"train={train}", *extra, f"train.params.algo.name={ALGOS[algo]}",
            f"num_envs={num_envs}", f"max_iterations={iterations}", f"train_dir={folder}",
            "experiment=run", f"sim_device={device}", f"rl_device={device}",
            f"train.params.config.minibatch_size={minibatch}",
            f"++train.params.config.torch_compile={compile_}",
            f"train.params.config.mixed_precision={mixed}"]
    if network == "asymmetric":
        args.append(f"train.params.config.central_value_config.minibatch_size={minibatch}")
    if device == "cpu":
        args.append("pipeline=cpu")
    return args + (CPO_TERMS if algo == "cpo" else [])


def seconds_per_iteration(folder: Path) -> float:
    """Median of rl_games' per-epoch play + update times after the first (compile, warm-up)."""
    from rlgames_cpo.compare.runs import read_scalars  # after --wheels put its packages on sys.path

    scalars = read_scalars(folder / "run" / "summaries")
    play = dict(zip(*scalars.get("performance/step_inference_time", ((), ()))))
    update = dict(zip(*scalars.get("performance/rl_update_time", ((), ()))))
    times = [play[s] + update[s] for s in sorted(play) if s in update][1:]
    return statistics.median(times) if times else float("nan")


def last_error(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:") or "Error" in line]
    return (errors or lines or ["(no output)"])[-1].strip()[:160]


def train_py(argv: list) -> tuple:
    """``python train.py <argv>`` in this process: its exit status, what it printed, and the peak
    GPU memory it allocated (``None`` without CUDA)."""
    from rlgames_cpo.cli import main

    torch = sys.modules.get("torch")  # imported by the first run, after isaacgym
    cuda = torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            code = main(argv)
        except Exception as error:  # noqa: BLE001  (the row says what failed)
            code, output = 1, io.StringIO(f"error: {type(error).__name__}: {error}")
    torch = sys.modules.get("torch")
    cuda = torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized()
    return code, output.getvalue(), torch.cuda.max_memory_allocated() if cuda else None


def check(config, args) -> dict:
    algo, network, compile_, mixed = config
    folder = Path(tempfile.mkdtemp(prefix="gpu_check_"))
    start = time.perf_counter()
    code, trained, peak = train_py(overrides(algo, network, compile_, mixed, args.device,
                                             args.num_envs, args.iterations, folder))
    row = {"config": f"{algo} {network} compile={'on' if compile_ else 'off'} "
                     f"amp={'on' if mixed else 'off'}",
           "wall": time.perf_counter() - start, "s_it": float("nan"), "peak": peak}
    if code:
        row.update(ok=False, result=f"FAIL (train): {last_error(trained)}")
        return row
    row["s_it"] = seconds_per_iteration(folder)
    checkpoints = sorted((folder / "run" / "nn").glob("last_run_ep_*.pth"))
    if not checkpoints:
        row.update(ok=False, result="FAIL: no checkpoint written")
        return row
    play_args = [a for a in overrides(algo, network, compile_, mixed, args.device, 6, 1, folder)
                 if not a.startswith(("num_envs=", "max_iterations=", "experiment="))]
    code, played, _ = train_py([*play_args, "test=True", "num_envs=6",
                                f"checkpoint={checkpoints[-1]}",
                                "train.params.config.player.games_num=6"])
    if code or "av reward:" not in played:
        row.update(ok=False, result=f"FAIL (play): {last_error(played)}")
        return row
    float32 = mixed and "has no effect on cpu" in trained
    row.update(ok=True, result="pass (trained, reloaded, played)"
               + (" in float32: no autocast on the CPU" if float32 else ""))
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda:0", help="cuda:N or cpu")
    parser.add_argument("--quick", action="store_true",
                        help=f"{len(QUICK)} runs covering each algo, network and switch once")
    parser.add_argument("--num-envs", type=int, default=None,
                        help="a multiple of 6 (default 1536 on CUDA, 12 on the CPU)")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--wheels", type=Path, default=None,
                        help="install missing pure-Python packages from these wheels")
    args = parser.parse_args(argv)
    if args.num_envs is None:
        args.num_envs = 12 if args.device == "cpu" else 1536
    if args.num_envs % 6:
        parser.error(f"--num-envs {args.num_envs} must be a multiple of 6 (sapg/cpo's num_blocks)")
    if args.iterations < 2:
        parser.error("--iterations must be at least 2 (the first one is not timed)")
    if not (FIXTURE / "isaacgymenvs" / "__init__.py").is_file():
        raise SystemExit(f"the IsaacGymEnvs fixture is not at {FIXTURE}")
    site = install_wheels(args.wheels) if args.wheels else None
    env = environment(site)
    # the runs happen here: the fixture and the wheels first on the path, none of the fixture's
    # escape switches (its isaacgym refuses to load after torch, as the real one does)
    sys.path[:0] = [str(p) for p in (site, FIXTURE) if p]
    for key in [k for k in os.environ if k.startswith("FAKE_ISAACGYM")]:
        del os.environ[key]
    configs = QUICK if args.quick else list(itertools.product(
        ALGOS, NETWORKS, (False, True), (False, True)))

    probe = subprocess.run([sys.executable, "-c", "import torch, sys; print(torch.__version__, "
                            "sys.version.split()[0], torch.cuda.get_device_name(0) if "
                            "torch.cuda.is_available() else 'no CUDA')"],
                           env=env, capture_output=True, text=True)
    print(f"device {args.device}; torch, python, GPU: {probe.stdout.strip()}; "
          f"ShadowHand on the IsaacGymEnvs fixture, {args.num_envs} envs, {args.iterations} "
          "iterations per run", flush=True)
    print(f"{'config':40s} {'s/it':>8s} {'GPU MiB':>8s}  result", flush=True)
    rows = []
    for config in configs:
        row = check(config, args)
        rows.append(row)
        peak = f"{row['peak'] / 2**20:8.0f}" if row["peak"] else f"{'-':>8s}"
        print(f"{row['config']:40s} {row['s_it']:8.3f} {peak}  {row['result']}", flush=True)
    failed = [r for r in rows if not r["ok"]]
    print(f"{len(rows) - len(failed)}/{len(rows)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
