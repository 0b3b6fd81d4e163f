"""Time the full fit report of the chapter "How sure are these laws?" (every form x frontier x
downstream dataset x upstream group, 1,000 bootstrap resamples each, and the backtests; budget:
30 s on 2 CPU cores) and run the 200-replication recovery study.

Usage::

    python benchmarks/bench_fit_report.py [--skip-recovery] [--reference REV]

``--reference REV`` also times the report as the package computed it at git revision ``REV``
(its ``src/repro/scaling`` loaded into a temporary module), in the same process, right after the
current one, and checks that both give identical tables: on a shared machine only the ratio of
two timings taken side by side means something.
"""

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("REPRO_DATA_DIR", str(REPO.parent / "shared" / "paper-data"))
warnings.simplefilter("ignore", RuntimeWarning)

import pandas as pd  # noqa: E402

from repro.data import load_results  # noqa: E402
from repro.scaling.backtest import GROUPS, run_arrays  # noqa: E402
from repro.scaling.fit_report import full_report  # noqa: E402
from repro.scaling.recovery import recovery_table  # noqa: E402

N_RESAMPLES = 1000
BUDGET_S = 30.0


def reference_full_report(rev: str):
    """``full_report`` of ``src/repro/scaling`` at git revision ``rev``, loaded as a separate package."""
    folder = Path(tempfile.mkdtemp(prefix="scaling_ref_"))
    package = folder / "_scaling_ref"
    package.mkdir()
    names = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", rev, "src/repro/scaling/"],
                           check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        text = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{name}"], check=True, capture_output=True,
                              text=True).stdout
        (package / Path(name).name).write_text(text.replace("repro.scaling", "_scaling_ref"))
    sys.path.insert(0, str(folder))
    return importlib.import_module("_scaling_ref.fit_report").full_report


def _timed(report_fn, rows) -> tuple[object, float]:
    start = time.perf_counter()
    report = report_fn(rows, n_resamples=N_RESAMPLES)
    return report, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-recovery", action="store_true")
    parser.add_argument("--reference", metavar="REV", help="also time the report at this git revision")
    args = parser.parse_args()
    rows = load_results()
    report, seconds = _timed(full_report, rows)
    print(f"full report: {len(report.coefficients)} fits (form x frontier x dataset x group), "
          f"{N_RESAMPLES} bootstrap resamples each, {len(report.backtest)} backtest cells: {seconds:.1f} s "
          f"(budget {BUDGET_S:.0f} s on 2 cores; os.cpu_count() = {os.cpu_count()})")
    if args.reference:
        old, old_seconds = _timed(reference_full_report(args.reference), rows)
        print(f"reference {args.reference}: {old_seconds:.1f} s; this tree: {seconds:.1f} s "
              f"({old_seconds / seconds:.2f}x faster)")
        for name in ("coefficients", "backtest", "selection"):
            pd.testing.assert_frame_equal(getattr(report, name), getattr(old, name), check_exact=True)
        print("coefficients, backtest and selection: identical to the reference")
    if not args.skip_recovery:
        start = time.perf_counter()
        x, _ = run_arrays(rows, "imagenet1k", GROUPS["LAION"])
        table = recovery_table(x, n_replications=200)
        print(table[["form", "noise_sd", "bias", "se", "bias_over_se", "coverage", "n_failed"]].round(4).to_string())
        print(f"recovery: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
