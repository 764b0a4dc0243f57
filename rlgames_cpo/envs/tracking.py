"""Per-env episode bookkeeping shared by every backend adapter."""

import torch


class EpisodeTracker:
    """Accumulates undiscounted returns and lengths per env and reports finished episodes.

    Args:
        num_envs: number of parallel envs.
        device: where the reported tensors live.
    """

    def __init__(self, num_envs: int, device: torch.device):
        self.returns = torch.zeros(num_envs, dtype=torch.float32, device=device)
        self.lengths = torch.zeros(num_envs, dtype=torch.float32, device=device)

    def reset(self) -> None:
        self.returns.zero_()
        self.lengths.zero_()

    def step(self, rewards: torch.Tensor, dones: torch.Tensor) -> dict:
        """Adds one step and returns ``episode_return``/``episode_length`` ``(num_envs,)``.

        Args:
            rewards: float ``(num_envs,)`` env rewards of this step.
            dones: ``(num_envs,)`` nonzero where the episode ended on this step.

        Returns:
            The finished episodes' return and length where ``dones``, 0 elsewhere.
        """
        finished = dones.bool()
        self.returns += rewards
        self.lengths += 1
        episode = {
            "episode_return": torch.where(finished, self.returns, torch.zeros_like(self.returns)),
            "episode_length": torch.where(finished, self.lengths, torch.zeros_like(self.lengths)),
        }
        self.returns.masked_fill_(finished, 0.0)
        self.lengths.masked_fill_(finished, 0.0)
        return episode
