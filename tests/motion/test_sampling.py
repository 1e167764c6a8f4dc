"""Start sampling: within-clip weighting, across-clip strategies, adaptive weights and determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from legged_gym.motion import ReplayDataLoader
from legged_gym.motion.sampling import SuccessTracker, adaptive_factors, clip_probabilities, sample_in_clip
from tests.motion.helpers import simple_clip

N = 60000


def _loader(lengths, seed=0) -> ReplayDataLoader:
    clips = [simple_clip(n, name=f"c{i}") for i, n in enumerate(lengths)]
    return ReplayDataLoader(clips, 0.02, ["j0"], ["a"], ["b"], generator=torch.Generator().manual_seed(seed))


def test_uniform_step_vs_uniform_clip():
    r = _loader([13, 53])  # 10 and 50 valid starts
    clip, frame = r.sample_starts(N, clip_weighting_strategy="uniform_step")
    assert abs((clip == 0).float().mean().item() - 10 / 60) < 0.01
    offsets = frame - r.clip_start[clip]
    assert offsets[clip == 0].max() == 9 and offsets[clip == 1].max() == 49 and offsets.min() == 0
    counts = torch.bincount(frame, minlength=r.num_frames).float()
    valid = torch.cat([counts[0:10], counts[13:63]])
    assert valid.min() > 0.8 * N / 60 and valid.max() < 1.2 * N / 60  # every (clip, start) pair alike
    clip, _ = r.sample_starts(N, clip_weighting_strategy="uniform_clip")
    assert abs((clip == 0).float().mean().item() - 0.5) < 0.01


def test_linear_weighting_favours_early_starts():
    r = _loader([53])
    _, uniform = r.sample_starts(N, weighting_strategy="uniform")
    _, linear = r.sample_starts(N, weighting_strategy="linear")
    m = 50
    assert abs(uniform.double().mean().item() - (m - 1) / 2) < 0.3
    assert abs(linear.double().mean().item() - (m - 1) / 3) < 0.3  # E[i] with weight (M - i)
    freq = torch.bincount(linear, minlength=m).double() / N
    expected = 2 * (m - torch.arange(m, dtype=torch.float64)) / (m * (m + 1))
    assert torch.allclose(freq, expected, atol=0.004)
    assert linear.max() <= m - 1


def test_sample_in_clip_edges():
    g = torch.Generator().manual_seed(1)
    ones = torch.ones(1000, dtype=torch.long)
    for strategy in ("uniform", "linear"):
        assert torch.all(sample_in_clip(ones, strategy, g) == 0)
        two = sample_in_clip(2 * ones, strategy, g)
        assert set(two.tolist()) == {0, 1}
    lin2 = sample_in_clip(2 * torch.ones(30000, dtype=torch.long), "linear", g).float().mean().item()
    assert abs(lin2 - 1 / 3) < 0.02  # weights 2:1
    with pytest.raises(ValueError, match="weighting_strategy"):
        sample_in_clip(ones, "cubic", g)


def test_short_clips_start_at_zero():
    r = _loader([1, 2, 3, 4])
    clip, frame = r.sample_starts(2000, clip_weighting_strategy="uniform_clip")
    assert torch.all(frame == r.clip_start[clip])


def test_without_random_offset_starts_at_frame_zero():
    r = _loader([13, 53, 7])
    clip, frame = r.sample_starts(N, randomize_start_offset=False, clip_weighting_strategy="uniform_step")
    assert torch.all(frame == r.clip_start[clip])
    assert abs((clip == 1).float().mean().item() - 1 / 3) < 0.01


def test_adaptive_weights_by_hand_and_clamp():
    sr = torch.tensor([1.0, 0.0, 0.0])
    inv = torch.tensor([1 / 1.05, 20.0, 20.0], dtype=torch.float64)
    expected = torch.clamp(inv / inv.mean(), 1 / 3, 3)
    assert torch.allclose(adaptive_factors(sr), expected)
    assert adaptive_factors(sr)[0] == pytest.approx(1 / 3)  # clamped from 0.07
    assert adaptive_factors(torch.tensor([0.0] + [1.0] * 9))[0] == pytest.approx(3.0)  # clamped from 8.3
    assert torch.allclose(adaptive_factors(torch.full((4,), 0.6)), torch.ones(4, dtype=torch.float64))
    p = clip_probabilities(torch.tensor([10, 100, 1000]), "success_rate_adaptive", sr)
    assert torch.allclose(p, expected / expected.sum())  # equal base mass whatever the lengths

    r = _loader([13, 13, 13])
    r.record_episode(torch.tensor([0] * 50), torch.ones(50, dtype=torch.bool))
    r.record_episode(torch.tensor([1] * 50), torch.zeros(50, dtype=torch.bool))
    assert r.success_rates().tolist() == [1.0, 0.0, 0.0]  # clip 2: no episodes -> 0
    assert torch.allclose(r.clip_weights("success_rate_adaptive"), expected / expected.sum())
    clip, _ = r.sample_starts(N, clip_weighting_strategy="success_rate_adaptive")
    freq = torch.bincount(clip, minlength=3).double() / N
    assert torch.allclose(freq, expected / expected.sum(), atol=0.01)


def test_success_window_keeps_the_latest_episodes():
    t = SuccessTracker(2, window=1000)
    t.record(torch.zeros(1000, dtype=torch.long), torch.zeros(1000, dtype=torch.bool))
    t.record(torch.zeros(500, dtype=torch.long), torch.ones(500, dtype=torch.bool))
    assert t.rates()[0].item() == pytest.approx(0.5)
    t.record(torch.zeros(2500, dtype=torch.long), torch.arange(2500) >= 1500)  # only the newest 1000 count
    assert t.rates()[0].item() == pytest.approx(1.0)
    mixed = torch.tensor([1, 0, 1, 1])
    t.record(mixed, torch.tensor([True, False, False, True]))
    assert t.rates()[1].item() == pytest.approx(2 / 3) and t.rates()[0].item() == pytest.approx(0.999)
    small = SuccessTracker(1, window=3)
    for s in (True, True, False, False):
        small.record(torch.tensor([0]), torch.tensor([s]))
    assert small.rates()[0].item() == pytest.approx(1 / 3)
    with pytest.raises(IndexError):
        t.record(torch.tensor([2]), torch.tensor([True]))


def test_seeded_determinism():
    a, b = _loader([13, 40, 27], seed=7), _loader([13, 40, 27], seed=7)
    for kw in (dict(weighting_strategy="linear"), dict(clip_weighting_strategy="uniform_clip"), {}):
        ca, fa = a.sample_starts(100, **kw)
        cb, fb = b.sample_starts(100, **kw)
        assert torch.equal(ca, cb) and torch.equal(fa, fb)
    c1, _ = a.sample_starts(100, generator=torch.Generator().manual_seed(3))
    c2, _ = b.sample_starts(100, generator=torch.Generator().manual_seed(3))
    assert torch.equal(c1, c2)
    c3, _ = _loader([13, 40, 27], seed=8).sample_starts(100)
    assert not torch.equal(c3, _loader([13, 40, 27], seed=7).sample_starts(100)[0])


def test_unknown_strategy():
    r = _loader([13])
    with pytest.raises(ValueError, match="clip_weighting_strategy"):
        r.sample_starts(4, clip_weighting_strategy="by_name")
    assert np.isclose(r.clip_weights("uniform_clip").sum().item(), 1.0)
