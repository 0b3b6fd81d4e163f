"""The isoFLOP study v2: seeds, an analysis plan fixed in the profile before the runs, its hash in
the results' provenance, and the statistics of seed noise (spread, pooled sd, gaps between sizes)."""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import replace
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from repro.constants import MINI_RESULTS_DIR, REPO_ROOT
from repro.errors import SpecError
from repro.mini import analysis
from repro.mini.profiles import AnalysisPlan, Profile, get_profile
from repro.mini.study import grid, run_study
from repro.scaling.mini_study import pooled_sd, seed_spread, size_gaps


def test_the_v2_profile_has_five_budgets_over_a_decade_and_a_half_three_seeds_and_a_plan():
    profile = get_profile("isoflop-v2")
    budgets = sorted(set(profile.budgets))
    assert len(budgets) >= 5 and math.log10(budgets[-1] / budgets[0]) >= 1.5
    assert len(profile.seeds) >= 3 and profile.plan is not None and profile.data_path == "arrays"
    assert profile.n_runs == len(profile.points) * len(profile.seeds) == len(grid(profile))
    for budget in budgets:   # at least three sizes at every budget (a parabola has three coefficients)
        assert sum(b == budget for b in profile.budgets) >= 3


def test_runs_of_a_profile_with_seeds_are_named_and_trained_by_their_seed():
    profile = get_profile("smoke-isoflop-v2")
    points = grid(profile)
    assert len({p.name for p in points}) == len(points) == 12
    assert {p.name.rsplit("_", 1)[1] for p in points} == {"seed0", "seed1"}
    assert {p.run_seed(profile) for p in points} == {0, 1}
    # a one-seed profile keeps its names (the committed v1 results)
    assert grid(get_profile("isoflop"))[0].name == "mini-RN-XXS_mini-64k_s127k"


def test_the_plan_hash_changes_with_any_field_and_bad_plans_are_refused():
    plan = AnalysisPlan()
    assert plan.sha256() == AnalysisPlan().sha256() and len(plan.sha256()) == 64
    assert len({plan.sha256(), replace(plan, n_bins=6).sha256(), replace(plan, chance_tolerance=0.1).sha256(),
                replace(plan, size_axis="params").sha256()}) == 4
    with pytest.raises(SpecError, match="size_axis 'flops'"):
        AnalysisPlan(size_axis="flops")
    with pytest.raises(SpecError, match="exclusions 'plateau'"):
        AnalysisPlan(exclusions="plateau")
    with pytest.raises(SpecError, match="repeated seeds"):
        Profile("bad", models=("a", "b"), dataset_sizes=(1, 4), samples_seen=(64, 256), batch_size=64, lr=1e-3,
                test_size=1, probe_train_size=1, seeds=(0, 0))
    with pytest.raises(SpecError, match="data_path 'png'"):
        Profile("bad", models=("a", "b"), dataset_sizes=(1, 4), samples_seen=(64, 256), batch_size=64, lr=1e-3,
                test_size=1, probe_train_size=1, data_path="png")


def _cells() -> pd.DataFrame:
    """Two budgets x three sizes x three seeds, with known means and spreads."""
    rows = []
    for budget, means in ((10.0, (5.0, 4.8, 4.9)), (30.0, (4.6, 4.3, 4.0))):
        for k, (arch, gmacs, mean) in enumerate(zip(("a", "b", "c"), (1e-4, 4e-4, 1e-3), means)):
            for seed, offset in zip((0, 1, 2), (-0.02, 0.0, 0.02 * (k + 1))):
                rows.append({"budget_gmacs": budget, "arch": arch, "gmacs": gmacs, "seed": seed,
                             "contrastive_loss": mean + offset})
    return pd.DataFrame(rows)


