"""The book pipeline on small notebooks written by the tests: parameters, errors, staleness, reruns."""

import json
import textwrap

import pytest

from repro.book import build as book_build
from repro.book.cli import main as book_main
from repro.book.execute import execute_if_stale, execute_notebook
from repro.book.parameters import RENAMED_PARAMETERS, parse_value
from repro.book.sections import get_section, profile_overrides, sections
from repro.errors import NotebookExecutionError, UnknownSectionError

HEADER = textwrap.dedent("""\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---
    """)


def _notebook(body: str) -> str:
    return HEADER + textwrap.dedent(body)


@pytest.fixture
def tiny_book(tmp_path):
    book = tmp_path / "book"
    (book / "notebooks").mkdir(parents=True)
    (book / "profiles").mkdir()
    (book / "_config.yml").write_text("title: t\n")
    (book / "profiles" / "paper.yml").write_text("{}\n")
    (book / "profiles" / "smoke.yml").write_text("good: {n: 2}\n")
    (book / "notebooks" / "good.md").write_text(_notebook("""
        # Good

        ```{code-cell} ipython3
        :tags: [parameters]
        n = 3  # how many
        ```

        ```{code-cell} ipython3
        from repro import report
        report.save_rows("good", [report.compare("x", "n", n)])
        n * 2
        ```
        """))
    (book / "notebooks" / "bad.md").write_text(_notebook("""
        # Bad

        ```{code-cell} ipython3
        :tags: [parameters]
        fail = True  # raise in the second cell
        ```

        ```{code-cell} ipython3
        x = 1
        ```

        ```{code-cell} ipython3
        if fail:
            raise RuntimeError("boom")
        ```
        """))
    return book


def test_sections_and_parameters(tiny_book):
    names = [s.name for s in sections(tiny_book)]
    assert names == ["bad", "good"]
    assert get_section("good", tiny_book).parameters == {"n": 3}
    assert profile_overrides("smoke", tiny_book) == {"good": {"n": 2}}


def test_unknown_section_parameter_and_profile(tiny_book):
    with pytest.raises(UnknownSectionError, match="unknown section 'nope'; sections: bad, good"):
        get_section("nope", tiny_book)
    with pytest.raises(UnknownSectionError, match="has no parameter 'm'; its parameters: n=3"):
        get_section("good", tiny_book).check_parameters({"m": 1})
    with pytest.raises(UnknownSectionError, match="unknown profile 'huge'"):
        profile_overrides("huge", tiny_book)
    (tiny_book / "profiles" / "smoke.yml").write_text("good: {k: 2}\n")
    with pytest.raises(UnknownSectionError, match="no parameter 'k'"):
        profile_overrides("smoke", tiny_book)


def test_failing_notebook_names_the_cell_and_keeps_the_partial_copy(tiny_book, tmp_path):
    section = get_section("bad", tiny_book)
    out = tmp_path / "out" / "bad.ipynb"
    with pytest.raises(NotebookExecutionError, match=r"failed in cell 3 .*RuntimeError: boom") as err:
        execute_notebook(section, {}, out, report_dir=tmp_path / "report")
    assert str(out) in str(err.value)
    executed = json.loads(out.read_text())
    ran = [c for c in executed["cells"] if "".join(c["source"]) == "x = 1"]
    assert ran and ran[0]["execution_count"] is not None, "the partly executed copy keeps the cells that ran"
    assert any(o.get("ename") == "RuntimeError" for c in executed["cells"] for o in c.get("outputs", []))


def test_stale_is_executed_and_current_is_reused(tiny_book, tmp_path):
    section = get_section("good", tiny_book)
    report_dir = tmp_path / "report"
    first = execute_if_stale(section, {"n": 3}, report_dir=report_dir, library="lib-v1")
    again = execute_if_stale(section, {"n": 3}, report_dir=report_dir, library="lib-v1")
    other_params = execute_if_stale(section, {"n": 4}, report_dir=report_dir, library="lib-v1")
    other_library = execute_if_stale(section, {"n": 4}, report_dir=report_dir, library="lib-v2")
    assert (first.executed, again.executed, other_params.executed, other_library.executed) == (True, False, True, True)
    section.source.write_text(section.source.read_text() + "\nMore prose.\n")
    assert execute_if_stale(section, {"n": 4}, report_dir=report_dir, library="lib-v2").executed
    assert (report_dir / "good.csv").read_text().count("\n") == 2


