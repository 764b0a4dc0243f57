"""One-step TD targets for rows relabelled to another block's policy (docs/algorithm.md, SAPG loss 2).

rl_games stores ``dones[t] = 1`` when the observation at step ``t`` starts a new episode (the
previous step ended one), so the transition ``t -> t+1`` ends its episode iff ``dones[t+1]``.
"""

import torch


def shift_to_next(per_step: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
    """``next[t] = per_step[t + 1]`` and ``next[H-1] = last``.

    Args:
        per_step: time-major ``(H, n, ...)``.
        last: ``(n, ...)``, the quantity after the rollout's final step.
    """
    return torch.cat([per_step[1:], last.unsqueeze(0)], dim=0)


def td0_targets(rewards: torch.Tensor, next_values: torch.Tensor, next_dones: torch.Tensor,
                gamma: float) -> torch.Tensor:
    """``y = r + gamma * V(s') * (1 - d')``, elementwise on matching shapes (any layout)."""
    return rewards + gamma * next_values * (1.0 - next_dones.float())


def rebootstrap_time_outs(rewards: torch.Tensor, time_outs: torch.Tensor,
                          behaviour_values: torch.Tensor, target_values: torch.Tensor,
                          gamma: float) -> torch.Tensor:
    """Swaps rl_games' time-out bootstrap from one value function to another.

    rl_games adds ``gamma * V_behaviour(s_t)`` to the reward of a step that ended by time-out
    (``value_bootstrap``); relabelled rows must bootstrap with their own value instead:
    ``r - gamma * V_b(s_t) * to + gamma * V_target(s_t) * to``.
    """
    to = time_outs.float()
    return rewards + gamma * (target_values - behaviour_values) * to


def normalize(advantages: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Zero mean, unit std over all rows together (docs/algorithm.md, SAPG loss 3)."""
    return (advantages - advantages.mean()) / (advantages.std() + eps)
