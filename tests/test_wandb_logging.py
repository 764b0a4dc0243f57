"""W&B start-up must fall back to offline with one message and never stop training. A stand-in
``wandb`` module records the calls (the real client needs network to go online)."""

import sys
import types

import pytest
from omegaconf import OmegaConf

from rlgames_cpo import wandb_logging


class FakeWandb(types.ModuleType):
    def __init__(self, fail_modes=()):
        super().__init__("wandb")
        self.fail_modes, self.calls = set(fail_modes), []

    def init(self, mode, **kwargs):
        self.calls.append((mode, kwargs))
        if mode in self.fail_modes:
            raise ConnectionError(f"{mode} refused")
        return types.SimpleNamespace(mode=mode, finish=lambda: None)


@pytest.fixture
def cfg():
    return OmegaConf.create({
        "wandb_project": "p", "wandb_entity": "", "wandb_group": "g", "wandb_name": "n",
        "wandb_tags": ["a"], "experiment": "e", "seed": 1,
        "train": {"params": {"algo": {"name": "cpo"}}}})


def use(monkeypatch, fake, credentials):
    monkeypatch.setitem(sys.modules, "wandb", fake)
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.setattr(wandb_logging, "has_credentials", lambda: credentials)


def test_online_with_credentials(monkeypatch, cfg, tmp_path):
    fake = FakeWandb()
    use(monkeypatch, fake, credentials=True)
    run = wandb_logging.init_wandb(cfg, tmp_path)
    assert run.mode == "online" and len(fake.calls) == 1
    kwargs = fake.calls[0][1]
    assert kwargs["sync_tensorboard"] is True and kwargs["group"] == "g"
    assert kwargs["name"] == "n" and kwargs["tags"] == ["a"] and kwargs["entity"] is None
    assert kwargs["config"]["seed"] == 1 and kwargs["job_type"] == "cpo"


def test_no_credentials_goes_offline_with_one_message(monkeypatch, cfg, tmp_path, capsys):
    fake = FakeWandb()
    use(monkeypatch, fake, credentials=False)
    assert wandb_logging.init_wandb(cfg, tmp_path).mode == "offline"
    assert [mode for mode, _ in fake.calls] == ["offline"]
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "no W&B credentials" in out and "wandb sync" in out


def test_online_failure_falls_back_offline(monkeypatch, cfg, tmp_path, capsys):
    fake = FakeWandb(fail_modes={"online"})
    use(monkeypatch, fake, credentials=True)
    assert wandb_logging.init_wandb(cfg, tmp_path).mode == "offline"
    assert "ConnectionError: online refused" in capsys.readouterr().out


def test_total_failure_never_raises(monkeypatch, cfg, tmp_path, capsys):
    use(monkeypatch, FakeWandb(fail_modes={"online", "offline"}), credentials=True)
    assert wandb_logging.init_wandb(cfg, tmp_path) is None
    assert "TensorBoard only" in capsys.readouterr().out


def test_not_installed(monkeypatch, cfg, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "wandb", None)
    assert wandb_logging.init_wandb(cfg, tmp_path) is None
    assert "pip install 'rlgames-cpo[wandb]'" in capsys.readouterr().out


def test_finish_failure_is_not_fatal(capsys):
    def boom():
        raise RuntimeError("x")
    wandb_logging.finish_wandb(types.SimpleNamespace(finish=boom))
    wandb_logging.finish_wandb(None)
    assert "finish failed" in capsys.readouterr().out



def test_a_resume_in_the_run_folder_continues_its_run(monkeypatch, cfg, tmp_path, capsys):
    """The id is kept in the run folder; the second start (a resume) asks W&B for the same one."""
    fake = FakeWandb()
    use(monkeypatch, fake, credentials=True)
    wandb_logging.init_wandb(cfg, tmp_path)
    wandb_logging.init_wandb(cfg, tmp_path)
    (_, first), (_, second) = fake.calls
    assert first["id"] == second["id"] == (tmp_path / "wandb_run_id").read_text().strip()
    assert len(first["id"]) == 8 and first["resume"] == second["resume"] == "allow"
    assert f"W&B: continuing run {first['id']} of {tmp_path}" in capsys.readouterr().out
    other = tmp_path / "other"
    other.mkdir()
    wandb_logging.init_wandb(cfg, other)  # another run folder: another run
    assert fake.calls[2][1]["id"] != first["id"]


@pytest.mark.slow
def test_a_resumed_run_is_one_wandb_run_with_steps_that_go_on(tmp_path, monkeypatch):
    """With the real client, offline: 2 iterations, then ``checkpoint=latest`` to 4. Both parts'
    offline files carry one run id, and the TensorBoard steps W&B mirrors go on where they stopped."""
    pytest.importorskip("wandb")
    from in_process import run_main
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    common = ["task=EnvpoolPendulum", "num_envs=8", "rl_device=cpu", f"train_dir={tmp_path}",
              "train.params.config.horizon_length=8", "train.params.config.minibatch_size_per_env=4",
              "experiment=w", "wandb_activate=True"]
    for more in (["max_iterations=2"], ["max_iterations=4", "checkpoint=latest"]):
        result = run_main(*common, *more)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    run_id = (tmp_path / "w" / "wandb_run_id").read_text().strip()
    parts = sorted((tmp_path / "w" / "wandb").glob("offline-run-*"))
    assert [p.name.rsplit("-", 1)[1] for p in parts] == [run_id, run_id]
    for part in parts:  # the run record in wandb's own file names the id
        assert run_id.encode() in (part / f"run-{run_id}.wandb").read_bytes()
    steps = []
    for events in sorted((tmp_path / "w" / "summaries").glob("events.out.tfevents.*")):
        steps.append(sorted({e.step for e in EventFileLoader(str(events)).Load()
                             if any(v.tag == "losses/a_loss" for v in e.summary.value)}))
    assert steps == [[0, 64], [128, 192]]  # frames: 8 envs x 8 steps per iteration
