"""Exports one block's deterministic policy (the leader's by default) from a checkpoint, for
deployment without rl_games or this package: ONNX (onnxruntime) or TorchScript (``torch.jit``).

    python -m rlgames_cpo.export runs/X/nn/X.pth --format onnx          # -> runs/X/nn/X.onnx (+ .json)
    python -m rlgames_cpo.export runs/X/best --format torchscript --block 2 --out policy.pt

Baked in: the observation normaliser, the block conditioning (the block's embedding), the action
clipping and rescaling rl_games' player applies; out comes the deterministic action (``mu``). An
LSTM policy takes and returns its hidden states explicitly (``obs, h, c -> actions, h_out,
c_out``, zeros at an episode's start: the convention rsl_rl and Isaac Lab use for recurrent ONNX
policies). Beside the file, ``<file>.json`` says the sizes, clip ranges, block and checkpoint.
The critic (and an asymmetric critic) is not exported.

The network is rebuilt from the checkpoint's run folder: a train.py run's ``config.yaml`` (the
player's env built once, one env, for its spaces) or an Isaac Lab run's ``params/agent.yaml``
(the spaces read from the checkpoint, no simulator). onnx and onnxruntime are the ``export``
extra (``pip install 'rlgames-cpo[export]'``), imported only for ``--format onnx``.
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Optional

FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}


def load_player(checkpoint: str, block: Optional[int] = None):
    """rl_games' player of ``checkpoint``'s run, restored: a train.py run's (its config.yaml, on
    one env) or an Isaac Lab run's (its params/agent.yaml; the spaces from the checkpoint)."""
    run = Path(checkpoint).resolve().parent.parent
    if not (run / "config.yaml").is_file() and (run / "params" / "agent.yaml").is_file():
        return _restored(isaaclab_params(run, checkpoint, block), checkpoint)
    return _restored(train_py_params(run, checkpoint, block), checkpoint)


def _restored(params: dict, checkpoint: str):
    from rl_games.torch_runner import Runner

    import rlgames_cpo

    runner = Runner()
    rlgames_cpo.register(runner)
    runner.load({"params": params})
    player = runner.create_player()
    player.restore(str(checkpoint))
    player.model.eval()
    return player


def isaaclab_params(run: Path, checkpoint: str, block: Optional[int]) -> dict:
    """An Isaac Lab run's rl_games params (``params/agent.yaml``, as its play loop uses them) on
    the CPU, with an env of which only the spaces are known: the observation width from the
    checkpoint's input normaliser, the actions from its ``mu`` layer, the action range from the
    wrapper's ``clip_actions`` (Isaac Lab's ``RlGamesVecEnvWrapper`` declares that Box)."""
    import math

    import torch
    import yaml

    from rlgames_cpo.envs.spaces import box

    params = yaml.safe_load((run / "params" / "agent.yaml").read_text())["params"]
    model = torch.load(checkpoint, map_location="cpu", weights_only=False)["model"]
    num_obs = observation_width(model, checkpoint)
    num_actions = model["a2c_network.mu.weight"].shape[0]
    clip = float(params.get("env", {}).get("clip_actions", math.inf))
    config = dict(params["config"], num_actors=1, device="cpu", device_name="cpu",
                  multi_gpu=False, vec_env=SpacesOnly(box(-math.inf, math.inf, (num_obs,)),
                                                      box(-clip, clip, (num_actions,))))
    config["env_info"] = config["vec_env"].get_env_info()
    if block is not None:
        config["player"] = {**config.get("player", {}), "block": block}
    return {**params, "config": config}


def observation_width(model: dict, checkpoint: str) -> int:
    """The observation width a checkpoint's network takes: its input normaliser's, else its first
    layer's input (an LSTM before the MLP, or the MLP) less the block embedding's width."""
    if "running_mean_std.running_mean" in model:
        return model["running_mean_std.running_mean"].shape[0]
    for first in ("a2c_network.rnn.rnn.weight_ih_l0", "a2c_network.actor_mlp.0.weight"):
        if first in model:
            embedding = model.get("a2c_network.embedding.table")
            return model[first].shape[1] - (embedding.shape[1] if embedding is not None else 0)
    raise ValueError(f"{checkpoint}: neither an input normaliser nor an MLP or LSTM input layer in "
                     "its model: the observation width is not known here")


