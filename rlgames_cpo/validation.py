"""The keys our agents rely on, checked before any env is built or file written: train.py's
top-level keys, the rl_games keys of ``params.config`` (for every host: ``Settings`` runs these),
and where our sections must sit. A bad value stops with one message that names the key, the rule
(``rlgames_cpo.rules``) and a value that works.
"""

from omegaconf import OmegaConf

from rlgames_cpo.config import SECTIONS
from rlgames_cpo.errors import ConfigError
from rlgames_cpo.rules import check

# Top-level keys (cfg/config.yaml): rule and an example value.
TOP_LEVEL = {
    "seed": ("seed", 42), "torch_deterministic": ("bool", False), "test": ("bool", False),
    "multi_gpu": ("bool", False), "headless": ("bool", True), "overwrite": ("bool", False),
    "wandb_activate": ("bool", False), "capture_video": ("bool", False),
    "force_render": ("bool", True), "max_iterations": ("optional_positive_int", 100),
    "experiment": ("text", "ant_s1"), "train_dir": ("name", "runs"), "checkpoint": ("text", "PATH"),
    "sigma": ("optional_positive", 0.5), "rl_device": ("device", "cpu"),
    "sim_device": ("sim_device", "cuda:0"), "graphics_device_id": ("int", 0),
    "physics_engine": ("physics_engine", "physx"), "pipeline": ("pipeline", "gpu"),
    "num_threads": ("non_negative_int", 4), "solver_type": ("non_negative_int", 1),
    "num_subscenes": ("non_negative_int", 4), "wandb_project": ("text", "my_project"),
    "wandb_entity": ("text", "me"), "wandb_group": ("text", "ant"), "wandb_name": ("text", "run"),
    "wandb_tags": ("strings", "[a,b]"),
}

# rl_games keys of train.params.config that our agents and train.py rely on: rule, example,
# whether a config may leave it out (rl_games then uses its default).
RL_GAMES = {
    "num_actors": ("positive_int", 64, False), "horizon_length": ("positive_int", 16, False),
    "mini_epochs": ("positive_int", 5, False), "learning_rate": ("positive", "3e-4", False),
    "gamma": ("discount", 0.99, False), "tau": ("fraction", 0.95, False),
    "e_clip": ("positive", 0.2, False), "entropy_coef": ("non_negative", 0.0, True),
    "critic_coef": ("non_negative", 4, True), "bounds_loss_coef": ("non_negative", 0.0001, True),
    "grad_norm": ("positive", 1.0, True), "kl_threshold": ("positive", 0.016, True),
    "lr_schedule": ("lr_schedule", "adaptive", True), "max_epochs": ("epochs", 100, True),
    "max_frames": ("epochs", 1000000, True), "save_frequency": ("non_negative_int", 100, True),
    "save_best_after": ("non_negative_int", 100, True), "score_to_win": ("number", 20000, True),
    "games_to_track": ("positive_int", 100, True), "seq_length": ("positive_int", 16, True),
    "minibatch_size_per_env": ("positive_int", 4, True),
    "normalize_input": ("bool", True, True), "normalize_value": ("bool", True, True),
    "normalize_advantage": ("bool", True, True), "value_bootstrap": ("bool", True, True),
    "ppo": ("bool", True, True), "clip_value": ("bool", True, True),
    "truncate_grads": ("bool", True, True), "mixed_precision": ("bool", False, True),
    "torch_compile": ("bool", False, True),
}


def check_top_level(cfg) -> None:
    for key, (rule, example) in TOP_LEVEL.items():
        if key in cfg:
            value = OmegaConf.select(cfg, key)
            if OmegaConf.is_config(value):
                value = OmegaConf.to_container(value, resolve=True)
            check(key, value, rule, example, params=False)


def check_rl_games_config(config: dict) -> None:
    """``config`` is rl_games' ``params['config']``."""
    for key, (rule, example, optional) in RL_GAMES.items():
        if key not in config:
            if optional:
                continue
            raise ConfigError(lambda s, key=key, example=example: f"{s.key('config.' + key)} is "
                              f"missing: rl_games needs it, e.g. {s.setting('config.' + key, example)}")
        if key == "kl_threshold" and config.get("lr_schedule") != "adaptive":
            continue
        check(f"config.{key}", config[key], rule, example)
    shaper = config.get("reward_shaper") or {}
    shaper = shaper if isinstance(shaper, dict) else {}  # rl_games' Runner has built it already
    for key in ("scale_value", "shift_value"):
        if key in shaper:
            check(f"config.reward_shaper.{key}", shaper[key], "number", 0.01)
    player = config.get("player") or {}
    if "games_num" in player:
        check("config.player.games_num", player["games_num"], "positive_int", 100)
    if "deterministic" in player:
        check("config.player.deterministic", player["deterministic"], "bool", True)


def check_sections_placement(cfg) -> None:
    """Keys of our sections written one level off (``+train.params.config.num_blocks=6``) would be
    ignored by everything; so would a section put outside ``train.params.config``."""
    config = OmegaConf.select(cfg, "train.params.config") or {}
    for section in SECTIONS:
        for key in section.keys():
            if key in config:
                raise ConfigError(f"train.params.config.{key} is a key of our "
                                  f"{section.SECTION} section, where it would be ignored: write "
                                  f"train.params.config.{section.SECTION}.{key}=... (with a leading "
                                  f"'+' when the config has no {section.SECTION} section)")
        for wrong in ("", "train.", "train.params."):
            if OmegaConf.select(cfg, wrong + section.SECTION) is not None:
                raise ConfigError(f"{wrong}{section.SECTION} is not read: our sections live in "
                                  f"train.params.config.{section.SECTION}")


def check_central_value(params: dict) -> None:
    """rl_games 1.6.5 steps (and resets) an LSTM asymmetric critic only in its recurrent
    rollout, the one an LSTM actor-critic uses: with an MLP actor the critic's LSTM state would
    never be reset at episode ends nor stored for training."""
    central = params["config"].get("central_value_config") or {}
    if central.get("network", {}).get("rnn") and not params.get("network", {}).get("rnn"):
        raise ConfigError(lambda s: "central_value_config.network has an rnn section but the "
                          "network has none: rl_games only steps an LSTM critic beside an LSTM "
                          f"actor-critic; give {s.key('network')} an rnn section too, or drop "
                          "the critic's")
