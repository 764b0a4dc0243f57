"""Every TensorBoard name this package writes, as constants (dashboards and tests read them).

Values are means over the epoch's rollout (per-block policy statistics) or over the last
``games_to_track`` finished episodes (returns); the x axis is frames, as in rl_games.
"""


def reward_block(block: int) -> str:
    """Mean undiscounted episode return of block ``block``'s envs."""
    return f"blocks/reward_block_{block}"


def entropy_block(block: int) -> str:
    """Mean policy entropy of block ``block`` over its rollout samples."""
    return f"blocks/entropy_block_{block}"


def sigma_block(block: int) -> str:
    """Mean action std of block ``block`` over its rollout samples and action dims."""
    return f"blocks/sigma_block_{block}"


# Rows the leader learned from off-policy this epoch (follower samples relabelled to block 0).
LEADER_OFF_POLICY_ROWS = "sapg/leader_off_policy_rows"


def block_names(num_blocks: int) -> list:
    """All per-block names for ``num_blocks`` blocks."""
    return [name(b) for b in range(num_blocks) for name in (reward_block, entropy_block, sigma_block)]


# Diagnostics (docs/algorithm.md, Diagnostics), computed on the rollout before the update.
IS_RATIO_DEVIATION = "diagnostics/is_ratio_deviation"
ESS_RATE = "diagnostics/ess_rate"
KL_LEADER_FOLLOWER_MEAN = "diagnostics/kl_leader_follower_mean"
KL_LEADER_FOLLOWER_MAX = "diagnostics/kl_leader_follower_max"
NEAREST_IS_LEADER_FRAC = "diagnostics/nearest_is_leader_frac"
KL_MATRIX = "diagnostics/kl_matrix"  # an image; the raw matrices go to diagnostics/kl_matrix.jsonl

# CPO with a discriminator.
DISCRIMINATOR_LOSS = "discriminator/loss"
DISCRIMINATOR_ACCURACY = "discriminator/accuracy"
ADVERSARIAL_REWARD_MEAN = "rewards/adversarial_mean"
# CPO with beta > 0: the forward-KL (AWAC) term, beta_eff times this is added to the loss.
AWAC_LOSS = "losses/awac_loss"
# CPO with a lambda_f schedule or KL target (not with a fixed lambda_f, a number of the config).
KL_TARGET = "coupling/kl_target"   # cpo.kl_target, beside the measured KLs


def lambda_f_block(block: int) -> str:
    """Follower ``block``'s forward-KL temperature in this iteration's update."""
    return f"coupling/lambda_f_block_{block}"


def kl_to_leader_block(block: int) -> str:
    """``KL(pi_block || pi_L)`` the KL target's dual step used: on the rollout before the update,
    averaged over ranks (the ``diagnostics/kl_matrix`` column of the leader)."""
    return f"coupling/kl_to_leader_block_{block}"


def term_time(term: str) -> str:
    """Wall seconds of the iteration spent in term ``term``'s hooks (its rewards, rows,
    advantages and loss; e.g. ``time/term_AdversarialReward``), beside rl_games' rollout
    (``performance/step_inference_time``) and update (``performance/rl_update_time``) seconds."""
    return f"time/term_{term}"


# rl_games' own per-iteration seconds: the rollout (env steps and policy inference) and the
# learner (targets, diagnostics, every mini-epoch).
ROLLOUT_TIME = "performance/step_inference_time"
LEARNER_TIME = "performance/rl_update_time"


def dashboard_layout() -> dict:
    """The TensorBoard custom-scalars layout every run writes (its "CUSTOM SCALARS" tab): what to
    look at first, leader beside followers. Charts list tag regexes, so any num_blocks fits."""
    return {
        "1 returns": {
            "leader (block 0) and followers": ["Multiline", [r"blocks/reward_block_\d+"]],
            "mean return, all envs": ["Multiline", [r"rewards/step"]]},
        "2 learning from followers": {
            "IS ratio deviation (all, per block)": ["Multiline", [IS_RATIO_DEVIATION + r".*"]],
            "effective sample size rate (all, per block)": ["Multiline", [ESS_RATE + r".*"]]},
        "3 coupling": {
            "leader-follower KL (mean, max)": ["Multiline", [r"diagnostics/kl_leader_follower_.*"]],
            "followers whose nearest policy is the leader": ["Multiline", [NEAREST_IS_LEADER_FRAC]],
            "each follower's KL to the leader, and the target": ["Multiline", [
                r"coupling/kl_to_leader_block_\d+", KL_TARGET]],
            "each follower's lambda_f": ["Multiline", [r"coupling/lambda_f_block_\d+"]],
            "discriminator": ["Multiline", [DISCRIMINATOR_LOSS, DISCRIMINATOR_ACCURACY]]},
        "4 losses": {
            "each term": ["Multiline", [r"losses/.*"]]},
        "5 time per iteration (s)": {
            "rollout, learner and each CPO term": ["Multiline", [ROLLOUT_TIME, LEARNER_TIME,
                                                                 r"time/term_.*"]]},
    }


def is_ratio_deviation_block(block: int) -> str:
    return f"diagnostics/is_ratio_deviation_block_{block}"


def ess_rate_block(block: int) -> str:
    return f"diagnostics/ess_rate_block_{block}"


def diagnostics_names(num_blocks: int) -> list:
    """Every diagnostics scalar name, plus the image, for ``num_blocks`` blocks."""
    return ([IS_RATIO_DEVIATION, ESS_RATE, KL_LEADER_FOLLOWER_MEAN, KL_LEADER_FOLLOWER_MAX,
             NEAREST_IS_LEADER_FRAC]
            + [is_ratio_deviation_block(b) for b in range(1, num_blocks)]
            + [ess_rate_block(b) for b in range(num_blocks)])


def kl_heatmap(kl, nearest, cell: int = 24):
    """The KL matrix as a ``(3, H, W)`` uint8 image in the style of the CPO paper's Fig. 4: row i,
    column j is ``KL(pi_i || pi_j)`` on a log colour scale, the nearest policy of each follower
    outlined in white. Plain numpy with a matplotlib colormap, cheap enough for every epoch."""
    import numpy as np
    from matplotlib import colormaps

    values = np.log10(np.asarray(kl, dtype=np.float64) + 1e-6)
    low, high = values.min(), values.max()
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    rgb = (colormaps["viridis"](scaled)[..., :3] * 255).astype(np.uint8)
    image = np.kron(rgb, np.ones((cell, cell, 1), dtype=np.uint8))
    for i, j in enumerate(nearest):
        if i == 0:
            continue
        r, c = i * cell, int(j) * cell
        image[r:r + cell, [c, c + 1, c + cell - 2, c + cell - 1]] = 255
        image[[r, r + 1, r + cell - 2, r + cell - 1], c:c + cell] = 255
    return image.transpose(2, 0, 1)
