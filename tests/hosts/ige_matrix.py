"""The IsaacGymEnvs runs of tests/hosts: what each is, by name (conftest.ige_runs trains them all
in one process)."""

NUM_ENVS = 60  # a multiple of num_blocks = 6
# IsaacGymEnvs' own PPO configs, pairwise: every task once, every algorithm on an MLP and an LSTM
# task (AllegroHandLSTMPPO-sapg below: sapg's LSTM); all 21 task x algorithm pairs are composed
# and checked in-process (test_isaacgymenvs.py::test_every_ppo_config_checks_as_every_algorithm).
# task, IsaacGymEnvs' PPO config, its horizon_length, the sizes the fixture reports, algorithm
PPO_CONFIGS = [
    ("ShadowHand", "ShadowHandPPO", 8, "obs 211, states 0, actions 20", "a2c_continuous"),
    ("AllegroHand", "AllegroHandPPO", 8, "obs 88, states 0, actions 16", "sapg"),
    ("AllegroKukaLSTM", "AllegroKukaLSTMPPO", 16, "obs 117, states 117, actions 23", "cpo"),
    ("AllegroKukaTwoArmsLSTM", "AllegroKukaTwoArmsLSTMPPO", 16, "obs 196, states 196, actions 46",
     "a2c_continuous"),
    ("Humanoid", "HumanoidPPO", 32, "obs 108, states 0, actions 21", "cpo"),
    ("Anymal", "AnymalPPO", 24, "obs 48, states 0, actions 12", "sapg"),
    ("FrankaCubeStack", "FrankaCubeStackPPO", 32, "obs 19, states 0, actions 7", "cpo"),
]
OURS = [
    ("ShadowHand", "ShadowHandCPO", []), ("AllegroHand", "AllegroHandCPO", []),
    ("AllegroKukaLSTM", "AllegroKukaLSTMRegraspingCPO", ["task/env=regrasping"]),
    ("AllegroKukaTwoArmsLSTM", "AllegroKukaTwoArmsLSTMCPO", []), ("Humanoid", "HumanoidCPO", []),
    ("Anymal", "AnymalCPO", []), ("FrankaCubeStack", "FrankaCubeStackCPO", []),
    # the paper's PPO baseline (an LSTM at sequence length 4, the public code's)
    ("FrankaCubeStack", "FrankaCubeStackPPOPaper", []),
]
ASYMMETRIC = {
    # ShadowHand's asymmetric critic (211-d states), MLP
    "ShadowHandPPOAsymm-cpo": ["task=ShadowHand", "train=ShadowHandPPOAsymm",
                               "task.env.asymmetric_observations=True", "train.params.algo.name=cpo"],
    # AllegroHand's LSTM actor and LSTM asymmetric critic (88-d states). IsaacGymEnvs 1.5.1's
    # AllegroHandLSTM task sets observationType no_vel, which its AllegroHand task refuses
    # ("Unknown type of observations!", for PPO too): full_no_vel is its 50-d equivalent.
    "AllegroHandLSTMPPO-sapg": ["task=AllegroHandLSTM", "train=AllegroHandLSTMPPO",
                                "task.env.observationType=full_no_vel", "train.params.algo.name=sapg"],
}
# Command lines that must stop before building anything, with the message that says why.
REFUSED = {
    "subtask": ["task=AllegroKukaLSTM", "train=AllegroKukaLSTMRegraspingCPO", f"num_envs={NUM_ENVS}"],
    "pbt": ["task=AllegroKukaLSTM", "pbt=pbt_default", f"num_envs={NUM_ENVS}"],
    "task-typo": ["task=ShadowHnad"],
    **{f"minibatch-{algo}": ["task=ShadowHand", f"num_envs={NUM_ENVS}", f"train.params.algo.name={algo}"]
       for algo in ("a2c_continuous", "sapg", "cpo")},
}


def two_iterations(folder, *overrides) -> list:
    return [*overrides, f"num_envs={NUM_ENVS}", "max_iterations=2", "experiment=run",
            f"train_dir={folder}"]


def batch_runs(root) -> dict:
    """``{name: (train.py overrides, run folder)}`` of every run of the batch."""
    runs = {}
    for task, train, horizon, _, algo in PPO_CONFIGS:
        name = f"{train}-{algo}"
        runs[name] = two_iterations(root / name, f"task={task}", f"train={train}",
                                    f"train.params.algo.name={algo}",
                                    f"train.params.config.minibatch_size={NUM_ENVS * horizon // 2}")
    for task, train, extra in OURS:
        runs[train] = two_iterations(root / train, f"task={task}", f"train={train}", *extra)
    for name, overrides in ASYMMETRIC.items():
        half = NUM_ENVS * (8 if "ShadowHand" in name else 16) // 2
        runs[name] = two_iterations(root / name, *overrides,
                                    f"train.params.config.minibatch_size={half}",
                                    f"train.params.config.central_value_config.minibatch_size={half}")
    # the CPO checkpoint ShadowHandCPO wrote, played
    runs["play-ShadowHandCPO"] = [
        "task=ShadowHand", "train=ShadowHandCPO", "test=True", "num_envs=6",
        f"checkpoint=GLOB:{root / 'ShadowHandCPO' / 'run' / 'nn' / 'last_run_ep_2_*.pth'}",
        "train.params.config.player.games_num=6"]
    runs.update({name: [*argv, f"train_dir={root / name}"] for name, argv in REFUSED.items()})
    return runs