def test_repro_run_prints_the_notebook_and_figures(tiny_book, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REPRO_BOOK_DIR", str(tiny_book))
    out = tmp_path / "rerun"
    assert book_main(["run", "good", "-p", "n", "7", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"notebook: {out / 'good.ipynb'}" in printed and "figures:" in printed
    executed = json.loads((out / "good.ipynb").read_text())
    assert any("14" in "".join(o.get("data", {}).get("text/plain", "")) for o in executed["cells"][-1]["outputs"])
    assert book_main(["run", "good", "-p", "m", "7", "--out", str(out)]) == 1
    assert "has no parameter 'm'" in capsys.readouterr().err


def test_prepare_runs_summary_after_content_and_gathers_report(tiny_book, monkeypatch, tmp_path):
    (tiny_book / "notebooks" / "bad.md").unlink()
    monkeypatch.setattr(book_build, "report_file", lambda profile: tmp_path / profile / "reproduction.csv")
    done = book_build.prepare("smoke", book=tiny_book)
    assert done.executed == ["good"]
    assert "x,n,2.0" in done.report.read_text()
    assert book_build.prepare("smoke", book=tiny_book).executed == []


def test_toc_lists_every_section_and_only_sections():
    import yaml

    from repro.book.sections import book_dir

    toc = yaml.safe_load((book_dir() / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert len(files) == len(set(files)), "a chapter is listed twice"
    assert sorted(f.removeprefix("executed/") for f in files) == sorted(s.name for s in sections())


def test_a_value_of_the_wrong_type_fails_before_any_kernel_starts(tiny_book, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REPRO_BOOK_DIR", str(tiny_book))
    out = tmp_path / "rerun"
    assert book_main(["run", "good", "-p", "n", "abc", "--out", str(out)]) == 1
    assert "'n' expects int (default 3), got str 'abc'" in capsys.readouterr().err
    assert not out.exists(), "nothing was executed"
    with pytest.raises(UnknownSectionError, match="expects int"):
        get_section("good", tiny_book).check_parameters({"n": 2.5})
    (tiny_book / "profiles" / "smoke.yml").write_text("good: {n: many}\n")
    with pytest.raises(UnknownSectionError, match="'n' expects int"):
        profile_overrides("smoke", tiny_book)


def test_text_parameters_keep_the_text_and_floats_accept_ints():
    assert parse_value("2017", "") == "2017" and parse_value("7", 5) == 7 and parse_value("[1, 2]", []) == [1, 2]
    fig1 = get_section("fig1")
    assert fig1.check_parameters({"target": parse_value("2017", fig1.parameters["target"])}) == {"target": "2017"}
    with pytest.raises(UnknownSectionError, match="'n_bins' expects int \\(default 5\\), got str 'abc'"):
        fig1.check_parameters({"n_bins": parse_value("abc", 5)})


def test_renamed_parameter_keeps_working_with_a_deprecation_message(caplog):
    fig1 = get_section("fig1")
    assert "n_bins" in fig1.parameters and "nbins" not in fig1.parameters
    assert RENAMED_PARAMETERS["fig1"] == {"nbins": "n_bins"}
    with caplog.at_level("WARNING"):
        assert fig1.check_parameters({"nbins": 7}) == {"n_bins": 7}
    assert "'nbins' of section 'fig1' is deprecated, renamed 'n_bins'" in caplog.text
    with pytest.raises(UnknownSectionError, match="both 'nbins'"):
        fig1.check_parameters({"nbins": 7, "n_bins": 6})


def test_independent_notebooks_execute_at_once(tiny_book, monkeypatch, tmp_path):
    """Two notebooks that each wait for the other's flag file: they only finish when run together."""
    (tiny_book / "notebooks" / "bad.md").unlink()
    for me, other in (("ping", "pong"), ("pong", "ping")):
        (tiny_book / "notebooks" / f"{me}.md").write_text(_notebook(f"""
            ```{{code-cell}} ipython3
            :tags: [parameters]
            folder = "{tmp_path}"
            ```

            ```{{code-cell}} ipython3
            import pathlib, time
            pathlib.Path(folder, "{me}").touch()
            deadline = time.monotonic() + 90
            while not pathlib.Path(folder, "{other}").exists():
                assert time.monotonic() < deadline, "the other notebook never started"
                time.sleep(0.2)
            ```
            """))
    monkeypatch.setattr(book_build, "report_file", lambda profile: tmp_path / profile / "reproduction.csv")
    done = book_build.prepare("paper", book=tiny_book, jobs=3)
    assert sorted(done.executed) == ["good", "ping", "pong"]
    assert [e.section for e in done.executions] == ["good", "ping", "pong"], "in section order"
    assert book_build.default_jobs() >= 1


def test_no_tcp_warning_in_a_run(tiny_book, tmp_path, capfd):
    execute_notebook(get_section("good", tiny_book), {}, tmp_path / "good.ipynb", report_dir=tmp_path / "report")
    captured = capfd.readouterr()
    assert "running over TCP" not in captured.out + captured.err


def test_repro_run_starts_from_a_profile(tiny_book, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REPRO_BOOK_DIR", str(tiny_book))
    assert book_main(["run", "good", "--profile", "smoke", "--out", str(tmp_path / "a")]) == 0
    assert "x,n,2.0" in (tmp_path / "a" / "report" / "good.csv").read_text(), "the smoke profile's n = 2"
    assert book_main(["run", "good", "--profile", "smoke", "-p", "n", "5", "--out", str(tmp_path / "b")]) == 0
    assert "x,n,5.0" in (tmp_path / "b" / "report" / "good.csv").read_text(), "-p wins over the profile"


def test_no_progress_bar_warning_on_a_page(tiny_book, tmp_path):
    section = get_section("good", tiny_book)
    section.source.write_text(section.source.read_text().replace("from repro import report", "import tqdm.auto\nfrom repro import report"))
    out = tmp_path / "good.ipynb"
    execute_notebook(section, {}, out, report_dir=tmp_path / "report")
    assert "IProgress" not in out.read_text()


def test_two_sections_with_different_folders_execute_at_once(tiny_book, tmp_path, monkeypatch):
    """Sections executed in threads (``repro build -j N``): each kernel starts in its own folder,
    and nothing changes this process's working directory (papermill's ``cwd=`` would chdir it)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    # left starts first and ends first (the order in which the old per-call save-and-restore of the
    # environment left the right section's values behind)
    for name, pause_s in (("left", 1.0), ("right", 3.0)):
        (tiny_book / "notebooks" / f"{name}.md").write_text(_notebook(f"""
            ```{{code-cell}} ipython3
            :tags: [parameters]
            pause_s = {pause_s}
            ```

            ```{{code-cell}} ipython3
            import os, time
            time.sleep(pause_s)   # both kernels run at the same time
            open("where.txt", "w").write(os.getcwd())
            ```
            """))
    chdirs, real_chdir = [], os.chdir

    def chdir(path):
        chdirs.append(str(path))
        real_chdir(path)

    monkeypatch.setattr(os, "chdir", chdir)
    folders = {name: tmp_path / f"{name}-folder" for name in ("left", "right")}
    for folder in folders.values():
        folder.mkdir()

    def run(name):
        return execute_notebook(get_section(name, tiny_book), {}, folders[name] / f"{name}.ipynb",
                                report_dir=tmp_path / "report", cwd=folders[name])

    here = os.getcwd()
    environment_before = dict(os.environ)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, folders))
    # each thread set the kernels' environment; the last to finish restores it (no book folder or
    # report folder of this tiny book is left behind for later tests and builds)
    assert dict(os.environ) == environment_before
    # papermill's file handler re-enters the process's own folder around each write: never another one
    assert set(chdirs) <= {here} and os.getcwd() == here
    for name, folder in folders.items():
        assert (folder / "where.txt").read_text() == str(folder.resolve()), name
