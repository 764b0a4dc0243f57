"""What the export tests compare (imported by them; run as a script where the checkpoint needs a
process of its own, an IsaacGymEnvs run with the fixture's isaacgym):

    PYTHONPATH=<fixture> python tests/export_checks.py RESULTS.json CHECKPOINT [CHECKPOINT ...]

writes, per checkpoint and format, the largest difference between the exported policy's actions
and rl_games' player's on the same observations (an LSTM's episode reset included), and the JSON
written beside the file.
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np


def player_actions(player, observations, resets) -> np.ndarray:
    """rl_games' player's deterministic actions over ``observations (T, n, D)``; its LSTM states
    zeroed for the envs ``resets[t]`` before step t, as its own loop does at an episode's end."""
    player.has_batch_dimension = True
    player.batch_size = observations.shape[1]
    if player.is_rnn:
        player.init_rnn()
    actions = []
    for t, obs in enumerate(observations):
        if player.is_rnn:
            for state in player.states:
                state[:, resets.get(t, []), :] = 0
        actions.append(player.get_action(obs, is_deterministic=True).numpy())
    return np.stack(actions)


def exported_actions(step, meta, observations, resets) -> np.ndarray:
    recurrent = "h" in meta["inputs"]
    states = [np.zeros((meta["inputs"][k][0], observations.shape[1], meta["inputs"][k][2]),
                       np.float32) for k in ("h", "c")] if recurrent else []
    actions = []
    for t, obs in enumerate(observations):
        for state in states:
            state[:, resets.get(t, []), :] = 0
        out = step(obs.numpy(), *states)
        actions.append(out[0])
        states = list(out[1:])
    return np.stack(actions)


def onnx_step(path):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path))
    names = [i.name for i in session.get_inputs()]
    return lambda *inputs: session.run(None, dict(zip(names, inputs)))


def torchscript_step(path):
    import torch  # not at import: a script with the IsaacGymEnvs fixture imports isaacgym first

    module = torch.jit.load(str(path))

    def step(*inputs):
        out = module(*map(torch.from_numpy, inputs))
        return [o.detach().numpy() for o in (out if isinstance(out, tuple) else (out,))]

    return step



def largest_difference(checkpoint: str, fmt: str, folder: Path, block=None) -> tuple:
    """Exports ``checkpoint`` as ``fmt`` into ``folder``; ``(max |exported - player|, meta,
    the player's actions)`` over 6 steps of 3 envs, env 1 starting a new episode at step 3."""
    import torch

    from rlgames_cpo.export import export, load_player

    target = export(checkpoint, fmt, block, out=str(folder / f"policy.{fmt}"))
    meta = json.loads(Path(str(target) + ".json").read_text())
    observations = torch.randn(6, 3, meta["inputs"]["obs"][1],
                               generator=torch.Generator().manual_seed(0)) * 3
    resets = {3: [1]}
    expected = player_actions(load_player(checkpoint, block), observations, resets)
    step = onnx_step(target) if fmt == "onnx" else torchscript_step(target)
    got = exported_actions(step, meta, observations, resets)
    return float(np.abs(got - expected).max()), meta, expected


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import isaacgym  # noqa: F401  (the fixture's, before torch, as train.py imports it)

    results = {}
    for checkpoint in sys.argv[2:]:
        for fmt in ("onnx", "torchscript"):
            with tempfile.TemporaryDirectory() as folder:
                difference, meta, _ = largest_difference(checkpoint, fmt, Path(folder))
            results[f"{checkpoint}:{fmt}"] = {"difference": difference, "meta": meta}
    Path(sys.argv[1]).write_text(json.dumps(results))
