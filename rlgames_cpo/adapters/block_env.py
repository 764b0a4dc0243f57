"""A vec-env wrapper that appends each env's block index to its observation."""

import numpy as np
import torch
from rl_games.common import vecenv
from rl_games.common.ivecenv import IVecEnv

from rlgames_cpo.adapters.networks import use_block_model
from rlgames_cpo.errors import ConfigError
from rlgames_cpo.core.conditioning import append_block_column


def is_flat_box(space) -> bool:
    """A one-dimensional ``Box`` of gym (IsaacGymEnvs, Isaac Lab's wrapper) or gymnasium; like
    rl_games, the class is recognised by its name, so either package's spaces pass."""
    return type(space).__name__ == "Box" and len(getattr(space, "shape", ())) == 1


def has_states(env_info: dict) -> bool:
    """The env gives the asymmetric critic ``states`` (Isaac Lab reports ``Box((0,))`` when not)."""
    space = env_info.get("state_space")
    return space is not None and int(np.prod(getattr(space, "shape", (0,)))) > 0


def check_critic_states(config: dict, env_info: dict) -> None:
    """``central_value_config`` trains an asymmetric critic on the env's ``states``."""
    if config.get("central_value_config") and not has_states(env_info):
        raise ConfigError("central_value_config trains an asymmetric critic on the env's states, "
                          "and this env gives none: remove central_value_config, or use a task "
                          "with privileged states")


def check_spaces(env_info: dict) -> None:
    """What sapg/cpo support, said before training: a flat Box observation (the block index is
    appended to it) and a continuous Box action space."""
    observation, action = env_info["observation_space"], env_info["action_space"]
    if not is_flat_box(observation):
        groups = type(observation).__name__ == "Dict"
        raise ConfigError(lambda s: "sapg/cpo need a flat Box observation space (one vector per "
                          "env), and this env has "
                          + (f"a Dict of observation groups{s.hint('dict_observations')}" if groups
                             else f"{observation}")
                          + "; image or dict observations are not supported")
    if type(action).__name__ != "Box":
        raise ValueError(f"sapg/cpo need a continuous Box action space (Gaussian policies), and "
                         f"this env has {action}: train it with a2c_discrete instead")
    states = env_info.get("state_space")
    if has_states(env_info) and not is_flat_box(states):
        raise ValueError(f"sapg/cpo's asymmetric critic needs a flat Box state space, and this env "
                         f"has {states}")


class BlockIndexedVecEnv(IVecEnv):
    """Adds the block column to ``obs['obs']`` so rl_games' buffers, minibatches and players
    carry it (rlgames_cpo.core.conditioning). Everything else passes through.

    Args:
        env: any rl_games vec env with flat (non-dict) ``obs``.
        blocks: ``(num_envs,)`` the block each env acts for.
        num_blocks: ``M``, for the observation space's bound.
        device: where numpy results of a non-torch env are moved.
    """

    def __init__(self, env, blocks: torch.Tensor, num_blocks: int, device):
        self.env = env
        self.device = torch.device(device)
        self.blocks = blocks.to(self.device)
        self.num_blocks = num_blocks
        self._numpy_env = False

    def _tensor(self, value):
        if isinstance(value, np.ndarray):
            self._numpy_env = True
            return torch.from_numpy(value).to(self.device)
        return value

    def _tag(self, obs):
        obs = dict(obs) if isinstance(obs, dict) else {"obs": obs}
        if isinstance(obs["obs"], dict):
            raise ValueError("sapg/cpo need flat observations; this env returns a dict 'obs'")
        obs["obs"] = append_block_column(self._tensor(obs["obs"]).float(), self.blocks)
        if "states" in obs:  # the asymmetric critic is conditioned on the block too
            states = self._tensor(obs["states"]).float()
            obs["states"] = append_block_column(states, self.blocks) if states.shape[-1] else states
        return obs

    def reset(self):
        return self._tag(self.env.reset())

    def step(self, actions):
        if self._numpy_env and isinstance(actions, torch.Tensor):
            actions = actions.cpu().numpy()
        obs, rewards, dones, infos = self.env.step(actions)
        return self._tag(obs), self._tensor(rewards), self._tensor(dones), infos

    def get_env_info(self):
        info = dict(self.env.get_env_info())
        check_spaces(info)
        info["observation_space"] = self._with_block_bounds(info["observation_space"])
        if has_states(info):
            info["state_space"] = self._with_block_bounds(info["state_space"])
        return info

    def _with_block_bounds(self, space):
        # The same Box class as the env's (gym's or gymnasium's): rl_games reads either.
        return type(space)(np.append(space.low, 0).astype(np.float32),
                           np.append(space.high, self.num_blocks - 1).astype(np.float32),
                           dtype=np.float32)

    def get_number_of_agents(self):
        return self.env.get_number_of_agents()

    def has_action_masks(self):
        return False

    def set_train_info(self, env_frames, *args, **kwargs):
        return self.env.set_train_info(env_frames, *args, **kwargs)

    @property
    def exact_env_state(self) -> bool:
        return getattr(self.env, "exact_env_state", False)

    def get_env_state(self):
        return self.env.get_env_state()

    def set_env_state(self, env_state):
        return self.env.set_env_state(env_state)

    def close(self):
        if hasattr(self.env, "close"):
            self.env.close()


def block_env(config: dict, blocks: torch.Tensor, num_blocks: int, device) -> BlockIndexedVecEnv:
    """The configured vec env (created as rl_games would) wrapped to carry the block column."""
    env = config.get("vec_env") or vecenv.create_vec_env(
        config["env_name"], config["num_actors"], **config.get("env_config", {}))
    if isinstance(env, BlockIndexedVecEnv):
        env = env.env
    return BlockIndexedVecEnv(env, blocks, num_blocks, device)


def with_block_env(params: dict, blocks: torch.Tensor, num_blocks: int, embedding_dim: int,
                   device) -> dict:
    """A copy of rl_games ``params`` set up for the block-conditioned model and a block-indexed
    env (``config.vec_env`` / ``config.env_info``), for the trainer and the player alike; the
    caller's dicts are left as they were."""
    params = {**params, "config": dict(params["config"])}
    use_block_model(params, num_blocks, embedding_dim)
    config = params["config"]
    config["vec_env"] = block_env(config, blocks, num_blocks, device)
    config["env_info"] = config["vec_env"].get_env_info()
    return params
