"""Failure-time adaptive start sampling (``weighting_strategy="failure_adaptive"``)."""

from __future__ import annotations

import torch

from legged_gym.motion.sampling import FailureBins


def test_starts_move_to_just_before_where_episodes_fail() -> None:
    bins = FailureBins(torch.tensor([500, 100]), bin_frames=50, alpha=0.5, lookahead=1, decay=0.5, uniform_floor=0.1)
    gen = torch.Generator().manual_seed(0)
    before = bins.sample(torch.zeros(4000, dtype=torch.long), gen)
    assert abs(float((before < 250).float().mean()) - 0.5) < 0.05  # no data yet: uniform
    for _ in range(20):  # clip 0 keeps failing around frame 420 (bin 8); clip 1 succeeds
        bins.record(torch.tensor([0, 0, 1]), torch.tensor([420, 425, 99]), torch.tensor([True, True, False]))
    probs = bins.bin_probabilities(0)
    assert int(probs.argmax()) == 8 and float(probs[7]) > float(probs[2])  # the bin of failure, then the one before
    assert abs(float(probs.sum()) - 1.0) < 1e-9 and float(probs.min()) >= 0.1 / 10 - 1e-12  # the uniform floor
    after = bins.sample(torch.zeros(4000, dtype=torch.long), gen)
    share = float(((after >= 350) & (after < 450)).float().mean())
    assert share > 0.7 and int(after.max()) < 500 and int(after.min()) >= 0
    assert torch.allclose(bins.bin_probabilities(1), torch.full((2,), 0.5, dtype=torch.float64))
