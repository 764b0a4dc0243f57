"""The block-indexed env takes the spaces of every host: gym 0.23.1's (IsaacGymEnvs, Isaac Lab's
wrapper) and gymnasium's (envpool), and says clearly what sapg/cpo cannot train."""

import gym
import gymnasium
import numpy as np
import pytest
import torch

from rlgames_cpo.adapters.block_env import BlockIndexedVecEnv
from rlgames_cpo.hosts.isaaclab import ISAACLAB


class SpacesOnly:
    def __init__(self, observation, action):
        self.info = {"observation_space": observation, "action_space": action, "agents": 1}

    def get_env_info(self):
        return self.info


def block_env(observation, action):
    return BlockIndexedVecEnv(SpacesOnly(observation, action), torch.zeros(4, dtype=torch.long),
                              num_blocks=6, device="cpu")


@pytest.mark.parametrize("spaces", [gym.spaces, gymnasium.spaces], ids=["gym", "gymnasium"])
def test_box_observations_of_gym_and_gymnasium_get_the_block_column(spaces):
    env = block_env(spaces.Box(-np.inf, np.inf, (211,)), spaces.Box(-1, 1, (20,)))
    observation = env.get_env_info()["observation_space"]
    assert type(observation) is spaces.Box and observation.shape == (212,)
    assert (observation.low[-1], observation.high[-1]) == (0, 5)  # blocks 0 .. M-1


@pytest.mark.parametrize("spaces", [gym.spaces, gymnasium.spaces], ids=["gym", "gymnasium"])
def test_what_sapg_and_cpo_cannot_train_is_named(spaces):
    box = spaces.Box(-1, 1, (3,))
    groups = spaces.Dict({"policy": box, "critic": box})
    with pytest.raises(ValueError, match=r"flat Box observation space .* a Dict of observation "
                                         r"groups; image") as error:
        block_env(groups, box).get_env_info()
    # Isaac Lab's entry point re-spells it with its hint (tests/hosts/test_isaaclab.py end to end)
    assert ("a Dict of observation groups (Isaac Lab: keep agent.params.env.concate_obs_groups="
            "True, its default)") in str(error.value.spelled(ISAACLAB))
    with pytest.raises(ValueError, match=r"flat Box observation space .* image or dict"):
        block_env(spaces.Box(0, 255, (84, 84, 3)), box).get_env_info()
    with pytest.raises(ValueError, match=r"continuous Box action space .* a2c_discrete"):
        block_env(box, spaces.Discrete(4)).get_env_info()