class SpacesOnly:
    """An rl_games vec env of which only the spaces are known (an Isaac Lab run's: its simulator
    is not here); the export never steps it."""

    def __init__(self, observation_space, action_space):
        self.observation_space, self.action_space = observation_space, action_space

    def get_env_info(self) -> dict:
        return {"observation_space": self.observation_space, "action_space": self.action_space,
                "agents": 1, "value_size": 1}

    def step(self, actions):
        raise RuntimeError("exporting a policy steps no env")

    reset = step


def train_py_params(run: Path, checkpoint: str, block: Optional[int]) -> dict:
    """A train.py run's params (its config.yaml) for playing on one env on the CPU."""
    from omegaconf import OmegaConf

    from rlgames_cpo.hosts import backends
    from rlgames_cpo.hydra_setup import register_resolvers
    from rlgames_cpo.launch import check_run, prepare

    saved = run / "config.yaml"
    if not saved.is_file():
        raise FileNotFoundError(f"{checkpoint}: its run folder has no config.yaml ({saved}) nor "
                                "Isaac Lab's params/agent.yaml, which the network is rebuilt from; "
                                "export a checkpoint in the nn/ folder of the run that wrote it")
    register_resolvers()
    cfg = OmegaConf.load(saved)
    OmegaConf.update(cfg, "task.env.numEnvs", 1)
    OmegaConf.update(cfg, "train.params.config.num_actors", 1)
    if block is not None:
        OmegaConf.update(cfg, "train.params.config.player.block", block, force_add=True)
    cfg.update(test=True, checkpoint=str(checkpoint), rl_device="cpu",
               multi_gpu=False, num_envs=1)
    if backends.backend_of(cfg) == "isaacgym":
        import isaacgym  # noqa: F401  (before torch builds anything, as train.py does)
    return check_run(prepare(cfg))


def export(checkpoint: str, fmt: str, block: Optional[int] = None, out: Optional[str] = None) -> Path:
    """Writes the policy file and its ``.json``; returns the file's path."""
    import torch

    from rlgames_cpo import selectors
    from rlgames_cpo.adapters.exported import DeterministicPolicy

    checkpoint = selectors.resolve(checkpoint, None)
    policy = DeterministicPolicy.of(load_player(checkpoint, block))
    target = Path(out) if out else Path(checkpoint).with_suffix(FORMATS[fmt])
    target.parent.mkdir(parents=True, exist_ok=True)
    example = policy.example_inputs()
    if fmt == "torchscript":
        torch.jit.trace(policy, example).save(str(target))
    else:
        torch.onnx.export(policy, example, str(target), input_names=policy.input_names,
                          output_names=policy.output_names, dynamo=False, opset_version=17,
                          dynamic_axes=policy.batch_axes)
    meta = {**policy.description(), "format": fmt, "file": target.name,
            "checkpoint": str(Path(checkpoint).resolve()),
            "checkpoint_sha256": hashlib.sha256(Path(checkpoint).read_bytes()).hexdigest()}
    Path(str(target) + ".json").write_text(json.dumps(meta, indent=2) + "\n")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rlgames_cpo.export",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a .pth, or <run folder>/latest|best")
    parser.add_argument("--format", choices=sorted(FORMATS), default="onnx")
    parser.add_argument("--block", type=int, default=None,
                        help="the block to export (sapg/cpo; default 0, the leader)")
    parser.add_argument("--out", default=None, help="the file to write (default: beside the checkpoint)")
    args = parser.parse_args(argv)
    try:
        target = export(args.checkpoint, args.format, args.block, args.out)
    except (ValueError, OSError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"[rlgames_cpo] wrote {target} and {target}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
