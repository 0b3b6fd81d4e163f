"""repro.report: the status of a row at its boundaries, printed names, and the report files."""

import pandas as pd
import pytest

from repro.report import (
    REPORT_COLUMNS,
    STATUS_MEANINGS,
    STATUSES,
    compare,
    compare_name,
    gather,
    load_report,
    report_path,
    rows_frame,
    save_rows,
)
from repro.constants import RUNS_DIR


@pytest.mark.parametrize("reproduced, paper, decimals, status", [
    # equal, and float noise on equal values
    (87.73, 87.73, 2, "exact"),
    (0.1 + 0.2, 0.3, 1, "exact"),
    # half a unit: both neighbours of a tie round to the printed value under some rounding rule
    (2.5, 3, 0, "exact"),
    (2.5, 2, 0, "exact"),
    (87.735, 87.73, 2, "exact"),
    (87.725, 87.73, 2, "exact"),
    # just past half a unit, up to one unit
    (2.51, 2, 0, "within rounding"),
    (2.0, 3, 0, "within rounding"),
    (87.74, 87.73, 2, "within rounding"),
    (-1.0, 0, 0, "within rounding"),
    # just past one unit
    (4.01, 3, 0, "differs"),
    (87.7401, 87.73, 2, "differs"),
    (2.44, 3, 0, "within rounding"),   # why budget labels are not compared: 2.44 "rounds" to 3 within a unit
    (1.9, 3, 0, "differs"),
    # decimals 0 on large numbers; negative decimals (1.37B printed, in millions: tens)
    (13216.4, 13216, 0, "exact"),
    (1366.0, 1370, -1, "exact"),
    (1364.0, 1370, -1, "within rounding"),
    (1359.0, 1370, -1, "differs"),
])
def test_compare_status_at_its_boundaries(reproduced, paper, decimals, status):
    row = compare("t", "q", reproduced, paper, decimals=decimals)
    assert row.status == status
    assert row.difference == pytest.approx(reproduced - paper) and row.decimals == decimals


def test_an_explanation_only_changes_a_row_beyond_one_unit():
    assert compare("t", "q", 5.0, 3, decimals=0, explanation="measured on another split").status == "differs, explained"
    row = compare("t", "q", 3.2, 3, decimals=0, explanation="note")
    assert row.status == "exact" and row.explanation == "note"


def test_rows_without_a_printed_value():
    for paper in (None, float("nan")):
        row = compare("t", "q", 1.5, paper)
        assert (row.status, row.paper, row.difference, row.decimals) == ("reproduced", None, None, None)
    with pytest.raises(ValueError, match="t/q: 'decimals'"):
        compare("t", "q", 1.5, 2.0)


def test_a_printed_name_is_never_compared():
    row = compare_name("table18", "samples_seen_billions ViT-B/32 LAION-400M", 2.56, "3B")
    assert row.status == "printed name" and row.paper is None and row.difference is None
    assert row.quantity.endswith("(printed as 3B)") and row.reproduced == 2.56 and not row.explanation


def test_every_status_has_one_sentence():
    assert tuple(STATUS_MEANINGS) == STATUSES
    for meaning in STATUS_MEANINGS.values():
        assert meaning.endswith(".") and meaning.count(". ") == 0, meaning


def test_rows_round_trip_through_the_section_files(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_REPORT_DIR", str(tmp_path))
    rows = [compare("t", "a", 1.0, 1.0, decimals=2), compare("t", "b", 2.0), compare_name("t", "c", 2.5, "3B")]
    path = save_rows("sec", rows)
    assert path == tmp_path / "sec.csv"
    back = gather(tmp_path)
    assert tuple(back.columns) == REPORT_COLUMNS and list(back["section"]) == ["sec"] * 3
    assert list(back["status"]) == ["exact", "reproduced", "printed name"]
    assert back["decimals"].iloc[0] == 2 and back["decimals"].iloc[1:].isna().all()
    assert "2.0" not in path.read_text().splitlines()[1] and ",sec,2,\n" in path.read_text()
    combined = tmp_path / "gathered" / "reproduction.csv"
    combined.parent.mkdir()
    back.to_csv(combined, index=False)
    assert load_report(combined)["explanation"].tolist() == ["", "", ""]
    # a section file written before the decimals column existed still gathers
    rows_frame(rows, section="old").drop(columns=["decimals"]).to_csv(tmp_path / "old.csv", index=False)
    assert gather(tmp_path)["decimals"].isna().sum() == 2 + 3


def test_report_files_and_their_errors(tmp_path):
    assert report_path("smoke") == RUNS_DIR / "smoke" / "reproduction.csv"
    with pytest.raises(FileNotFoundError, match="no reproduction report"):
        load_report(tmp_path / "missing.csv")
    pd.DataFrame({"item": ["x"]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match="missing column"):
        load_report(tmp_path / "bad.csv")


def test_checks_state_their_target_and_failed_checks_are_not_reproduced():
    from repro.report import check, forecast, measured

    assert check("m", "r2", 0.95, at_least=0.95).status == "check passed"
    failed = check("m", "r2", 0.9499, at_least=0.95)
    assert (failed.status, failed.target, failed.paper) == ("check failed", ">= 0.95", None)
    assert check("u", "coverage", 0.96, at_least=0.85, at_most=0.95).status == "check failed"
    assert check("u", "minutes", 29.0, at_most=30).target == "<= 30"
    with pytest.raises(ValueError, match="needs a target"):
        check("u", "q", 1.0)
    assert measured("m", "alpha", -1.2).status == "measured"
    row = forecast("t", "q", forecast_value=80.75, measured_value=80.09)
    assert row.difference == pytest.approx(-0.66) and (row.reproduced, row.paper) == (80.09, 80.75)


def test_a_report_without_the_target_column_still_loads(tmp_path):
    from repro.report import load_report

    old = rows_frame([compare("t", "a", 1.0, 1.0, decimals=2)]).drop(columns=["target"])
    path = tmp_path / "reproduction.csv"
    old.to_csv(path, index=False)
    assert load_report(path)["target"].tolist() == [""]
