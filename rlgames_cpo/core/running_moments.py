"""Merging running mean/variance statistics that several processes updated from a common start.

rl_games' ``RunningMeanStd`` keeps ``(mean, var, count)`` and folds in a batch with Chan et al.'s
parallel rule. That rule preserves two sums exactly, whatever the batches:

    count * mean                = sum of the samples              (first raw moment)
    count * (var + mean ** 2)   = sum of the squared samples      (second raw moment)

(with the prior ``count = 1, mean = 0, var = 1`` counted as one pseudo-sample). So if P ranks
start from the same ``(mean0, var0, count0)`` and each folds in its own batches, the statistics of
*all* ranks' batches are the ranks' sums minus the ``P - 1`` extra copies of the start.
"""

import torch


def pool_running_moments(start: tuple, ranks: tuple) -> tuple:
    """``(mean, var, count)`` of the start plus every rank's batches.

    Args:
        start: ``(mean0, var0, count0)`` every rank had before its updates.
        ranks: ``(means, vars, counts)`` after the updates, each stacked over ranks (dim 0).
    """
    mean0, var0, count0 = start
    means, variances, counts = ranks
    extra_copies = len(counts) - 1
    weights = counts.reshape(counts.shape + (1,) * (means.dim() - counts.dim()))
    count = counts.sum(0) - extra_copies * count0
    first = (weights * means).sum(0) - extra_copies * count0 * mean0
    second = (weights * (variances + means ** 2)).sum(0) - extra_copies * count0 * (var0 + mean0 ** 2)
    mean = first / count
    # Cancellation can leave a tiny negative variance where the true one is ~0.
    return mean, torch.clamp(second / count - mean ** 2, min=0.0), count
