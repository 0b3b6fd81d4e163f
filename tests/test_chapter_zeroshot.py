"""The zero-shot chapter: Tables 1, 16, 17, 19-24 recomputed from ZS against the paper's printed
numbers, the bottleneck claims, the explorer's fits and the Figure 12 plumbing.

Tolerance: the paper prints the grids with two decimals and Table 1 with one, so a reproduced cell
must round to the printed value (|ours - paper| <= half a unit of the last digit, plus float slack).
"""

import shlex

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from repro.chapters import zeroshot as chapter
from repro.data import load_arch, load_reported
from repro.errors import SchemaError
from repro.evaluate.cli import _parser
from repro.report import rows_frame

HALF_UNIT_2DP = 0.005 + 1e-9
HALF_UNIT_1DP = 0.05 + 1e-9


@pytest.mark.parametrize("table", list(chapter.GRID_TABLES))
def test_every_grid_cell_rounds_to_the_printed_value(paper_rows, table):
    comparison = chapter.grid_comparison(paper_rows, table)
    assert len(comparison) == 29  # 9 archs x budgets x 3 data sets + H/14 34B + g/14 13B
    assert comparison[["ours", "paper"]].notna().all().all()
    worst = comparison.loc[comparison["difference"].abs().idxmax()]
    assert abs(worst["difference"]) <= HALF_UNIT_2DP, worst.to_dict()


def test_grid_report_rows_are_203_exact_cells(paper_rows):
    report = rows_frame(chapter.grid_report_rows(paper_rows))
    assert len(report) == 7 * 29
    assert report["paper"].notna().all()
    assert set(report["status"]) == {"exact"}
    assert report["quantity"].is_unique


def test_grid_pivot_lays_out_the_paper_rows(paper_rows):
    wide = chapter.grid_pivot(chapter.grid_comparison(paper_rows, "table19"))
    assert list(wide.columns) == ["LAION-80M", "LAION-400M", "LAION-2B"]
    assert wide.index[0] == ("ViT-B/32", "3B") and wide.index[-1] == ("ViT-g/14", "13B")
    assert wide.loc[("ViT-L/14", "34B"), "LAION-2B"] == "75.20"
    assert wide.loc[("ViT-H/14", "34B"), "LAION-80M"] == ""


def test_a_missing_run_is_reported_not_invented(paper_rows):
    partial = paper_rows[~paper_rows["name"].str.contains("Model-B-32_Data-80M_Samples-3B")]
    comparison = chapter.grid_comparison(partial, "table19")
    missing = comparison[comparison["ours"].isna()]
    assert missing[["model", "samples_seen", "pretraining_data"]].values.tolist() == [["ViT-B/32", "3B", "LAION-80M"]]
    assert len(chapter.grid_report_rows(partial, ["table19"])) == 28
    assert "—" in chapter.grid_pivot(comparison).loc[("ViT-B/32", "3B"), "LAION-80M"]


def test_unknown_grid_is_refused(paper_rows):
    with pytest.raises(ValueError, match="table18"):
        chapter.zeroshot_grid(paper_rows, "table18")


def test_table01_all_nine_cells(paper_rows):
    comparison = chapter.table01_comparison(paper_rows)
    assert len(comparison) == 9
    assert comparison["difference"].abs().max() <= HALF_UNIT_1DP
    report = rows_frame(chapter.table01_report_rows(paper_rows))
    assert set(report["status"]) == {"exact"}
    # H/14 beats OpenAI's L/14 on all three columns, as the paper's headline says
    assert (comparison[comparison["model"] == "ViT-H/14"]["ours"].to_numpy()
            > comparison[comparison["pretraining_data"] == "CLIP-WIT"]["ours"].to_numpy()).all()
    assert chapter.table01_wide(comparison).shape == (3, 3)


def test_table01_missing_model_names_it(paper_rows):
    with pytest.raises(SchemaError, match="ViT-H/14 / 34B / LAION-2B / imagenet1k"):
        chapter.table01_comparison(paper_rows[paper_rows["arch"] != "ViT-H-14"])


