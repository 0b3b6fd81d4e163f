"""``repro eval``: evaluate a checkpoint with CLIP_benchmark into a results registry, or write the
evaluation jobs of the paper spec as an array run by an executor of ``repro train`` (slurm, local, submitit).

Examples::

    # one checkpoint (a mini-study model) on two datasets of a suite, on this machine
    repro eval --model local-dir:runs/mini/models/mini-ViT-S --pretrained runs/mini/.../epoch_4.pt \\
        --suite runs/mini/eval_suite.yaml --datasets shapes,captions --dataset-root runs/mini/downstream \\
        --results runs/mini/results.csv --samples-seen 80000 --upstream mini-20k

    # the paper: 32 models x 38 datasets as SLURM arrays (scripts only; --executor local writes run_all.sh)
    repro eval --spec paper --dry-run --out runs/paper/eval_jobs --dataset-root /data/clip_benchmark \\
        --results /scratch/zeroshot_results.csv --checkpoint-dir /scratch/checkpoints

    # the aggregate check on the published table
    repro eval --check-aggregates
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from repro.data import load_results
from repro.errors import ReproError, SchedulerError, SpecError
from repro.evaluate.aggregates import CHECK_TOLERANCE, check_published_aggregates
from repro.evaluate.jobs import paper_checkpoints, run_checkpoints, write_eval_jobs
from repro.evaluate.run import Checkpoint, ModelMetadata, evaluate_checkpoint, model_metadata
from repro.evaluate.suite import load_suite
from repro.executors import scheduler
from repro.executors.arrays import SlurmOptions, sbatch_directives
from repro.launch.executors import EXECUTORS, Executor, LaunchOptions, get_executor


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="repro eval", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", help="open_clip model name, 'local-dir:PATH', or an open_clip model config JSON file")
    p.add_argument("--pretrained", default="", help="open_clip pretrained tag or checkpoint file "
                   "(optional for a local-dir: folder that holds its weights)")
    p.add_argument("--suite", default="paper", help="'paper' (runs/paper/eval_suite.yaml) or a suite YAML file")
    p.add_argument("--datasets", default="", help="comma-separated suite entries to evaluate (an aggregate's name "
                   "means its components); default: all")
    p.add_argument("--dataset-root", type=Path, help="folder of the datasets (wds_<name> folders for --dataset-format wds)")
    p.add_argument("--dataset-format", choices=("wds", "native"), default="wds",
                   help="local webdataset copies (wds/<name>) or CLIP_benchmark's own loaders (default: wds)")
    p.add_argument("--results", type=Path, help="results registry CSV to merge into (created if absent)")
    p.add_argument("--output-dir", type=Path, help="where CLIP_benchmark's JSON outputs go "
                   "(default: <results folder>/clip_benchmark)")
    meta = p.add_argument_group("checkpoint metadata (the model columns of the result rows)")
    meta.add_argument("--arch", help="architecture (default: the model name, or the config's name)")
    meta.add_argument("--samples-seen", type=float, help="training samples seen in total")
    meta.add_argument("--gmacs", type=float, help="GMACs per sample, image + text tower "
                      "(default: ARCH for a paper architecture, else counted from the model config)")
    meta.add_argument("--upstream", help="pre-training dataset, e.g. LAION-2B")
    meta.add_argument("--name", help="checkpoint name (default: the checkpoint file name or pretrained tag)")
    meta.add_argument("--samples-seen-pretty", default="", help="label of samples seen (default: e.g. 12.8B)")
    run = p.add_argument_group("CLIP_benchmark")
    run.add_argument("--batch-size", type=int, default=64)
    run.add_argument("--num-workers", type=int, default=4)
    run.add_argument("--seed", type=int, default=0)
    spec = p.add_argument_group("the paper spec as an array of jobs")
    spec.add_argument("--spec", choices=("paper",), help="evaluate the paper's 32 models (with --dry-run)")
    spec.add_argument("--runs", nargs="+", type=Path, metavar="RUN_DIR",
                      help="evaluate these finished runs of 'repro train' (their final checkpoints) on the suite, "
                           "one task per (run, dataset), with --executor, into --results")
    spec.add_argument("--wait", action="store_true",
                      help="with --runs on slurm or submitit: wait for the array, print each task's state, "
                           "exit non-zero when one failed")
    spec.add_argument("--executor", choices=list(EXECUTORS), default="slurm",
                      help="runs the array: slurm (default: SLURM arrays), local (run_all.sh), submitit")
    spec.add_argument("--dry-run", action="store_true", help="write the job scripts, run nothing")
    spec.add_argument("--out", type=Path, help="folder for the job scripts")
    spec.add_argument("--checkpoint-dir", type=Path, default=Path("checkpoints"),
                      help="where the released checkpoints are (downloaded by download_checkpoints.sh)")
    spec.add_argument("--sbatch", action="append", default=[], metavar="KEY=VALUE",
                      help="an #SBATCH option, e.g. --sbatch partition=booster --sbatch gres=gpu:1")
    spec.add_argument("--setup", default="", help="shell line(s) each job runs first, e.g. 'source .venv/bin/activate'")
    p.add_argument("--check-aggregates", action="store_true",
                   help="recompute imagenet_robustness, vtab, vtab+ of the published table and compare")
    return p


def _metadata(args: argparse.Namespace) -> ModelMetadata:
    """The checkpoint's metadata from the flags (defaults: :func:`repro.evaluate.run.model_metadata`)."""
    if args.samples_seen is None:
        raise SpecError("--samples-seen is required (training samples seen in total)")
    if not args.upstream:
        raise SpecError("--upstream is required (the pre-training dataset, e.g. LAION-2B)")
    return model_metadata(args.model, args.pretrained, samples_seen=args.samples_seen, upstream_dataset=args.upstream,
                          arch=args.arch, gmacs=args.gmacs, name=args.name,
                          samples_seen_pretty=args.samples_seen_pretty)


