"""The published-data registry and the results schema, on the real published files."""

import shutil

import pandas as pd
import pytest

from repro.data import FILES, fetch, load_results, read_results, registry, validate_results
from repro.errors import ChecksumError, DataNotFoundError, SchemaError

ZS = "scaling-laws-openclip/zeroshot_results.csv"


def test_every_registry_file_matches_its_pin():
    for key in FILES:
        assert registry.sha256_of(fetch(key)) == FILES[key][3]


def test_results_are_the_paper_grid(paper_rows):
    assert len(paper_rows) == 32 * 41
    assert paper_rows.groupby("upstream_dataset")["name"].nunique().to_dict() == {
        "CLIP-WIT": 1, "LAION-2B": 11, "LAION-400M": 9, "LAION-80M": 9}


def _local_copy(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    for key in FILES:
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fetch(key), folder / key)
    monkeypatch.setenv("REPRO_DATA_DIR", str(folder))
    return folder


def test_one_changed_byte_is_refused_with_both_hashes(tmp_path, monkeypatch):
    folder = _local_copy(tmp_path, monkeypatch)
    path = folder / ZS
    data = bytearray(path.read_bytes())
    data[1000] = ord("7") if data[1000] != ord("7") else ord("8")
    path.write_bytes(bytes(data))
    with pytest.raises(ChecksumError) as err:
        fetch(ZS)
    message = str(err.value)
    assert FILES[ZS][3] in message and registry.sha256_of(path) in message and str(path) in message


def test_missing_file_in_local_copy_says_where_and_how(tmp_path, monkeypatch):
    folder = _local_copy(tmp_path, monkeypatch)
    (folder / ZS).unlink()
    with pytest.raises(DataNotFoundError, match="REPRO_DATA_DIR") as err:
        fetch(ZS)
    assert "raw.githubusercontent.com/LAION-AI/scaling-laws-openclip/652b1e74" in str(err.value)


def test_offline_download_failure_says_how_to_get_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv("REPRO_DATA_DIR")
    monkeypatch.setattr(registry.REGISTRY, "path", tmp_path / "cache")
    monkeypatch.setattr(registry.REGISTRY, "urls", {k: "http://127.0.0.1:9/nothing" for k in FILES})
    with pytest.raises(DataNotFoundError, match="REPRO_DATA_DIR"):
        fetch(ZS)


def test_unknown_registry_key():
    with pytest.raises(DataNotFoundError, match="not in the published-data registry"):
        fetch("scaling-laws-openclip/nope.csv")


def test_missing_column_is_named(tmp_path, paper_rows):
    path = tmp_path / "results.csv"
    paper_rows.drop(columns=["acc1"]).to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'acc1'"):
        read_results(path)


@pytest.mark.parametrize("column, value, message", [
    ("acc1", 1.5, r"row 12, column 'acc1': 1.5 is not a fraction in \[0, 1\]"),
    ("samples_seen", "many", r"row 12, column 'samples_seen': 'many' is not a number"),
    ("task", "zeroshot_magic", r"row 12, column 'task'"),
    ("gmacs_total", 1.0, r"row 12, column 'gmacs_total'"),
])
def test_bad_values_name_row_and_column(tmp_path, paper_rows, column, value, message):
    rows = paper_rows.astype({column: object})
    rows.loc[10, column] = value
    path = tmp_path / "results.csv"
    rows.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=message):
        read_results(path)


def test_duplicate_and_incomplete_grids_are_refused(paper_rows):
    with pytest.raises(SchemaError, match="duplicate row"):
        validate_results(pd.concat([paper_rows, paper_rows.iloc[:1]]), source="x")
    with pytest.raises(SchemaError, match="expected the paper's grid"):
        validate_results(paper_rows.iloc[1:], source="x", paper_grid=True)


def test_loader_refuses_tampered_results_file(tmp_path, monkeypatch):
    folder = _local_copy(tmp_path, monkeypatch)
    text = (folder / ZS).read_text().replace("0.7138686446015579", "0.7138686446015578", 1)
    (folder / ZS).write_text(text)
    with pytest.raises(ChecksumError):
        load_results()
