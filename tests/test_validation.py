"""Every value train.py reads is checked before anything is built or written, and the message names
the key and a fix (issue 11's kinds: a non-number in our sections, zero or negative sizes, NaN,
wrong types of top-level keys, our keys at the wrong level, checkpoint files that are not)."""

import pytest
import torch

from rlgames_cpo.adapters import checkpoints
from rlgames_cpo.hydra_setup import compose_config
from rlgames_cpo.launch import check_run, prepare


def check(*overrides):
    return check_run(prepare(compose_config("experiment=x", "rl_device=cpu", *overrides)))


@pytest.mark.parametrize("override, message", [
    # our sections: type, finiteness, range
    ("train.params.config.cpo.lambda_f=x",
     r"cpo.lambda_f='x' must be a finite number: e.g. train.params.config.cpo.lambda_f=0.2"),
    ("train.params.config.cpo.lambda_f=nan", r"cpo.lambda_f=nan must be a finite number"),
    ("train.params.config.cpo.beta=inf", r"cpo.beta=inf must be a finite number"),
    ("train.params.config.sapg.num_blocks=2.5",
     r"sapg.num_blocks=2.5 must be an integer: e.g. train.params.config.sapg.num_blocks=6"),
    ("train.params.config.sapg.num_blocks=5",
     r"sapg.num_blocks=5 does not divide num_envs=64: use num_envs=60 or num_envs=65"),
    ("train.params.config.cpo.discriminator.activation=gelu",
     r"cpo.discriminator.activation='gelu': use one of elu, relu, silu, tanh"),
    ("+train.params.config.cpo.discriminator.reward=public",
     r"cpo.discriminator.reward='public': use corrected \(the default\) or reference"),
    ("+train.params.config.diagnostics.every=-1", r"diagnostics.every=-1 must be >= 0"),
    # lambda_f beyond the paper: a KL target or a schedule, not both, and only with the term on
    ("+train.params.config.cpo.kl_target=-0.1", r"cpo.kl_target=-0.1 must be >= 0"),
    ("+train.params.config.cpo.lambda_f_end=0.1",
     r"a lambda_f schedule needs both cpo.lambda_f_end .* and cpo.lambda_f_frames"),
    ("+train.params.config.cpo.lambda_f_frames=1e6",
     r"a lambda_f schedule needs both .* lambda_f_end=0.0, lambda_f_frames=1000000.0"),
    ("+train.params.config.cpo.kl_target=0.05 +train.params.config.cpo.lambda_f_end=0.1 "
     "+train.params.config.cpo.lambda_f_frames=1e6", r"cpo.kl_target=0.05 adapts lambda_f, and "
     r"cpo.lambda_f_end/lambda_f_frames schedule it: choose one"),
    ("+train.params.config.cpo.kl_target=0.05 train.params.config.cpo.beta=0",
     r"cpo.lambda_f acts only through the forward-KL term, which cpo.beta=0 switches off, so its "
     r"target would change nothing: set cpo.beta > 0"),
    ("+train.params.config.cpo.kl_target=0.05 train.params.config.cpo.lambda_f=5",
     r"cpo.kl_target starts every follower's lambda_f at cpo.lambda_f=5, which must lie in "
     r"\[cpo.lambda_f_min, cpo.lambda_f_max\] = \[0.02, 2.0\]"),
    ("+train.params.config.cpo.kl_target=0.05 +train.params.config.cpo.kl_target_step=0",
     r"cpo.kl_target_step=0 must be > 0"),
    # rl_games keys we rely on
    ("train.params.config.horizon_length=0",
     r"train.params.config.horizon_length=0 must be a positive integer: e.g. "
     r"train.params.config.horizon_length=16"),
    ("train.params.config.learning_rate=-1",
     r"train.params.config.learning_rate=-1 must be a finite number > 0"),
    ("train.params.config.gamma=1.5", r"train.params.config.gamma=1.5 must be a number in \(0, 1\]"),
    ("train.params.config.mini_epochs=x", r"train.params.config.mini_epochs='x' must be a positive"),
    ("train.params.config.normalize_input=yes", r"train.params.config.normalize_input='yes' must be "
                                                r"True or False"),
    ("train.params.config.entropy_coef=nan", r"train.params.config.entropy_coef=nan must be a finite"),
    ("num_envs=0", r"num_envs=0 must be a positive integer"),
    # top-level keys
    ("seed=x", r"seed='x' must be an integer >= 0 \(-1: a random one\): e.g. seed=42"),
    ("test=maybe", r"test='maybe' must be True or False"),
    ("rl_device=gpu", r"rl_device='gpu' must be auto, cpu, cuda or cuda:<index>"),
    ("max_iterations=-1", r"max_iterations=-1 must be a positive integer, or '' for the default"),
    ("wandb_tags=3", r"wandb_tags=3 must be a list of strings"),
    ("train_dir=''", r"train_dir='' must be a non-empty string"),
    # our keys one level off, where nothing would read them
    ("+train.params.config.num_blocks=6",
     r"train.params.config.num_blocks is a key of our sapg section, where it would be ignored: "
     r"write train.params.config.sapg.num_blocks=..."),
    ("+train.params.config.lambda_f=0.1", r"write train.params.config.cpo.lambda_f="),
    ("+train.params.sapg.num_blocks=6",
     r"train.params.sapg is not read: our sections live in train.params.config.sapg"),
])
def test_a_bad_value_is_named_with_a_fix(override, message):
    with pytest.raises(ValueError, match=message):
        check("task=EnvpoolAnt", "train=EnvpoolAntCPO", *override.split(" "))


