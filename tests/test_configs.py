"""Every config in cfg/ composes and turns into rl_games params; bad input fails clearly."""

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from rlgames_cpo.config import CpoConfig, SapgConfig
from rlgames_cpo.hosts.backends import ENVPOOL, SYNTHETIC
from rlgames_cpo.hydra_setup import (CFG_DIR, compose_config, default_task, embedded_tasks,
                                     missing_task_error, task_from_argv)
from rlgames_cpo.launch import prepare, rl_games_params

TRAIN_CONFIGS = sorted(p.stem for p in (CFG_DIR / "train").glob("*.yaml"))


def test_every_embedded_task_has_a_ppo_config():
    assert embedded_tasks() == ["EnvpoolAnt", "EnvpoolHalfCheetah", "EnvpoolHumanoid",
                                "EnvpoolLeapCube", "EnvpoolMountainCar", "EnvpoolPendulum",
                                "EnvpoolShadowHandBlock", "Synthetic"]
    for algo in ("PPO", "SAPG", "CPO"):
        assert {f"{task}{algo}" for task in embedded_tasks()} <= set(TRAIN_CONFIGS)


def test_defaults_are_the_sweeps_choice_mountaincar_with_cpo():
    cfg = compose_config()
    assert cfg.task.name == "EnvpoolMountainCar" == default_task()
    assert cfg.train.params.algo.name == "cpo"
    # docs/results.md, "The sweep behind the default": 4 blocks of 256, 3.9M steps, the
    # adversarial reward on
    config = rl_games_params(prepare(compose_config("experiment=x")))["config"]
    assert (config["num_actors"], config["max_epochs"], config["horizon_length"]) == (1024, 60, 64)
    assert config["sapg"]["num_blocks"] == 4 and config["cpo"]["lambda_adv"] == 0.01
    assert cfg.train_dir == "runs" and cfg.rl_device == "auto"
    for key in ("task", "train", "num_envs", "seed", "torch_deterministic", "max_iterations",
                "experiment", "test", "checkpoint", "rl_device", "multi_gpu", "headless",
                "wandb_activate", "wandb_project", "wandb_entity", "wandb_group", "wandb_name",
                "wandb_tags", "train_dir"):
        assert key in cfg, key


@pytest.mark.parametrize("train", TRAIN_CONFIGS)
def test_every_train_config_composes_into_rl_games_params(train):
    embedded = [t for t in embedded_tasks() if train.startswith(t)]
    task = max(embedded, key=len) if embedded else "EnvpoolAnt"  # IsaacGymEnvs configs: any task
    cfg = prepare(compose_config(f"task={task}", f"train={train}", "experiment=x"))
    params = rl_games_params(cfg)
    config = params["config"]
    if cfg.task.backend == "synthetic":
        assert config["env_name"] == SYNTHETIC and config["env_config"]["num_actions"] == 20
    else:
        assert config["env_name"] == ENVPOOL
        assert config["env_config"]["task_id"] == cfg.task.env.envpoolId
    assert config["device"] == config["device_name"] == "cpu"
    assert config["torch_compile"] is False
    assert config["bounds_loss_coef"] > 0
    assert config["name"] == config["full_experiment_name"] == "x"
    assert config["player"]["use_vecenv"] is True
    if embedded:
        assert config["num_actors"] == cfg.task.env.numEnvs
    if params["algo"]["name"] in ("sapg", "cpo"):
        sapg = SapgConfig.from_config(config)
        assert config["num_actors"] % sapg.num_blocks == 0
        # the asymmetric critic where the task gives privileged states, as in its PPO config
        assert ("central_value_config" in config) == bool(cfg.task.env.get("stateKeys"))
    if params["algo"]["name"] == "cpo":
        CpoConfig.from_config(config)


# The paper's table (CPO Appendix A.7): units, rnn units, H, lr, e_clip, mini_epochs, entropy.
# Humanoid and Anymal's horizon is the public code's 16, where the paper contradicts itself (8 in
# Table 6, 16 in A.7.2); tests/crosscheck checks every key against the public codes.
PAPER = {
    "ShadowHandSAPG": ([512, 512, 256, 128], None, 8, 5e-4, 0.2, 5, 0.005, 0.016),
    "AllegroHandSAPG": ([512, 256, 128], None, 8, 5e-4, 0.2, 5, 0.0, 0.016),
    "AllegroKukaLSTMRegraspingSAPG": ([768, 512, 256], 768, 16, 1e-4, 0.1, 2, 0.0, 0.016),
    "AllegroKukaLSTMReorientationSAPG": ([768, 512, 256], 768, 16, 1e-4, 0.1, 2, 0.005, 0.016),
    "AllegroKukaTwoArmsLSTMSAPG": ([768, 512, 256], 768, 16, 1e-4, 0.1, 2, 0.005, 0.016),
    "AllegroKukaLSTMThrowSAPG": ([768, 512, 256], 768, 16, 1e-4, 0.1, 2, 0.0, 0.016),
    "FrankaCubeStackSAPG": ([256, 128, 64], 256, 16, 5e-4, 0.2, 8, 0.005, 0.008),
    "HumanoidSAPG": ([768, 512, 256], None, 16, 5e-4, 0.2, 5, 0.002, 0.008),
    "AnymalSAPG": ([768, 512, 256], None, 16, 3e-4, 0.2, 5, 0.002, 0.008),
}


