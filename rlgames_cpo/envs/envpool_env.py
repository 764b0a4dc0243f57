"""envpool (CPU MuJoCo and classic control) behind the vec-env contract of ``rlgames_cpo.envs``."""

from typing import Optional, Sequence

import numpy as np
import torch
from gymnasium import spaces
from rl_games.common.ivecenv import IVecEnv

from rlgames_cpo.envs.spaces import box
from rlgames_cpo.envs.tracking import EpisodeTracker


def _flat_box(space, keys: Optional[Sequence[str]]):
    """float32 Box of the observation (envpool's gymnasium ``space``), concatenating ``keys`` of a
    Dict space in order, in rl_games' spaces (rlgames_cpo.envs.spaces)."""
    if keys is None:
        if isinstance(space, spaces.Dict):
            raise ValueError(
                f"this envpool task has a dict observation with keys {list(space.spaces)}: "
                "set task.env.obsKeys to the keys the policy should see")
        dim = int(np.prod(space.shape))
    else:
        missing = [k for k in keys if k not in space.spaces]
        if missing:
            raise ValueError(f"observation keys {missing} not in the task's {list(space.spaces)}")
        dim = sum(int(np.prod(space[k].shape)) for k in keys)
    return box(-np.inf, np.inf, (dim,))


def sizes(task_id: str, obs_keys: Optional[Sequence[str]] = None,
          state_keys: Optional[Sequence[str]] = None) -> tuple:
    """``(num_obs, num_states, num_actions)`` of a task as this adapter presents it, read from
    envpool's spec without building any env."""
    import warnings

    import envpool

    spec = envpool.make_spec(task_id)
    with warnings.catch_warnings():  # gymnasium's note on float64 bounds, said again at build
        warnings.simplefilter("ignore")
        space = spec.gymnasium_observation_space
    num_states = _flat_box(space, state_keys).shape[0] if state_keys else 0
    return (_flat_box(space, obs_keys).shape[0], num_states,
            int(np.prod(spec.gymnasium_action_space.shape)))


