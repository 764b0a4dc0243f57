import json

from rlgames_cpo.plots import load_kl_matrix, plot_kl_matrix


def test_kl_matrix_figure_from_a_runs_jsonl(tmp_path):
    (tmp_path / "diagnostics").mkdir()
    lines = [{"epoch": e, "frame": 0, "kl": [[0.0, 0.1 * e], [0.2, 0.0]]} for e in (1, 2)]
    (tmp_path / "diagnostics" / "kl_matrix.jsonl").write_text(
        "\n".join(json.dumps(line) for line in lines))
    assert load_kl_matrix(tmp_path)["epoch"] == 2
    assert load_kl_matrix(tmp_path, epoch=1)["kl"][0][1] == 0.1
    plot_kl_matrix(load_kl_matrix(tmp_path)["kl"], tmp_path / "kl.png")
    assert (tmp_path / "kl.png").read_bytes()[:4] == b"\x89PNG"
