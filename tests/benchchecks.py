"""Checks every benchmark's JSON must pass: structure and arithmetic, never a timing."""

from __future__ import annotations

from typing import Any

import pytest


def check_rows(result: dict[str, Any]) -> None:
    """Each row has positive times, ratio = candidate / baseline and the verdict its target
    gives; ``passed`` says whether no row missed."""
    for row in result["rows"]:
        assert row["candidate"] > 0 and row["baseline"] > 0, row
        assert row["ratio"] == pytest.approx(row["candidate"] / row["baseline"], rel=1e-3)
        if row.get("measure", "time") == "time":
            assert row["candidate_per_s"] > 0 and row["baseline_per_s"] > 0
        else:
            assert row["candidate_per_s"] is None and row["baseline_per_s"] is None
        if row["ratio_range"] is not None:  # None: one sample per side (a slow baseline)
            low, high = row["ratio_range"]
            assert 0 < low <= high
        if row["target"] is None:
            assert row["verdict"] == "info"
        else:
            assert row["verdict"] in ("PASS", "MISS")
            if abs(row["ratio"] - row["target"]) > 1e-3 * row["target"]:  # beyond JSON rounding
                assert row["verdict"] == ("PASS" if row["ratio"] < row["target"] else "MISS")
    assert result["passed"] is all(r["verdict"] != "MISS" for r in result["rows"])
