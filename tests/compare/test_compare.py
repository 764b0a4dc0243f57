"""The comparison tool on synthetic runs written by the test itself, and one tiny real grid."""

import json
import math

import numpy as np
import pytest
import yaml
from tensorboardX import SummaryWriter

from rlgames_cpo.compare import stats
from rlgames_cpo.compare.__main__ import main
from rlgames_cpo.compare.runs import load_run


def fake_run(root, name, algo, seed, returns, steps_per_epoch, max_epochs, diagnostics=None,
             task="Fake", **config_keys):
    """A run directory like train.py writes: config.yaml and TensorBoard scalars."""
    path = root / name
    (path / "summaries").mkdir(parents=True)
    config = {"seed": seed, "task": {"name": task},
              "train": {"params": {"algo": {"name": algo},
                                   "config": {"max_epochs": max_epochs, **config_keys}}}}
    (path / "config.yaml").write_text(yaml.safe_dump(config))
    writer = SummaryWriter(str(path / "summaries"))
    for epoch, value in enumerate(returns, start=1):
        step = epoch * steps_per_epoch
        if value is not None:  # None: no episode has ended yet, so rl_games logs no return
            writer.add_scalar("rewards/step", value, step)
        writer.add_scalar("info/epochs", epoch, step)
        for tag, v in (diagnostics or {}).items():
            writer.add_scalar(tag, v, step)
    writer.close()
    return path


def test_welch_p_matches_the_textbook_value():
    # a = 1..5 (mean 3, var 2.5), b = 2,4,6,8,10 (mean 6, var 10): t = -3 / sqrt(0.5 + 2)
    # = -1.897, Welch df = 2.5^2 / (0.25 / 4 + 4 / 4) = 5.88; two-sided p = 0.1075
    assert stats.welch_p([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]) == pytest.approx(0.1075, abs=5e-4)
    assert stats.welch_p([1.0], [5.0, 6.0]) == 1.0          # one seed: no evidence either way
    assert stats.welch_p([2.0, 2.0], [3.0, 3.0]) == 0.0


def test_bolding_keeps_the_best_and_those_not_significantly_different():
    finals = {"ppo": [100.0, 101, 99], "sapg": [150.0, 160, 140], "cpo": [155.0, 150, 165]}
    # cpo best (mean 156.7); sapg (150) overlaps it, ppo (100) does not
    assert stats.bold_set(finals) == {"cpo", "sapg"}
    assert stats.bold_set({"ppo": [], "cpo": [1.0, 2.0]}) == {"cpo"}


def test_runs_are_aligned_on_env_steps_not_iterations():
    # run A logs every 100 steps, run B every 250: at step 500 both are defined
    a = (np.array([100.0, 200, 300, 400, 500]), np.array([1.0, 2, 3, 4, 5]))
    b = (np.array([250.0, 500, 750]), np.array([10.0, 20, 30]))
    grid = np.array([250.0, 500.0, 750.0])
    out = stats.aligned([a, b], grid)
    assert out[0, :2].tolist() == [2.5, 5.0] and math.isnan(out[0, 2])   # A stops at 500
    assert out[1].tolist() == [10.0, 20.0, 30.0]


