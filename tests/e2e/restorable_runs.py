"""Shared by the resume and interruption tests: train.py on the restorable task (restorable_task/),
whose env state is all of it, with cpo and every one of its terms on, and 11-step episodes that straddle the
8-step iterations (imported; pytest puts this folder on sys.path)."""

import os
from pathlib import Path

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
