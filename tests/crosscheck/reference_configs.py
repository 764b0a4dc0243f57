"""The settings the public codes actually train with, for a README command, and ours in the same
terms (imported by the tests of this folder).

A public code's run is ``./scripts/<script>.sh <args>`` from its README; the script calls the
code's launcher (``isaacgymenvs/pbt/launcher``), which turns the arguments into Hydra overrides of
``python -m isaacgymenvs.train``; those pick a train YAML (``train: ${task}PPO``) and change keys
of it. This module runs the launcher itself (its ``launcher_argparser`` and
``get_experiment_run_description``), composes the train YAML (``defaults`` and all) with the
overrides, and reads the result as the code's rl_games 1.6.1 reads it (its defaults for missing
keys included, e.g. ``seq_len`` is not a key it reads). ``effective_ours`` reads one of our train
configs the same way, so the two compare key by key.
"""

import contextlib
import shlex
import sys

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf
from reference_codes import CODES

from rlgames_cpo.config import CpoConfig, SapgConfig
from rlgames_cpo.hosts import isaacgymenvs
from rlgames_cpo.hydra_setup import compose_config
from rlgames_cpo.launch import prepare, rl_games_params

# What each script of scripts/ puts before its own arguments and the extra ones ("$1".. "$5":
# task/env, experiment prefix, policies, envs, wandb tags), read from the scripts.
SCRIPTS = {
    "./scripts/train.sh": lambda a: [f"--num-policies={a[2]}", f"--num-envs={a[3]}", f"--env={a[0]}"],
    "./scripts/train_allegro_kuka.sh":
        lambda a: [f"--num-policies={a[2]}", f"--num-envs={a[3]}", f"--task={a[0]}"],
    "./scripts/train_allegro_kuka_two_arms.sh":
        lambda a: ["--env=allegro_kuka_two_arms", f"--num-policies={a[2]}", f"--num-envs={a[3]}",
                   f"--task={a[0]}"],
}

# rl_games 1.6.1 (the public codes') defaults for keys a YAML may leave out, and 1.6.5's (ours)
# where they differ.
THEIR_DEFAULTS = {"schedule_type": "legacy", "seq_length": 4, "games_to_track": 3000,
                  "value_bootstrap": None, "mixed_precision": False, "max_frames": -1,
                  "max_epochs": -1, "concat_input": False}
OUR_DEFAULTS = {**THEIR_DEFAULTS, "games_to_track": 100}


def readme_commands(code: str) -> list:
    """The reproduction commands of ``code``'s README, as argument lists (comments dropped, the
    W&B entity placeholder filled in); the usage templates (``<TASK>``, ``<NUM_ENVS>``) are not
    commands."""
    lines = (CODES / code / "README.md").read_text().replace("<ENTITY_NAME>", "entity").splitlines()
    commands = [shlex.split(line, comments=True) for line in lines if line.startswith("./scripts/")]
    return [c for c in commands if not any(a.startswith("<") for a in c[1:6])]


def launcher_argv(command: list) -> list:
    """The launcher's arguments for a README command (``./scripts/x.sh a1 .. a5 extra...``)."""
    script, positional, extra = command[0], command[1:6], command[6:]
    return ["--experiments_per_gpu=1", "--num_gpus=1", f"--wandb-tags={positional[4]}",
            f"--experiment_prefix={positional[1]}", *SCRIPTS[script](positional), *extra]


@contextlib.contextmanager
def _their_isaacgymenvs(code: str):
    """Imports of ``isaacgymenvs`` find ``code``'s folder (its launcher), and nothing imported
    stays behind (the IsaacGymEnvs fixture has a package of that name too)."""
    saved_modules = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "isaacgymenvs"}
    saved_path, saved_argv = list(sys.path), list(sys.argv)
    for name in saved_modules:
        del sys.modules[name]
    sys.path.insert(0, str(CODES / code))
    try:
        yield
    finally:
        for name in [k for k in sys.modules if k.split(".")[0] == "isaacgymenvs"]:
            del sys.modules[name]
        sys.modules.update(saved_modules)
        sys.path[:], sys.argv[:] = saved_path, saved_argv


def launcher_overrides(code: str, command: list) -> list:
    """The Hydra overrides ``code``'s launcher gives ``isaacgymenvs.train`` for ``command``."""
    argv = launcher_argv(command)
    with _their_isaacgymenvs(code):
        sys.argv = ["run", *argv]   # their add_experiment_args reads sys.argv too
        from isaacgymenvs.pbt.launcher.experiment_args import get_experiment_run_description
        from isaacgymenvs.pbt.launcher.run import launcher_argparser

        description = get_experiment_run_description(launcher_argparser(argv).parse_args(argv))
        cmd, *_ = next(description.generate_experiments("train_dir", makedirs=False))
    tokens = shlex.split(cmd)
    return tokens[tokens.index("isaacgymenvs.train") + 1:]


