"""The module Isaac Lab users name: ``--task rlgames_cpo.isaaclab:<task id>`` (Isaac Lab 2.x) and
our ``isaaclab.tasks`` entry point (Isaac Lab 3.0) import it, which installs the Isaac Lab host
(``rlgames_cpo.hosts.isaaclab``): every rl_games Runner built afterwards knows sapg and cpo, and
Isaac Lab's reorientation tasks have our sapg/cpo agent configs. ``python -m rlgames_cpo.isaaclab
<script> <arguments>`` runs an Isaac Lab 2.x script with both, no prefix needed."""

import sys

from rlgames_cpo.hosts.isaaclab import HOOKED, install, run_script  # noqa: F401  (HOOKED: tests)

if __name__ == "__main__":  # python -m rlgames_cpo.isaaclab <Isaac Lab script> <arguments>
    run_script(sys.argv[1:])
else:
    install()
