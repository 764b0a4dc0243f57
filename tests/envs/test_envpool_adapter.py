"""Contract of EnvpoolVecEnv (see rlgames_cpo/envs/__init__.py), on real envpool tasks and on a
scripted pool where termination and truncation must be told apart."""

import envpool
import numpy as np
import pytest
import torch

from rlgames_cpo.envs.envpool_env import EnvpoolVecEnv


@pytest.mark.parametrize("task_id, kwargs, obs_dim, state_dim, action_dim", [
    ("Ant-v4", {}, 27, None, 8),
    ("Pendulum-v1", {}, 3, None, 1),
    ("HandManipulateBlockDense-v1", {"obs_keys": ["observation", "desired_goal"]}, 68, None, 20),
    ("LeapCubeReorient-v1", {"obs_keys": ["state"], "state_keys": ["privileged_state"]}, 57, 128, 16),
])
def test_shapes_dtypes_device(task_id, kwargs, obs_dim, state_dim, action_dim):
    env = EnvpoolVecEnv(task_id, num_envs=3, device="cpu", **kwargs)
    obs = env.reset()
    assert obs["obs"].shape == (3, obs_dim) and obs["obs"].dtype == torch.float32
    assert obs["obs"].device == torch.device("cpu")
    info = env.get_env_info()
    assert info["observation_space"].shape == (obs_dim,)
    assert info["action_space"].shape == (action_dim,)
    assert info["agents"] == 1 and info["value_size"] == 1
    if state_dim:
        assert obs["states"].shape == (3, state_dim) and obs["states"].dtype == torch.float32
        assert info["state_space"].shape == (state_dim,)
    else:
        assert "states" not in obs and info["state_space"] is None
    obs, rewards, dones, infos = env.step(torch.zeros(3, action_dim))
    assert rewards.shape == (3,) and rewards.dtype == torch.float32
    assert dones.shape == (3,) and dones.dtype == torch.uint8
    assert infos["time_outs"].shape == (3,) and infos["time_outs"].dtype == torch.bool
    assert infos["episode_return"].shape == (3,) and infos["episode_length"].shape == (3,)


def test_dict_observation_without_keys_is_a_clear_error():
    with pytest.raises(ValueError, match="obsKeys"):
        EnvpoolVecEnv("HandManipulateBlockDense-v1", num_envs=2)


def test_reset_step_is_hidden():
    """With a 3-step limit the raw pool gives, per env: r1 r2 r3(done) 0(reset, action ignored) r5.
    The adapter must give r1 r2 r3(done, next episode's first obs) r5, and never the 0."""
    num_envs, horizon = 2, 3
    action = np.full((num_envs, 1), 0.5, dtype=np.float32)
    raw = envpool.make("Pendulum-v1", env_type="gymnasium", num_envs=num_envs, seed=7,
                       max_episode_steps=horizon)
    raw.reset()
    raw_steps = [raw.step(action) for _ in range(2 * horizon + 2)]
    env = EnvpoolVecEnv("Pendulum-v1", num_envs, seed=7, max_episode_steps=horizon)
    env.reset()
    for t in range(2 * horizon):
        obs, rewards, dones, _ = env.step(torch.from_numpy(action))
        k = t if t < horizon else t + 1  # the raw step this one stands for, past its reset step
        raw_obs, raw_r, raw_term, raw_trunc, _ = raw_steps[k]
        np.testing.assert_allclose(rewards.numpy(), raw_r, rtol=1e-6)
        assert (dones.numpy() == (raw_term | raw_trunc)).all()
        # at a done, the observation is the one the raw pool only shows after its reset step
        expected_obs = raw_steps[k + 1][0] if dones.all() else raw_obs
        np.testing.assert_allclose(obs["obs"].numpy(), expected_obs, rtol=1e-6)
    assert (raw_steps[horizon][1] == 0).all()  # what the adapter must not pass on


def test_episode_return_and_length_reported_at_done():
    env = EnvpoolVecEnv("Pendulum-v1", num_envs=2, seed=3, max_episode_steps=4)
    env.reset()
    total = torch.zeros(2)
    for t in range(4):
        _, rewards, dones, infos = env.step(torch.zeros(2, 1))
        total += rewards
    assert dones.all() and infos["time_outs"].all()
    torch.testing.assert_close(infos["episode_return"], total)
    assert infos["episode_length"].tolist() == [4.0, 4.0]
    _, _, dones, infos = env.step(torch.zeros(2, 1))
    assert not dones.any() and infos["episode_return"].eq(0).all()


