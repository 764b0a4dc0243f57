"""The rows and minibatches of one training iteration, worked out from the config and checked
before any env is built (rl_games checks them only once its envs exist, without naming the key).

Rows per iteration (docs/algorithm.md, SAPG loss 6), with ``N`` envs, horizon ``H``, ``M`` blocks of
``B = N / M`` envs and ``k = off_policy_ratio``:

- on-policy rows, every algorithm: ``N * H`` (rl_games' ``batch_size``);
- sapg and cpo add the leader's off-policy rows: ``k * B * H``;
- cpo with ``beta > 0`` adds the AWAC rows: ``(M - 1) * B * H``.

A mini-epoch has ``rows // minibatch_size`` minibatches of ``minibatch_size`` rows, the last one
with the remainder (rlgames_cpo.core.minibatches: the public codes' rule, every row trains).
"""

from dataclasses import dataclass

from rlgames_cpo.core.minibatches import minibatch_count
from rlgames_cpo.errors import ConfigError


@dataclass(frozen=True)
class IterationRows:
    """Rows of one iteration, by row set."""

    on_policy: int
    leader: int = 0
    awac: int = 0

    @property
    def total(self) -> int:
        return self.on_policy + self.leader + self.awac


def iteration_rows(config: dict, sapg=None, cpo=None) -> IterationRows:
    """The rows an iteration trains on, per process: ``config`` is rl_games' ``params.config``,
    ``sapg`` the parsed section of a sapg/cpo run (``None``: PPO), ``cpo`` of a cpo run."""
    horizon, num_envs = config["horizon_length"], config["num_actors"]
    on_policy = num_envs * horizon
    if sapg is None:
        return IterationRows(on_policy)
    block_rows = num_envs // sapg.num_blocks * horizon
    awac = (sapg.num_blocks - 1) * block_rows if cpo is not None and cpo.beta > 0 else 0
    return IterationRows(on_policy, sapg.off_policy_ratio * block_rows, awac)


def minibatch_size(config: dict) -> int:
    """rl_games' rule: ``minibatch_size``, else ``num_actors * minibatch_size_per_env``."""
    if "minibatch_size" in config:
        return config["minibatch_size"]
    return config["num_actors"] * config.get("minibatch_size_per_env", 0)


def valid_minibatch_sizes(batch: int, unit: int, near: int, count: int = 3) -> list:
    """Up to ``count`` divisors of ``batch`` that are multiples of ``unit``, nearest to ``near``
    (by ratio), largest first."""
    sizes = [d for d in range(unit, batch + 1, unit) if batch % d == 0]
    nearest = sorted(sizes, key=lambda d: max(d / near, near / d) if near > 0 else -d)[:count]
    return sorted(nearest, reverse=True)


def check_minibatches(params: dict, rows: IterationRows) -> None:
    """Stops with the key to change and values that work when rl_games could not split the
    iteration's rows into minibatches (or an LSTM's horizon into sequences), for the
    actor-critic and for the asymmetric critic (``central_value_config``)."""
    config = params["config"]
    horizon = config["horizon_length"]
    central = config.get("central_value_config")
    recurrent = bool(params.get("network", {}).get("rnn")), bool(central and central["network"].get("rnn"))
    seq_length = config.get("seq_length", 4)
    if any(recurrent) and horizon % seq_length:
        divisors = [d for d in range(1, seq_length + 1) if horizon % d == 0]
        raise ConfigError(lambda s: f"seq_length={seq_length} does not divide horizon_length="
                          f"{horizon}: the LSTM trains on whole sequences of each env's rollout; "
                          f"use e.g. {s.setting('config.seq_length', divisors[-1])}")
    _check_size(params, "config.minibatch_size", minibatch_size(config),
                seq_length if recurrent[0] else 1, rows, "")
    if central:
        critic_rows = IterationRows(rows.on_policy, rows.leader)  # no AWAC rows: no critic loss
        _check_size(params, "config.central_value_config.minibatch_size",
                    minibatch_size({**central, "num_actors": config["num_actors"]}),
                    seq_length if recurrent[1] else 1, critic_rows, "asymmetric critic")


def _check_size(params: dict, key: str, size, seq_length: int, rows: IterationRows,
                who: str) -> None:
    config = params["config"]
    horizon, num_envs = config["horizon_length"], config["num_actors"]
    batch = num_envs * horizon
    if isinstance(size, int) and size > 0 and batch % size == 0 and size % seq_length == 0:
        return
    rule = (f"it must divide the {batch} on-policy rows (num_envs={num_envs} x "
            f"horizon_length={horizon})")
    if seq_length > 1:
        rule += f" and be a multiple of seq_length={seq_length}"
    options = valid_minibatch_sizes(batch, seq_length, size if isinstance(size, int) else 0)
    counts = [f"{n} ({batch // n} minibatch{'es' if batch // n > 1 else ''})" for n in options]
    fits = f"{', '.join(counts[:-1])}{' or ' if len(counts) > 1 else ''}{counts[-1]}"
    rows_said = ""
    if params["algo"]["name"] in ("sapg", "cpo"):
        algo = params["algo"]["name"]
        subject = f"{algo}'s {who}" if who else algo
        rows_said = (f". {subject} trains on {rows.total} rows per iteration: "
                     f"the {batch} on-policy rows, {rows.leader} leader off-policy rows "
                     "(off_policy_ratio x block size x horizon)"
                     + (f" and {rows.awac} AWAC rows ((num_blocks - 1) x block size x horizon)"
                        if rows.awac else "")
                     + f", in minibatches of minibatch_size rows ({rows.total} // minibatch_size "
                     "per mini-epoch, the last one with the remainder)")
    raise ConfigError(lambda s: f"{s.key(key)}={size!r} does not fit this run: {rule}. Use e.g. "
                      f"{s.key(key)}={fits}{rows_said}")
