"""Grid profiles of the miniature study: which models, dataset sizes and samples-seen budgets.

=================  ============================================  =====================================
profile            grid                                          budget
=================  ============================================  =====================================
smoke              2 models x 2 sizes x 2 budgets, tiny          whole loop <= 3 min on 2 CPU cores
laptop             3 models x 3 sizes x 3 budgets (default)      whole loop <= 30 min on 2 CPU cores
isoflop            3 budgets over 1 decade x 5-6 model sizes     whole loop <= 30 min on 2 CPU cores
isoflop-v2         5 budgets, 1.5 decades x 3-4 sizes x 3 seeds  whole loop <= 45 min on 2 CPU cores
isoflop-v2-warmup  v2's XS and S below 128 GMACs, short warm-up  ~7 min on 2 CPU cores
smoke-isoflop      2 budgets x 3 model sizes, tiny               CI's run of the isoFLOP loop
smoke-isoflop-v2   2 budgets x 3 sizes x 2 seeds, tiny           CI's run of the v2 loop (seeds, plan)
gpu                4 models x 4 sizes x 4 budgets                one GPU
=================  ============================================  =====================================

The warmup-stable-decay profiles (``wsd-v2``, ``smoke-wsd-v2``: one trunk per size and seed,
a decay branch per budget of an isoFLOP profile) are in :mod:`repro.mini.wsd`.

Like the paper's grid (Table 18: ViT-B/32 .. ViT-H/14 x LAION-80M/400M/2B x 3B/13B/34B
samples seen), every axis of a grid profile grows geometrically by 4x, so the grid spans about
as many decades of compute as it can for its cost. An isoFLOP profile (Hoffmann et al. 2022,
approach 2) instead fixes the compute of each run and trades model size against samples seen.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from repro.errors import SpecError
from repro.mini.models import gmacs_per_sample


#: A profile's ``data_path`` (and :func:`repro.mini.study.run_study`'s): PNG files + csv rows
#: (``csv``, what the v1 profiles' results were made with) or array shards read in whole batches
#: (``arrays``, :mod:`repro.executors.shards`).
DATA_PATHS = ("csv", "arrays")


@dataclass(frozen=True)
class AnalysisPlan:
    """How an isoFLOP profile's results are analysed, fixed in the profile before its runs.

    The provenance of the results records the plan's hash (:meth:`sha256`) and the time of the
    commit the runs were made from, so a reader can check that the plan was not changed after the
    results (a test does). A change of plan after results is a new profile, and the chapter shows
    both.
    """

    metric: str = "contrastive_loss"      # what each isoFLOP parabola minimises (held-out loss)
    size_axis: str = "gmacs"              # model size N: GMACs per sample ("params": parameters)
    chance_tolerance: float = 0.01        # a run is at chance when its held-out loss > ln(256) - this
    exclusions: str = "at_chance"         # runs left out of the fits: "at_chance" or "none"
    n_bins: int = 5                       # compute bins of a frontier fit
    n_resamples: int = 1000               # bootstrap resamples (runs and seeds, within each budget)
    level: float = 0.9                    # two-sided level of every interval
    z_finding: float = 2.0                # a comparison is a finding only at |z| >= this

    def __post_init__(self) -> None:
        if self.metric not in ("contrastive_loss", "error"):
            raise SpecError(f"analysis plan: metric {self.metric!r} is not 'contrastive_loss' or 'error'")
        if self.size_axis not in ("gmacs", "params"):
            raise SpecError(f"analysis plan: size_axis {self.size_axis!r} is not 'gmacs' or 'params'")
        if self.exclusions not in ("at_chance", "none"):
            raise SpecError(f"analysis plan: exclusions {self.exclusions!r} is not 'at_chance' or 'none'")

    def sha256(self) -> str:
        """The hash of the plan's fields (sorted JSON), recorded in the results' provenance."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Profile:
    """One grid of the miniature study.

    A grid profile is the product ``models x dataset_sizes x samples_seen`` (the paper's grid).
    An isoFLOP profile (:func:`isoflop_profile`) lists its runs instead (``points``): at each
    compute budget, several model sizes, each trained for ``budget / GMACs per sample`` samples
    on one large set; ``budgets`` then names the budget (GMACs) of each run.
    """

    name: str
    models: tuple[str, ...]            # model config names, smallest first
    dataset_sizes: tuple[int, ...]     # unique pairs per pre-training set, each >= 4x the last
    samples_seen: tuple[int, ...]      # total training samples per run (one cosine schedule each)
    batch_size: int                    # global batch (one process)
    lr: float                          # peak learning rate
    test_size: int                     # images per downstream test set
    probe_train_size: int              # images in the linear-probe train split
    device: str = "cpu"
    seed: int = 0
    threads: int = 1                   # torch intra-op threads per run on CPU (see below)
    points: tuple[tuple[str, int, int], ...] = ()   # (model, n_pairs, samples_seen) of an isoFLOP profile
    budgets: tuple[float, ...] = ()    # the compute budget (GMACs) of each point, same order
    heldout_pairs: int = 0             # > 0: also measure the held-out contrastive loss on this many pairs
    seeds: tuple[int, ...] = ()        # run seeds (initialisation and data order): every point once per seed
    data_path: str = "csv"             # "csv" (PNG files, per-sample decoding) or "arrays" (array shards)
    plan: AnalysisPlan | None = None   # the analysis, fixed before the runs (isoFLOP profiles)
    warmup_budget: float = 0.0         # > 0: every run warms up over 10 % of the steps of its model's run at this
                                       # budget (GMACs); 0: over 10 % of its own steps

    def __post_init__(self) -> None:
        if self.data_path not in DATA_PATHS:
            raise SpecError(f"profile '{self.name}': data_path {self.data_path!r} is not 'csv' or 'arrays'")
        if len(set(self.seeds)) != len(self.seeds):
            raise SpecError(f"profile '{self.name}': repeated seeds {list(self.seeds)}")
        if self.points:
            if len(self.budgets) != len(self.points):
                raise SpecError(f"profile '{self.name}': {len(self.points)} points but {len(self.budgets)} budgets")
            samples = [s for _, _, s in self.points]
        else:
            for axis in ("models", "dataset_sizes", "samples_seen"):
                if len(getattr(self, axis)) < 2:
                    raise SpecError(f"profile '{self.name}': '{axis}' needs at least 2 values")
            samples = list(self.samples_seen)
        bad = [s for s in samples if s % self.batch_size or s <= 0]
        if bad:
            raise SpecError(f"profile '{self.name}': samples_seen {bad} are not positive multiples of the batch "
                            f"size {self.batch_size}")
        if self.warmup_budget < 0:
            raise SpecError(f"profile '{self.name}': warmup_budget {self.warmup_budget} is negative")
        if self.heldout_pairs and self.heldout_pairs % HELDOUT_BATCH:
            raise SpecError(f"profile '{self.name}': heldout_pairs {self.heldout_pairs} is not a multiple of the "
                            f"evaluation batch {HELDOUT_BATCH}")

    # Why one thread per run: on a CPU shared with other processes, two OpenMP threads that spin-wait on
    # each other made a training step 3.5x slower than one thread (2.27 s vs 0.65 s per batch of 128,
    # measured with 7 processes on 2 cores); the study instead runs one single-threaded run per core.

    @property
    def n_runs(self) -> int:
        per_seed = len(self.points) if self.points else \
            len(self.models) * len(self.dataset_sizes) * len(self.samples_seen)
        return per_seed * max(1, len(self.seeds))

    @property
    def run_seeds(self) -> tuple[int | None, ...]:
        """The seed of each replicate: ``(None,)`` for a one-seed profile (runs named without a seed,
        trained with :attr:`seed`), else :attr:`seeds`."""
        return self.seeds or (None,)

    @property
    def is_isoflop(self) -> bool:
        return bool(self.points)


