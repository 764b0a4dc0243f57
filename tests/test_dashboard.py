"""The dashboard every run writes (rlgames_cpo.summaries.dashboard_layout), read back the way a
person sees it: a real TensorBoard server on 127.0.0.1 over a short cpo run's folder, its HTTP
API asked for the custom-scalars layout and for a scalar series; and the per-iteration time of
each CPO term logged beside rl_games' rollout and learner seconds."""

import json
import re
import subprocess
import sys
import time
import urllib.request

import pytest
from in_process import run_main

from rlgames_cpo import summaries

pytestmark = pytest.mark.slow

TERMS = ("ForwardKl", "AdversarialReward")  # cpo's active terms at these settings (lambda_r = 0)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("dashboard")
    result = run_main("task=EnvpoolPendulum", "train=EnvpoolPendulumCPO", "num_envs=8",
                      "task.env.maxEpisodeSteps=5",
                      "rl_device=cpu", "max_iterations=3", "train.params.config.horizon_length=8",
                      "train.params.config.minibatch_size_per_env=4",
                      "train.params.config.cpo.lambda_adv=0.01",
                      "+train.params.config.cpo.kl_target=0.01", f"train_dir={root}",
                      "experiment=d")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return root / "d"


@pytest.fixture(scope="module")
def tensorboard(run):
    """The URL of a TensorBoard server over the run's summaries (stopped after the module)."""
    server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir",
                               str(run / "summaries"), "--host", "127.0.0.1", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, url = time.time() + 120, None
        while url is None and time.time() < deadline:
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                break
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            url = found.group(0) if found else None
        assert url, "TensorBoard did not say where it serves"
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def get(url: str):
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def test_tensorboard_serves_the_layout_and_the_scalars(tensorboard):
    deadline = time.time() + 60
    while not get(tensorboard + "data/plugin/custom_scalars/layout") and time.time() < deadline:
        time.sleep(1)  # TensorBoard reads the event files in the background
    layout = get(tensorboard + "data/plugin/custom_scalars/layout")
    titles = {category["title"]: [chart["title"] for chart in category["chart"]]
              for category in layout["category"]}
    expected = {name: list(charts) for name, charts in summaries.dashboard_layout().items()}
    assert titles == expected
    returns = layout["category"][0]["chart"][0]["multiline"]["tag"]
    assert returns == [r"blocks/reward_block_\d+"]
    tag = summaries.term_time("ForwardKl")
    series = get(f"{tensorboard}data/plugin/scalars/scalars?run=.&tag={tag}")
    assert [step for _, step, _ in series] == [0, 64, 128]  # 3 iterations of 8 envs x 8 steps
    assert all(seconds > 0 for _, _, seconds in series)


def test_each_term_has_its_time_beside_the_rollout_and_the_learner(run):
    from rlgames_cpo.compare.runs import read_scalars

    scalars = read_scalars(run / "summaries")
    for tag in [summaries.ROLLOUT_TIME, summaries.LEARNER_TIME] + [summaries.term_time(t) for t in TERMS]:
        assert len(scalars[tag][1]) == 3, tag
    learner = scalars[summaries.LEARNER_TIME][1]
    for term in TERMS:  # a term's share lies within the iteration's learner + rollout time
        assert (scalars[summaries.term_time(term)][1] < learner + scalars[summaries.ROLLOUT_TIME][1]).all()
    assert not any(tag.startswith("time/term_ReverseKl") for tag in scalars)  # lambda_r = 0: inactive


def test_every_chart_shows_a_logged_scalar(run):
    """A run with every CPO term and the KL target on: no chart of the dashboard stays empty (a
    renamed tag would leave its chart blank without an error anywhere)."""
    from rlgames_cpo.compare.runs import read_scalars

    logged = set(read_scalars(run / "summaries"))
    for category, charts in summaries.dashboard_layout().items():
        for chart, (_, patterns) in charts.items():
            for pattern in patterns:
                assert any(re.fullmatch(pattern, tag) for tag in logged), (category, chart, pattern)