def test_seeding_is_reproducible():
    def rollout(seed):
        env = EnvpoolVecEnv("Ant-v4", num_envs=2, seed=seed)
        first = env.reset()["obs"]
        generator = torch.Generator().manual_seed(0)
        for _ in range(5):
            obs, *_ = env.step(torch.rand(2, 8, generator=generator) * 2 - 1)
        return first, obs["obs"]

    a, b, c = rollout(1), rollout(1), rollout(2)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_actions_are_clipped_and_cast_for_envpool():
    env = EnvpoolVecEnv("Ant-v4", num_envs=2)
    seen = []
    step = env.env.step
    env.env.step = lambda actions, ids: seen.append(actions) or step(actions, ids)
    env.reset()
    env.step(torch.full((2, 8), 3.0))
    assert seen[0].dtype == env.env.action_space.dtype
    assert seen[0].max() == env.env.action_space.high.max()


class ScriptedPool:
    """Stands in for an envpool pool: env 0 terminates at step 2, env 1 is truncated at step 3.
    It returns batches in reversed env order, as an async pool may."""

    def __init__(self):
        from gymnasium import spaces
        self.observation_space = spaces.Box(-1, 1, (1,), np.float64)
        self.action_space = spaces.Box(-1, 1, (1,), np.float32)
        self.t = np.zeros(2, dtype=int)
        self.pending_reset = np.zeros(2, dtype=bool)

    def reset(self):
        self.t[:] = 0
        return np.zeros((2, 1)), {"env_id": np.array([0, 1])}

    def step(self, actions, env_id):
        env_id = np.asarray(env_id)[::-1]
        obs, rew, term, trunc = [], [], [], []
        for e in env_id:
            if self.pending_reset[e]:
                self.pending_reset[e], self.t[e] = False, 0
                obs.append([-1.0]), rew.append(0.0), term.append(False), trunc.append(False)
                continue
            self.t[e] += 1
            terminated, truncated = (e == 0 and self.t[e] == 2), (e == 1 and self.t[e] == 3)
            self.pending_reset[e] = terminated or truncated
            obs.append([self.t[e] / 10]), rew.append(1.0 + e), term.append(terminated)
            trunc.append(truncated)
        return (np.array(obs), np.array(rew, np.float32), np.array(term), np.array(trunc),
                {"env_id": env_id})


def test_time_outs_only_for_truncation(monkeypatch):
    monkeypatch.setattr(envpool, "make", lambda *args, **kwargs: ScriptedPool())
    env = EnvpoolVecEnv("Scripted", num_envs=2)
    env.reset()
    _, rewards, dones, infos = env.step(torch.zeros(2, 1))
    assert rewards.tolist() == [1.0, 2.0] and dones.tolist() == [0, 0]
    obs, _, dones, infos = env.step(torch.zeros(2, 1))
    assert dones.tolist() == [1, 0] and infos["time_outs"].tolist() == [False, False]
    assert obs["obs"][:, 0].tolist() == pytest.approx([-1.0, 0.2])  # env 0: next episode
    assert infos["episode_return"].tolist() == [2.0, 0.0]
    obs, _, dones, infos = env.step(torch.zeros(2, 1))
    assert dones.tolist() == [0, 1] and infos["time_outs"].tolist() == [False, True]
    assert obs["obs"][:, 0].tolist() == pytest.approx([0.1, -1.0])
    assert infos["episode_return"].tolist() == [0.0, 6.0]
    assert infos["episode_length"].tolist() == [0.0, 3.0]


def test_non_finite_simulation_is_a_clear_error(monkeypatch):
    pool = ScriptedPool()
    monkeypatch.setattr(envpool, "make", lambda *args, **kwargs: pool)
    env = EnvpoolVecEnv("Scripted", num_envs=2)
    env.reset()
    step = pool.step

    def diverging_step(actions, env_id):
        obs, *rest = step(actions, env_id)
        obs[0, 0] = np.nan  # row 0 is env 1: the pool answers in reversed order
        return (obs, *rest)

    pool.step = diverging_step
    with pytest.raises(FloatingPointError, match=r"Scripted: non-finite .* envs \[1\].*resume"):
        env.step(torch.zeros(2, 1))
