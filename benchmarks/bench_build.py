"""Two fresh builds of the book, one after the other in one run: serial (``-j 1``) and with
``-j N`` (default 2). Prints both first-build times side by side, and checks that the two builds
agree: byte-identical reproduction report (``runs/<profile>/reproduction.csv``), identical figure
files, and executed notebooks that differ only in timing metadata (the environment page, which
shows the execution times, is left out of that comparison).

Usage::

    python benchmarks/bench_build.py [--profile paper] [--jobs 2] [--execute-only]

Each build starts from a fresh copy of ``book/`` (no executed notebooks, no site) in one temporary
folder, emptied between the two builds, like ``make clean && make book``; ``--execute-only``
leaves out the HTML step (Jupyter Book), which is the same for both. On a shared machine only
timings taken side by side in one run mean something. Exit status 1 when the builds differ.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("REPRO_DATA_DIR", str(REPO.parent / "shared" / "paper-data"))

from repro.book.build import PROFILE_ENV, prepare, report_file  # noqa: E402
from repro.book.execute import extract_figures, without_timings  # noqa: E402
from repro.book.sections import sections  # noqa: E402

#: pages that show this build's own execution times: they differ between two builds by design
TIMED_PAGES = ("environment",)


def fresh_book(folder: Path, only: list[str] | None = None) -> Path:
    """A copy of ``book/`` without anything a build writes (with ``only``: just those notebooks)."""
    book = folder / "book"
    shutil.copytree(REPO / "book", book, ignore=shutil.ignore_patterns("_build", "executed", "_vendor", "_static"))
    for source in (book / "notebooks").glob("*.md") if only else ():
        if source.stem not in only:
            source.unlink()
    for profile in (book / "profiles").glob("*.yml") if only else ():
        overrides = yaml.safe_load(profile.read_text()) or {}
        profile.write_text(yaml.safe_dump({k: v for k, v in overrides.items() if k in only}))
    return book


def one_build(book: Path, profile: str, jobs: int, html: bool) -> dict:
    """Build ``book`` from scratch; return its time and what the determinism check compares."""
    start = time.perf_counter()
    done = prepare(profile, book=book, jobs=jobs)
    if html:
        command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(book), "--quiet"]
        subprocess.run(command, check=True, env={**os.environ, PROFILE_ENV: profile}, capture_output=True)
    seconds = time.perf_counter() - start
    figures = {}
    for section in sections(book):
        for path in extract_figures(section.executed, book / "figures" / section.name):
            figures[f"{section.name}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    notebooks = {s.name: without_timings(s.executed) for s in sections(book) if s.name not in TIMED_PAGES}
    return {"seconds": seconds, "executed": len(done.executed), "report": report_file(profile).read_bytes(),
            "figures": figures, "notebooks": notebooks}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at once in the parallel build (default 2)")
    parser.add_argument("--execute-only", action="store_true", help="leave out the HTML step")
    parser.add_argument("--only", nargs="+", metavar="SECTION",
                        help="build only these sections (a quick check of the script; implies --execute-only)")
    args = parser.parse_args(argv)
    html = not (args.execute_only or args.only)
    builds = {}
    report = report_file(args.profile)
    kept = report.read_bytes() if report.is_file() else None   # the checkout's own report, put back after
    try:
        with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
            for jobs in (1, args.jobs):
                # the same folder both times, emptied in between (as `make clean && make book`)
                shutil.rmtree(Path(tmp) / "book", ignore_errors=True)
                book = fresh_book(Path(tmp), args.only)
                print(f"building the {args.profile} profile from scratch with -j {jobs} ...", flush=True)
                builds[jobs] = one_build(book, args.profile, jobs, html)
    finally:
        if kept is not None:
            report.write_bytes(kept)
    serial, parallel = builds[1], builds[args.jobs]
    what = "first build (execution + HTML)" if html else "execution of every notebook"
    print(f"\n{what}, profile {args.profile}, {os.cpu_count()} cores:")
    print(f"  serial (-j 1):  {serial['seconds']:6.1f} s  ({serial['executed']} notebooks)")
    print(f"  -j {args.jobs}:          {parallel['seconds']:6.1f} s  ({parallel['executed']} notebooks), "
          f"{serial['seconds'] / parallel['seconds']:.2f}x")
    same_report = serial["report"] == parallel["report"]
    same_figures = serial["figures"] == parallel["figures"]
    differing = sorted(k for k in serial["notebooks"] if serial["notebooks"][k] != parallel["notebooks"].get(k))
    print(f"reproduction report byte-identical: {'yes' if same_report else 'NO'} "
          f"(sha256 {hashlib.sha256(serial['report']).hexdigest()[:16]})")
    print(f"figure files identical: {'yes' if same_figures else 'NO'} ({len(serial['figures'])} files)")
    print(f"executed notebooks identical but for timing metadata: {'yes' if not differing else 'NO: ' + ', '.join(differing)}")
    return 0 if same_report and same_figures and not differing else 1


if __name__ == "__main__":
    sys.exit(main())
