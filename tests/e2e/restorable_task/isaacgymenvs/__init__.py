"""A restorable task behind ``isaacgymenvs.make`` for the exact-resume tests (see README.md)."""

import torch

from rlgames_cpo.envs.spaces import rl_games_spaces

# IsaacGymEnvs' tasks hand rl_games the spaces of the gym it runs with (gym 0.23 on Python 3.8);
# here that is gymnasium under rl-games 1.6.5 and gym under Isaac Lab's fork.
spaces = rl_games_spaces()


class RestorableVecTask:
    """A VecTask-shaped env: 1-d point mass x, action (plus seeded noise) moves it, reward -x^2.

    Resets happen inside ``step`` (Isaac Gym style): terminated when |x| > 2, timed out after
    ``maxEpisodeLength`` steps. ``numStates > 0`` adds privileged ``states`` for the critic.
    Its env state is all of it (``exact_env_state``), so resumed runs continue its episodes.
    """

    exact_env_state = True

    def __init__(self, cfg, rl_device, seed=0):
        env = cfg["env"]
        self.num_envs = env["numEnvs"]
        self.max_episode_length = env["maxEpisodeLength"]
        self.num_states = env.get("numStates", 0)
        self.device = torch.device(rl_device)
        self.observation_space = spaces.Box(-10, 10, (2,))
        self.action_space = spaces.Box(-1, 1, (1,))
        self.state_space = spaces.Box(-10, 10, (max(self.num_states, 1),))
        self.x = torch.zeros(self.num_envs, device=self.device)
        self.progress = torch.zeros(self.num_envs, device=self.device)
        self.noise = torch.Generator().manual_seed(seed)

    def _obs(self):
        obs = {"obs": torch.stack([self.x, self.progress / self.max_episode_length], 1)}
        if self.num_states:
            obs["states"] = torch.stack([self.x] * self.num_states, 1)
        return obs

    def reset(self):
        self.x.zero_()
        self.progress.zero_()
        return self._obs()

    def step(self, actions):
        noise = torch.randn(self.num_envs, generator=self.noise).to(self.device)
        self.x += actions[:, 0].clamp(-1, 1) * 0.5 + 0.1 * noise
        self.progress += 1
        reward = -self.x ** 2
        terminated = self.x.abs() > 2
        time_outs = (self.progress >= self.max_episode_length) & ~terminated
        resets = (terminated | time_outs).long()
        self.x[resets.bool()] = 0
        self.progress[resets.bool()] = 0
        return self._obs(), reward, resets, {"time_outs": time_outs}

    def get_env_state(self):
        return {"x": self.x.clone(), "progress": self.progress.clone(),
                "noise": self.noise.get_state()}

    def set_env_state(self, state):
        self.x.copy_(state["x"])
        self.progress.copy_(state["progress"])
        self.noise.set_state(state["noise"])


def make(seed, task, num_envs, sim_device, rl_device, graphics_device_id=-1, headless=False,
         multi_gpu=False, virtual_screen_capture=False, force_render=True, cfg=None):
    return RestorableVecTask(cfg.task, rl_device, seed)
