"""A run folder is never clobbered and bad input never costs data (issue 11's data-loss cases),
through train.py's main as users run it (in-process; simultaneous runs and Ctrl-C in processes of
their own); errors are one line."""

import shutil
import signal
import subprocess
import sys
import time

import pytest
from in_process import run_main

pytestmark = pytest.mark.slow

SMALL = ["task=EnvpoolPendulum", "num_envs=8", "rl_device=cpu"]
PPO = [*SMALL, "train=EnvpoolPendulumPPO"]
SAPG = [*SMALL, "train=EnvpoolPendulumSAPG"]


def run(repo, *overrides):
    return run_main(*overrides)


def trained(repo, *overrides):
    result = run(repo, *overrides)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def snapshot(folder) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(result, *fragments) -> str:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip() and "Warn" not in line
             and "warn(" not in line]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def finished_run(repo, tmp_path_factory):
    """A finished SAPG run, trained once for the module."""
    train_dir = tmp_path_factory.mktemp("victim")
    trained(repo, *SAPG, "max_iterations=2", "experiment=victim", f"train_dir={train_dir}")
    return train_dir / "victim"


@pytest.fixture
def victim(finished_run, tmp_path):
    """A copy of the finished SAPG run as ``<tmp_path>/victim``, and the bytes of every file in it."""
    folder = tmp_path / "victim"
    shutil.copytree(finished_run, folder)
    return folder, snapshot(folder)


def test_bad_values_and_failed_starts_leave_a_finished_run_as_it_was(repo, tmp_path, victim):
    folder, before = victim
    (checkpoint,) = (folder / "nn").glob("last_*.pth")
    common = [*SAPG, "experiment=victim", f"train_dir={tmp_path}"]
    # refused before anything is built
    one_line_error(run(repo, *common, "train.params.config.horizon_length=0"), "horizon_length=0")
    one_line_error(run(repo, *common, "train.params.config.sapg.num_blocks=x"), "sapg.num_blocks")
    # failing after the folder was claimed: resuming this run as another algorithm
    one_line_error(run(repo, *common, "train.params.algo.name=cpo", f"checkpoint={checkpoint}"),
                   "was written by algo.name=sapg, but this run is algo.name=cpo")
    # ... and with overwrite=True, which had moved the run aside: it is put back
    elsewhere = tmp_path / "copy.pth"
    elsewhere.write_bytes(checkpoint.read_bytes())
    one_line_error(run(repo, *common, "overwrite=True", "train.params.algo.name=cpo",
                       f"checkpoint={elsewhere}"), "was written by algo.name=sapg")
    assert snapshot(folder) == before
    assert not (tmp_path / ".overwritten").exists() or not any((tmp_path / ".overwritten").iterdir())
    # the run still plays
    played = trained(repo, *SMALL, "test=True", f"checkpoint={checkpoint}",
                     "train.params.config.player.games_num=2")
    assert "av reward:" in played.stdout


def test_another_run_in_the_same_folder_is_refused_or_moved_aside(repo, tmp_path, victim):
    folder, before = victim
    common = [*PPO, "experiment=victim", f"train_dir={tmp_path}", "max_iterations=1"]
    error = one_line_error(run(repo, *common), f"{folder} holds another run", "resume it with "
                           f"checkpoint={folder}/nn/", "or replace it with overwrite=True")
    assert "choose another experiment=" in error
    assert snapshot(folder) == before
    trained(repo, *common, "overwrite=True")
    (moved,) = (tmp_path / ".overwritten").iterdir()
    assert snapshot(moved) == before                     # nothing deleted
    assert "a2c_continuous" in (folder / "config.yaml").read_text()