def test_seed_spread_pooled_sd_and_the_gaps_between_sizes():
    runs = _cells()
    spread = seed_spread(runs)
    assert len(spread) == 6 and (spread["seeds"] == 3).all()
    cell = runs[(runs["budget_gmacs"] == 10.0) & (runs["arch"] == "b")]["contrastive_loss"]
    row = spread[(spread["budget_gmacs"] == 10.0) & (spread["arch"] == "b")].iloc[0]
    assert row["mean"] == pytest.approx(cell.mean()) and row["sd"] == pytest.approx(cell.std(ddof=1))
    # equal seeds per cell: the pooled sd is the root mean of the cells' variances
    assert pooled_sd(spread) == pytest.approx(math.sqrt(np.mean(spread["sd"] ** 2)))
    gaps = size_gaps(runs)
    at10 = gaps[gaps["budget_gmacs"] == 10.0].set_index("side")
    best = spread[spread["budget_gmacs"] == 10.0].set_index("arch")["mean"]
    assert (at10["best"] == "b").all()
    assert at10.at["smaller", "gap"] == pytest.approx(best["a"] - best["b"])
    assert at10.at["larger", "gap"] == pytest.approx(best["c"] - best["b"])
    se = pooled_sd(spread) * math.sqrt(2 / 3)
    assert at10.at["smaller", "z"] == pytest.approx((best["a"] - best["b"]) / se)
    # at 30 GMACs the best is the largest size: no larger neighbour to compare with
    at30 = gaps[gaps["budget_gmacs"] == 30.0].set_index("side")
    assert pd.isna(at30.at["larger", "neighbour"]) and math.isnan(at30.at["larger", "z"])


def test_seed_spread_names_a_missing_column():
    with pytest.raises(Exception, match="seed"):
        seed_spread(_cells().drop(columns="seed"))


@pytest.mark.slow
def test_smoke_v2_end_to_end_records_seeds_and_its_plan_and_refuses_a_changed_plan(tmp_path):
    """CI's run of the v2 loop: 12 real runs (2 budgets x 3 sizes x 2 seeds) on the array shards;
    the seeds change the runs; provenance records the plan's hash; a changed plan is refused."""
    profile = get_profile("smoke-isoflop-v2")
    results_root, work_root = tmp_path / "results", tmp_path / "work"
    first = run_study(profile, results_root=results_root, work_root=work_root, jobs=2, progress=None)
    assert (first.trained, first.evaluated, first.skipped) == (12, 12, 0)
    runs = analysis.load_isoflop_runs(profile.name, root=results_root)
    assert len(runs) == 12 and sorted(runs["seed"].unique()) == [0, 1]
    by_seed = runs.pivot_table(index=["arch", "budget_gmacs"], columns="seed", values="contrastive_loss")
    assert (by_seed[0] != by_seed[1]).all(), "the seed must change initialisation and data order"
    provenance = json.loads((results_root / profile.name / "provenance.json").read_text())
    assert provenance["plan_sha256"] == profile.plan.sha256()
    assert provenance["profile"]["plan"]["n_resamples"] == profile.plan.n_resamples
    assert {r["data_path"] for r in provenance["runs"].values()} == {"arrays"}
    curves = pd.read_csv(results_root / profile.name / "loss_curves.csv")   # found in the arrays runs' folders
    assert curves["name"].nunique() == 12
    assert datetime.fromisoformat(provenance["plan_committed_at"]) <= datetime.fromisoformat(
        provenance["first_results_at"])
    changed = replace(profile, plan=replace(profile.plan, chance_tolerance=0.1))
    with pytest.raises(SpecError, match="analysis plan changed after results"):
        run_study(changed, results_root=results_root, work_root=work_root, jobs=2, progress=None)


def test_the_committed_v2_results_were_made_under_the_committed_plan():
    """The committed isoFLOP v2 results record the hash of the plan the profile holds now, and the
    commit they were made from (clean, in this history) was made before their first run."""
    folder = MINI_RESULTS_DIR / "isoflop-v2"
    provenance = json.loads((folder / "provenance.json").read_text())
    profile = get_profile("isoflop-v2")
    assert provenance["plan_sha256"] == profile.plan.sha256(), "the plan changed after the results: a new profile"
    assert provenance["profile"]["plan"] == json.loads(json.dumps(profile.plan.__dict__))
    assert not provenance["dirty"] and not provenance["forced"]
    assert datetime.fromisoformat(provenance["plan_committed_at"]) <= datetime.fromisoformat(
        provenance["first_results_at"])
    shown = subprocess.run(["git", "show", "-s", "--format=%cI", provenance["commit"]], cwd=REPO_ROOT,
                           capture_output=True, text=True)
    if shown.returncode == 0:   # a shallow clone may lack the commit; its time is recorded anyway
        assert shown.stdout.strip() == provenance["plan_committed_at"]
    runs = pd.read_csv(folder / "heldout_loss.csv")
    assert sorted(runs["name"]) == sorted(p.name for p in grid(profile))
