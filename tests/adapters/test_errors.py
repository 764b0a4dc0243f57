"""Bad input stops with a message that names the problem and the fix, and never costs a good
checkpoint (issue 6's list; num_envs % num_blocks and unknown sapg keys are in
test_sapg_agent.py, a missing simulator in tests/contracts and tests/test_configs.py)."""

import dataclasses
import os
import pytest
import torch
from agent_helpers import SMALL

from rlgames_cpo.adapters import checkpoints
from rlgames_cpo.adapters.stopping import NonFiniteError
from rlgames_cpo.config import CpoConfig
from rlgames_cpo.hydra_setup import compose_config
from rlgames_cpo.launch import build_agent, launch


def test_unknown_algorithm_lists_the_available_ones(tmp_path):
    cfg = compose_config("experiment=t", f"train_dir={tmp_path}", "rl_device=cpu",
                         "train.params.algo.name=cpo2")
    with pytest.raises(ValueError, match=r"algo.name=cpo2 is unknown: use one of "
                                         r"a2c_continuous, a2c_discrete, cpo, sac, sapg"):
        launch(cfg)


def test_cpo_needs_a_leader_and_a_follower(make_agent):
    with pytest.raises(ValueError, match=r"needs sapg.num_blocks >= 2 \(got 1\): set "
                                         r"train.params.config.sapg.num_blocks=6"):
        make_agent(*SMALL, "train.params.config.sapg.num_blocks=1", algo="cpo")


@pytest.mark.parametrize("key, value, message", [
    ("lambda_f", 0.0, r"cpo.lambda_f=0.0 must be > 0"),
    ("lambda_f", -0.1, r"cpo.lambda_f=-0.1 must be > 0"),
    ("beta", -0.001, r"cpo.beta=-0.001 must be >= 0 \(0 switches it off\)"),
    ("lambda_r", -1.0, r"cpo.lambda_r=-1.0 must be >= 0"),
    ("lambda_adv", -0.5, r"cpo.lambda_adv=-0.5 must be >= 0"),
])
def test_cpo_coefficients_out_of_range(key, value, message):
    with pytest.raises(ValueError, match=message):
        CpoConfig(**{key: value})


def test_out_of_range_coefficient_from_the_command_line(make_agent):
    with pytest.raises(ValueError, match=r"cpo.lambda_f=0.0 must be > 0"):
        make_agent(*SMALL, "+train.params.config.cpo.lambda_f=0.0", algo="cpo")


@pytest.mark.parametrize("algo", ["a2c_continuous", "cpo"])
def test_lstm_sequences_must_tile_the_horizon(make_agent, algo):
    with pytest.raises(ValueError, match=r"seq_length=24 does not divide horizon_length=64: .* "
                                         r"use e.g. train.params.config.seq_length=16"):
        make_agent("task=EnvpoolAnt", "train=EnvpoolAntLSTMCPO", "num_envs=8",
                   "train.params.config.seq_length=24", algo=algo)


def test_checkpoint_of_another_algorithm(make_agent, tmp_path):
    sapg = make_agent(*SMALL)
    sapg.save(str(tmp_path / "sapg"))
    cpo = make_agent(*SMALL, algo="cpo")
    with pytest.raises(ValueError, match=r"was written by algo.name=sapg, but this run is "
                                         r"algo.name=cpo: resume it with train.params.algo.name=sapg"):
        cpo.restore(str(tmp_path / "sapg.pth"))


def test_checkpoint_of_another_network_shape(make_agent, tmp_path):
    three = make_agent(*SMALL)  # 3 blocks
    three.save(str(tmp_path / "three"))
    four = make_agent(*SMALL[:-1], "+train.params.config.sapg.num_blocks=4")
    with pytest.raises(ValueError, match=r"holds another network than this config builds "
                                         r"\(.*is \[3, .*\] there, \[4, .*\] here.*sapg.num_blocks"):
        four.restore(str(tmp_path / "three.pth"))


def test_non_finite_observations_stop_with_the_iteration_and_last_checkpoint(make_agent, tmp_path):
    agent = make_agent(*SMALL, algo="cpo")
    agent.update_epoch()
    agent.train_epoch()
    agent.save(str(tmp_path / "good"))
    step = agent.vec_env.env.step

    def diverging(actions):
        obs, rewards, dones, infos = step(actions)
        obs["obs"][1, 0] = float("nan")
        return obs, rewards, dones, infos

    agent.vec_env.env.step = diverging
    agent.update_epoch()
    with pytest.raises(NonFiniteError, match=r"iteration 2: .*non-finite .*envs \[1\].*the last good "
                                             rf"checkpoint is {tmp_path / 'good.pth'}"):
        agent.train_epoch()


