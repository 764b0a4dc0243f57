"""The block-conditioned model: per-block outputs, conditioned value, normaliser skips the block."""

import torch
from rl_games.algos_torch import model_builder

from rlgames_cpo.adapters.networks import MODEL_NAME, NETWORK_NAME, register_block_model
from rlgames_cpo.core.conditioning import append_block_column

NETWORK = {
    "name": NETWORK_NAME, "separate": False,
    "block": {"num_blocks": 3, "embedding_dim": 4},
    "space": {"continuous": {"mu_activation": "None", "sigma_activation": "None",
                             "mu_init": {"name": "default"},
                             "sigma_init": {"name": "const_initializer", "val": -0.5},
                             "fixed_sigma": True}},
    "mlp": {"units": [16, 8], "activation": "elu", "initializer": {"name": "default"}},
}
LSTM = {"name": "lstm", "units": 8, "layers": 1, "before_mlp": True, "concat_input": True,
        "layer_norm": True}


def build(network=NETWORK, obs_dim=5, actions=2):
    register_block_model()
    model = model_builder.ModelBuilder().load({"model": {"name": MODEL_NAME}, "network": network})
    return model.build({"actions_num": actions, "input_shape": (obs_dim + 1,), "num_seqs": 3,
                        "value_size": 1, "normalize_value": True, "normalize_input": True})


def evaluate(model, obs, blocks, **extra):
    model.eval()
    with torch.no_grad():
        return model({"is_train": False, "prev_actions": None,
                      "obs": append_block_column(obs, blocks), **extra})


def test_outputs_and_value_differ_per_block():
    torch.manual_seed(0)
    model = build()
    obs = torch.randn(1, 5).expand(3, 5)                  # one state under blocks 0, 1, 2
    out = evaluate(model, obs, torch.tensor([0, 1, 2]))
    for key in ("mus", "values"):
        assert not torch.allclose(out[key][0], out[key][1])
        assert not torch.allclose(out[key][1], out[key][2])


def test_per_block_log_std_table_initialised_from_sigma_init():
    model = build()
    net = model.a2c_network
    assert net.block_log_std.shape == (3, 2) and (net.block_log_std == -0.5).all()
    assert "sigma" not in dict(net.named_parameters())
    with torch.no_grad():
        net.block_log_std[2] = 0.3
    out = evaluate(model, torch.zeros(2, 5), torch.tensor([0, 2]))
    torch.testing.assert_close(out["sigmas"], torch.exp(torch.tensor([[-0.5, -0.5], [0.3, 0.3]])))
    assert "a2c_network.block_log_std" in model.state_dict()
    assert "a2c_network.embedding.table" in model.state_dict()


def test_input_normaliser_ignores_the_block_column():
    model = build()
    assert model.running_mean_std.running_mean.shape == (5,)
    model.train()
    obs = append_block_column(torch.randn(64, 5) * 3 + 1, torch.randint(0, 3, (64,)))
    model.norm_obs(obs)
    normed = model.norm_obs(obs)
    assert torch.equal(normed[:, -1], obs[:, -1])


def test_lstm_network_builds_and_unrolls_sequences():
    model = build({**NETWORK, "rnn": LSTM})
    assert model.is_rnn()
    states = tuple(s for s in model.get_default_rnn_state())
    out = evaluate(model, torch.randn(3, 5), torch.tensor([0, 1, 2]), rnn_states=states)
    assert out["values"].shape == (3, 1) and len(out["rnn_states"]) == 2
