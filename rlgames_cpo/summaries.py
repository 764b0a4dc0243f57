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