def test_sequences_of_zero_length_are_refused():
    with pytest.raises(ValueError, match=r"train.params.config.seq_length=0 must be a positive "
                                         r"integer"):
        check("train=EnvpoolAntLSTMCPO", "train.params.config.seq_length=0")


def test_seed_minus_one_picks_a_random_seed_as_in_isaacgymenvs():
    seeds = {prepare(compose_config("seed=-1")).seed for _ in range(3)}
    assert all(isinstance(s, int) and s >= 0 for s in seeds) and len(seeds) > 1
    # small enough for rl_games' multi-GPU env seeds (2 * seed + rank) to fit envpool's int32
    assert all(2 * s + 64 < 2**31 for s in seeds)


def test_a_seed_too_large_for_the_ranks_envs_names_the_fix(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match=r"seed=2000000000 is too large for 2 ranks: rl_games seeds "
                                         r"rank r's envs with 2 \* seed \+ r"):
        prepare(compose_config("seed=2000000000", "multi_gpu=True", "rl_device=cpu"))


def test_checkpoint_that_is_not_a_checkpoint_file(tmp_path):
    nn = tmp_path / "run" / "nn"
    nn.mkdir(parents=True)
    good = nn / "good.pth"
    torch.save({"model": {}}, good)
    empty, text, partial = nn / "empty.pth", nn / "notes.pth", nn / "best.pth.partial"
    empty.write_bytes(b"")
    text.write_text("not a checkpoint")
    partial.write_bytes(b"PK\x03\x04 cut short")
    cases = [
        (nn, rf"checkpoint={nn} is a folder, not a checkpoint file: give one of the .pth files "
             rf"of a run's nn/ folder, e.g. checkpoint={good}"),
        (tmp_path / "run", rf"is a folder, not a checkpoint file: .* e.g. checkpoint={good}"),
        (empty, rf"checkpoint={empty} is empty \(0 bytes, a write that was cut short\): give "
                rf"another checkpoint, e.g. checkpoint="),
        (text, rf"checkpoint={text} is not a PyTorch checkpoint \(UnpicklingError"),
        (partial, rf"best.pth.partial is an unfinished write .* and delete {partial}"),
        (nn / "best.pth", rf"best.pth is an unfinished write .* delete {partial}"),
        (nn / "gone.pth", rf"checkpoint={nn / 'gone.pth'} does not exist; the newest in its "
                          rf"folder, e.g. checkpoint="),
    ]
    for path, message in cases:
        with pytest.raises((ValueError, FileNotFoundError), match=message):
            checkpoints.check_file(str(path))
    torch.save([1, 2], text)
    with pytest.raises(ValueError, match="holds no rl_games model"):
        checkpoints.check_file(str(text))
    checkpoints.check_file(str(good))


def test_a_failed_checkpoint_write_names_the_path_and_the_os_error_at_once(make_agent, tmp_path,
                                                                           monkeypatch):
    import errno
    import time

    agent = make_agent("task=EnvpoolPendulum", "train=EnvpoolPendulumPPO", "num_envs=4",
                       algo="a2c_continuous")
    agent.save(str(tmp_path / "best"))
    before = (tmp_path / "best.pth").read_bytes()

    def full_disk(state, f):  # the open file save_atomically gives it
        f.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoints.torch, "save", full_disk)
    start = time.perf_counter()
    with pytest.raises(OSError, match=rf"could not write the checkpoint {tmp_path}/best.pth: No "
                                      rf"space left on device.* resume with checkpoint="
                                      rf"{tmp_path}/best.pth"):
        agent.save(str(tmp_path / "best"))
    assert time.perf_counter() - start < 5                     # no retries
    assert (tmp_path / "best.pth").read_bytes() == before      # the previous one is intact
    assert not list(tmp_path.glob("*.partial"))


@pytest.fixture
def make_agent(tmp_path):
    from rlgames_cpo.launch import build_agent

    def make(*overrides, algo):
        return build_agent(compose_config("experiment=t", f"train_dir={tmp_path}", "rl_device=cpu",
                                          f"train.params.algo.name={algo}", *overrides))

    return make


def test_an_lstm_critic_needs_an_lstm_actor():
    with pytest.raises(ValueError, match=r"central_value_config.network has an rnn section but the "
                                         r"network has none: rl_games only steps an LSTM critic "
                                         r"beside an LSTM actor-critic"):
        check("task=EnvpoolLeapCube", "train=EnvpoolLeapCubeSAPG",
              "+train.params.config.central_value_config.network.rnn={name: lstm, units: 8}")
