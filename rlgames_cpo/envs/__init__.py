"""Vectorised environments for rl_games, one adapter per simulator backend.

The vec-env contract every adapter follows (it is what rl_games' A2C agents and players read,
made explicit and tested in ``tests/envs``):

- ``reset() -> obs`` and ``step(actions) -> (obs, rewards, dones, infos)``, all torch tensors on
  the adapter's ``device`` (the run's ``rl_device``).
- ``obs`` is a dict: ``obs['obs']`` float32 ``(num_envs, obs_dim)``; with an asymmetric critic
  also ``obs['states']`` float32 ``(num_envs, state_dim)``.
- ``actions`` arrive as a tensor ``(num_envs, action_dim)`` in the action space's units (rl_games
  clips to [-1, 1] and rescales before calling ``step``).
- ``rewards`` float32 ``(num_envs,)``; ``dones`` uint8 ``(num_envs,)``, 1 where an episode ended
  on this step, by termination or by time-out.
- When ``dones[e] == 1`` the returned ``obs[e]`` is already the first observation of env ``e``'s
  next episode (same-step reset, as Isaac Gym does).
- ``infos['time_outs']`` bool ``(num_envs,)``: the episode ended by truncation, not termination,
  so rl_games bootstraps its value (``value_bootstrap``).
- ``infos['episode_return']`` and ``infos['episode_length']`` float32 ``(num_envs,)``: the
  undiscounted return and length of the episode that just ended, valid where ``dones == 1``
  (0 elsewhere).
- ``get_env_state()`` / ``set_env_state(state)``: rl_games' hooks, whose state checkpoints
  carry. ``exact_env_state`` is true when that state is the env's whole state (a resumed run then
  continues the same episodes); otherwise a resumed run starts new episodes. envpool cannot
  restore its simulators; IsaacGymEnvs tasks keep curriculum state there.
- ``get_env_info()`` gives rl_games ``observation_space``, ``action_space``, ``state_space``
  (``None`` without an asymmetric critic), ``agents`` and ``value_size``.
"""

from rlgames_cpo.envs.tracking import EpisodeTracker

__all__ = ["EpisodeTracker"]
