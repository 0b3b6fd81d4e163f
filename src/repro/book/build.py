"""Prepare and build the book: execute what is missing or stale, gather the reproduction report,
then let Jupyter Book render the executed notebooks (with its own execution off)."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from repro.book.execute import Execution, execute_if_stale, kernel_environment_set, library_fingerprint
from repro.report import REPORT_COLUMNS, gather, report_path
from repro.book.sections import Section, book_dir, profile_overrides, sections
from repro.data.provenance import git_state

log = logging.getLogger(__name__)
PROFILE_ENV = "REPRO_PROFILE"
#: notebooks executed at once (``repro build -j N`` passes it to the Sphinx extension)
JOBS_ENV = "REPRO_JOBS"
#: summary pages that show the checkout's commit: re-executed when it changes
SHOWS_THE_CHECKOUT = ("environment",)


def report_file(profile: str = "paper") -> Path:
    """Where the gathered reproduction report is written: ``runs/<profile>/reproduction.csv``
    (:func:`repro.report.report_path`)."""
    return report_path(profile)


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
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")   # unique: builds may overlap
    rows.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def default_jobs() -> int:
    """Notebooks executed at once by default: the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _stamps_digest(content: list[Section]) -> str:
    """sha256 over the content sections' stamps: a summary page that shows execution times is
    re-executed when any of them was."""
    digest = hashlib.sha256()
    for section in content:
        if section.stamp.is_file():
            digest.update(section.stamp.read_bytes())
    return digest.hexdigest()


def _summary_parameters(section: Section, report: Path, overrides: dict) -> tuple[dict, str]:
    """What the build passes a summary page (only the parameters its cell declares), and its key."""
    params = dict(overrides)
    if "report_file" in section.parameters:
        params.setdefault("report_file", str(report))
    if "executed_dir" in section.parameters:
        params.setdefault("executed_dir", str(section.executed.parent))
    return params, hashlib.sha256(report.read_bytes()).hexdigest()


def prepare(profile: str = "paper", *, book: Path | None = None, force: bool = False,
            jobs: int | None = None) -> Preparation:
    """Execute every missing or stale section for ``profile``: the content sections first, ``jobs``
    of them at once (they are independent; default :func:`default_jobs`), then gather the report
    and execute the summary sections (status, environment, front page) from it, one by one."""
    book = book or book_dir()
    jobs = max(1, jobs or int(os.environ.get(JOBS_ENV, "0") or 0) or default_jobs())
    start = time.perf_counter()
    overrides = profile_overrides(profile, book)
    library = library_fingerprint()
    all_sections = sections(book)
    content = [s for s in all_sections if not s.is_summary]
    number = {s.name: i for i, s in enumerate(all_sections, 1)}
    report_dir = section_report_dir(book)

    def run(section: Section, params: dict, extra: str) -> Execution:
        i, n = number[section.name], len(all_sections)
        log.info("[%d/%d] %s ...", i, n, section.name)
        execution = execute_if_stale(section, params, report_dir=report_dir, extra_key=extra, library=library,
                                     force=force)
        log.info("[%d/%d] %s: %s", i, n, section.name,
                 f"executed in {execution.seconds:.1f} s" if execution.executed else "current, reused")
        return execution

    executions: list[Execution] = []
    # one environment for every kernel of this build, set once: parallel executions never undo it
    with kernel_environment_set(book, report_dir):
        tasks = [(s, dict(overrides.get(s.name, {})), f"profile={profile}") for s in content]
        if jobs == 1 or len(tasks) <= 1:
            executions += [run(*task) for task in tasks]
        else:
            log.info("executing up to %d notebooks at once", jobs)
            with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook") as pool:
                futures = [pool.submit(run, *task) for task in tasks]
            executions += [f.result() for f in futures]   # the first failure, in section order
        report = gather_report(book, profile)
        stamps = _stamps_digest(content)
        for section in (s for s in all_sections if s.is_summary):
            params, report_key = _summary_parameters(section, report, overrides.get(section.name, {}))
            extra = f"profile={profile}{report_key}{stamps}"
            if section.name in SHOWS_THE_CHECKOUT:
                extra += git_state().describe
            executions.append(run(section, params, extra))
    return Preparation(executions, report, time.perf_counter() - start)


def build(profile: str = "paper", *, strict: bool = False, book: Path | None = None, jobs: int | None = None) -> int:
    """``jupyter-book build book/`` with ``REPRO_PROFILE`` (and ``REPRO_JOBS``) set; the book's
    Sphinx extension runs :func:`prepare` first. ``strict`` adds ``-W -n --keep-going``. Returns the exit code."""
    book = book or book_dir()
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(book)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    env = {**os.environ, PROFILE_ENV: profile, **({JOBS_ENV: str(jobs)} if jobs else {})}
    log.info("$ jupyter-book %s  (profile %s)", " ".join(command[1:]), profile)
    return subprocess.call(command, env=env)