def _train_yaml(code: str, name: str):
    """A train YAML of ``code`` with its ``defaults`` list (parents in the train group) merged."""
    config = OmegaConf.load(CODES / code / "isaacgymenvs" / "cfg" / "train" / f"{name}.yaml")
    parents = list(config.pop("defaults", []))
    if parents and "_self_" not in parents:
        parents.append("_self_")   # Hydra's rule for a defaults list without it
    merged = OmegaConf.create()
    for parent in parents:
        merged = OmegaConf.merge(merged, config if parent == "_self_" else _train_yaml(code, parent))
    return merged if parents else config


def reference_config(code: str, command: list):
    """The composed config (``task``, ``train``, top-level keys) of a README command."""
    isaacgymenvs.register_resolvers()
    overrides = {o.key_or_group: o.value()
                 for o in OverridesParser.create().parse_overrides(launcher_overrides(code, command))}
    train = overrides.get("train", f"{overrides['task']}PPO")   # their config.yaml's defaults
    root = OmegaConf.create({"seed": 0, "experiment": "", "multi_gpu": False, "max_iterations": "",
                             "checkpoint": "", "pbt": False, "task": {"name": overrides["task"],
                             "env": {"numEnvs": 0, "goodResetBoundary": 0}}})
    root.train = _train_yaml(code, train)
    for key, value in overrides.items():
        if key.split(".")[0] in ("train", "task", "multi_gpu", "max_iterations") and "/" not in key:
            OmegaConf.update(root, key, value, force_add=True)
    root.task.env.subtask = overrides.get("task/env")
    return root


def _network(network: dict, default) -> dict:
    rnn = network.get("rnn")
    return {
        "mlp_units": list(network["mlp"]["units"]), "activation": network["mlp"]["activation"],
        "separate": network.get("separate", False),
        "rnn": None if not rnn else {
            "name": rnn["name"], "units": rnn["units"], "layers": rnn["layers"],
            "before_mlp": rnn.get("before_mlp", False), "layer_norm": rnn.get("layer_norm", False),
            "concat_input": rnn.get("concat_input", default["concat_input"])},
        "sigma_init": float(network["space"]["continuous"]["sigma_init"].get("val", 0)),
    }


def _rl_games_keys(config: dict, network: dict, num_envs: int, default: dict) -> dict:
    """The rl_games keys both codes read, with the defaults of the reading rl_games."""
    get = lambda key: config.get(key, default.get(key))  # noqa: E731
    horizon = config["horizon_length"]
    minibatch = config.get("minibatch_size", num_envs * config.get("minibatch_size_per_env", 0))
    epochs, frames = get("max_epochs"), get("max_frames")
    budgets = [b for b in (epochs * num_envs * horizon if epochs > 0 else -1, frames) if b > 0]
    return {
        "num_envs": num_envs, "horizon_length": horizon, "minibatch_size": minibatch,
        "mini_epochs": config["mini_epochs"], "gamma": config["gamma"], "tau": config["tau"],
        "learning_rate": float(config["learning_rate"]), "lr_schedule": config["lr_schedule"],
        "schedule_type": get("schedule_type"), "kl_threshold": config["kl_threshold"],
        "e_clip": config["e_clip"], "clip_value": config["clip_value"],
        "critic_coef": float(config["critic_coef"]), "grad_norm": float(config["grad_norm"]),
        "truncate_grads": config["truncate_grads"],
        "bounds_loss_coef": config.get("bounds_loss_coef"),
        "entropy_coef": float(config["entropy_coef"]),
        "normalize_input": config["normalize_input"], "normalize_value": config["normalize_value"],
        "normalize_advantage": config["normalize_advantage"],
        "value_bootstrap": bool(get("value_bootstrap")),
        "reward_scale": float(config.get("reward_shaper", {}).get("scale_value", 1.0)),
        "mixed_precision": bool(get("mixed_precision")),
        "games_to_track": get("games_to_track"),
        "frame_budget": min(budgets) if budgets else None,
        "seq_length": get("seq_length") if network.get("rnn") else None,
        **_network(network, default),
    }


