"""Prepare and build the book: execute what is missing or stale, gather the reproduction report,
then let Jupyter Book render the executed notebooks (with its own execution off)."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from repro.book.execute import Execution, execute_if_stale, library_fingerprint
from repro.report import REPORT_COLUMNS, gather
from repro.book.sections import book_dir, profile_overrides, repo_root, sections

log = logging.getLogger(__name__)
PROFILE_ENV = "REPRO_PROFILE"


def report_file(profile: str = "paper") -> Path:
    """Where the gathered reproduction report is written: ``runs/<profile>/reproduction.csv``."""
    return repo_root() / "runs" / profile / "reproduction.csv"


def section_report_dir(book: Path) -> Path:
    return book / "executed" / "report"


@dataclass(frozen=True)
class Preparation:
    executions: list[Execution]
    report: Path
    seconds: float

    @property
    def executed(self) -> list[str]:
        return [e.section for e in self.executions if e.executed]


def gather_report(book: Path, profile: str) -> Path:
    """Concatenate the rows every current section saved into ``runs/<profile>/reproduction.csv``."""
    names = {s.name for s in sections(book)}
    rows = gather(section_report_dir(book))
    rows = rows[rows["section"].isin(names)] if len(rows) else pd.DataFrame(columns=list(REPORT_COLUMNS))
    path = report_file(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    rows.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def prepare(profile: str = "paper", *, book: Path | None = None, force: bool = False) -> Preparation:
    """Execute every missing or stale section for ``profile``, content sections first, then gather
    the report and execute the summary sections (status page, front page) from it."""
    book = book or book_dir()
    start = time.perf_counter()
    overrides = profile_overrides(profile, book)
    library = library_fingerprint()
    all_sections = sections(book)
    executions: list[Execution] = []
    report = None
    for i, section in enumerate(all_sections, 1):
        params = dict(overrides.get(section.name, {}))
        extra = f"profile={profile}"
        if section.is_summary:
            if report is None:
                report = gather_report(book, profile)
            params.setdefault("report_file", str(report))
            extra += hashlib.sha256(report.read_bytes()).hexdigest()
        log.info("[%d/%d] %s ...", i, len(all_sections), section.name)
        execution = execute_if_stale(section, params, report_dir=section_report_dir(book), extra_key=extra,
                                     library=library, force=force)
        log.info("[%d/%d] %s: %s", i, len(all_sections), section.name,
                 f"executed in {execution.seconds:.1f} s" if execution.executed else "current, reused")
        executions.append(execution)
    if report is None:
        report = gather_report(book, profile)
    return Preparation(executions, report, time.perf_counter() - start)


def build(profile: str = "paper", *, strict: bool = False, book: Path | None = None) -> int:
    """``jupyter-book build book/`` with ``REPRO_PROFILE`` set; the book's Sphinx extension runs
    :func:`prepare` first. ``strict`` adds ``-W -n --keep-going``. Returns the exit code."""
    book = book or book_dir()
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(book)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    env = {**os.environ, PROFILE_ENV: profile}
    log.info("$ jupyter-book %s  (profile %s)", " ".join(command[1:]), profile)
    return subprocess.call(command, env=env)
