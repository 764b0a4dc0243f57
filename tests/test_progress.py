import math

from rlgames_cpo.progress import eta_seconds, format_count, format_duration, progress_line


def test_format_duration():
    assert format_duration(9.4) == "9s"
    assert format_duration(125) == "2m05s"      # 2 * 60 + 5
    assert format_duration(3725) == "1h02m"     # 3600 + 2 * 60 + 5
    assert format_duration(math.nan) == "?"


def test_format_count():
    assert format_count(950) == "950"
    assert format_count(12_288) == "12.3k"
    assert format_count(5_600_000) == "5.6M"


def test_eta_at_average_rate():
    assert eta_seconds(elapsed=30.0, done=10, total=40) == 90.0  # 3 s per epoch * 30 left
    assert eta_seconds(elapsed=30.0, done=40, total=40) == 0.0
    assert math.isnan(eta_seconds(elapsed=30.0, done=10, total=-1))   # no end configured
    assert math.isnan(eta_seconds(elapsed=0.0, done=0, total=40))


def test_progress_line():
    line = progress_line(epoch=12, max_epochs=600, frame=49_152, mean_reward=812.345, fps=4100.0,
                         elapsed=62.0, eta=252.0)
    assert line == ("epoch 12/600 | frames 49.2k | reward   812.35 | fps 4.1k | "
                    "1m02s elapsed, ETA 4m12s")
    assert "reward    n/a" in progress_line(1, -1, 0, math.nan, 0.0, 1.0, math.nan)