def test_table17_is_35_tasks_plus_their_mean(paper_rows):
    table = chapter.table17(paper_rows)
    assert table.shape == (36, 11)  # 35 tasks + mean; 11 LAION-2B runs
    assert list(table.index[:-1]) == list(chapter.VTAB_PLUS_TASK_NAMES)
    # cross-check two ways: our mean of the 35 rows == the published vtab+ entry == Table 16's cell
    check = chapter.table17_mean_check(paper_rows)
    np.testing.assert_allclose(check["mean_of_35"], check["zs_vtab_plus"], atol=1e-9)
    assert (check["mean_of_35"] - check["paper"]).abs().max() <= HALF_UNIT_2DP
    report = rows_frame(chapter.table17_report_rows(paper_rows))
    assert len(report) == 35 * 11 + 11
    assert (report["status"] == "exact").sum() == 11 and (report["status"] == "reproduced").sum() == 385


def test_vtab_plus_tasks_match_table26():
    assert list(load_reported("table26")["Dataset"]) == list(chapter.VTAB_PLUS_TASK_NAMES)
    assert len(set(chapter.VTAB_PLUS_TASKS)) == 35


def test_bottleneck_claims(paper_rows):
    claims = chapter.bottleneck_claims(paper_rows)
    summary = chapter.claims_summary(claims)
    # A and B point the claimed way on all 7 measures, C on 3 of the 4 retrieval measures (not COCO text R@5);
    # beyond two standard errors (binomial + Table 14's run-to-run noise) A holds on 5, B on 4, C on 1 (COCO image)
    assert summary.loc["A", "points the claimed way"] == 7 and summary.loc["B", "points the claimed way"] == 7
    assert summary.loc["C", "measures"] == 4 and summary.loc["C", "fails on"] == "COCO text R@5"
    assert tuple(summary["holds on"]) == (5, 4, 1)
    c = claims[claims["claim"] == "C"].set_index("measure")
    # contrast = LAION-2B gain - LAION-400M gain of L/14 from 13B to 34B
    assert c.loc["COCO image R@5", "contrast"] == pytest.approx(1.923 - 0.224, abs=1e-3)
    assert c.loc["COCO text R@5", "contrast"] == pytest.approx(-0.26, abs=1e-3)
    # COCO image: 25,000 caption queries, four runs near 70% (binomial 0.58) and 4 x (0.39 / sqrt 2)^2
    binomial = np.sqrt(sum(p * (100 - p) / 25_000 for p in (68.62, 68.40, 71.08, 69.16)))
    assert c.loc["COCO image R@5", "se"] == pytest.approx(np.hypot(binomial, 0.39 / np.sqrt(2) * 2), abs=2e-3)
    assert chapter.claim_verdicts(claims)["C"].startswith("C holds beyond noise (z >= 2) on 1 of 4 measures (COCO image")
    imagenet_a = claims[(claims["claim"] == "A") & (claims["measure"] == "ImageNet")].iloc[0]
    # mean of (57.36-57.12, 62.53-63.23, 61.82-62.68, 68.13-67.00) and of (66.47-64.06, 70.22-69.00)
    assert imagenet_a["value"] == pytest.approx(np.mean([0.238, -0.704, -0.862, 1.134]), abs=1e-3)
    assert imagenet_a["reference"] == pytest.approx(np.mean([2.41, 1.22]), abs=2e-2)


def test_bottleneck_gain_tables(paper_rows):
    data = chapter.data_scaling_gains(paper_rows, ["ImageNet"])
    assert len(data) == 9 and "gain 400M->2B" in data.columns
    samples = chapter.samples_scaling_gains(paper_rows, ["COCO image R@5"])
    row = samples.loc[("COCO image R@5", "ViT-L/14", "LAION-400M")]
    assert row["gain 13B->34B"] == pytest.approx(row["34B"] - row["13B"])
    assert isinstance(samples, pd.DataFrame) and len(samples) == 9


def _resnet_rows(tmp_path, gmacs_scale=1.0):
    arch = load_arch().set_index("model")
    records = []
    for i, name in enumerate(chapter.RESNETS):
        gmacs = float(arch.loc[name, "gmacs"]) * gmacs_scale
        for dataset, task in (("imagenet1k", "zeroshot_classification"), ("mscoco_captions", "zeroshot_retrieval")):
            score = 0.55 + 0.04 * i
            records.append({"arch": name, "samples_seen": 12.8e9, "gmacs_total": gmacs * 12.8e9, "gmacs": gmacs,
                            "upstream_dataset": "CLIP-WIT", "downstream_dataset": dataset,
                            "acc1": score if task.endswith("classification") else np.nan, "acc5": np.nan,
                            "mean_per_class_recall": np.nan,
                            "image_retrieval_recall@5": score if task.endswith("retrieval") else np.nan,
                            "text_retrieval_recall@5": np.nan, "mean_average_precision": np.nan, "task": task,
                            "samples_seen_pretty": "13B", "name": "openai"})
    path = tmp_path / "chapter.csv"
    pd.DataFrame(records).to_csv(path, index=False)
    return path