#: The held-out contrastive loss is the mean CLIP loss over fixed batches of this many pairs (the
#: loss depends on the batch size, so it is fixed for every run of a study).
HELDOUT_BATCH = 256


def budget_samples(budget: float, model: str, batch_size: int) -> int:
    """Samples of ``model`` that spend ``budget`` GMACs, rounded to whole batches (at least one)."""
    return max(1, round(budget / gmacs_per_sample(model) / batch_size)) * batch_size


def isoflop_profile(name: str, budgets: dict[float, tuple[str, ...]], *, n_pairs: int, batch_size: int,
                    lr: float, heldout_pairs: int, test_size: int, probe_train_size: int,
                    device: str = "cpu", seed: int = 0, seeds: tuple[int, ...] = (), data_path: str = "csv",
                    plan: AnalysisPlan | None = None, warmup_budget: float = 0.0) -> Profile:
    """An isoFLOP profile: at each budget (GMACs per run), each listed model trained for
    ``budget / GMACs per sample`` samples (rounded to whole batches) on ``n_pairs`` unique pairs."""
    points, run_budgets = [], []
    for budget, names in budgets.items():
        for model in names:
            samples = budget_samples(budget, model, batch_size)
            points.append((model, n_pairs, samples))
            run_budgets.append(float(budget))
    models = tuple(dict.fromkeys(m for _, _, m in sorted((gmacs_per_sample(m), i, m)
                                                         for i, (m, _, _) in enumerate(points))))
    return Profile(name, models=models, dataset_sizes=(n_pairs,), samples_seen=tuple(sorted({s for *_, s in points})),
                   batch_size=batch_size, lr=lr, test_size=test_size, probe_train_size=probe_train_size,
                   device=device, seed=seed, points=tuple(points), budgets=tuple(run_budgets),
                   heldout_pairs=heldout_pairs, seeds=tuple(seeds), data_path=data_path, plan=plan,
                   warmup_budget=warmup_budget)


