"""Our SAPG/CPO agent configs for Isaac Lab's reorientation tasks (cfg/isaaclab/, selected with
``--agent rl_games_<algo>_cfg_entry_point``): what they hold, and how they reach the registry.
Isaac Lab's own commands with them: tests/hosts/test_isaaclab3.py, test_isaaclab.py."""

import gymnasium
import pytest
import yaml

from rlgames_cpo.hosts import isaaclab_agents
from rlgames_cpo.hydra_setup import CFG_DIR
from rlgames_cpo.settings import Settings

FAMILIES = sorted(set(isaaclab_agents.AGENT_CONFIGS.values()))
# the paper task each family is sized and tuned like (its rows in cfg/train/<task>{SAPG,CPO}.yaml)
PAPER_TASK = {"allegro_hand": "AllegroHand", "shadow_hand": "ShadowHand",
              "shadow_hand_openai_ff": "ShadowHand", "shadow_hand_openai_lstm": "ShadowHand"}


def params(family: str, algo: str) -> dict:
    return yaml.safe_load((CFG_DIR / "isaaclab" / f"{family}_{algo}.yaml").read_text())["params"]


@pytest.mark.parametrize("family", FAMILIES)
def test_each_config_holds_the_paper_values_of_its_closest_task(family):
    paper = PAPER_TASK[family]
    sapg = yaml.safe_load((CFG_DIR / "train" / f"{paper}SAPG.yaml").read_text())
    cpo = yaml.safe_load((CFG_DIR / "train" / f"{paper}CPO.yaml").read_text())
    ppo = yaml.safe_load((CFG_DIR / "train" / f"{paper}PPOPaper.yaml").read_text())["params"]["config"]
    for algo in ("sapg", "cpo"):
        config = params(family, algo)["config"]
        assert params(family, algo)["algo"]["name"] == algo
        assert config["sapg"] == sapg["params"]["config"]["sapg"]
        if algo == "cpo":
            assert config["cpo"] == cpo["params"]["config"]["cpo"]
        for key in ("gamma", "tau", "learning_rate", "kl_threshold", "horizon_length",
                    "minibatch_size_per_env", "mini_epochs", "critic_coef", "e_clip", "grad_norm",
                    "bounds_loss_coef", "schedule_type", "lr_schedule"):
            assert config[key] == ppo[key], (family, algo, key)
        assert "minibatch_size" not in config  # 4 x num_envs rows at any --num_envs


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("num_envs", [12, 24576])
def test_each_config_passes_every_check_at_a_few_envs_and_at_the_papers(family, num_envs):
    for algo in ("sapg", "cpo"):
        config = {**params(family, algo)["config"], "num_actors": num_envs}
        settings = Settings.from_params({**params(family, algo), "config": config})
        assert settings.rows.on_policy == num_envs * 8


def test_our_entry_points_reach_the_tasks_registered_before_and_after(monkeypatch):
    """Tasks already registered get our keys; those registered later too (gymnasium.register
    wrapped once); Isaac Lab's own keys and other tasks stay as they are."""
    registry = dict(gymnasium.registry)
    monkeypatch.setattr(gymnasium.envs.registration, "registry", registry)
    monkeypatch.setattr(gymnasium, "registry", registry)
    monkeypatch.setattr(gymnasium, "register", gymnasium.register)
    monkeypatch.setattr(gymnasium.envs.registration, "register", gymnasium.envs.registration.register)
    own = {"rl_games_cfg_entry_point": "isaaclab_tasks...agents:rl_games_ppo_cfg.yaml"}
    gymnasium.register(id="Isaac-Reorient-Cube-Allegro-Direct", entry_point="x:y", kwargs=dict(own))
    isaaclab_agents.add_agent_configs()
    isaaclab_agents.add_agent_configs()  # twice: wrapped once
    gymnasium.register(id="IsaacContrib-Reorient-Cube-Shadow-OpenAI-FF-Direct", entry_point="x:y",
                       kwargs=dict(own))
    gymnasium.register(id="Isaac-Lift-Cube-Franka-v0", entry_point="x:y", kwargs=dict(own))
    allegro = gymnasium.spec("Isaac-Reorient-Cube-Allegro-Direct").kwargs
    ours = CFG_DIR / "isaaclab"
    assert allegro == {**own, "rl_games_sapg_cfg_entry_point": str(ours / "allegro_hand_sapg.yaml"),
                       "rl_games_cpo_cfg_entry_point": str(ours / "allegro_hand_cpo.yaml")}
    ff = gymnasium.spec("IsaacContrib-Reorient-Cube-Shadow-OpenAI-FF-Direct").kwargs
    assert ff["rl_games_cpo_cfg_entry_point"].endswith("isaaclab/shadow_hand_openai_ff_cpo.yaml")
    assert gymnasium.spec("Isaac-Lift-Cube-Franka-v0").kwargs == own
    assert getattr(gymnasium.register, isaaclab_agents.WRAPPED)
    assert not getattr(gymnasium.register.__wrapped__, isaaclab_agents.WRAPPED, False)  # once
