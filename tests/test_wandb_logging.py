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
        "wandb_tags": ["a"], "experiment": "e", "seed": 1})


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
    assert kwargs["config"]["seed"] == 1


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
