"""Weights & Biases: initialised before rl_games opens its TensorBoard writer, never fatal."""

import netrc
import os
import random
import string
from pathlib import Path

from omegaconf import DictConfig, OmegaConf


def has_credentials() -> bool:
    """True when an API key is in the environment or in ~/.netrc (what ``wandb login`` writes)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        hosts = netrc.netrc().hosts
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False
    return any("wandb" in host for host in hosts)


# The W&B run id of a run folder: a run resumed in its own folder continues the same W&B run.
RUN_ID_FILE = "wandb_run_id"


def run_id(directory: Path) -> tuple:
    """``(id, resumed)``: the id kept in ``directory`` (a resume), else a new one, kept there."""
    kept = directory / RUN_ID_FILE
    if kept.is_file() and kept.read_text().strip():
        return kept.read_text().strip(), True
    new = "".join(random.SystemRandom().choice(string.ascii_lowercase + string.digits)
                  for _ in range(8))
    kept.write_text(new + "\n")
    return new, False


def init_wandb(cfg: DictConfig, directory: Path):
    """Starts a W&B run that mirrors rl_games' TensorBoard summaries.

    Tries online when credentials exist, else (or when that fails) offline, with one message.
    A run resumed in its own folder continues its W&B run (the id kept in the folder,
    ``resume="allow"``); ``job_type`` is the algorithm, so W&B groups a comparison's runs by it.
    Returns the run, or ``None`` when W&B cannot be used at all; training goes on either way.
    """
    try:
        import wandb
    except ImportError:
        print("[rlgames_cpo] wandb_activate=True but wandb is not installed "
              "(pip install 'rlgames-cpo[wandb]'); training continues without W&B.")
        return None
    kwargs = dict(
        project=cfg.wandb_project,
        entity=cfg.wandb_entity or None,
        group=cfg.wandb_group or None,
        name=cfg.wandb_name or cfg.experiment,
        tags=list(cfg.wandb_tags) or None,
        config=OmegaConf.to_container(cfg, resolve=True),
        sync_tensorboard=True,
        dir=str(directory),
        job_type=OmegaConf.select(cfg, "train.params.algo.name"),
    )
    directory.mkdir(parents=True, exist_ok=True)
    kwargs["id"], resumed = run_id(directory)
    kwargs["resume"] = "allow"
    if resumed:
        print(f"[rlgames_cpo] W&B: continuing run {kwargs['id']} of {directory}")
    mode = os.environ.get("WANDB_MODE", "online" if has_credentials() else "offline")
    reason = "no W&B credentials (WANDB_API_KEY or `wandb login`)"
    if mode != "offline":
        try:
            return wandb.init(mode=mode, **kwargs)
        except Exception as error:  # network, auth, server: none of it may stop training
            reason = f"W&B online start failed ({type(error).__name__}: {error})"
    try:
        run = wandb.init(mode="offline", **kwargs)
        print(f"[rlgames_cpo] {reason}: logging W&B offline to {directory}/wandb; "
              "upload later with `wandb sync`.")
        return run
    except Exception as error:
        print(f"[rlgames_cpo] W&B disabled ({type(error).__name__}: {error}); "
              "training continues with TensorBoard only.")
        return None


def finish_wandb(run) -> None:
    if run is None:
        return
    try:
        run.finish()
    except Exception as error:
        print(f"[rlgames_cpo] W&B finish failed ({error}); TensorBoard summaries are complete.")
