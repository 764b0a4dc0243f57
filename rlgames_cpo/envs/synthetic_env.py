"""A vec env of torch tensors only, on any device: no simulator, for measuring the learner.

Observations are Gaussian noise that drifts with the actions, the reward is a cheap quadratic of
the action and the observation, and episodes time out after ``episode_length`` steps (staggered
at the start, as a GPU simulator's are after its first resets). Every step is a few tensor ops on
``device``, so what a benchmark on it measures is the learner: the paper's 24,576 envs of
ShadowHand sizes fit a GPU and, at smaller N, a CPU.
"""

import numpy as np
import torch
from rl_games.common.ivecenv import IVecEnv

from rlgames_cpo.envs.spaces import box
from rlgames_cpo.envs.tracking import EpisodeTracker


class SyntheticVecEnv(IVecEnv):
    """rl_games' vec-env interface (``reset``, ``step``, ``get_env_info``) on tensors.

    Args:
        num_envs: envs stepped together.
        num_obs, num_actions, num_states: sizes (``num_states`` 0: no asymmetric critic).
        device: where everything lives.
        seed: of the env's own generator.
        episode_length: steps before a time-out.
    """

    def __init__(self, num_envs: int, num_obs: int = 211, num_actions: int = 20,
                 num_states: int = 0, device="cpu", seed: int = 0, episode_length: int = 600):
        self.num_envs, self.device = num_envs, torch.device(device)
        self.episode_length = episode_length
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.observation_space = box(-np.inf, np.inf, (num_obs,))
        self.action_space = box(-1.0, 1.0, (num_actions,))
        self.state_space = box(-np.inf, np.inf, (num_states,))
        self.mixing = torch.randn(num_actions, num_obs, generator=self.generator,
                                  device=self.device) / num_actions ** 0.5
        self.episodes = EpisodeTracker(num_envs, self.device)
        self.steps = torch.zeros(num_envs, dtype=torch.long, device=self.device)

    def _noise(self, size: int) -> torch.Tensor:
        return torch.randn(self.num_envs, size, generator=self.generator, device=self.device)

    def _obs(self) -> dict:
        obs = {"obs": self.observation}
        num_states, num_obs = self.state_space.shape[0], self.observation_space.shape[0]
        if num_states:  # privileged states: the observation, then fresh noise past its size
            extra = [self._noise(num_states - num_obs)] if num_states > num_obs else []
            obs["states"] = torch.cat([self.observation[:, :num_states], *extra], dim=1)
        return obs

    def reset(self) -> dict:
        self.observation = self._noise(self.observation_space.shape[0])
        self.steps = torch.randint(0, self.episode_length, (self.num_envs,),
                                   generator=self.generator, device=self.device)
        self.episodes.reset()
        return self._obs()

    def step(self, actions: torch.Tensor):
        actions = actions.to(self.device).clamp(-1.0, 1.0)
        self.observation = 0.9 * self.observation + 0.1 * (actions @ self.mixing) \
            + 0.1 * self._noise(self.observation_space.shape[0])
        rewards = 1.0 - (actions ** 2).mean(dim=1) - 0.01 * (self.observation ** 2).mean(dim=1)
        self.steps += 1
        time_outs = self.steps >= self.episode_length
        self.steps[time_outs] = 0
        dones = time_outs.to(torch.uint8)
        infos = {"time_outs": time_outs}
        infos.update(self.episodes.step(rewards, dones))
        return self._obs(), rewards, dones, infos

    def get_number_of_agents(self) -> int:
        return 1

    def get_env_info(self) -> dict:
        return {"observation_space": self.observation_space, "action_space": self.action_space,
                "state_space": self.state_space, "agents": 1, "value_size": 1}

    def set_train_info(self, env_frames, *args, **kwargs) -> None:
        pass

    def close(self) -> None:
        pass