def _array_executor(args: argparse.Namespace) -> Executor:
    """The ``--executor`` that runs an evaluation array, with the ``--setup`` line and ``--sbatch`` directives."""
    slurm = SlurmOptions(setup=(args.setup,) if args.setup else (), extra=sbatch_directives(args.sbatch))
    return get_executor(args.executor, LaunchOptions(slurm=slurm))


def _datasets(text: str) -> list[str] | None:
    return [d for d in text.split(",") if d] or None


def _paper_jobs(args: argparse.Namespace) -> int:
    if not args.dry_run:
        raise SpecError("--spec paper evaluates 32 models x 38 datasets: add --dry-run to write the job "
                        "scripts, then run download_checkpoints.sh and submit.sh on the cluster")
    if args.out is None:
        raise SpecError("--spec paper --dry-run needs --out DIR (where the scripts go)")
    suite = load_suite(args.suite)
    paper = paper_checkpoints(args.checkpoint_dir.absolute())
    executor = _array_executor(args)
    written = write_eval_jobs(
        [p.checkpoint for p in paper], suite, args.out, suite_path=Path(suite.source).absolute(),
        dataset_root=(args.dataset_root or Path("datasets")).absolute(),
        results=(args.results or Path("zeroshot_results.csv")).absolute(),
        executor=executor, datasets=_datasets(args.datasets),
        urls={p.checkpoint.pretrained: p.url for p in paper if p.url},
        output_dir=args.output_dir.absolute() if args.output_dir else None, dry_run=True,
    )
    n_jobs, n_models = len(written.jobs), written.n_models
    start = f"then {written.array.launcher}" if written.array.launcher else "then submit the job scripts"
    print(f"wrote {n_jobs} jobs ({n_models} models x {n_jobs // max(n_models, 1)} datasets) to {args.out}; "
          f"run {args.out}/download_checkpoints.sh, {start}")
    return 0


def _run_jobs(args: argparse.Namespace) -> int:
    """``--runs``: the runs' final checkpoints x the suite's datasets as an array of the executor."""
    missing = [flag for flag, value in (("--dataset-root", args.dataset_root), ("--results", args.results),
                                        ("--out", args.out)) if not value]
    if missing:
        raise SpecError(f"--runs needs {', '.join(missing)} (see 'repro eval --help')")
    suite = load_suite(args.suite)
    executor = _array_executor(args)
    written = write_eval_jobs(
        run_checkpoints(args.runs), suite, args.out, suite_path=Path(suite.source).absolute(),
        dataset_root=args.dataset_root.absolute(), results=args.results.absolute(),
        executor=executor, datasets=_datasets(args.datasets),
        output_dir=args.output_dir.absolute() if args.output_dir else None, dry_run=args.dry_run,
        repro=(sys.executable, "-m", "repro"),
    )
    array = written.array
    print(f"{array.state}: {len(written.jobs)} evaluation task(s) ({written.n_models} run(s)) in {args.out}"
          + (f", job(s) {', '.join(array.job_ids)}" if array.job_ids else ""))
    if array.state == "failed":
        raise SpecError(f"evaluation tasks failed (exit codes {list(array.returncodes)}); logs in {args.out / 'logs'}")
    if args.wait and array.job_ids:
        roots = sorted({job_id.split("_")[0] for job_id in array.job_ids})
        states = scheduler.wait(roots, timeout_s=24 * 3600.0,
                                on_change=lambda s: print(f"task {s.job_id}: {s.group} ({s.state}); log {s.log_path}"))
        failed = [s for s in states.values() if s.group == "failed"]
        if failed:
            raise SchedulerError(failed[0].describe(f"evaluation array ({len(failed)} task(s) failed)"))
        print(f"done: {len(states)} task(s) merged into {args.results}")
    return 0


def _check_aggregates() -> int:
    check = check_published_aggregates(load_results())
    for name, worst in check.max_abs_difference.items():
        verdict = "ok" if worst <= CHECK_TOLERANCE else "FAILS"
        print(f"{name:<20} max |recomputed - published| over {check.n_models} models = {worst:.3g}  {verdict}")
    return 0 if all(check.passed(n) for n in check.max_abs_difference) else 1


def _evaluate(args: argparse.Namespace) -> int:
    missing = [flag for flag, value in (("--model", args.model), ("--dataset-root", args.dataset_root),
                                        ("--results", args.results)) if not value]
    if missing:
        raise SpecError(f"missing {', '.join(missing)} (see 'repro eval --help')")
    suite = load_suite(args.suite)
    metadata = _metadata(args)
    result = evaluate_checkpoint(
        Checkpoint(args.model, args.pretrained, metadata), suite, dataset_root=args.dataset_root,
        results=args.results, datasets=_datasets(args.datasets), output_dir=args.output_dir,
        dataset_format=args.dataset_format, batch_size=args.batch_size, num_workers=args.num_workers, seed=args.seed,
    )
    print(f"merged {len(result.rows)} row(s) for {metadata.name} into {args.results}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: ``argv[0]`` is the subcommand name ``"eval"`` (as ``repro.cli`` passes it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "eval":
        argv = argv[1:]
    args = _parser().parse_args(argv)
    try:
        if args.check_aggregates:
            return _check_aggregates()
        if args.spec:
            return _paper_jobs(args)
        if args.runs:
            return _run_jobs(args)
        return _evaluate(args)
    except ReproError as err:
        print(f"repro eval: error: {err}", file=sys.stderr)
        return 1
