"""From a composed Hydra config (``cfg/config.yaml``) to a running rl_games ``Runner``.

``train.py`` is a thin Hydra entry point around :func:`launch`; the pieces are separate so tests
and people with their own scripts can reuse them.
"""

import os
import random
from datetime import datetime
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from rlgames_cpo import memory, selectors, validation
from rlgames_cpo.adapters import checkpoints
from rlgames_cpo.hosts import backends, isaacgymenvs
from rlgames_cpo.run_folder import RunFolder
from rlgames_cpo.settings import Settings


def resolve_rl_device(rl_device: str) -> str:
    """``auto`` becomes ``cuda:0`` when CUDA is available, else ``cpu``; a CUDA device without
    CUDA is an error that says what to use instead."""
    import torch

    if rl_device == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if str(rl_device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"rl_device={rl_device} but this torch has no CUDA device: "
                         "use rl_device=cpu (or auto)")
    return rl_device


def set_seed(seed: int, torch_deterministic: bool) -> None:
    """Seeds python, numpy and torch; optionally makes torch pick deterministic kernels."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch_deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.use_deterministic_algorithms(True)


def prepare(cfg: DictConfig) -> DictConfig:
    """Fills the run-time defaults in place: ``rl_device``, ``seed`` (-1: a random one, as in
    IsaacGymEnvs) and ``num_envs`` (the run's, whichever key set it). With ``multi_gpu=True``
    (under torchrun) each rank gets its own GPU (``rl_device``, ``sim_device``
    ``cuda:<local_rank>``, ``graphics_device_id``) from torchrun's environment; the process group
    is joined by the agent (``PpoAgent``, the one place), which also agrees on rank 0's seed for
    what every rank must draw alike."""
    validation.check_top_level(cfg)
    cfg.rl_device = resolve_rl_device(cfg.rl_device)
    num_envs = OmegaConf.select(cfg, "task.env.numEnvs")
    if num_envs is not None:  # the saved config says what ran, also after task.env.numEnvs=...
        cfg.num_envs = num_envs
    if cfg.seed == -1:
        # under 2^29: rl_games seeds a rank's envs with 2 * seed + rank, envpool takes int32
        cfg.seed = random.SystemRandom().randrange(2**29)
    if cfg.multi_gpu:
        from rlgames_cpo.adapters import distributed

        ranks = distributed.Ranks.from_env()
        if 2 * cfg.seed + ranks.world_size > 2**31:
            raise ValueError(f"seed={cfg.seed} is too large for {ranks.world_size} ranks: rl_games "
                             "seeds rank r's envs with 2 * seed + r, which must fit an int32 "
                             "(envpool's, Isaac Gym's); use a seed below 2^30 - ranks, e.g. seed=42")
        cfg.rl_device = distributed.rank_device(cfg.rl_device, ranks)
        if str(cfg.sim_device).startswith("cuda"):  # as IsaacGymEnvs' train.py does
            cfg.sim_device = distributed.rank_device(cfg.sim_device, ranks)
            cfg.graphics_device_id = ranks.local_rank
    return cfg


def default_experiment(cfg: DictConfig) -> str:
    """``<task>_<day>-<hour>-<minute>-<second>``, when ``experiment`` is not given; a taken name
    gets a suffix when the run claims its folder."""
    return f"{cfg.task.name}_{datetime.now():%d-%H-%M-%S}"


def is_main_process(cfg: DictConfig) -> bool:
    """Rank 0 of a torchrun job, or a single process: the one that writes the run's files."""
    return not cfg.multi_gpu or int(os.environ.get("RANK", 0)) == 0


def check_algorithm(runner, params: dict, play: bool) -> None:
    """Unknown ``algo.name``: say which ones this runner has."""
    factory = runner.player_factory if play else runner.algo_factory
    available = sorted(factory._builders)
    name = params["algo"]["name"]
    if name not in available:
        raise ValueError(f"algo.name={name} is unknown: use one of {', '.join(available)} "
                         f"(e.g. train.params.algo.name=cpo)")


def run_names(experiment: str, train_dir: str) -> dict:
    """rl_games' names of a run: ``experiment=grp/s1`` is the folder ``<train_dir>/grp/s1`` of a
    run named ``s1`` (rl_games names its checkpoint files after the run, so the name itself holds
    no '/')."""
    group, name = os.path.split(experiment)
    return {"name": name, "full_experiment_name": name,
            "train_dir": os.path.join(train_dir, group) if group else train_dir}


def rl_games_params(cfg: DictConfig) -> dict:
    """The ``params`` dict rl_games' ``Runner.load`` expects, from a prepared config."""
    params = OmegaConf.to_container(cfg.train, resolve=True)["params"]
    config = params["config"]
    num_envs = config["num_actors"]
    if not isinstance(num_envs, int) or num_envs <= 0:
        raise ValueError(f"num_envs={num_envs!r} must be a positive integer, e.g. num_envs=64")
    params["seed"] = cfg.seed
    if cfg.max_iterations != "":
        config["max_epochs"] = cfg.max_iterations
    config.update(
        **run_names(cfg.experiment or default_experiment(cfg), cfg.train_dir),
        device=cfg.rl_device,
        device_name=cfg.rl_device,
        multi_gpu=cfg.multi_gpu,
        # Our ProgressObserver prints one line per epoch in place of rl_games' fps line.
        print_stats=False,
    )
    config["env_name"], config["env_config"] = backends.env_of(cfg)
    if "torch_compile" not in config and not str(cfg.rl_device).startswith("cuda"):
        config["torch_compile"] = False
    config.setdefault("player", {}).setdefault("use_vecenv", True)
    return params


# What decides the network a checkpoint holds, taken from its run's config.yaml in play mode.
MODEL_SECTIONS = ("algo", "model", "network")
MODEL_CONFIG_KEYS = ("sapg", "cpo", "normalize_input", "normalize_value", "central_value_config")


def with_trained_model(params: dict, checkpoint: str, playing_task: str) -> dict:
    """Play mode: the algorithm and network of the run that wrote ``checkpoint``.

    A checkpoint in ``<train_dir>/<experiment>/nn/`` has the resolved config of its run beside
    it; its model sections replace the composed ones, so ``test=True checkpoint=...`` plays a
    PPO, SAPG or CPO checkpoint whatever the default train config is. Player settings, envs
    and devices stay as composed. A checkpoint of another task than ``playing_task`` is refused
    with the task to play it on.
    """
    saved = Path(checkpoint).resolve().parent.parent / "config.yaml"
    if not saved.is_file():
        return params
    try:
        run = OmegaConf.to_container(OmegaConf.load(saved))
        trained, task = run["train"]["params"], run["task"]["name"]
    except Exception as error:
        raise ValueError(f"{saved}, the config of the run that wrote checkpoint={checkpoint}, "
                         f"cannot be read ({type(error).__name__}: {error}): move the checkpoint "
                         "out of that run folder to play it with the composed config") from None
    if task != playing_task:
        raise ValueError(f"checkpoint={checkpoint} was trained on task={task} (its run's "
                         f"{saved}), not task={playing_task}: play it with task={task}")
    params = {**params, **{key: trained[key] for key in MODEL_SECTIONS},
              "config": dict(params["config"])}
    for key in MODEL_CONFIG_KEYS:
        params["config"].pop(key, None)
        if key in trained["config"]:
            params["config"][key] = trained["config"][key]
    print(f"[rlgames_cpo] playing with the {params['algo']['name']} model of {saved}")
    return params


def run_dir(cfg: DictConfig) -> Path:
    return Path(cfg.train_dir) / cfg.experiment


def claim_run_folder(cfg: DictConfig) -> RunFolder:
    """Rank 0 claims ``<train_dir>/<experiment>`` (rlgames_cpo.run_folder); under torchrun the
    other ranks write no run files (their rl_games folders are scratch, PpoAgent), so the name
    they hold does not matter."""
    folder, given = None, bool(cfg.experiment)
    cfg.experiment = cfg.experiment or default_experiment(cfg)
    if is_main_process(cfg):
        folder = RunFolder(cfg.train_dir, cfg.experiment, cfg.checkpoint, cfg.overwrite,
                           unique=not given).claim()
        cfg.experiment = folder.experiment
    return folder


def build_agent(cfg: DictConfig):
    """The rl_games agent ``launch`` would train, with its envs reset, but not trained (for
    benchmarks and tests that drive epochs themselves)."""
    from rl_games.torch_runner import Runner

    import rlgames_cpo

    prepare(cfg)
    cfg.experiment = cfg.experiment or default_experiment(cfg)
    runner = Runner()
    rlgames_cpo.register(runner)
    runner.load({"params": rl_games_params(cfg)})
    agent = runner.algo_factory.create(runner.algo_name, base_name="run", params=runner.params)
    agent.init_tensors()
    agent.obs = agent.env_reset()
    return agent


class RunFinished(Exception):
    """Resuming a run that has done its iterations: nothing to do (exit status 0)."""


def check_run(cfg: DictConfig) -> dict:
    """Every check that can run before anything is built or written, on a prepared config;
    the rl_games ``params``."""
    if cfg.test and not cfg.checkpoint:
        raise ValueError("test=True plays a trained policy: give it with checkpoint=PATH "
                         "(e.g. runs/<experiment>/nn/<experiment>.pth, or checkpoint=best "
                         "experiment=<experiment>)")
    chosen = selectors.resolve(str(cfg.checkpoint), run_dir(cfg) if cfg.experiment else None)
    if chosen != cfg.checkpoint:
        print(f"[rlgames_cpo] checkpoint={cfg.checkpoint}: {chosen}", flush=True)
        cfg.checkpoint = chosen
    saved = checkpoints.check_file(cfg.checkpoint) if cfg.checkpoint else None
    isaacgymenvs.check(cfg)
    params = rl_games_params(cfg)
    validation.check_sections_placement(cfg)
    if cfg.test:
        params = with_trained_model(params, cfg.checkpoint, cfg.task.name)
    params[Settings.KEY] = Settings.from_params(params, training=not cfg.test)
    max_epochs = params["config"].get("max_epochs", -1)
    if saved is not None and not cfg.test and checkpoints.finished(saved, max_epochs):
        raise RunFinished(f"checkpoint={cfg.checkpoint} is of a finished run: it has done its "
                          f"{saved['epoch']} of max_iterations={max_epochs} iterations, so there "
                          "is nothing to train and nothing was changed; to train it longer, "
                          f"resume with a larger max_iterations, e.g. max_iterations="
                          f"{2 * saved['epoch']}")
    if not cfg.test:
        memory.check(cfg, params)
    return params


def launch(cfg: DictConfig) -> None:
    """Trains (or, with ``test=True``, plays) the configured task with rl_games.

    Nothing is written before every check has passed; the run's folder is claimed then, and its
    ``config.yaml`` written when training starts (rlgames_cpo.run_folder).
    """
    from rl_games.torch_runner import Runner

    import rlgames_cpo
    from rlgames_cpo.adapters.stopping import TrainingInterrupted
    from rlgames_cpo.progress import ProgressObserver
    from rlgames_cpo.wandb_logging import finish_wandb, init_wandb

    prepare(cfg)
    try:
        params = check_run(cfg)
    except RunFinished as finished:
        print(f"[rlgames_cpo] {finished}", flush=True)
        return
    observer = ProgressObserver()
    runner = Runner(algo_observer=observer)
    set_seed(cfg.seed, cfg.torch_deterministic)  # after Runner(), which turns cudnn.benchmark on
    rlgames_cpo.register(runner)
    check_algorithm(runner, params, play=cfg.test)
    folder = None if cfg.test else claim_run_folder(cfg)
    if folder is not None:
        params["config"].update(run_names(cfg.experiment, cfg.train_dir))  # the claimed name
        observer.on_start = lambda: folder.started(OmegaConf.to_yaml(cfg, resolve=True))

    wandb_run = None
    try:
        if folder is not None and cfg.wandb_activate:
            wandb_run = init_wandb(cfg, folder.path)
        runner.load({"params": params})
        runner.run({"train": not cfg.test, "play": cfg.test,
                    "checkpoint": cfg.checkpoint or None, "sigma": cfg.sigma or None})
    except TrainingInterrupted as stop:
        print(f"[rlgames_cpo] {stop}", flush=True)
    except BaseException:
        if folder is not None:
            folder.abandon()  # a run that never started leaves its folder as it found it
        raise
    finally:
        # rl_games leaves its TensorBoard writer open: what it holds would reach the disk only
        # when the process ends (a second run in this process, or a reader, would miss it)
        writer = getattr(getattr(observer, "algo", None), "writer", None)
        if writer is not None:
            writer.close()
        finish_wandb(wandb_run)
        if folder is not None:
            folder.release()
        if cfg.multi_gpu:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
