"""The memory estimate (rlgames_cpo.core.memory) on hand-computed values, and train.py's check
(rlgames_cpo.memory) on given available memory."""

import pytest

from rlgames_cpo.core.memory import (MB, MemoryEstimate, hidden_units,
                                     learner_bytes_per_env)


def test_learner_bytes_per_env_by_hand():
    # 2 obs, 0 states, 1 action: 2 + 0 + 3 + 8 = 13 input floats x 6.5 = 84.5, plus 512 hidden
    # units x 1.0 = 596.5 floats per row; x 4 bytes x 64 rows = 152,704 bytes per env
    assert learner_bytes_per_env(64, 2, 0, 1, 512) == pytest.approx(152_704)
    # states count as inputs: 10 more floats per row x 6.5 x 4 B x 64 rows
    assert learner_bytes_per_env(64, 2, 10, 1, 512) - learner_bytes_per_env(64, 2, 0, 1, 512) \
        == pytest.approx(10 * 6.5 * 4 * 64)


def test_hidden_units_count_every_network_a_forward_holds():
    assert hidden_units([256, 128]) == 384
    assert hidden_units([256, 128], separate=True) == 768
    assert hidden_units([256], central_units=[512, 256], rnn_units=64) == 256 + 768 + 64


def test_estimate_totals_and_the_largest_fitting_num_envs():
    estimate = MemoryEstimate(num_envs=600, sim_bytes_per_env=62 * MB, learner_bytes_per_env=2 * MB)
    assert estimate.total == 600 * 64 * MB
    # 1000 MB hold 15 envs of 64 MB; in whole blocks of 4: 12
    assert estimate.largest_num_envs(1000 * MB) == 15
    assert estimate.largest_num_envs(1000 * MB, multiple_of=4) == 12
    # two ranks on one host each build 600 envs
    two = MemoryEstimate(600, 62 * MB, 2 * MB, processes=2)
    assert two.total == 2 * estimate.total and two.largest_num_envs(1000 * MB) == 7


def test_check_refuses_only_what_does_not_fit():
    from rlgames_cpo import memory
    from rlgames_cpo.hydra_setup import compose_config
    from rlgames_cpo.launch import check_run, prepare

    cfg = prepare(compose_config("task=EnvpoolAnt", "train=EnvpoolAntCPO", "num_envs=1200",
                                 "rl_device=cpu"))
    params = check_run(cfg)
    needed = memory.estimate(cfg, params)
    # Ant: 0.72 MB simulator per env, and a learner on the CPU
    assert needed.sim_bytes_per_env == pytest.approx(0.72 * MB)
    assert 0.1 * MB < needed.learner_bytes_per_env < 1 * MB
    memory.check(cfg, params, available=needed.total)           # fits exactly: accepted
    with pytest.raises(ValueError) as refused:
        memory.check(cfg, params, available=needed.bytes_for(502))
    # what holds 502 envs, in whole blocks of 4 (EnvpoolAntSAPG's num_blocks): 500
    assert needed.largest_num_envs(needed.bytes_for(502), multiple_of=4) == 500
    assert (f"num_envs=1200 of task=EnvpoolAnt needs about {needed.total / 2**30:.1f} GiB of "
            f"memory (about 0.72 MB per env for the simulator (task.env.memoryPerEnvMB) and "
            f"{needed.learner_bytes_per_env / MB:.2f} MB per env for the learner on cpu), and "
            f"{needed.bytes_for(502) / 2**30:.1f} GiB is available: use num_envs=500 or fewer. "
            "Nothing was built or written.") == str(refused.value)


def test_a_learner_on_a_gpu_and_a_simulator_we_cannot_size_are_not_counted():
    from rlgames_cpo import memory
    from rlgames_cpo.hydra_setup import compose_config
    from rlgames_cpo.launch import rl_games_params

    cfg = compose_config("task=EnvpoolAnt", "train=EnvpoolAntCPO", "num_envs=1200",
                         "rl_device=cuda:0", "seed=1")
    assert memory.estimate(cfg, rl_games_params(cfg)).learner_bytes_per_env == 0
    cfg.task.backend = "isaacgym"  # its simulator lives on the GPU: not estimated
    assert memory.estimate(cfg, rl_games_params(cfg)) is None
