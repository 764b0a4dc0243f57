"""How much host memory a run will take, estimated before any env is built.

A run's memory grows with ``num_envs`` in two parts: the simulator's state per env (MuJoCo's
model and data for an envpool task: measured once per task, ``task.env.memoryPerEnvMB``) and the
learner's rollout tensors and full-batch forward passes per env (``horizon`` rows per env). The
learner's part is a linear model of the rows' width and the network's hidden units, fitted to
measured peaks (``python benchmarks/memory_per_env.py --learner`` prints measured against
estimated: within 10% for MountainCar, Ant and Humanoid cpo at 2,400-8,160 envs on a CPU).
"""

from dataclasses import dataclass
from typing import Sequence

MB = 2**20
GB = 2**30

# Floats held per rollout row, per input float (obs, states, 3 x actions for actions/mu/sigma,
# 8 scalars: values, rewards, dones, returns, advantages, neglogp, ...): the rollout buffer, its
# row sets (on-policy, leader, the terms') and the dataset's copies of them.
FLOATS_PER_ROW_INPUT = 6.5
# Floats held per row, per hidden unit of the networks: the activations of the full-batch
# forward passes (leader values and policy over every row).
FLOATS_PER_HIDDEN_UNIT = 1.0
ROW_SCALARS = 8


def learner_bytes_per_env(horizon: int, num_obs: int, num_states: int, num_actions: int,
                          hidden_units: int) -> float:
    """Bytes the learner holds per env at its peak: ``horizon`` rows of float32."""
    inputs = num_obs + num_states + 3 * num_actions + ROW_SCALARS
    floats = FLOATS_PER_ROW_INPUT * inputs + FLOATS_PER_HIDDEN_UNIT * hidden_units
    return 4.0 * horizon * floats


def hidden_units(units: Sequence[int], central_units: Sequence[int] = (), rnn_units: int = 0,
                 separate: bool = False) -> int:
    """The hidden units whose activations a full-batch forward holds: the actor's MLP (twice
    with a separate critic), the central value net's and the LSTM's."""
    return sum(units) * (2 if separate else 1) + sum(central_units) + rnn_units


@dataclass(frozen=True)
class MemoryEstimate:
    """The memory a run of ``num_envs`` envs on ``processes`` ranks of one host will take."""

    num_envs: int
    sim_bytes_per_env: float
    learner_bytes_per_env: float  # 0 when the learner's tensors are on a GPU
    processes: int = 1

    def bytes_for(self, num_envs: int) -> float:
        per_env = self.sim_bytes_per_env + self.learner_bytes_per_env
        return self.processes * num_envs * per_env

    @property
    def total(self) -> float:
        return self.bytes_for(self.num_envs)

    def largest_num_envs(self, available: float, multiple_of: int = 1) -> int:
        """The most envs (a multiple of ``multiple_of``) whose estimate fits ``available``."""
        per_env = self.processes * (self.sim_bytes_per_env + self.learner_bytes_per_env)
        fitting = int(available // per_env) if per_env > 0 else self.num_envs
        return fitting // multiple_of * multiple_of
