"""Our config sections of ``train.params.config``, parsed once into frozen dataclasses.

rl_games keys keep rl_games' meanings; ours live in their own sections (``sapg``). Unknown keys
fail with a close-match suggestion, values that break a rule fail with the fix.
"""

import dataclasses
import difflib
from dataclasses import dataclass


def _parse(cls, section: str, values):
    values = dict(values or {})
    known = [f.name for f in dataclasses.fields(cls)]
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {section}.{close[0]}?" if close else f"known keys: {', '.join(known)}"
            raise ValueError(f"unknown config key {section}.{key}: {hint}")
    return cls(**values)


@dataclass(frozen=True)
class SapgConfig:
    """``train.params.config.sapg`` (ALGORITHM.md; defaults from the SAPG and CPO papers)."""

    num_blocks: int = 6          # M: paper's value (CPO Appendix A.7, SAPG Sec. 5)
    off_policy_ratio: int = 1    # k follower blocks whose data the leader also learns from
    embedding_dim: int = 32      # d of the block embedding table E (M x d)
    entropy_scale: float = 0.0   # per-block entropy c_b = scale * 0.5 * b / (M-1); 0: entropy_coef

    def __post_init__(self):
        if not isinstance(self.num_blocks, int) or self.num_blocks < 1:
            raise ValueError(f"sapg.num_blocks={self.num_blocks!r} must be a positive integer, "
                             "e.g. sapg.num_blocks=6")
        if not isinstance(self.off_policy_ratio, int) or not 0 <= self.off_policy_ratio < max(self.num_blocks, 2):
            raise ValueError(f"sapg.off_policy_ratio={self.off_policy_ratio!r} must be an integer "
                             f"from 0 to num_blocks - 1 = {self.num_blocks - 1}")
        if not isinstance(self.embedding_dim, int) or self.embedding_dim < 1:
            raise ValueError(f"sapg.embedding_dim={self.embedding_dim!r} must be a positive integer")
        if self.entropy_scale < 0:
            raise ValueError(f"sapg.entropy_scale={self.entropy_scale} must be >= 0")

    @classmethod
    def from_config(cls, config: dict) -> "SapgConfig":
        return _parse(cls, "sapg", config.get("sapg"))
