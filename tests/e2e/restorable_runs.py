"""Shared by the resume and interruption tests: train.py on the restorable task (restorable_task/),
whose env state is all of it, with cpo and every one of its terms on, and 11-step episodes that straddle the
8-step iterations (imported; pytest puts this folder on sys.path)."""

import os
from pathlib import Path

from rlgames_cpo.compare.runs import read_scalars

RESTORABLE_TASK = Path(__file__).resolve().parent / "restorable_task"
CPO = ["task=RestorablePointMass", "train=RestorablePointMassPPO", "train.params.algo.name=cpo",
       "num_envs=16", "task.env.maxEpisodeLength=11", "rl_device=cpu", "sim_device=cpu",
       "torch_deterministic=True",
       "+train.params.config.sapg.num_blocks=4", "+train.params.config.cpo.lambda_adv=0.05",
       "+train.params.config.cpo.lambda_r=0.1", "+train.params.config.cpo.discriminator.units=[16]"]


def restorable_env() -> dict:
    """The environment of a train.py subprocess that finds the restorable task's ``isaacgymenvs``."""
    return {**os.environ, "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": f"{RESTORABLE_TASK}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def scalars(run_dir: Path) -> dict:
    """``{tag: {step: value}}`` of every logged scalar but timings (``performance/``, ``time/``,
    ``*/time``; steps are frames)."""
    return {tag: dict(zip(steps.tolist(), values.tolist()))
            for tag, (steps, values) in read_scalars(run_dir / "summaries").items()
            if not (tag.startswith(("performance/", "time/")) or tag.endswith("/time"))}


# An LSTM actor-critic; the asymmetric critic on 3-d states, an MLP, and an LSTM beside the LSTM actor.
LSTM = ["+train.params.network.rnn.name=lstm", "+train.params.network.rnn.units=16",
        "+train.params.network.rnn.layers=1", "+train.params.config.seq_length=4"]
CRITIC = "{minibatch_size: 64, mini_epochs: 2, learning_rate: 3e-4, clip_value: True, " \
         "normalize_input: True, truncate_grads: True, network: {name: actor_critic, " \
         "central_value: True, mlp: {units: [16], activation: elu, initializer: {name: default}}%s}}"
CENTRAL = ["task.env.numStates=3", f"+train.params.config.central_value_config={CRITIC % ''}"]
LSTM_CENTRAL = [*LSTM, "task.env.numStates=3", "+train.params.config.central_value_config="
                + CRITIC % ", rnn: {name: lstm, units: 8, layers: 1}"]
NETWORKS = {"mlp": [], "lstm": LSTM, "central": CENTRAL, "lstm_central": LSTM_CENTRAL}
