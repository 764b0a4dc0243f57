"""Train or play with rl_games: python train.py task=EnvpoolAnt train=EnvpoolAntPPO key=value ...

IsaacGymEnvs conventions: Hydra configs under cfg/, the same top-level keys, and IsaacGymEnvs'
own task and train configs when that package is installed. The same as ``python -m rlgames_cpo``
(rlgames_cpo.cli).
"""

import sys

from rlgames_cpo.cli import main

if __name__ == "__main__":
    sys.exit(main())