def test_report_flags_incomplete_runs_and_never_averages_them(tmp_path):
    runs = tmp_path / "runs"
    for seed, offset in enumerate((0, 10, 20)):
        fake_run(runs, f"ppo_s{seed}", "a2c_continuous", seed, [offset + e for e in range(10)], 100, 10)
    for seed, offset in enumerate((50, 60)):
        fake_run(runs, f"cpo_s{seed}", "cpo", seed, [offset + 2 * e for e in range(20)], 50, 20,
                 {"diagnostics/is_ratio_deviation": 0.2 + seed, "diagnostics/ess_rate": 0.9})
    fake_run(runs, "cpo_s2", "cpo", 2, [0.0] * 5, 50, 20)   # interrupted at 250 of 1000 steps
    out = tmp_path / "report"
    main(["--runs", str(runs / "*"), "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["budget_env_steps"] == 1000                 # the complete runs' common end
    final = summary["final_performance"]
    # ppo at step 1000 (epoch 10): 9, 19, 29; cpo at step 1000 (epoch 20): 88, 98
    assert final["ppo"]["values"] == [9.0, 19.0, 29.0] and final["cpo"]["values"] == [88.0, 98.0]
    assert final["cpo"]["incomplete"] == [str(runs / "cpo_s2")]
    assert final["cpo"]["bold"] and not final["ppo"]["bold"]
    assert summary["diagnostics"]["cpo"]["is_ratio_deviation"] == pytest.approx(0.7)
    assert summary["diagnostics"]["ppo"]["ess_rate"] is None
    assert [r["complete"] for r in summary["runs"] if r["path"].endswith("cpo_s2")] == [False]
    table = (out / "final_performance.md").read_text()
    assert "| cpo | **93.0 ± 7.1** | 2 | 1 | 0 |" in table
    assert "| ppo | 19.0 ± 10.0 | 3 | 0 | 0 |" in table
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_runs_that_trained_but_ended_no_episode_are_counted_apart(tmp_path, capsys):
    # MountainCar at 4096 envs x 15 iterations of 64 steps: 960 steps per env, under the 999-step
    # time limit, so only episodes that reach the flag end; PPO's leader ended none and rl_games
    # logged no return at all. The budget must still be the runs' common end, not 0.
    runs = tmp_path / "runs"
    for seed in (0, 1):
        fake_run(runs, f"sapg_s{seed}", "sapg", seed, [None] * 6 + [60.0 + seed] * 4, 100, 10)
    fake_run(runs, "sapg_s2", "sapg", 2, [None] * 10, 100, 10)
    for seed in (0, 1):
        fake_run(runs, f"ppo_s{seed}", "a2c_continuous", seed, [None] * 10, 100, 10)
    fake_run(runs, "ppo_s2", "a2c_continuous", 2, [None] * 4, 100, 10)  # stopped at step 400
    out = tmp_path / "report"
    main(["--runs", str(runs / "*"), "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["budget_env_steps"] == 1000
    final = summary["final_performance"]
    assert final["sapg"]["values"] == [60.0, 61.0]
    assert final["sapg"]["no_episode_ended"] == [str(runs / "sapg_s2")]
    assert final["ppo"]["values"] == [] and final["ppo"]["mean"] is None
    assert final["ppo"]["no_episode_ended"] == [str(runs / f"ppo_s{s}") for s in (0, 1)]
    assert final["ppo"]["incomplete"] == [str(runs / "ppo_s2")]
    table = (out / "final_performance.md").read_text()
    assert "| sapg | **60.5 ± 0.7** | 2 | 0 | 1 |" in table
    assert "| ppo | n/a | 0 | 1 | 2 |" in table
    assert "no episode ended by 1,000 env steps" in capsys.readouterr().out


@pytest.mark.slow
def test_launch_a_tiny_grid_resumes_and_reports(tmp_path, repo):
    argv = ["--task", "EnvpoolPendulum", "--algos", "ppo", "cpo", "--seeds", "0",
            "--max-iterations", "2", "--train-dir", str(tmp_path / "runs"),
            "--out", str(tmp_path / "report"), "num_envs=8"]
    main(argv)
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert {r["algo"] for r in summary["runs"]} == {"ppo", "cpo"}
    assert all(r["complete"] for r in summary["runs"])
    assert summary["kl_heatmaps"] and (tmp_path / "report" / summary["kl_heatmaps"][0]).is_file()
    before = (tmp_path / "runs" / "EnvpoolPendulum_cpo_s0" / "config.yaml").stat().st_mtime
    main(argv)                                                   # finished runs are skipped
    after = (tmp_path / "runs" / "EnvpoolPendulum_cpo_s0" / "config.yaml").stat().st_mtime
    assert before == after
    assert load_run(tmp_path / "runs" / "EnvpoolPendulum_ppo_s0").seed == 0


def test_folders_that_are_not_runs_are_named_and_skipped(tmp_path, capsys):
    runs = tmp_path / "runs"
    fake_run(runs, "good", "cpo", 0, [1.0, 2.0], 100, 2)
    broken = fake_run(runs, "broken", "cpo", 1, [1.0], 100, 2)
    (broken / "config.yaml").write_text("train: [unclosed")
    silent = runs / "silent"                              # started, never logged an iteration
    (silent / "summaries").mkdir(parents=True)
    (silent / "config.yaml").write_text((runs / "good" / "config.yaml").read_text())
    (runs / "stray").mkdir()
    main(["--runs", str(runs / "*"), "--out", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert f"[compare] skipped {broken}: config.yaml is not a run's config (ParserError" in out
    assert f"[compare] skipped {silent}: no logged iteration (info/epochs not in" in out
    assert f"[compare] skipped {runs / 'stray'}: no config.yaml" in out
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert [r["path"] for r in summary["runs"]] == [str(runs / "good")]


@pytest.mark.parametrize("argv, message", [
    (["--budget", "-5"], "--budget -5 must be > 0"),
    (["--diagnostics-step", "0"], "--diagnostics-step 0 must be > 0"),
    (["--seeds", "0", "0"], "--seeds and --algos must not repeat a value"),
    (["--out", "{tmp}/a_file"], "is a file, and the report is a folder of files: give a folder"),
])
def test_bad_arguments_are_refused(tmp_path, capsys, argv, message):
    fake_run(tmp_path, "good", "cpo", 0, [1.0, 2.0], 100, 2)
    (tmp_path / "a_file").write_text("not a folder")
    with pytest.raises(SystemExit):
        main(["--runs", str(tmp_path / "*"), *(a.replace("{tmp}", str(tmp_path)) for a in argv)])
    assert message in capsys.readouterr().err


def test_task_mode_refuses_a_non_positive_iteration_count(capsys):
    with pytest.raises(SystemExit):
        main(["--task", "EnvpoolAnt", "--max-iterations", "0"])
    assert "--task needs --max-iterations" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--task", "EnvpoolAnt", "--max-iterations", "-3"])
    assert "--max-iterations -3 must be > 0" in capsys.readouterr().err


def test_ppo_is_the_papers_baseline_where_a_config_family_has_one(tmp_path, monkeypatch):
    import argparse

    from rlgames_cpo.compare import __main__ as compare

    assert compare.train_config("ShadowHand", "ppo") == "ShadowHandPPOPaper"
    assert compare.train_config("ShadowHand", "cpo") == "ShadowHandCPO"
    assert compare.train_config("EnvpoolAnt", "ppo") == "EnvpoolAntPPO"   # no paper baseline
    commands = []
    monkeypatch.setattr(compare, "train", lambda command, experiment: commands.append(command))
    args = argparse.Namespace(task="AllegroKukaLSTM", configs="AllegroKukaLSTMRegrasping",
                              algos=["ppo", "sapg", "cpo"], seeds=[0], max_iterations=1,
                              train_dir=str(tmp_path))
    compare.launch(args, ["task/env=regrasping"])
    assert [c[3:5] for c in commands] == [
        ["task=AllegroKukaLSTM", f"train=AllegroKukaLSTMRegrasping{suffix}"]
        for suffix in ("PPOPaper", "SAPG", "CPO")]
    assert all(c[-1] == "task/env=regrasping" and "experiment=AllegroKukaLSTMRegrasping_" in " ".join(c)
               for c in commands)


def test_runs_of_other_tasks_or_settings_are_not_pooled_as_seeds(tmp_path, capsys):
    """Issue 22, item 10: they were averaged as seeds of one algorithm, without a word."""
    fake_run(tmp_path / "a", "ant", "cpo", 0, [1.0, 2.0], 100, 2, task="EnvpoolAnt")
    fake_run(tmp_path / "a", "cube", "cpo", 1, [1.0, 2.0], 100, 2, task="EnvpoolLeapCube")
    with pytest.raises(SystemExit, match=r"these runs are of 2 tasks \(EnvpoolAnt, "
                                         r"EnvpoolLeapCube\): report each task apart"):
        main(["--runs", str(tmp_path / "a" / "*"), "--out", str(tmp_path / "r")])
    fake_run(tmp_path / "b", "s0", "cpo", 0, [1.0, 2.0], 100, 2, sapg={"num_blocks": 4})
    fake_run(tmp_path / "b", "s1", "cpo", 1, [1.0, 2.0], 100, 2, sapg={"num_blocks": 6})
    with pytest.raises(SystemExit, match=r"the cpo runs are not seeds of one setting: they differ "
                                         r"in config.sapg.num_blocks \(config.sapg.num_blocks: "
                                         r"4 \(s0\), 6 \(s1\)\)"):
        main(["--runs", str(tmp_path / "b" / "*"), "--out", str(tmp_path / "r")])
    fake_run(tmp_path / "c", "s0", "cpo", 0, [1.0, 2.0], 100, 2, sapg={"num_blocks": 4})
    fake_run(tmp_path / "c", "s1", "cpo", 1, [1.0, 3.0], 100, 2, sapg={"num_blocks": 4})
    main(["--runs", str(tmp_path / "c" / "*"), "--out", str(tmp_path / "r")])
    assert ("[compare] final performance at 200 env steps (the smallest last step of the "
            "complete runs; --budget sets another)") in capsys.readouterr().out


def test_settings_of_one_algorithm_compare_as_arms(tmp_path):
    """Issue 25: fixed lambda_f values against a KL target, each arm a row of the tables, its
    seeds still required to share everything else."""
    kl = {"diagnostics/kl_leader_follower_mean": 0.02}
    for seed in (0, 1):
        fake_run(tmp_path / "a", f"lf05_s{seed}", "cpo", seed, [1.0, 2.0 + seed], 100, 2, kl,
                 cpo={"lambda_f": 0.5})
        fake_run(tmp_path / "a", f"lf01_s{seed}", "cpo", seed, [1.0, 6.0 + seed], 100, 2, kl,
                 cpo={"lambda_f": 0.1})
        fake_run(tmp_path / "a", f"target_s{seed}", "cpo", seed, [1.0, 4.0 + seed], 100, 2, kl,
                 cpo={"lambda_f": 0.2, "kl_target": 0.03})
    runs = str(tmp_path / "a" / "*")
    with pytest.raises(SystemExit, match=r"the cpo runs are not seeds of one setting: they differ in "
                                         r"config.cpo.kl_target, config.cpo.lambda_f .* or compare "
                                         r"the settings as arms: --arms config.cpo.kl_target "
                                         r"config.cpo.lambda_f"):
        main(["--runs", runs, "--out", str(tmp_path / "r")])
    main(["--runs", runs, "--arms", "cpo.lambda_f", "cpo.kl_target", "--out", str(tmp_path / "r")])
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    final = summary["final_performance"]
    assert sorted(final) == ["cpo lambda_f=0.1", "cpo lambda_f=0.2 kl_target=0.03",
                             "cpo lambda_f=0.5"]
    assert final["cpo lambda_f=0.1"]["values"] == [6.0, 7.0]
    assert final["cpo lambda_f=0.2 kl_target=0.03"]["mean"] == pytest.approx(4.5)
    assert summary["diagnostics"]["cpo lambda_f=0.5"]["kl_leader_follower_mean"] == pytest.approx(0.02)
    assert "| cpo lambda_f=0.5 | n/a | n/a | 0.020 |" in (tmp_path / "r" / "diagnostics.md").read_text()
    # an arm's seeds must still share the rest; a key no run has is named
    fake_run(tmp_path / "a", "lf05_s2", "cpo", 2, [1.0, 2.0], 100, 2, cpo={"lambda_f": 0.5},
             gamma=0.9)
    with pytest.raises(SystemExit, match=r"the cpo lambda_f=0.5 runs are not seeds of one "
                                         r"setting: they differ in config.gamma"):
        main(["--runs", runs, "--arms", "cpo.lambda_f", "cpo.kl_target", "--out", str(tmp_path / "r")])
    with pytest.raises(SystemExit, match=r"--arms cpo.lambda_r: no run has this setting"):
        main(["--runs", runs, "--arms", "cpo.lambda_r", "--out", str(tmp_path / "r")])
