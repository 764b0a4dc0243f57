"""benchmarks/gpu_check.py's CPU self-test, as CI runs it: each algo, network (MLP, LSTM,
asymmetric critic) and switch (torch_compile, mixed_precision) once on the IsaacGymEnvs fixture,
every checkpoint reloaded and played; mixed precision, a no-op on the CPU, says so."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO.parent / "shared" / "fixtures" / "isaacgymenvs"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (FIXTURE / "isaacgymenvs" / "__init__.py").is_file(),
    reason=f"the IsaacGymEnvs fixture is not at {FIXTURE}")]


def test_gpu_check_passes_on_the_cpu():
    result = subprocess.run([sys.executable, "benchmarks/gpu_check.py", "--device", "cpu",
                             "--quick"], cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if " compile=" in line]
    assert len(rows) == 5
    assert sum("pass (trained, reloaded, played)" in row for row in rows) == 5
    assert "cpo mlp compile=on amp=off" in result.stdout  # torch.compile'd cpo trains and plays
    assert "amp=on" in rows[-1] and "in float32: no autocast on the CPU" in rows[-1]
    assert result.stdout.strip().endswith("5/5 passed")