def test_fig12_adds_resnets_and_refits(paper_rows, tmp_path):
    assert chapter.resnet_status(load_arch(), paper_rows)["zero_shot_rows"].sum() == 0
    joined = chapter.with_resnets(paper_rows, _resnet_rows(tmp_path), load_arch())
    fits = chapter.fig12_fits(joined)
    assert fits["imagenet1k"]["openai"].n_points == 7  # 3 ViTs + 4 ResNets
    assert chapter.resnet_status(load_arch(), joined)["zero_shot_rows"].tolist() == [2, 2, 2, 2]
    commands = chapter.evaluation_commands(load_arch())
    assert len(commands) == 4 and all(c.startswith("repro eval --model RN") for c in commands)
    assert "--gmacs 81.55" in commands[-1]


def test_fig12_figure_draws_one_panel_per_dataset(paper_rows, tmp_path):
    fig = chapter.fig12_figure(paper_rows, load_arch(), _resnet_rows(tmp_path))
    assert isinstance(fig, Figure)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == len(chapter.FIG12_DATASETS)


def test_fig12_refuses_wrong_compute(paper_rows, tmp_path):
    with pytest.raises(SchemaError, match="column 'gmacs'"):
        chapter.with_resnets(paper_rows, _resnet_rows(tmp_path, gmacs_scale=1.1), load_arch())


def test_fig12_commands_parse_with_repro_eval():
    for command in chapter.evaluation_commands(load_arch()):
        args = _parser().parse_args(shlex.split(command)[2:])
        assert args.pretrained == "openai" and args.upstream == "CLIP-WIT" and args.samples_seen == 12.8e9
        assert args.datasets.split(",") == ["imagenet1k", "mscoco_captions"]


def test_explorer_fits_one_pair_per_dataset(paper_rows):
    fits = chapter.explorer_fits(paper_rows)
    assert list(fits) == sorted(paper_rows["downstream_dataset"].unique()) and len(fits) == 41
    assert round(fits["imagenet1k"]["openclip"].alpha, 2) == -0.11 and round(fits["imagenet1k"]["openai"].alpha, 2) == -0.16
    with pytest.raises(ValueError, match="not-a-set"):
        chapter.explorer_fits(paper_rows, ["not-a-set"])


def test_glue_values_count_what_the_prose_says(paper_rows):
    values = chapter.glue_values(paper_rows)
    assert values["table01_cells"] == 9 and values["table17_tasks"] == 35 and values["table17_runs"] == 11
    assert values["n_downstream"] == 41 and values["grid_cells"] == 7 * 29
    assert (values["claim_A_holds"], values["claim_B_holds"], values["claim_C_holds"], values["claim_C_measures"]) == (5, 4, 1, 4)
    assert values["claim_C_points"] == 3 and values["repeat_noise_pp"] == pytest.approx(0.39 / np.sqrt(2))
    # H/14 beats L/14 by 2.48 (ImageNet), 0.67 (VTAB+: within 2 x 0.39) and 12.35 points (COCO)
    assert values["table01_claim_verdict"].startswith("The claim holds beyond noise (z >= 2) on 2 of 3 measures "
                                                      "(ImageNet, MS-COCO image R@5)")


def test_contrast_se_grows_with_the_run_noise_and_needs_matching_weights():
    base = chapter.contrast_se([50.0, 50.0], [1, -1], 10_000, 0.0)
    assert base == pytest.approx(np.sqrt(2 * 2500 / 10_000))
    assert chapter.contrast_se([50.0, 50.0], [1, -1], 10_000, 0.3) > base
    assert chapter.contrast_se([50.0, 50.0], [1, -1], None, 0.3) == pytest.approx(0.3 * np.sqrt(2))
    with pytest.raises(SchemaError, match="weights"):
        chapter.contrast_se([50.0], [1, -1], None, 0.3)


def test_claims_enter_the_report_as_measured_counts(paper_rows):
    rows = {r.quantity: r for r in chapter.claims_report_rows(paper_rows)}
    assert rows["claim_C_holds_beyond_noise"].reproduced == 1 and rows["claim_C_points_claimed_way"].reproduced == 3
    assert {r.status for r in rows.values()} == {"measured"} and {r.item for r in rows.values()} == {"bottleneck"}
