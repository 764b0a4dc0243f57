"""The forward-KL temperature ``lambda_f`` of each follower, fixed, scheduled or adapted to a KL
target (docs/algorithm.md, CPO: lambda_f beyond the paper).

Direction. The paper solves Eq. 9 (``KL(pi_F || pi_L) <= eps_KL``) with ``lambda_f`` as the
multiplier, and observes (Sec. 7.2, Table 2) that a *smaller* ``lambda_f`` is the *stronger*
constraint: in the practical update, a regression onto the leader's actions weighted by
``min(exp(A / lambda_f), weight_max)`` at a fixed ``beta``, a smaller temperature makes the weights,
and so the pull towards the leader, larger. So a follower further from the leader than its target
gets a smaller ``lambda_f``, one nearer gets a larger one.
"""

import torch


def kl_target_step(lambda_f: torch.Tensor, kl: torch.Tensor, target: float, step: float,
                   low: float, high: float) -> torch.Tensor:
    """One dual step per follower, in log space:
    ``log lambda_f -= step * clip((KL - eps) / eps, -1, 1)``, then clipped to ``[low, high]``.

    The relative error makes one ``step`` mean the same on every task whatever the scale of its
    KL; its clip bounds a step to a factor ``exp(step)`` each way (like PPO's adaptive KL penalty,
    which doubles or halves its coefficient), so one noisy measurement cannot swing the
    multiplier. A follower at its target keeps its multiplier.

    Args:
        lambda_f: ``(F,)`` each follower's temperature now.
        kl: ``(F,)`` each follower's measured ``KL(pi_F || pi_L)``.
        target: ``eps_KL`` > 0.
    """
    error = ((kl - target) / target).clamp(-1.0, 1.0)
    return torch.exp(torch.log(lambda_f) - step * error).clamp(low, high)


def scheduled(start: float, end: float, frames: float, frame: float) -> float:
    """The paper's heuristic (Sec. 7.2: start weak, ``lambda_f = 0.5``, and strengthen it) as a
    schedule: ``start`` at frame 0, linear to ``end`` at ``frames`` env steps, ``end`` after."""
    progress = min(max(frame / frames, 0.0), 1.0)
    return start + (end - start) * progress

