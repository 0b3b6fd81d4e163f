"""``repro build``, ``repro run``, ``repro sections``, ``repro report``."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from repro.book.build import build, default_jobs, gather_report, prepare
from repro.book.execute import execute_notebook, extract_figures
from repro.book.parameters import RENAMED_PARAMETERS, parse_value
from repro.book.sections import Section, book_dir, get_section, profile_overrides, repo_root, sections
from repro.errors import ReproError

log = logging.getLogger(__name__)


def _parse_params(pairs: list[list[str]] | None, section: Section) -> dict[str, object]:
    """``-p NAME VALUE`` pairs; values are read as YAML (``7`` -> int, ``[1, 2]`` -> list) unless the
    parameter's default is text; then checked (names, types) before any kernel starts."""
    renamed = RENAMED_PARAMETERS.get(section.name, {})
    defaults = section.parameters
    params = {name: parse_value(value, defaults.get(name, defaults.get(renamed.get(name, ""))))
              for name, value in pairs or []}
    return section.check_parameters(params)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="repro")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute stale notebooks with papermill, then build the book")
    b.add_argument("--profile", default="paper", help="parameter profile: paper (default) or smoke")
    b.add_argument("--strict", action="store_true", help="fail on any Sphinx warning (-W -n --keep-going)")
    b.add_argument("--execute-only", action="store_true", help="execute stale sections and gather the report; no HTML")
    b.add_argument("--force", action="store_true", help="re-execute every section (with --execute-only)")
    b.add_argument("-j", "--jobs", type=int, default=None,
                   help=f"notebooks executed at once (default: the number of cores, {default_jobs()})")
    r = sub.add_parser("run", help="rerun one section with papermill parameters")
    r.add_argument("section")
    r.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="a papermill parameter (repeatable), e.g. -p target flickr30k")
    r.add_argument("--out", type=Path, help="output folder (default runs/reruns/<section>-<parameters hash>)")
    r.add_argument("--profile", default="paper",
                   help="start from this profile's parameters for the section (paper: the defaults; smoke: small and fast); -p overrides them")
    s = sub.add_parser("sections", help="list the sections and their parameters")
    s.add_argument("--json", action="store_true")
    rep = sub.add_parser("report", help="gather the reproduction report and print its summary")
    rep.add_argument("--profile", default="paper")
    return parser


def _run(args) -> int:
    section = get_section(args.section)
    params = {**profile_overrides(args.profile).get(section.name, {}), **_parse_params(args.parameter, section)}
    tag = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:8]
    out = (args.out or repo_root() / "runs" / "reruns" / f"{section.name}-{tag}").resolve()
    notebook = out / f"{section.name}.ipynb"
    log.info("executing '%s' with %s -> %s", section.name, params or "its default parameters", notebook)
    seconds = execute_notebook(section, params, notebook, report_dir=out / "report", cwd=out)
    figures = extract_figures(notebook, out / "figures")
    print(f"executed '{section.name}' in {seconds:.1f} s")
    print(f"notebook: {notebook}")
    print(f"figures:  {out / 'figures'} ({len(figures)} file(s))")
    reports = sorted((out / "report").glob("*.csv"))
    if reports:
        print(f"report:   {reports[0]}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("torch").setLevel(logging.WARNING)  # torch logs cache statistics at INFO on exit
    try:
        if args.command == "build":
            if args.execute_only:
                done = prepare(args.profile, force=args.force, jobs=args.jobs)
                print(f"executed {len(done.executed)} section(s) in {done.seconds:.1f} s; report: {done.report}")
                return 0
            return build(args.profile, strict=args.strict, jobs=args.jobs)
        if args.command == "run":
            return _run(args)
        if args.command == "sections":
            table = {s.name: s.parameters for s in sections()}
            print(json.dumps(table, indent=1, default=str) if args.json else
                  "\n".join(f"{k}: {', '.join(f'{n}={v!r}' for n, v in p.items())}" for k, p in table.items()))
            return 0
        if args.command == "report":
            path = gather_report(book_dir(), args.profile)
            rows = pd.read_csv(path)
            print(f"{path}: {len(rows)} rows, {int(rows['paper'].notna().sum())} with a paper value")
            print(rows["status"].value_counts().to_string())
            return 0
    except ReproError as err:
        print(f"repro {args.command}: error: {err}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
