"""Shared setup of the adapter tests (imported by them; pytest puts this folder on sys.path)."""

import torch


# A small Pendulum setup whose 5-step episodes put dones and time-outs inside the 8-step horizon.
SMALL = ["task=EnvpoolPendulum", "train=EnvpoolPendulumPPO", "num_envs=12",
         "task.env.maxEpisodeSteps=5",
         "train.params.config.horizon_length=8", "train.params.config.minibatch_size_per_env=4",
         "+train.params.config.sapg.num_blocks=3"]


def run_epoch(agent):
    """One train_epoch; returns the rollout batch and the dataset the update used."""
    seen = {}
    prepare = agent.prepare_dataset

    def recording(batch_dict):
        seen["rollout"] = {k: v.clone() if torch.is_tensor(v) else v for k, v in batch_dict.items()}
        prepare(batch_dict)
        seen["dataset"] = dict(agent.dataset.values_dict)

    agent.prepare_dataset = recording
    agent.train_epoch()
    return seen["rollout"], seen["dataset"]
