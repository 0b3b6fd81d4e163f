"""Provenance of committed results: the commit, the clean-tree check and its forced override, and
what the environment page shows of them."""

import json
import subprocess

import pytest

from repro.chapters import environment
from repro.data.registry import FILES
from repro.errors import DataNotFoundError
from repro.data.provenance import DirtyTreeError, committed_provenance, git_state, inside_checkout, require_clean
from repro.mini.cli import parser as mini_parser


def _git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path):
    root = tmp_path / "repo"
    (root / "runs" / "mini").mkdir(parents=True)
    (root / ".gitignore").write_text("runs/work/\n")
    (root / "code.py").write_text("x = 1\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    return root


def test_clean_tree_records_its_commit(checkout):
    state = git_state(checkout)
    assert len(state.commit) == 40 and not state.dirty and state.describe == state.commit[:7]
    record = require_clean(checkout / "runs" / "mini" / "smoke", root=checkout)
    assert record == {"commit": state.commit, "dirty": False, "forced": False, "code_version": state.commit[:7],
                      "committed_at": state.committed_at}
    # the commit's own time, as git records it (results made from it cannot be older)
    assert state.committed_at == subprocess.run(["git", "show", "-s", "--format=%cI", "HEAD"], cwd=checkout,
                                                capture_output=True, text=True, check=True).stdout.strip()


def test_dirty_tree_is_refused_for_committed_results_unless_forced(checkout, tmp_path):
    (checkout / "code.py").write_text("x = 2\n")
    out = checkout / "runs" / "mini" / "smoke"
    with pytest.raises(DirtyTreeError, match=r"uncommitted changes \(code.py\).*--force-dirty"):
        require_clean(out, root=checkout)
    forced = require_clean(out, force=True, root=checkout)
    assert forced["dirty"] and forced["forced"] and forced["code_version"].endswith("-dirty")
    # results that are not committed (ignored folder, outside the checkout) are never refused
    assert not inside_checkout(checkout / "runs" / "work" / "x", checkout)
    assert require_clean(checkout / "runs" / "work" / "x", root=checkout)["forced"] is False
    assert require_clean(tmp_path / "elsewhere", root=checkout)["forced"] is False


def test_environment_page_flags_forced_and_old_dirty_results(tmp_path):
    runs = tmp_path / "runs"
    for name, record in {"clean": {"commit": "a" * 40, "dirty": False, "forced": False},
                         "forced": {"commit": "b" * 40, "dirty": True, "forced": True},
                         "old": {"code_version": "016d711-dirty"}}.items():
        (runs / "mini" / name).mkdir(parents=True)
        (runs / "mini" / name / "provenance.json").write_text(json.dumps(record))
    assert [r["commit"] for r in committed_provenance(runs)] == ["a" * 40, "b" * 40, "016d711"]
    table = environment.committed_results(runs).set_index("results")
    assert table.loc["runs/mini/clean", "note"].startswith("made from a clean checkout")
    assert table.loc["runs/mini/forced", "note"].startswith("FORCED")
    assert "before such results were refused" in table.loc["runs/mini/old", "note"]


def test_environment_page_values():
    versions = environment.package_versions().set_index("package")
    assert versions.loc["torch", "locked"] == "2.14.1" and versions.loc["pandas", "as locked"]
    pins = environment.data_pins()
    assert len(pins) == len(FILES) and pins["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    values = environment.checkout()
    assert values["tree_state"] in ("clean", "with uncommitted changes")


def test_environment_page_counts_what_it_shows(tmp_path):
    (tmp_path / "fig1.stamp.json").write_text(json.dumps({"seconds": 2.5, "executed_at": "then"}))
    (tmp_path / "zeroshot.stamp.json").write_text(json.dumps({"seconds": 1.0}))
    page = environment.compute(tmp_path)
    values = page.glue_values()
    assert page.report_rows() == []
    assert values["n_notebooks_timed"] == 2 and values["total_seconds"] == 3.5
    assert values["n_data_files"] == len(FILES) and values["n_packages"] == len(page.packages)
    assert values["commit"] == page.checkout["commit"]
    with pytest.raises(DataNotFoundError, match="executed_dir"):
        environment.compute(tmp_path / "absent")


def test_repro_mini_has_the_force_option():
    assert mini_parser().parse_args(["--force-dirty"]).force_dirty
    assert not mini_parser().parse_args([]).force_dirty


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_committed_provenance_names_no_absolute_path():
    """Committed results say where each run lived relative to its run folder, never with a path of
    the machine that trained it."""
    from repro.constants import RUNS_DIR

    files = sorted(RUNS_DIR.rglob("provenance.json"))
    assert files
    absolute = [(f.relative_to(RUNS_DIR).as_posix(), s) for f in files
                for s in _strings(json.loads(f.read_text())) if s.startswith("/")]
    assert not absolute, absolute[:5]