@pytest.mark.parametrize("train", sorted(PAPER))
def test_isaacgymenvs_sapg_configs_hold_the_paper_values(train):
    units, rnn, horizon, lr, e_clip, mini_epochs, entropy, kl = PAPER[train]
    params = rl_games_params(prepare(compose_config(f"train={train}", "experiment=x")))
    network, config = params["network"], params["config"]
    assert network["mlp"]["units"] == units
    assert (network["rnn"]["units"] if rnn else None) == rnn
    assert (config["horizon_length"], float(config["learning_rate"]), config["e_clip"],
            config["mini_epochs"], config["kl_threshold"]) == (horizon, lr, e_clip, mini_epochs, kl)
    assert config["sapg"] == {"num_blocks": 6, "off_policy_ratio": 1, "embedding_dim": 32,
                              "entropy_scale": entropy}
    assert config["num_actors"] == 24576 and config["minibatch_size_per_env"] == 4  # 4 x N rows
    assert (config["gamma"], config["tau"], config["grad_norm"], config["critic_coef"],
            config["bounds_loss_coef"]) == (0.99, 0.95, 1.0, 4, 1e-4)
    if rnn:  # Franka: the public code's effective 4 (its seq_len key is not read; docs/reference.md)
        assert config["seq_length"] == (4 if train.startswith("Franka") else horizon)
    ppo = rl_games_params(prepare(compose_config(f"train={train[:-4]}PPOPaper", "experiment=x")))
    assert ppo["algo"]["name"] == "a2c_continuous" and "sapg" not in ppo["config"]
    assert ppo["network"] == network                     # like for like: the paper's PPO baseline
    for key in set(config) - {"sapg", "name", "full_experiment_name"}:
        assert ppo["config"][key] == config[key], key


def test_top_level_overrides_reach_rl_games():
    cfg = prepare(compose_config("num_envs=16", "max_iterations=7", "seed=3", "experiment=e",
                                 "train_dir=/tmp/somewhere", "rl_device=cpu"))
    config = rl_games_params(cfg)["config"]
    assert config["num_actors"] == 16 and config["max_epochs"] == 7
    assert config["train_dir"] == "/tmp/somewhere" and config["env_config"]["seed"] == 3


def test_experiment_defaults_to_task_and_time():
    config = rl_games_params(prepare(compose_config()))["config"]
    assert config["name"].startswith("EnvpoolMountainCar_") and config["train_dir"] == "runs"
    nested = rl_games_params(prepare(compose_config("experiment=grp/s1")))["config"]
    assert (nested["name"], nested["full_experiment_name"], nested["train_dir"]) == \
        ("s1", "s1", "runs/grp")  # rl_games names checkpoint files after the run


def test_unknown_key_is_rejected():
    with pytest.raises(ConfigCompositionException, match="num_env"):
        compose_config("num_env=3")


def test_bad_num_envs_names_the_fix():
    cfg = prepare(compose_config("num_envs=0"))
    with pytest.raises(ValueError, match="num_envs=0 must be a positive integer"):
        rl_games_params(cfg)


def test_missing_simulator_is_a_clear_error():
    assert task_from_argv(["seed=1", "task=ShadowHand"]) == "ShadowHand"
    message = missing_task_error("ShadowHand")
    assert "IsaacGymEnvs is not installed" in message and "EnvpoolAnt" in message
    assert missing_task_error("EnvpoolAnt") == ""


def test_resolved_config_is_plain_data():
    cfg = prepare(compose_config())
    assert OmegaConf.to_container(cfg, resolve=True)["task"]["env"]["numEnvs"] == 1024


def test_cuda_without_cuda_names_the_fix():
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="rl_device=cuda:0 .* use rl_device=cpu"):
        prepare(compose_config("rl_device=cuda:0"))


# The paper's table (CPO Appendix A.7): beta, lambda_f, lambda_adv, discriminator units
PAPER_CPO = {
    "ShadowHandCPO": (0.001, 0.2, 0.01, [1024, 1024, 512, 512]),
    "AllegroHandCPO": (0.0005, 0.1, 0.001, [1024, 1024, 512, 512]),
    "AllegroKukaLSTMRegraspingCPO": (0.001, 0.2, 0.0, None),
    "AllegroKukaLSTMReorientationCPO": (0.001, 0.2, 0.0, None),
    "AllegroKukaTwoArmsLSTMCPO": (0.001, 0.2, 0.0, None),
    "AllegroKukaLSTMThrowCPO": (0.001, 0.1, 0.0, None),
    "FrankaCubeStackCPO": (0.0005, 0.1, 0.0, [256, 128, 64]),
    "HumanoidCPO": (0.001, 0.2, 0.0, [768, 512, 256]),
    "AnymalCPO": (0.001, 0.2, 0.0, [768, 512, 256]),
}


