"""IsaacGymEnvs tasks, built through their public API ``isaacgymenvs.make``.

Isaac Gym cannot be pip-installed (NVIDIA ships Preview 4 as a tarball), so this path is tested
against a stand-in with the same interface (``tests/contracts/test_isaacgym_contract.py``).
"""

import importlib

import torch
from rl_games.common.ivecenv import IVecEnv

from rlgames_cpo.envs.tracking import EpisodeTracker
from rlgames_cpo.hosts.isaacgymenvs import INSTALL_HINT


def import_isaacgymenvs():
    """Imports ``isaacgym`` (which must precede torch's CUDA init) and ``isaacgymenvs``."""
    try:
        importlib.import_module("isaacgym")
        return importlib.import_module("isaacgymenvs")
    except ImportError as error:
        raise RuntimeError(f"{error}. {INSTALL_HINT} Without them, use an embedded task such "
                           "as task=EnvpoolAnt.") from error


class IsaacGymVecEnv(IVecEnv):
    """An IsaacGymEnvs ``VecTask`` behind the vec-env contract of ``rlgames_cpo.envs``.

    ``VecTask`` already resets finished envs within the step and returns ``obs_dict``
    (``'obs'``, and ``'states'`` when ``numStates > 0``) on ``rl_device``; the adapter adds episode
    returns/lengths and guarantees ``infos['time_outs']``.

    Args:
        task_config: the composed ``task`` section of the Hydra config (a plain dict).
        num_envs: overrides ``task_config['env']['numEnvs']``.
        sim_device, rl_device, seed, graphics_device_id, headless, multi_gpu: passed to
            ``isaacgymenvs.make`` with their IsaacGymEnvs meanings (rl_games' player drops
            ``seed`` from the env config, hence its default).
    """

    def __init__(self, task_config: dict, num_envs: int, sim_device: str, rl_device: str,
                 seed: int = 0, graphics_device_id: int = 0, headless: bool = True,
                 multi_gpu: bool = False):
        from omegaconf import OmegaConf

        isaacgymenvs = import_isaacgymenvs()
        task_config = dict(task_config)
        task_config["env"] = {**task_config["env"], "numEnvs": num_envs}
        self.env = isaacgymenvs.make(
            seed=seed, task=task_config["name"], num_envs=num_envs, sim_device=sim_device,
            rl_device=rl_device, graphics_device_id=graphics_device_id, headless=headless,
            multi_gpu=multi_gpu, cfg=OmegaConf.create({"task": task_config}))
        self.num_envs = num_envs
        self.device = torch.device(rl_device)
        self.episodes = EpisodeTracker(num_envs, self.device)

    def reset(self) -> dict:
        self.episodes.reset()
        return self.env.reset()

    def step(self, actions):
        obs, rewards, dones, extras = self.env.step(actions)
        infos = dict(extras)
        infos.setdefault("time_outs", torch.zeros_like(dones, dtype=torch.bool))
        infos.update(self.episodes.step(rewards.float(), dones))
        return obs, rewards, dones, infos

    def get_number_of_agents(self) -> int:
        return getattr(self.env, "num_agents", 1)

    def get_env_info(self) -> dict:
        num_states = getattr(self.env, "num_states", 0)
        return {
            "observation_space": self.env.observation_space,
            "action_space": self.env.action_space,
            "state_space": self.env.state_space if num_states > 0 else None,
            "agents": self.get_number_of_agents(),
            "value_size": getattr(self.env, "value_size", 1),
        }

    def set_train_info(self, env_frames, *args, **kwargs):
        if hasattr(self.env, "set_train_info"):
            self.env.set_train_info(env_frames, *args, **kwargs)

    @property
    def exact_env_state(self) -> bool:
        """IsaacGymEnvs tasks' ``get_env_state`` holds curriculum state, not the simulation;
        a task that saves everything says so with ``exact_env_state = True``."""
        return getattr(self.env, "exact_env_state", False)

    def get_env_state(self):
        if not hasattr(self.env, "get_env_state"):
            return None
        state = {"task": self.env.get_env_state()}
        if self.exact_env_state:
            state["episodes"] = (self.episodes.returns.clone(), self.episodes.lengths.clone())
        return state

    def set_env_state(self, env_state):
        if env_state is None or not hasattr(self.env, "set_env_state"):
            return
        self.env.set_env_state(env_state["task"])
        if "episodes" in env_state:
            self.episodes.returns.copy_(env_state["episodes"][0])
            self.episodes.lengths.copy_(env_state["episodes"][1])