def effective_reference(code: str, command: list) -> dict:
    """What the public ``code`` trains with for a README ``command``, in ``effective_ours``' terms.

    ``algo``: ``cpo`` for ``--cpo`` (the CPO code's ``sapg2``, leader-follower rows, AWAC rows),
    ``sapg`` for ``--sapg``, ``ppo`` without either. Their leader is the last block, ours the first;
    their entropy ``linspace(0.5, 0, M) * scale`` (leader last) is our ``entropy_scale``.
    """
    root = reference_config(code, command)
    params = OmegaConf.to_container(root.train.params, resolve=False)
    config = {k: OmegaConf.select(root, f"train.params.config.{k}") for k in params["config"]}
    network = OmegaConf.to_container(root.train.params.network, resolve=True)
    num_envs = root.task.env.numEnvs
    ensemble = config["expl_type"].startswith("mixed_expl")
    algo = "ppo" if not ensemble else "cpo" if config.get("sapg2") else "sapg"
    if algo == "cpo":
        # Our mapping below assumes the YAMLs' fixed settings of the CPO loss.
        assert (config["awac_alpha"], config["awac_gamma"], config["enable_w"],
                config["reduce_awac"], config["vanilla_sapg"]) == (1, 1, False, False, False)
    settings = {"algo": algo, "multi_gpu": bool(root.multi_gpu), "subtask": root.task.env.subtask,
                **_rl_games_keys(config, network, num_envs, THEIR_DEFAULTS)}
    if ensemble:
        entropy = config["expl_reward_type"] == "entropy"
        settings.update(
            num_blocks=num_envs // config["expl_coef_block_size"],
            off_policy_ratio=int(config["off_policy_ratio"]),
            # the learned per-block parameter of 'mixed_expl_learn_param' (param_size default)
            embedding_dim=32 if config["expl_type"] == "mixed_expl_learn_param" else None,
            log_std="per block" if network["space"]["continuous"]["fixed_sigma"] == "coef_cond"
            else "shared",
            entropy_scale=float(config["expl_reward_coef_scale"]) if entropy else 0.0,
            lr_schedule_kl_rows={"no_awac": "on-policy and leader rows"}.get(
                config.get("scheduler_kl_data"), "all rows"))
    if algo == "cpo":
        lambda_adv = float(config["ad_reward_coef"]) if config["use_ad_reward"] else 0.0
        settings.update(
            beta=float(config["awac_beta"]), lambda_f=float(config["lambda_awac"]),
            lambda_r=float(config["lambda_ppo"]), weight_max=float(config["awac_max"]),
            lambda_adv=lambda_adv,
            discriminator_units=list(config["discriminator_config"]["units"]) if lambda_adv else None)
    return settings


def effective_ours(train: str) -> dict:
    """What our train config ``train`` trains with, in ``effective_reference``'s terms."""
    cfg = compose_config(f"train={train}", "experiment=x", "rl_device=cpu")
    params = rl_games_params(prepare(cfg))
    config, algo = params["config"], params["algo"]["name"]
    algo = {"a2c_continuous": "ppo"}.get(algo, algo)
    settings = {"algo": algo, "multi_gpu": bool(config["multi_gpu"]),
                "subtask": cfg.train.get("subtask"),
                **_rl_games_keys(config, params["network"], config["num_actors"], OUR_DEFAULTS)}
    if algo != "ppo":
        sapg = SapgConfig.from_config(config)
        settings.update(num_blocks=sapg.num_blocks, off_policy_ratio=sapg.off_policy_ratio,
                        embedding_dim=sapg.embedding_dim, log_std="per block",
                        entropy_scale=sapg.entropy_scale,
                        lr_schedule_kl_rows="on-policy rows")
    if algo == "cpo":
        cpo = CpoConfig.from_config(config)
        settings.update(beta=cpo.beta, lambda_f=cpo.lambda_f, lambda_r=cpo.lambda_r,
                        weight_max=cpo.weight_max, lambda_adv=cpo.lambda_adv,
                        discriminator_units=list(cpo.discriminator.units) if cpo.lambda_adv else None)
    return settings


def differences(ours: dict, theirs: dict) -> dict:
    """``key -> (ours, theirs)`` for every key both read that differs (a PPO or SAPG config
    compared with a CPO command: the keys of the comparer's algorithm only)."""
    return {key: (ours[key], theirs[key]) for key in ours
            if key in theirs and key != "algo" and ours[key] != theirs[key]}


def fmt(value) -> str:
    """A value as the docs' table writes it."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {fmt(v)}" for k, v in value.items())
    return "none" if value is None else str(value)


def their_readme_command(code: str, *needles: str) -> list:
    """The one README command of ``code`` that holds every one of ``needles``."""
    found = [c for c in readme_commands(code) if all(n in c for n in needles)
             and ("--sapg" in needles or "--sapg" not in c) and ("--cpo" in needles or "--cpo" not in c)]
    assert len(found) == 1, (code, needles, found)
    return found[0]

