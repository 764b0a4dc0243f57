"""Aligning runs on environment steps and the paper's significance rule (Table 1)."""

import numpy as np
from scipy import stats


def value_at(steps: np.ndarray, values: np.ndarray, step: float) -> float:
    """The curve at ``step`` (linear interpolation between logged points); ``nan`` when the run
    never got that far, so an incomplete run is never silently averaged in."""
    if len(steps) == 0 or step > steps[-1] or step < steps[0]:
        return float("nan")
    return float(np.interp(step, steps, values))


def aligned(curves, grid: np.ndarray) -> np.ndarray:
    """``(runs, len(grid))``: every ``(steps, values)`` curve on a common env-step grid, ``nan``
    past each run's last step (runs with different env steps per iteration line up)."""
    return np.array([[value_at(s, v, g) for g in grid] for s, v in curves])


def welch_p(a, b) -> float:
    """Two-sided Welch's t-test p-value; 1 when either side has fewer than two values or no
    variance at all (no evidence of a difference)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return 1.0
    if np.var(a) == 0 and np.var(b) == 0:
        return 1.0 if a.mean() == b.mean() else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def bold_set(finals: dict, alpha: float = 0.05) -> set:
    """The best algorithm by mean, together with every algorithm not significantly different
    from it (Welch's t-test, p > alpha), as in the paper's Table 1."""
    finals = {k: v for k, v in finals.items() if len(v)}
    if not finals:
        return set()
    best = max(finals, key=lambda k: np.mean(finals[k]))
    return {best} | {k for k, v in finals.items() if k != best and welch_p(v, finals[best]) > alpha}
