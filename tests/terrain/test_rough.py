"""AMASS-style rough terrains: amplitude per difficulty, centring, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from legged_gym.terrain import flat_terrain, make_amass_rough_terrain
from legged_gym.terrain.rough import AMASS_ROUGH_AMPLITUDE


@pytest.mark.parametrize("difficulty, amplitude", [(0, 0.0), (1, 0.01), (2, 0.035), (3, 0.10), (4, 0.125)])
def test_amplitude_and_centring(difficulty, amplitude):
    hf = make_amass_rough_terrain(difficulty)
    assert hf.heights.shape == (181, 181) and hf.resolution == 0.05
    assert hf.size_xy == pytest.approx((9.0, 9.0)) and hf.center_xy == pytest.approx((0.0, 0.0))
    assert AMASS_ROUGH_AMPLITUDE[difficulty] == amplitude
    assert float(hf.heights.max()) == pytest.approx(amplitude, abs=1e-7)
    assert float(hf.heights.min()) == pytest.approx(-amplitude, abs=1e-7)
    if difficulty:
        # smooth noise: neighbouring samples differ by a small fraction of the amplitude, and it is not a few spikes
        step = max(np.abs(np.diff(hf.heights, axis=0)).max(), np.abs(np.diff(hf.heights, axis=1)).max())
        assert step < 0.25 * amplitude
        assert hf.heights.std() > 0.2 * amplitude


def test_seeds_sizes_and_errors():
    a = make_amass_rough_terrain(2, seed=1)
    np.testing.assert_array_equal(a.heights, make_amass_rough_terrain(2, seed=1).heights)
    assert not np.array_equal(a.heights, make_amass_rough_terrain(2, seed=2).heights)
    small = make_amass_rough_terrain(3, size_xy=(4.0, 2.0), resolution=0.1)
    assert small.heights.shape == (21, 41) and small.origin == pytest.approx((-2.0, -1.0))
    flat = flat_terrain((6.0, 3.0), 0.05)
    assert flat.heights.shape == (61, 121) and not flat.heights.any() and flat.center_xy == pytest.approx((0, 0))
    with pytest.raises(ValueError, match="difficulty"):
        make_amass_rough_terrain(5)
    with pytest.raises(ValueError, match="resolution"):
        flat_terrain((9.0, 9.0), 0.0)
