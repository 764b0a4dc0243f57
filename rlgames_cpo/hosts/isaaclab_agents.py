"""SAPG and CPO agent configs for Isaac Lab's in-hand reorientation tasks, selectable as Isaac Lab
selects agent configs: ``--agent rl_games_sapg_cfg_entry_point`` or
``--agent rl_games_cpo_cfg_entry_point``.

Isaac Lab looks agent configs up in the gymnasium registry (``gym.spec(task).kwargs[<entry
point>]``, a YAML path). :func:`add_agent_configs` adds our two keys to the kwargs of the tasks in
``AGENT_CONFIGS`` (its own ``rl_games_cfg_entry_point``, PPO, stays as it is): to the tasks
registered already, and, by wrapping ``gymnasium.register``, to those Isaac Lab registers later
(our hook is imported before its task packages: 3.0's entry points load first). The YAMLs live in
``cfg/isaaclab/`` (``rlgames_cpo/cfg/isaaclab/`` installed), each value with its source.
"""

import functools

from rlgames_cpo.hydra_setup import CFG_DIR

# task id (Isaac Lab 3.0, then 2.x) -> the config family in cfg/isaaclab/<family>_<algo>.yaml
AGENT_CONFIGS = {
    "Isaac-Reorient-Cube-Allegro-Direct": "allegro_hand",
    "Isaac-Repose-Cube-Allegro-Direct-v0": "allegro_hand",
    "Isaac-Reorient-Cube-Shadow-Direct": "shadow_hand",
    "Isaac-Repose-Cube-Shadow-Direct-v0": "shadow_hand",
    "IsaacContrib-Reorient-Cube-Shadow-OpenAI-FF-Direct": "shadow_hand_openai_ff",
    "Isaac-Repose-Cube-Shadow-OpenAI-FF-Direct-v0": "shadow_hand_openai_ff",
    "IsaacContrib-Reorient-Cube-Shadow-OpenAI-LSTM-Direct": "shadow_hand_openai_lstm",
    "Isaac-Repose-Cube-Shadow-OpenAI-LSTM-Direct-v0": "shadow_hand_openai_lstm",
}
ALGOS = ("sapg", "cpo")
WRAPPED = "_rlgames_cpo_agent_configs"


def entry_points(task_id: str) -> dict:
    """Our agent-config keys for ``task_id`` (empty for a task we have none for)."""
    family = AGENT_CONFIGS.get(task_id)
    if family is None:
        return {}
    return {f"rl_games_{algo}_cfg_entry_point": str(CFG_DIR / "isaaclab" / f"{family}_{algo}.yaml")
            for algo in ALGOS}


def _with_ours(task_id: str, kwargs):
    ours = entry_points(task_id)
    return {**ours, **(kwargs or {})} if ours else kwargs


def add_agent_configs() -> None:
    """Adds our entry points to the registered tasks and to those registered from now on."""
    import gymnasium

    for task_id, spec in gymnasium.registry.items():
        if task_id in AGENT_CONFIGS:
            spec.kwargs = _with_ours(task_id, spec.kwargs)
    register = gymnasium.register
    if getattr(register, WRAPPED, False):
        return

    @functools.wraps(register)
    def with_agent_configs(id, *args, **kwargs):  # noqa: A002  (gymnasium's name)
        if id in AGENT_CONFIGS:
            kwargs["kwargs"] = _with_ours(id, kwargs.get("kwargs"))
        return register(id, *args, **kwargs)

    setattr(with_agent_configs, WRAPPED, True)
    gymnasium.register = with_agent_configs
    gymnasium.envs.registration.register = with_agent_configs
