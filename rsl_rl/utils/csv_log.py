# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Append rows to a CSV file whose header grows with new columns (the file is rewritten when it does)."""

from __future__ import annotations

import csv
import math
import os
from typing import Any

__all__ = ["append_csv_row", "read_csv_rows"]


def read_csv_rows(path: str) -> list[dict[str, str]]:
    """The rows of ``path`` as dicts (empty when the file does not exist)."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def append_csv_row(path: str, row: dict[str, Any]) -> None:
    """Append ``row``; non-finite floats are written as empty cells (nothing non-finite reaches the file)."""
    clean = {k: ("" if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
    rows = read_csv_rows(path)
    header = list(rows[0].keys()) if rows else []
    new_cols = [k for k in clean if k not in header]
    if rows and not new_cols:
        with open(path, "a", newline="") as f:
            csv.DictWriter(f, fieldnames=header).writerow(clean)
        return
    header += new_cols
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows + [clean])
    os.replace(tmp, path)
