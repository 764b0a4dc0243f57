import pytest
import torch

from rlgames_cpo.core.blocks import BlockLayout, entropy_coefficients, sample_follower_blocks


def test_contiguous_blocks_leader_first():
    layout = BlockLayout(num_envs=12, num_blocks=3)
    assert layout.block_size == 4
    assert layout.block_of_env().tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    assert layout.envs_of(torch.tensor([2, 1])).tolist() == [8, 9, 10, 11, 4, 5, 6, 7]


def test_indivisible_num_envs_names_the_fix_in_each_hosts_spelling():
    from rlgames_cpo.errors import Spelling
    from rlgames_cpo.settings import check_layout

    assert BlockLayout.fitting_num_envs(64, 6) == [60, 66]
    with pytest.raises(ValueError, match=r"sapg.num_blocks=6 does not divide num_envs=64"):
        BlockLayout(num_envs=64, num_blocks=6)
    with pytest.raises(ValueError, match=r"sapg.num_blocks=6 does not divide num_envs=64: "
                                         r"use num_envs=60 or num_envs=66") as error:
        check_layout(64, 6)
    assert str(error.value.spelled(Spelling("agent.params", "--num_envs {}"))) == (
        "sapg.num_blocks=6 does not divide num_envs=64: use --num_envs 60 or --num_envs 66, or a "
        "num_blocks that divides 64")


def test_follower_sampling_is_uniform_without_replacement_and_seeded():
    generator = torch.Generator().manual_seed(0)
    draws = [sample_follower_blocks(6, 2, generator) for _ in range(3000)]
    for draw in draws:
        assert len(set(draw.tolist())) == 2 and draw.min() >= 1 and draw.max() <= 5
        assert draw.tolist() == sorted(draw.tolist())
    counts = torch.bincount(torch.cat(draws), minlength=6)
    assert counts[0] == 0
    # each follower is drawn with probability 2/5: 3000 * 2/5 = 1200 expected, sd ~ 27
    assert ((counts[1:] - 1200).abs() < 150).all()
    again = torch.Generator().manual_seed(0)
    assert torch.equal(sample_follower_blocks(6, 2, again), draws[0])


def test_no_followers_no_samples():
    assert sample_follower_blocks(1, 1, torch.Generator()).numel() == 0
    assert sample_follower_blocks(6, 0, torch.Generator()).numel() == 0
    with pytest.raises(ValueError, match="off_policy_ratio=6 exceeds the 5 follower blocks"):
        sample_follower_blocks(6, 6, torch.Generator())


def test_entropy_coefficients():
    # c_b = scale * 0.5 * b / (M - 1) with M = 5, scale = 0.01: 0, 0.00125, 0.0025, 0.00375, 0.005
    torch.testing.assert_close(entropy_coefficients(5, 0.01, 0.3),
                               torch.tensor([0.0, 0.00125, 0.0025, 0.00375, 0.005]))
    # scale 0: the plain entropy_coef everywhere
    torch.testing.assert_close(entropy_coefficients(3, 0.0, 0.002), torch.full((3,), 0.002))