def test_a_run_resumes_in_its_own_folder(repo, tmp_path, victim):
    folder, before = victim
    (checkpoint,) = (folder / "nn").glob("last_*.pth")
    out = trained(repo, *SAPG, "experiment=victim", f"train_dir={tmp_path}", "max_iterations=3",
                  f"checkpoint={checkpoint}").stdout
    assert "epoch 3/3" in out and "epoch 2/3" not in out
    after = snapshot(folder)
    assert all(after[path] == data for path, data in before.items()
               if path.parts[0] == "nn")                  # its checkpoints are all still there
    assert len(list((folder / "summaries").glob("events.*"))) == 2


def test_simultaneous_runs_never_share_a_folder(repo, tmp_path):
    def start(*overrides):
        return subprocess.Popen([sys.executable, "train.py", *PPO, "max_iterations=2",
                                 f"train_dir={tmp_path}", *overrides], cwd=repo,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    same_name = [start("experiment=twin"), start("experiment=twin")]
    results = [p.communicate(timeout=600) + (p.returncode,) for p in same_name]
    assert sorted(code == 0 for _, _, code in results) == [False, True]
    (refused,) = [err for _, err, code in results if code != 0]
    assert "twin is in use by a live run" in refused or "twin holds another run" in refused
    default_names = [start(), start()]                   # named <task>_<d-H-M-S>: the same second
    assert [p.wait(timeout=600) for p in default_names] == [0, 0]
    runs = sorted(p.name for p in tmp_path.glob("EnvpoolPendulum_*"))
    assert len(runs) == 2, runs
    assert all((tmp_path / name / "config.yaml").is_file() for name in runs)
    assert not list(tmp_path.rglob(".lock"))             # released at the end


def test_experiment_names_stay_inside_train_dir(repo, tmp_path):
    train_dir = tmp_path / "runs"
    trained(repo, *PPO, "max_iterations=1", "experiment=grp/s1", f"train_dir={train_dir}")
    assert list((train_dir / "grp" / "s1" / "nn").glob("last_s1_ep_1_*.pth"))
    assert (train_dir / "grp" / "s1" / "config.yaml").is_file()
    for name in ("../x", "/tmp/x", "grp/../../x"):
        one_line_error(run(repo, *PPO, f"experiment={name}", f"train_dir={train_dir}"),
                       "must stay inside train_dir")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


def test_errors_are_one_line_and_full_with_hydra_full_error(repo, monkeypatch):
    one_line_error(run(repo, *PPO, "train.params.config.gamma=2"),
                   "train.params.config.gamma=2 must be a number in (0, 1]")
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")  # the error itself, with its traceback
    with pytest.raises(ValueError, match=r"train.params.config.gamma=2 must be a number"):
        run(repo, *PPO, "train.params.config.gamma=2")


def test_playing_another_tasks_checkpoint_names_the_task(repo, tmp_path, victim):
    folder, _ = victim
    (checkpoint,) = (folder / "nn").glob("last_*.pth")
    one_line_error(run(repo, "task=EnvpoolHalfCheetah", "num_envs=2", "test=True",
                       f"checkpoint={checkpoint}"),
                   "was trained on task=EnvpoolPendulum", "play it with task=EnvpoolPendulum")
    alone = tmp_path / "alone.pth"                        # no config.yaml beside it
    alone.write_bytes(checkpoint.read_bytes())
    one_line_error(run(repo, "task=EnvpoolHalfCheetah", "train=EnvpoolHalfCheetahSAPG",
                       "num_envs=2", "test=True", f"checkpoint={alone}"),
                   "holds another network than this config builds", "play it with the task it "
                   "was trained on")


def test_ctrl_c_on_a_grid_lets_the_run_write_its_checkpoint(repo, tmp_path):
    argv = [sys.executable, "-m", "rlgames_cpo.compare", "--task", "EnvpoolPendulum", "--algos",
            "ppo", "--seeds", "0", "--max-iterations", "60", "--train-dir", str(tmp_path / "runs"),
            "--out", str(tmp_path / "report"), "num_envs=8"]
    # A terminal's Ctrl-C, whatever started pytest: a shell without job control starts background
    # jobs with SIGINT ignored, and the grid would inherit that and never see the signal.
    grid = subprocess.Popen(argv, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    run_dir = tmp_path / "runs" / "EnvpoolPendulum_ppo_s0"
    deadline = time.time() + 300
    while not (run_dir / "config.yaml").is_file() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    import os
    os.killpg(grid.pid, signal.SIGINT)                  # Ctrl-C reaches the whole process group
    out, err = grid.communicate(timeout=300)
    assert grid.returncode != 0
    assert "interrupted during EnvpoolPendulum_ppo_s0: run the same command again to resume" in err
    assert list((run_dir / "nn").glob("EnvpoolPendulum_ppo_s0_interrupted_ep_*.pth")), out + err
    resumed = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "EnvpoolPendulum_ppo_s0: resuming from" in resumed.stdout


def test_resuming_a_finished_run_says_so_and_changes_nothing(repo, tmp_path, victim):
    folder, before = victim
    (checkpoint,) = (folder / "nn").glob("last_*.pth")    # iteration 2 of max_iterations=2
    result = run(repo, *SAPG, "experiment=victim", f"train_dir={tmp_path}", "max_iterations=2",
                 f"checkpoint={checkpoint}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (f"checkpoint={checkpoint} is of a finished run: it has done its 2 of max_iterations=2 "
            "iterations, so there is nothing to train and nothing was changed; to train it longer, "
            "resume with a larger max_iterations, e.g. max_iterations=4") in result.stdout
    assert "epoch 3/" not in result.stdout
    assert snapshot(folder) == before


def test_too_many_envs_for_memory_is_refused_before_anything_is_built(repo, tmp_path):
    """LeapCube's ~62 MB per env: a million envs fit no machine (issue 22 item 8: it aborted in
    envpool and left a lock); refused before the run's folder is claimed."""
    error = one_line_error(
        run(repo, "task=EnvpoolLeapCube", "train=EnvpoolLeapCubeCPO", "num_envs=1000000",
            "rl_device=cpu", "experiment=big", f"train_dir={tmp_path}"),
        "num_envs=1000000 of task=EnvpoolLeapCube needs about ", " GiB of memory (about 62.00 MB "
        "per env for the simulator (task.env.memoryPerEnvMB) and ", " GiB is available: use "
        "num_envs=", " or fewer. Nothing was built or written.")
    fitting = int(error.split("use num_envs=")[1].split()[0])
    assert fitting % 4 == 0 and 0 < fitting < 1000000  # whole blocks (EnvpoolLeapCubeSAPG: 4)
    assert list(tmp_path.iterdir()) == []


def test_latest_and_best_pick_a_runs_checkpoints_to_resume_and_play(repo, tmp_path, victim):
    """``checkpoint=latest experiment=X`` resumes run X in its folder; ``checkpoint=best`` plays its
    best; a run with no best checkpoint says so (issue 24's selectors)."""
    folder, before = victim
    (last,) = (folder / "nn").glob("last_*.pth")
    played = trained(repo, *SMALL, "test=True", "checkpoint=latest", "experiment=victim",
                     f"train_dir={tmp_path}", "train.params.config.player.games_num=2")
    assert f"[rlgames_cpo] checkpoint=latest: {last}" in played.stdout
    assert "av reward:" in played.stdout
    # 2 iterations do not reach save_best_after: no best checkpoint, and the error names latest
    assert [p.name for p in (folder / "nn").glob("*.pth")] == [last.name]
    one_line_error(run(repo, *SMALL, "test=True", "checkpoint=best", "experiment=victim",
                       f"train_dir={tmp_path}"), "has no best checkpoint yet", "use checkpoint=latest")
    resumed = trained(repo, *SAPG, "checkpoint=latest", "experiment=victim",
                      f"train_dir={tmp_path}", "max_iterations=3")
    assert "epoch 3/3" in resumed.stdout and "epoch 1/3" not in resumed.stdout
    assert list((folder / "nn").glob("last_*_ep_3_*.pth"))
