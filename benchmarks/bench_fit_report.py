"""Time the full fit report (issue 4, item 10: <= 60 s on 2 CPU cores) and run the full
200-replication recovery study (item 8). Usage: python benchmarks/bench_fit_report.py [--skip-recovery]"""

import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("REPRO_DATA_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "paper-data"))
warnings.simplefilter("ignore", RuntimeWarning)

from repro.data import load_results  # noqa: E402
from repro.scaling.backtest import GROUPS, run_arrays  # noqa: E402
from repro.scaling.fit_report import full_report  # noqa: E402
from repro.scaling.recovery import recovery_table  # noqa: E402


def main() -> int:
    rows = load_results()
    report = full_report(rows, n_resamples=1000)
    print(f"full report: {len(report.coefficients)} fits (form x frontier x dataset x group), "
          f"1000 bootstrap resamples each, {len(report.backtest)} backtest cells: {report.seconds:.1f} s "
          f"(target <= 60 s on 2 cores; os.cpu_count() = {os.cpu_count()})")
    if "--skip-recovery" not in sys.argv:
        start = time.perf_counter()
        x, _ = run_arrays(rows, "imagenet1k", GROUPS["LAION"])
        table = recovery_table(x, n_replications=200)
        print(table[["form", "noise_sd", "bias", "se", "bias_over_se", "coverage", "n_failed"]].round(4).to_string())
        print(f"recovery: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
