"""Rows and minibatches of an iteration, checked before any env is built (rlgames_cpo.batching)."""

import pytest

from rlgames_cpo.batching import (IterationRows, check_minibatches, iteration_rows,
                                  valid_minibatch_sizes)
from rlgames_cpo.config import CpoConfig, SapgConfig


def params(algo="cpo", num_envs=60, horizon=16, minibatch=480, rnn=False, **config):
    return {"algo": {"name": algo}, "network": {"rnn": {"units": 8}} if rnn else {},
            "config": {"num_actors": num_envs, "horizon_length": horizon,
                       "minibatch_size": minibatch, **config}}


def checked_rows(params):
    """The iteration's rows (as ``Settings`` works them out), its minibatches checked."""
    config, algo = params["config"], params["algo"]["name"]
    rows = iteration_rows(config, SapgConfig.from_config(config) if algo != "a2c_continuous" else None,
                          CpoConfig.from_config(config) if algo == "cpo" else None)
    check_minibatches(params, rows)
    return rows


def test_rows_per_iteration_by_algorithm():
    # N = 60, H = 16, M = 6 blocks of B = 10, k = 1
    assert checked_rows(params("a2c_continuous")) == IterationRows(960)            # N H
    assert checked_rows(params("sapg")) == IterationRows(960, 160)                 # + k B H
    assert checked_rows(params("cpo")) == IterationRows(960, 160, 800)             # + (M-1) B H
    assert checked_rows(params("cpo")).total == 1920
    assert checked_rows(params("cpo", cpo={"beta": 0.0})) == IterationRows(960, 160)
    # k = 2 of M = 4 blocks of 15: 2 * 15 * 16 leader rows, 3 * 15 * 16 AWAC rows
    assert checked_rows(params("cpo", sapg={"num_blocks": 4, "off_policy_ratio": 2})) == \
        IterationRows(960, 480, 720)


def test_valid_minibatch_sizes_are_divisors_nearest_the_request():
    # divisors of 480 below 32768: the three largest
    assert valid_minibatch_sizes(480, 1, 32768) == [480, 240, 160]
    # nearest 100 by ratio: 96 (x1.04), 120 (x1.2), 80 (x1.25); then 160 (x1.6)
    assert valid_minibatch_sizes(480, 1, 100) == [120, 96, 80]
    # multiples of 16 dividing 960: ..., 192, 240, 320, 480, 960; nearest 500: 480 (x1.04),
    # 320 (x1.56), 960 (x1.92); then 240 (x2.08)
    assert valid_minibatch_sizes(960, 16, 500) == [960, 480, 320]


def test_a_fitting_minibatch_passes():
    checked_rows(params())
    per_env = params()
    del per_env["config"]["minibatch_size"]
    per_env["config"]["minibatch_size_per_env"] = 4  # 60 x 4 = 240 rows, 4 minibatches
    checked_rows(per_env)
    per_env["config"]["minibatch_size_per_env"] = 7  # 420 does not divide 960
    with pytest.raises(ValueError, match="minibatch_size=420 does not fit"):
        checked_rows(per_env)


@pytest.mark.parametrize("minibatch, message", [
    (500, r"minibatch_size=500 does not fit this run: it must divide the 960 on-policy rows "
          r"\(num_envs=60 x horizon_length=16\)\. Use e\.g\. train\.params\.config\.minibatch_size="
          r"960 \(1 minibatch\), 480 \(2 minibatches\) or 320 \(3 minibatches\)\. cpo trains on 1920 "
          r"rows per iteration: the 960 on-policy rows, 160 leader off-policy rows"),
    (0, r"minibatch_size=0 does not fit"),
])
def test_a_minibatch_that_does_not_fit_names_the_key_and_values_that_do(minibatch, message):
    with pytest.raises(ValueError, match=message):
        checked_rows(params(minibatch=minibatch))


def test_an_lstm_minibatch_must_hold_whole_sequences():
    # multiples of 16 dividing 960 nearest 120: 96 (x1.25), 160 (x1.33), 80 (x1.5)
    with pytest.raises(ValueError, match=r"and be a multiple of seq_length=16. Use e.g. "
                                         r"train.params.config.minibatch_size=160 \(6 minibatches\), "
                                         r"96 \(10 minibatches\) or 80 \(12 minibatches\)"):
        checked_rows(params("a2c_continuous", minibatch=120, rnn=True, seq_length=16))
