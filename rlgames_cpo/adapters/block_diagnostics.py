"""Per-block statistics and the paper's diagnostics of a SAPG/CPO rollout (docs/algorithm.md,
Diagnostics; names in ``rlgames_cpo.summaries``), computed before the update and logged with
rl_games' own scalars."""

import json
import os

import torch

from rlgames_cpo import summaries
from rlgames_cpo.core import diagnostics, gaussian
from rlgames_cpo.core.blocks import LEADER
from rlgames_cpo.core.conditioning import split_block_column


def block_policy_stats(agent, rollout) -> dict:
    """Mean sigma and entropy of every block's rollout samples, and the leader's off-policy rows."""
    _, blocks = split_block_column(rollout.obs)
    stats = {}
    for b in range(agent.sapg.num_blocks):
        block_sigmas = rollout.sigma[blocks == b]
        stats[summaries.sigma_block(b)] = block_sigmas.mean().item()
        stats[summaries.entropy_block(b)] = gaussian.entropy(block_sigmas).mean().item()
    stats[summaries.LEADER_OFF_POLICY_ROWS] = agent.record.off_policy_envs.numel() * agent.horizon_length
    return stats


def kl_sample(agent, rollout):
    """A random subset of the rollout (whole sequences for an LSTM) for the KL matrix."""
    total = len(rollout)
    unit = agent.seq_length if agent.is_rnn else 1
    count = min(max(agent.diagnostics_config.kl_states // unit, 1), total // unit)
    units = torch.randperm(total // unit, generator=agent.diagnostics_generator)[:count]
    units = units.to(agent.ppo_device)
    index = (units[:, None] * unit + torch.arange(unit, device=agent.ppo_device)).reshape(-1)
    return type(rollout)(obs=rollout.obs[index], actions=rollout.actions[index],
                         dones=rollout.dones[index], neglogp=None, mu=None, sigma=None, kind=None,
                         rnn_states=[s[:, units] for s in rollout.rnn_states] if agent.is_rnn else None)


def rollout_diagnostics(agent, rollout) -> tuple:
    """IS-ratio deviation and ESS of the leader on every block's samples, and the inter-policy
    KL matrix ``(M, M)``, on the rollout before the update: ``(stats, kl)``."""
    num_blocks = agent.sapg.num_blocks
    _, blocks = split_block_column(rollout.obs)
    log_ratio = rollout.neglogp - agent.policy_under(rollout, LEADER)["prev_neglogp"]
    stats = {summaries.ESS_RATE: diagnostics.ess_rate(log_ratio).item()}
    deviations = []
    for b in range(num_blocks):
        stats[summaries.ess_rate_block(b)] = diagnostics.ess_rate(log_ratio[blocks == b]).item()
        if b != LEADER:
            deviations.append(diagnostics.is_ratio_deviation(log_ratio[blocks == b]).item())
            stats[summaries.is_ratio_deviation_block(b)] = deviations[-1]
    if deviations:
        stats[summaries.IS_RATIO_DEVIATION] = sum(deviations) / len(deviations)
    kl = kl_of_rollout(agent, rollout)
    if num_blocks > 1:
        stats.update({f"diagnostics/{k}": v
                      for k, v in diagnostics.leader_follower_summary(kl).items()})
    return stats, kl


def kl_of_rollout(agent, rollout) -> torch.Tensor:
    """The inter-policy KL matrix ``(M, M)`` (on the CPU) on a random subset of the rollout."""
    sample = kl_sample(agent, rollout)
    policies = [agent.policy_under(sample, b) for b in range(agent.sapg.num_blocks)]
    return diagnostics.kl_matrix(torch.stack([p["mus"] for p in policies]),
                                 torch.stack([p["sigmas"] for p in policies])).cpu()


def write(agent, epoch_num: int, frame: int) -> None:
    """The iteration's statistics, every block's mean episode reward and, when the diagnostics
    ran, the KL matrix (an image, and a line of ``diagnostics/kl_matrix.jsonl``)."""
    for name, value in agent.epoch_stats.items():
        agent.writer.add_scalar(name, value, frame)
    for b, meter in enumerate(agent.game_rewards.blocks):
        if meter.current_size > 0:
            agent.writer.add_scalar(summaries.reward_block(b), meter.get_mean()[0], frame)
    if agent.kl is None:
        return
    nearest = diagnostics.nearest_policy(agent.kl) if agent.sapg.num_blocks > 1 else [0]
    agent.writer.add_image(summaries.KL_MATRIX, summaries.kl_heatmap(agent.kl, nearest), frame)
    path = os.path.join(agent.experiment_dir, "diagnostics", "kl_matrix.jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps({"epoch": epoch_num, "frame": frame, "kl": agent.kl.tolist()}) + "\n")
