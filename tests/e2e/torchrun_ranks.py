"""Run by torchrun in tests/e2e/test_torchrun.py: trains as train.py does, then every rank saves
its final parameters, optimiser state, last observation and the follower blocks
the leader learned from to ``<out>/rank<r>.pt``.

    torchrun --standalone --nproc_per_node=2 torchrun_ranks.py OUT multi_gpu=True task=... ...
"""

import sys
from pathlib import Path

import torch

import rlgames_cpo
from rlgames_cpo.hydra_setup import compose_config
from rlgames_cpo.launch import launch

OUT = Path(sys.argv[1])
register = rlgames_cpo.register


def recording(builder):
    def build(**kwargs):
        agent = builder(**kwargs)
        train, train_epoch = agent.train, agent.train_epoch
        followers = []

        def train_epoch_and_record():
            result = train_epoch()
            if getattr(agent, "record", None) is not None:
                followers.append((agent.record.off_policy_envs // agent.layout.block_size)
                                 .unique().tolist())
            return result

        def train_and_record():
            result = train()
            state = {"model": agent.model.state_dict(), "optimizer": agent.optimizer.state_dict(),
                     "obs": agent.obs["obs"], "epoch": agent.epoch_num, "followers": followers}
            if agent.has_central_value:
                state["central_value"] = agent.central_value_net.state_dict()
                state["central_value_optimizer"] = agent.central_value_net.optimizer.state_dict()
            for term in getattr(agent, "terms", []):
                state.update(term.state_dict())  # the discriminator and its optimizer
            torch.save(state, OUT / f"rank{agent.global_rank}.pt")
            return result

        agent.train = train_and_record
        agent.train_epoch = train_epoch_and_record
        return agent
    return build


def register_recording(runner):
    register(runner)
    for name in ("a2c_continuous", "sapg", "cpo"):
        runner.algo_factory.register_builder(name, recording(runner.algo_factory._builders[name]))


rlgames_cpo.register = register_recording
launch(compose_config(*sys.argv[2:]))