class EnvpoolVecEnv(IVecEnv):
    """One envpool pool of ``num_envs`` envs, stepped synchronously.

    envpool resets an env on the step *after* its episode ends: that step ignores the action and
    returns reward 0. The adapter performs that reset step immediately, for the finished envs
    only, and returns its observation with ``done=True``, so the rollout never stores a
    transition whose action was ignored.

    Args:
        task_id: envpool task, e.g. ``"Ant-v4"``.
        num_envs: parallel envs.
        device: torch device of every returned tensor.
        seed: env ``i`` is seeded with ``seed + i`` (envpool's convention).
        num_threads: envpool worker threads; 0 lets envpool choose.
        obs_keys: for dict observations, the keys concatenated into ``obs['obs']``.
        state_keys: keys concatenated into ``obs['states']`` for an asymmetric critic.
        max_episode_steps: overrides the task's time limit when given.
    """

    def __init__(self, task_id: str, num_envs: int, device="cpu", seed: int = 0,
                 num_threads: int = 0, obs_keys: Optional[Sequence[str]] = None,
                 state_keys: Optional[Sequence[str]] = None,
                 max_episode_steps: Optional[int] = None):
        import envpool

        make_kwargs = {"num_threads": num_threads}
        if max_episode_steps:
            make_kwargs["max_episode_steps"] = int(max_episode_steps)
        self.env = envpool.make(task_id, env_type="gymnasium", num_envs=num_envs,
                                batch_size=num_envs, seed=int(seed), **make_kwargs)
        self.task_id = task_id
        self.num_envs = num_envs
        self.device = torch.device(device)
        self.obs_keys = list(obs_keys) if obs_keys else None
        self.state_keys = list(state_keys) if state_keys else None

        self.observation_space = _flat_box(self.env.observation_space, self.obs_keys)
        self.state_space = (_flat_box(self.env.observation_space, self.state_keys)
                            if self.state_keys else None)
        source = self.env.action_space
        self.action_space = box(source.low.astype(np.float32), source.high.astype(np.float32))
        self._action_dtype = source.dtype
        self._action_low, self._action_high = source.low, source.high
        self._all_ids = np.arange(num_envs, dtype=np.int32)
        self.episodes = EpisodeTracker(num_envs, self.device)

    def _flatten(self, raw, keys) -> np.ndarray:
        if keys is None:
            return raw.reshape(len(raw), -1)
        return np.concatenate([raw[k].reshape(len(raw[k]), -1) for k in keys], axis=1)

    def _to_obs(self, raw) -> dict:
        obs = {"obs": self._tensor(self._flatten(raw, self.obs_keys))}
        if self.state_keys:
            obs["states"] = self._tensor(self._flatten(raw, self.state_keys))
        return obs

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).to(self.device)

    def _scatter(self, raw, order: np.ndarray):
        """Puts a batch returned in ``order`` back into env-id order."""
        if np.array_equal(order, self._all_ids):
            return raw
        def put(a):
            out = np.empty_like(a)
            out[order] = a
            return out
        return {k: put(v) for k, v in raw.items()} if isinstance(raw, dict) else put(raw)

    def _replace_rows(self, raw, ids: np.ndarray, new):
        if isinstance(raw, dict):
            for k in raw:
                raw[k][ids] = new[k]
        else:
            raw[ids] = new
        return raw

    def _check_finite(self, raw, rewards) -> None:
        """A diverged simulation would poison the normalisers and the network: stop clearly."""
        arrays = list(raw.values()) if isinstance(raw, dict) else [raw]
        bad = ~np.isfinite(rewards)
        for array in arrays:
            bad |= ~np.isfinite(array.reshape(self.num_envs, -1)).all(axis=1)
        if bad.any():
            raise FloatingPointError(
                f"{self.task_id}: non-finite observation or reward from envs "
                f"{np.flatnonzero(bad).tolist()[:8]}; the simulation diverged (often from extreme "
                "actions). Checkpoints already written are intact: resume from the last one, "
                "with a lower learning_rate or stronger bounds_loss_coef.")

    def reset(self) -> dict:
        raw, info = self.env.reset()
        self.episodes.reset()
        return self._to_obs(self._scatter(raw, info["env_id"]))

    def step(self, actions):
        if isinstance(actions, torch.Tensor):
            actions = actions.detach().cpu().numpy()
        actions = np.clip(np.asarray(actions, dtype=self._action_dtype).reshape(self.num_envs, -1),
                          self._action_low, self._action_high)
        raw, rewards, terminated, truncated, info = self.env.step(actions, self._all_ids)
        order = info["env_id"]
        raw = self._scatter(raw, order)
        rewards, terminated, truncated = (self._scatter(a, order)
                                          for a in (rewards, terminated, truncated))
        dones = terminated | truncated
        finished = np.flatnonzero(dones).astype(np.int32)
        if finished.size:
            # envpool's deferred auto-reset: this step only resets; its action is ignored and its
            # reward (0) is discarded, so the next stored transition starts the new episode.
            zero = np.zeros((finished.size,) + actions.shape[1:], dtype=self._action_dtype)
            reset_raw, _, _, _, reset_info = self.env.step(zero, finished)
            self._replace_rows(raw, reset_info["env_id"], reset_raw)

        self._check_finite(raw, rewards)
        rewards_t = torch.from_numpy(rewards.astype(np.float32)).to(self.device)
        dones_t = torch.from_numpy(dones.astype(np.uint8)).to(self.device)
        infos = {"time_outs": torch.from_numpy(truncated & ~terminated).to(self.device)}
        infos.update(self.episodes.step(rewards_t, dones_t))
        return self._to_obs(raw), rewards_t, dones_t, infos

    def get_number_of_agents(self) -> int:
        return 1

    def get_env_info(self) -> dict:
        return {
            "observation_space": self.observation_space,
            "action_space": self.action_space,
            "state_space": self.state_space,
            "agents": 1,
            "value_size": 1,
        }

    def close(self) -> None:
        self.env.close()