@pytest.mark.parametrize("train", sorted(PAPER_CPO))
def test_isaacgymenvs_cpo_configs_hold_the_paper_values(train):
    beta, lambda_f, lambda_adv, units = PAPER_CPO[train]
    params = rl_games_params(prepare(compose_config(f"train={train}", "experiment=x")))
    cpo = CpoConfig.from_config(params["config"])
    assert params["algo"]["name"] == "cpo" and cpo.lambda_r == 0 and cpo.weight_max == 100
    assert (cpo.beta, cpo.lambda_f, cpo.lambda_adv) == (beta, lambda_f, lambda_adv)
    if units:
        assert list(cpo.discriminator.units) == units
    sapg_twin = rl_games_params(prepare(compose_config(
        f"train={train[:-3]}SAPG", "experiment=x")))["config"]
    for key in ("sapg", "horizon_length", "learning_rate", "e_clip", "mini_epochs"):
        assert params["config"][key] == sapg_twin[key]


def test_play_mode_takes_the_model_of_the_checkpoints_run(tmp_path):
    from rlgames_cpo.launch import with_trained_model

    trained = prepare(compose_config("task=EnvpoolAnt", "train=EnvpoolAntSAPG", "experiment=r",
                                     f"train_dir={tmp_path}"))
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "config.yaml").write_text(OmegaConf.to_yaml(trained, resolve=True))
    checkpoint = tmp_path / "r" / "nn" / "r.pth"
    playing = rl_games_params(prepare(compose_config("task=EnvpoolAnt", "experiment=p",
                                                     "num_envs=4")))  # EnvpoolAntCPO
    params = with_trained_model(playing, str(checkpoint), "EnvpoolAnt")
    assert params["algo"]["name"] == "sapg" and "cpo" not in params["config"]
    assert params["config"]["sapg"]["num_blocks"] == 4 and params["config"]["num_actors"] == 4
    assert playing["algo"]["name"] == "cpo"                      # the composed dict is untouched
    assert with_trained_model(playing, str(tmp_path / "elsewhere.pth"), "EnvpoolAnt") is playing
    with pytest.raises(ValueError, match=r"r.pth was trained on task=EnvpoolAnt \(its run's .*"
                                         r"config.yaml\), not task=EnvpoolHumanoid: play it with "
                                         r"task=EnvpoolAnt"):
        with_trained_model(playing, str(checkpoint), "EnvpoolHumanoid")


def test_task_alone_trains_cpo_on_embedded_tasks_and_isaacgymenvs_ppo_on_theirs():
    from rlgames_cpo.hydra_setup import default_train

    assert default_train(["task=ShadowHand"]) == "train=ShadowHandPPO"   # as IsaacGymEnvs does
    assert default_train(["task=ShadowHand", "train=ShadowHandCPO"]) == ""
    assert default_train(["task=EnvpoolHumanoid"]) == ""                 # cfg: ${task}CPO
    assert default_train(["seed=1"]) == ""
    assert compose_config("task=EnvpoolHumanoid").train.params.algo.name == "cpo"


@pytest.mark.parametrize("value", [0, -1, "x", 2.5])
def test_max_iterations_must_be_a_positive_whole_number(value):
    with pytest.raises(ValueError, match=rf"max_iterations={value!r} must be a positive integer, "
                                         r"or '' for the default: e.g. max_iterations=100"):
        prepare(compose_config(f"max_iterations={value}", "experiment=x"))


def test_every_top_level_key_of_isaacgymenvs_exists():
    # IsaacGymEnvs 1.5.1's cfg/config.yaml keys (its `pbt` group included): their train and task
    # configs interpolate them
    keys = ("task_name experiment num_envs seed torch_deterministic max_iterations physics_engine "
            "pipeline sim_device rl_device graphics_device_id num_threads solver_type "
            "num_subscenes test checkpoint sigma multi_gpu wandb_activate wandb_group wandb_name "
            "wandb_entity wandb_project wandb_tags wandb_logcode_dir capture_video "
            "capture_video_freq capture_video_len force_render headless pbt").split()
    cfg = compose_config()
    assert [key for key in keys if key not in cfg] == []
    assert cfg.pbt.enabled is False


def test_only_rank_0_writes_the_run(monkeypatch):
    from rlgames_cpo.launch import is_main_process

    single = compose_config()
    ranked = compose_config("multi_gpu=True")
    monkeypatch.setenv("RANK", "1")
    assert is_main_process(single) and not is_main_process(ranked)
    monkeypatch.setenv("RANK", "0")
    assert is_main_process(ranked)
