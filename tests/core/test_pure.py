import subprocess
import sys


def test_core_never_imports_rl_games():
    code = ("import sys, rlgames_cpo.core.blocks, rlgames_cpo.core.targets, rlgames_cpo.core.losses, "
            "rlgames_cpo.core.minibatches, rlgames_cpo.core.conditioning, rlgames_cpo.core.gaussian, "
            "rlgames_cpo.core.coupling, rlgames_cpo.core.discriminator, rlgames_cpo.core.diagnostics, "
            "rlgames_cpo.core.rows; "
            "print(any(m.startswith('rl_games') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