PROFILES: dict[str, Profile] = {
    "smoke": Profile("smoke", models=("mini-RN-XS", "mini-RN-S"), dataset_sizes=(100, 400),
                     samples_seen=(256, 1024), batch_size=64, lr=2e-3, test_size=100, probe_train_size=100),
    # 27 runs, 1.5M samples. The tiny ResNets leave the chance plateau after ~4k (M) to ~10k (XS)
    # samples, so the budgets start at 8k (at or just off chance: the low end of the law) and reach
    # 131k; 2k pairs seen 64 times at the top budget make the small set the bottleneck, as
    # LAION-80M is at 34B. The models are 2.2x and 4.6x apart in GMACs per sample and the budgets
    # 4x, so the runs' compute interleaves over 2.2 decades and every bin of the frontier fit has a
    # run that spends its compute well (in a first v4 grid of XS, M and L, one bin held only
    # mini-RN-L at 33k samples, far off the frontier: R^2 0.76). Design history: see the chapter
    # "The study in miniature" and repro.mini.models.
    "laptop": Profile("laptop", models=("mini-RN-XS", "mini-RN-S", "mini-RN-L"),
                      dataset_sizes=(2_000, 8_000, 32_000), samples_seen=(8_192, 32_768, 131_072),
                      batch_size=64, lr=2e-3, test_size=1000, probe_train_size=1000),
    # Budgets of 16, 50 and 160 GMACs (one decade): at each, from a model small enough to see
    # hundreds of thousands of samples but too small to use them, to one so large that it sees a
    # few thousand (near the chance plateau), so that each profile can have its minimum inside the
    # sizes tried. 64k unique pairs: the largest sample count (mini-RN-XXS at 50 GMACs, 396k)
    # repeats each pair about 6 times.
    "isoflop": isoflop_profile("isoflop", {16: ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S", "mini-RN-M", "mini-RN-L"),
                                          50: ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S", "mini-RN-M", "mini-RN-L",
                                               "mini-RN-XL"),
                                          160: ("mini-RN-XS", "mini-RN-S", "mini-RN-M", "mini-RN-L", "mini-RN-XL",
                                                "mini-RN-XXL")},
                               n_pairs=64_000, batch_size=64, lr=2e-3, heldout_pairs=1024, test_size=1000,
                               probe_train_size=1000),
    # The isoFLOP study, v2, designed from the results of v1 (its pilot) and a rate pilot before any
    # of its own runs; its analysis plan is fixed here. 5 budgets over 1.5 decades (4 to 128 GMACs,
    # 32x), 3 seeds (initialisation and data order; one training set), array shards. In v1 the best
    # size was mini-RN-XXS at 16 GMACs and mini-RN-XS at 50 and 160, with mini-RN-S 0.017 behind at
    # 160; so every budget tries mini-RN-XXS (the family's smallest: a budget whose best size is XXS
    # has its minimum at the edge, and the page says so) up to a size that should be clearly worse,
    # and mini-RN-M from 16 GMACs (below, it would not leave the chance plateau). The top budget is
    # 128, not 160: two runs at a time, the rate pilot trained mini-RN-XXS at ~1,600 samples/s (half
    # its one-process pure step), and XXS at 160 GMACs x 3 seeds alone would cost ~19 min of the
    # 45. 51 runs, ~4,200 core-seconds of training expected: ~37 min on 2 cores.
    "isoflop-v2": isoflop_profile("isoflop-v2", {4: ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S"),
                                                8: ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S"),
                                                16: ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S", "mini-RN-M"),
                                                40: ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S", "mini-RN-M"),
                                                128: ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S", "mini-RN-M")},
                                  n_pairs=64_000, batch_size=64, lr=2e-3, heldout_pairs=1024, test_size=1000,
                                  probe_train_size=1000, seeds=(0, 1, 2), data_path="arrays",
                                  plan=AnalysisPlan()),
    # Is it the warm-up? wsd-v2's branches ended well below isoflop-v2's cosine runs at 16 and 40
    # GMACs. A cosine run warms up over 10 % of its own steps; a WSD branch over 10 % of the
    # smallest budget's run (13 steps for mini-RN-XS, 6 for mini-RN-S, where the 40-GMAC cosine runs
    # warm up over 138 and 64). These are isoflop-v2's runs of mini-RN-XS and mini-RN-S at the
    # four budgets below 128 GMACs, 3 seeds, changed in one thing: the warm-up of the 4-GMAC run.
    # Decided before the runs (the chapter applies it): the warm-up explains the gap if these runs
    # match the WSD branches and do not match isoflop-v2's cosine runs, each under wsd-v2's rule.
    "isoflop-v2-warmup": isoflop_profile("isoflop-v2-warmup", {4: ("mini-RN-XS", "mini-RN-S"),
                                                              8: ("mini-RN-XS", "mini-RN-S"),
                                                              16: ("mini-RN-XS", "mini-RN-S"),
                                                              40: ("mini-RN-XS", "mini-RN-S")},
                                         n_pairs=64_000, batch_size=64, lr=2e-3, heldout_pairs=1024,
                                         test_size=1000, probe_train_size=1000, seeds=(0, 1, 2), data_path="arrays",
                                         warmup_budget=4.0),
    # CI's run of the isoFLOP loop: 2 budgets x 3 sizes, held-out loss included.
    "smoke-isoflop": isoflop_profile("smoke-isoflop", {0.4: ("mini-RN-XS", "mini-RN-S", "mini-RN-M"),
                                                      1.2: ("mini-RN-XS", "mini-RN-S", "mini-RN-M")},
                                     n_pairs=400, batch_size=64, lr=2e-3, heldout_pairs=256, test_size=100,
                                     probe_train_size=100),
    # CI's run of the v2 loop: seeds, array shards and an analysis plan, 2 budgets x 3 sizes x 2 seeds.
    "smoke-isoflop-v2": isoflop_profile("smoke-isoflop-v2", {0.4: ("mini-RN-XS", "mini-RN-S", "mini-RN-M"),
                                                            1.2: ("mini-RN-XS", "mini-RN-S", "mini-RN-M")},
                                        n_pairs=400, batch_size=64, lr=2e-3, heldout_pairs=256, test_size=100,
                                        probe_train_size=100, seeds=(0, 1), data_path="arrays",
                                        plan=AnalysisPlan(n_resamples=200)),
    "gpu": Profile("gpu", models=("mini-RN-XS", "mini-RN-M", "mini-RN-XL", "mini-RN-XXL"),
                   dataset_sizes=(4_000, 16_000, 64_000, 256_000),
                   samples_seen=(40_960, 163_840, 655_360, 2_621_440), batch_size=256, lr=2e-3,
                   test_size=2000, probe_train_size=5000, device="cuda"),
}


def get_profile(name: str) -> Profile:
    """The profile called ``name``."""
    try:
        return PROFILES[name]
    except KeyError:
        raise SpecError(f"unknown mini profile {name!r}; known: {', '.join(PROFILES)}") from None
