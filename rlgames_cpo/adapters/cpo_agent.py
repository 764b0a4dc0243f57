"""``algo.name: cpo``: SAPG plus CPO's three terms (docs/algorithm.md, CPO), each a part in
``rlgames_cpo.adapters.terms`` switched on by its coefficient. With ``beta = lambda_r =
lambda_adv = 0`` it runs exactly the SAPG computation."""

from rlgames_cpo.adapters.sapg_agent import SapgAgent
from rlgames_cpo.adapters.terms.adversarial import AdversarialReward
from rlgames_cpo.adapters.terms.forward_kl import ForwardKl
from rlgames_cpo.adapters.terms.reverse_kl import ReverseKl
from rlgames_cpo.errors import ConfigError


class CpoAgent(SapgAgent):
    """SapgAgent with the forward-KL (AWAC) rows, the reverse-KL advantage shaping and the
    adversarial diversity reward."""

    TERMS = (ForwardKl, ReverseKl, AdversarialReward)

    def _prepare_params(self, params: dict) -> dict:
        self.cpo = self.settings.cpo
        params = super()._prepare_params(params)
        if self.sapg.num_blocks < 2:
            blocks = self.sapg.num_blocks
            raise ConfigError(lambda s: f"cpo couples followers to a leader, so it needs "
                              f"sapg.num_blocks >= 2 (got {blocks}): set "
                              f"{s.setting('config.sapg.num_blocks', 6)} (the paper's value), or "
                              "train one policy with algo.name=a2c_continuous")
        return params
