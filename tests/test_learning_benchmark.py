"""benchmarks/learning.py's report: the shipped teacher's curve added as a seed comes back in the table unchanged."""

from __future__ import annotations

import csv
import os

import pytest

from benchmarks.learning import main
from tests.test_sim2sim import ROOT

CURVE = os.path.join(ROOT, "resources", "policies", "g1_deepmimic", "eval_curve.csv")


def test_added_curve_is_aggregated_as_its_seed(tmp_path) -> None:  # noqa: ANN001
    main(["--report_only", "--clips", "bundled", "--label", "shipped", "--out", str(tmp_path), "--seeds", "1",
          "--add_curve", f"3={CURVE}"])
    shipped = {r["env_steps"]: float(r["frames_tracked/mean"]) for r in csv.DictReader(open(CURVE))}
    table = list(csv.DictReader(open(tmp_path / "shipped.csv")))
    assert len(table) == len(shipped)
    for row in table:
        value = shipped[row["env_steps"]]
        assert float(row["frames_tracked/mean seed 3"]) == value == float(row["frames_tracked/mean median"])
    assert (tmp_path / "shipped.png").stat().st_size > 0 and (tmp_path / "learning.png").stat().st_size > 0


def test_bad_added_curve_is_a_usage_error(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as exc:
        main(["--report_only", "--out", str(tmp_path), "--add_curve", "one=" + CURVE])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--report_only", "--out", str(tmp_path), "--add_curve", f"1={tmp_path / 'missing.csv'}"])
    assert exc.value.code == 2