def test_non_finite_losses_stop_and_never_overwrite_a_good_checkpoint(make_agent, tmp_path):
    agent = make_agent(*SMALL)
    agent.update_epoch()
    agent.train_epoch()
    agent.save(str(tmp_path / "best"))
    good = (tmp_path / "best.pth").read_bytes()

    loss = agent.loss

    def poisoned(minibatch, outputs):  # as an overflowing advantage would
        return loss(dataclasses.replace(minibatch, advantages=minibatch.advantages * float("nan")),
                    outputs)

    agent.loss = poisoned
    agent.update_epoch()
    with pytest.raises(NonFiniteError, match=r"iteration 2: non-finite actor loss, critic loss.*"
                                             r"stopped without saving"):
        agent.train_epoch()
    with pytest.raises(NonFiniteError, match="in the model"):
        agent.save(str(tmp_path / "best"))
    assert (tmp_path / "best.pth").read_bytes() == good


def test_multi_gpu_outside_torchrun(tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    cfg = compose_config("experiment=t", f"train_dir={tmp_path}", "rl_device=cpu", "multi_gpu=True")
    with pytest.raises(RuntimeError, match=r"multi_gpu=True needs torchrun's environment .*: launch "
                                           r"with torchrun --standalone --nproc_per_node=P"):
        launch(cfg)


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "best.pth"
    checkpoints.save_atomically({"epoch": 1}, str(path))

    def full_disk(state, f):  # the open file save_atomically gives it
        f.write(b"trunc")
        raise OSError("No space left on device")

    monkeypatch.setattr(checkpoints.torch, "save", full_disk)
    with pytest.raises(OSError):
        checkpoints.save_atomically({"epoch": 2}, str(path))
    assert list(tmp_path.iterdir()) == [path]
    monkeypatch.undo()
    assert torch.load(path)["epoch"] == 1


def test_a_write_torch_stops_short_names_the_path_and_the_disk(tmp_path, monkeypatch):
    """A full disk reaches torch's own writer as a RuntimeError that names neither (issue 22,
    item 3); a read-only folder is the OS error of opening the file."""
    path = tmp_path / "best.pth"
    checkpoints.save_atomically({"epoch": 1}, str(path))

    def stops_short(state, f):
        f.write(b"trunc")
        raise RuntimeError("[enforce fail at inline_container.cc:747] . unexpected pos 786496 vs 786384")

    monkeypatch.setattr(checkpoints.torch, "save", stops_short)
    with pytest.raises(OSError, match=rf"could not write the checkpoint {path}: the write stopped "
                                      r"short \(\d+ MiB free there; torch: \[enforce fail"):
        checkpoints.save_atomically({"epoch": 2}, str(path))
    assert list(tmp_path.iterdir()) == [path]
    monkeypatch.undo()
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(OSError, match=rf"could not write the checkpoint {folder}/c.pth: "
                                          "Permission denied"):
            checkpoints.save_atomically({"epoch": 1}, str(folder / "c.pth"))
    finally:
        folder.chmod(0o700)


def test_an_asymmetric_critic_without_states_stops_before_training_and_leaves_no_run(tmp_path):
    """Stock PPO too (issue 22, item 6): it failed at the first rollout with KeyError 'states',
    with its run folder claimed."""
    from in_process import run_main

    critic = ("{minibatch_size: 32, mini_epochs: 1, learning_rate: 3e-4, normalize_input: True, "
              "clip_value: True, truncate_grads: True, "
              "network: {name: actor_critic, central_value: True, mlp: {units: [8], "
              "activation: elu, initializer: {name: default}}}}")
    result = run_main("task=EnvpoolPendulum", "train=EnvpoolPendulumPPO", "num_envs=4",
                      f"+train.params.config.central_value_config={critic}", "experiment=nostates",
                      f"train_dir={tmp_path}", "max_iterations=1")
    assert result.returncode == 1
    assert ("central_value_config trains an asymmetric critic on the env's states, and this env "
            "gives none: remove central_value_config, or use a task with privileged states") in \
        result.stderr
    assert not (tmp_path / "nostates").exists()


def test_states_narrower_than_their_space_are_named(tmp_path, monkeypatch):
    """Issue 22, item 4: it was a TorchScript size mismatch inside the critic."""
    from rlgames_cpo.envs.synthetic_env import SyntheticVecEnv

    info = SyntheticVecEnv.get_env_info

    def declares_wider(self):
        declared = dict(info(self))
        declared["state_space"] = type(declared["state_space"])(-1.0, 1.0, (7,))
        return declared

    monkeypatch.setattr(SyntheticVecEnv, "get_env_info", declares_wider)
    critic = ("{minibatch_size: 32, mini_epochs: 1, learning_rate: 3e-4, normalize_input: True, "
              "clip_value: True, truncate_grads: True, network: {name: actor_critic, "
              "central_value: True, mlp: {units: [8], activation: elu, initializer: {name: default}}}}")
    with pytest.raises(ValueError, match=r"the env's first 'states' are \(4,\) wide but its "
                                         r"state_space declares \(7,\)"):
        build_agent(compose_config("task=Synthetic", "train=SyntheticPPO", "num_envs=8",
                                   "task.env.numObservations=5", "task.env.numActions=2",
                                   "task.env.numStates=4", "rl_device=cpu", "experiment=w",
                                   f"train_dir={tmp_path}", "train.params.config.minibatch_size_per_env=4",
                                   f"+train.params.config.central_value_config={critic}"))
