"""Verdicts: the qualitative sentences of the book, produced from the numbers.

Every sentence of a page that states a finding ("the error grows with the horizon", "the claim
holds on 3 of 4 measures", "just outside the stated range") comes from one of these pure
functions, with its threshold a named constant here, so that the sentence changes when the
numbers do. ``tests/test_verdicts.py`` feeds each function numbers on both sides of each
threshold.

The rule for a difference (Sec. 4 of the paper states its contrasts without noise): it is called
a finding only when it is at least :data:`Z_FINDING` standard errors from zero (binomial,
bootstrap or cluster bootstrap over datasets, whichever fits the quantity); below that it is
"within noise", and a count "holds on n of m" counts only the contrasts that clear it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from repro.errors import ReproError

#: A difference is a finding at |z| >= this many standard errors.
Z_FINDING = 2.0
#: A backtest error "grows with the horizon" only when each step up in k raises it by more than this (points).
TREND_TOLERANCE_PP = 0.05
#: A bootstrap or binomial share of draws is called a majority only beyond this share (and at 2 SE).
MAJORITY_SHARE = 0.5
#: Prediction bands "widen quickly" when the width grows by at least this factor per decade beyond the data.
QUICK_WIDENING_PER_DECADE = 2.0
#: An interval's coverage is "near nominal" within this many points of coverage.
COVERAGE_TOLERANCE = 0.05


class VerdictError(ReproError, ValueError):
    """A verdict function was given numbers it cannot judge (a non-positive standard error, an
    empty list, a bound the wrong way round); the message names the parameter."""


def _finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise VerdictError(f"{name}: expected a finite number, got {value!r}")
    return value


def z_score(difference: float, standard_error: float) -> float:
    """``difference / standard_error``.

    Parameters
    ----------
    difference : float
        The contrast (any unit).
    standard_error : float
        Its standard error, in the same unit; must be positive.

    Raises
    ------
    VerdictError
        A non-positive or non-finite standard error.
    """
    se = _finite("standard_error", standard_error)
    if se <= 0:
        raise VerdictError(f"standard_error: must be positive, got {se!r}")
    return _finite("difference", difference) / se


def is_finding(difference: float, standard_error: float, *, z: float = Z_FINDING) -> bool:
    """True when ``|difference| >= z`` standard errors (:data:`Z_FINDING` by default).

    Parameters
    ----------
    difference : float
        The estimated difference.
    standard_error : float
        Its standard error.
    z : float
        How many standard errors make a finding.
    """
    return abs(z_score(difference, standard_error)) >= z


def difference_sentence(subject: str, difference: float, standard_error: float, *, unit: str = "points",
                        positive: str = "higher", negative: str = "lower", z: float = Z_FINDING,
                        decimals: int = 2) -> str:
    """One sentence on a difference: a finding at ``|z| >= z``, otherwise "within noise".

    Parameters
    ----------
    subject : str
        What differs ("the larger model's error").
    difference, standard_error : float
        The contrast and its standard error (same unit).
    unit : str
        The unit named in the sentence.
    positive, negative : str
        The word for a positive and for a negative difference.
    z : float
        The threshold in standard errors.
    decimals : int
        Decimals of the difference in the sentence.

    Examples
    --------
    >>> difference_sentence("B", 1.0, 0.2)
    'B is higher by 1.00 points (z = 5.0, a finding at |z| >= 2).'
    >>> difference_sentence("B", 0.3, 0.2)
    'B is higher by 0.30 points, within noise (|z| = 1.5 < 2).'
    """
    score = z_score(difference, standard_error)
    word = positive if difference >= 0 else negative
    amount = f"{abs(difference):.{decimals}f}" + (f" {unit}" if unit else "")
    if abs(score) >= z:
        return f"{subject} is {word} by {amount} (z = {score:.1f}, a finding at |z| >= {z:g})."
    return f"{subject} is {word} by {amount}, within noise (|z| = {abs(score):.1f} < {z:g})."


def holds_beyond_noise(contrasts: Sequence[tuple[str, float, float]], *, z: float = Z_FINDING) -> list[str]:
    """The names of the contrasts ``(name, value, standard_error)`` whose value is at least ``z``
    standard errors above zero (a claim stated as "value > 0").

    Parameters
    ----------
    contrasts : sequence of (str, float, float)
        ``(name, value, standard_error)`` of each contrast.
    z : float
        How many standard errors above zero a value must be.
    """
    return [name for name, value, se in contrasts if z_score(value, se) >= z]


def holds_sentence(claim: str, contrasts: Sequence[tuple[str, float, float]], *, z: float = Z_FINDING,
                   what: str = "measures") -> str:
    """How many contrasts support a claim beyond noise, and how many only point its way.

    Parameters
    ----------
    claim : str
        The claim's name ("C").
    contrasts : sequence of (name, value, standard_error)
        One per measure, with the claim stated as ``value > 0``.
    z : float
        The threshold in standard errors.
    what : str
        What the contrasts are, in the plural.

    Examples
    --------
    >>> holds_sentence("C", [("a", 1.7, 0.58), ("b", 0.9, 0.9), ("c", -0.26, 1.06)])
    'C holds beyond noise (z >= 2) on 1 of 3 measures (a); it points the claimed way but within noise on 1 (b) and the other way on 1 (c).'
    """
    if not contrasts:
        raise VerdictError(f"contrasts: claim {claim} has no {what} to judge")
    strong = holds_beyond_noise(contrasts, z=z)
    weak = [n for n, v, se in contrasts if v > 0 and n not in strong]
    against = [n for n, v, se in contrasts if v <= 0]
    text = f"{claim} holds beyond noise (z >= {z:g}) on {len(strong)} of {len(contrasts)} {what}"
    text += f" ({', '.join(strong)})" if strong else ""
    parts = []
    if weak:
        parts.append(f"it points the claimed way but within noise on {len(weak)} ({', '.join(weak)})")
    if against:
        parts.append(("and " if weak else "it points ") + f"the other way on {len(against)} ({', '.join(against)})")
    return text + ("; " + " ".join(parts) if parts else "") + "."


def trend_sentence(subject: str, by_step: Mapping[int, float], *, step_name: str = "k",
                   tolerance: float = TREND_TOLERANCE_PP, unit: str = "points") -> str:
    """Whether a quantity grows steadily along a sequence of steps (the backtest horizon k).

    "grows with {step}" only when every step raises it by more than ``tolerance``; otherwise the
    sentence names the steps where it falls or stays within ``tolerance``.

    Parameters
    ----------
    subject : str
        What the values are (the sentence's subject).
    by_step : mapping of int to float
        The value at each step.
    step_name : str
        The steps' name in the sentence.
    tolerance : float
        The rise a step needs to count as growth (in ``unit``).
    unit : str
        The values' unit.

    Examples
    --------
    >>> trend_sentence("the ImageNet error", {1: 0.2, 2: 0.4, 5: 0.9})
    'the ImageNet error grows with k (0.20 -> 0.40 -> 0.90 points).'
    >>> trend_sentence("the ImageNet error", {1: 0.69, 2: 0.10, 3: 0.10, 5: 0.88})
    'the ImageNet error does not grow steadily with k (0.69 -> 0.10 -> 0.10 -> 0.88 points): it falls from k = 1 to 2 and stays within 0.05 from k = 2 to 3.'
    """
    if len(by_step) < 2:
        raise VerdictError(f"by_step: {subject} needs at least two {step_name} values, got {len(by_step)}")
    steps = sorted(by_step)
    values = [_finite(f"{subject} at {step_name} = {s}", by_step[s]) for s in steps]
    path = " -> ".join(f"{v:.2f}" for v in values)
    falls, flat = [], []
    for (a, va), (b, vb) in zip(zip(steps, values), zip(steps[1:], values[1:])):
        if vb < va - tolerance:
            falls.append(f"{step_name} = {a} to {b}")
        elif vb <= va + tolerance:
            flat.append(f"{step_name} = {a} to {b}")
    if not falls and not flat:
        return f"{subject} grows with {step_name} ({path} {unit})."
    notes = []
    if falls:
        notes.append("it falls from " + ", ".join(falls))
    if flat:
        notes.append(f"stays within {tolerance:g} from " + ", ".join(flat))
    return f"{subject} does not grow steadily with {step_name} ({path} {unit}): " + " and ".join(notes) + "."


def _coin_z(wins: int, n: int) -> float:
    """How many binomial standard errors (``sqrt(n) / 2`` comparisons) ``wins`` of ``n`` lies from one half."""
    return (wins - n / 2) / (math.sqrt(n) / 2)


def wins_sentence(label_a: str, label_b: str, a_wins: int, n: int, *, z: float = Z_FINDING, what: str = "datasets") -> str:
    """Whether A beats B on a majority of ``n`` paired comparisons beyond a fair coin.

    A majority counts as a finding when the share differs from one half by at least ``z``
    binomial standard errors (``sqrt(n) / 2`` comparisons); otherwise the count is "no clear
    winner".

    Parameters
    ----------
    label_a, label_b : str
        The two sides compared.
    a_wins : int
        Comparisons A wins.
    n : int
        Comparisons in all.
    z : float
        How many binomial standard errors from one half make a finding.
    what : str
        What is compared (``datasets``).

    Examples
    --------
    >>> wins_sentence("actual compute", "bin centre", 13, 31)
    'actual compute beats bin centre on 13 of 31 datasets: no clear winner (z = -0.9 against a coin, |z| < 2).'
    """
    if n <= 0 or not 0 <= a_wins <= n:
        raise VerdictError(f"a_wins, n: need 0 <= a_wins <= n and n > 0, got {a_wins} of {n}")
    score = _coin_z(a_wins, n)
    if score >= z:
        return f"{label_a} beats {label_b} on {a_wins} of {n} {what} (z = {score:.1f} against a coin, a finding)."
    if score <= -z:
        return f"{label_b} beats {label_a} on {n - a_wins} of {n} {what} (z = {-score:.1f} against a coin, a finding)."
    return (f"{label_a} beats {label_b} on {a_wins} of {n} {what}: no clear winner (z = {score:.1f} against a coin, "
            f"|z| < {z:g}).")


def placement_sentence(wins_by_bins: Mapping[int, tuple[int, int]], *, label_a: str = "actual compute",
                       label_b: str = "the bin centre", z: float = Z_FINDING) -> str:
    """The frontier-placement verdict over several bin counts: one :func:`wins_sentence` per bin
    count, and "biases the line" only when A wins beyond chance at every bin count.

    Parameters
    ----------
    wins_by_bins : mapping
        Bin count -> (datasets where A's backtest error is smaller, datasets compared).
    label_a, label_b : str
        The two placements of a bin's point.
    z : float
        How many binomial standard errors from one half make a win beyond chance.
    """
    if not wins_by_bins:
        raise VerdictError("wins_by_bins: no bin count to judge")
    scores = {b: _coin_z(w, n) for b, (w, n) in wins_by_bins.items()}
    listing = ", ".join(f"{w} of {n} with {b} bins" for b, (w, n) in sorted(wins_by_bins.items()))
    if all(s >= z for s in scores.values()):
        return (f"Placing the point at {label_b} biases the line: {label_a} has the smaller backtest error on "
                f"{listing}, beyond chance (z >= {z:g}) at every bin count.")
    return (f"Placing the point at {label_a} instead of {label_b} is no consistent improvement: it has the smaller "
            f"backtest error on {listing} (beyond chance, z >= {z:g}, at "
            f"{sum(s >= z for s in scores.values())} of {len(scores)} bin counts).")


def range_sentence(values: Mapping[str, float], low: float, high: float, *, decimals: int, unit: str = "points") -> str:
    """Which values fall outside a range stated in the paper at ``decimals`` places.

    A value is compared after rounding to the precision of the stated range, the same rule for
    every value (0.18 and 0.52 both round into "0.2-0.5" at one decimal).

    Parameters
    ----------
    values : mapping of str to float
        Name -> value.
    low, high : float
        The stated range.
    decimals : int
        The decimals the range is stated at.
    unit : str
        The values' unit.

    Examples
    --------
    >>> range_sentence({"a": 0.47, "b": 0.52, "c": 0.18}, 0.2, 0.5, decimals=1)
    'All 3 values round into the stated 0.2-0.5 points at 1 decimal (0.47, 0.52, 0.18).'
    >>> range_sentence({"a": 0.47, "b": 0.56}, 0.2, 0.5, decimals=1)
    'b (0.56) lies outside the stated 0.2-0.5 points even at 1 decimal; 1 of 2 round into it.'
    """
    if low > high:
        raise VerdictError(f"low, high: the range {low}-{high} is the wrong way round")
    if not values:
        raise VerdictError("values: nothing to compare with the range")
    rounded = {k: round(float(v), decimals) for k, v in values.items()}
    outside = [k for k, v in rounded.items() if not low - 1e-12 <= v <= high + 1e-12]
    stated = f"{low:.{decimals}f}-{high:.{decimals}f} {unit}"
    if not outside:
        listing = ", ".join(f"{float(v):.2f}" for v in values.values())
        return f"All {len(values)} values round into the stated {stated} at {decimals} decimal{'s' * (decimals != 1)} ({listing})."
    names = ", ".join(f"{k} ({float(values[k]):.2f})" for k in outside)
    return (f"{names} {'lies' if len(outside) == 1 else 'lie'} outside the stated {stated} even at {decimals} "
            f"decimal{'s' * (decimals != 1)}; {len(values) - len(outside)} of {len(values)} round into it.")


def noise_scale_sentence(subject: str, values: Sequence[float], noise: float, *, noise_name: str,
                         z: float = Z_FINDING) -> str:
    """Whether single-run differences are larger than the run-to-run noise.

    Two identical runs that differ by ``noise`` put the standard deviation of one run at about
    ``noise / sqrt(2)``, so a difference of two single runs has a standard error of about
    ``noise``; an effect counts when ``|value| >= z * noise``.

    Parameters
    ----------
    subject : str
        What the values are ("the batch-size gains").
    values : sequence of float
        Differences of two single runs.
    noise : float
        The gap between two identical runs (Table 14), same unit.
    noise_name : str
        How the sentence names it.
    z : float
        The threshold in standard errors.

    Examples
    --------
    >>> noise_scale_sentence("the gains", [0.47, 0.52, 0.18], 0.39, noise_name="the repeat gap")
    'the gains (0.47, 0.52, 0.18) are the size of the repeat gap (0.39): 0 of 3 exceed 2 x that gap (0.78); the other 3 are within run-to-run noise.'
    """
    noise = _finite("noise", noise)
    if noise <= 0:
        raise VerdictError(f"noise: the reference scale must be positive, got {noise!r}")
    if not values:
        raise VerdictError(f"values: no {subject} to judge")
    clear = [v for v in values if abs(v) >= z * noise]
    listing = ", ".join(f"{v:.2f}" for v in values)
    if len(clear) == len(values):
        return f"{subject} ({listing}) exceed {z:g} x {noise_name} ({z * noise:.2f}): each is beyond run-to-run noise."
    rest = len(values) - len(clear)
    return (f"{subject} ({listing}) are the size of {noise_name} ({noise:.2f}): {len(clear)} of {len(values)} "
            f"exceed {z:g} x that gap ({z * noise:.2f}); the other {rest} {'is' if rest == 1 else 'are'} within "
            "run-to-run noise.")


def coverage_sentence(method: str, coverage: float, nominal: float, *, low: float | None = None,
                      high: float | None = None, tolerance: float = COVERAGE_TOLERANCE) -> str:
    """Whether an interval method's measured coverage reaches its nominal level.

    With an interval ``[low, high]`` of the coverage (bootstrap over datasets): "consistent with"
    when it contains ``nominal``, "below"/"above" otherwise; without one, within ``tolerance``.

    Parameters
    ----------
    method : str
        The interval method.
    coverage : float
        Its measured coverage (a share).
    nominal : float
        Its nominal level.
    low, high : float, optional
        An interval of the coverage.
    tolerance : float
        Without an interval: how far from ``nominal`` still counts as reaching it.

    Examples
    --------
    >>> coverage_sentence("bootstrap", 0.58, 0.90)
    'bootstrap covers 0.58 of held-out points at a nominal 0.90: below nominal.'
    """
    coverage, nominal = _finite("coverage", coverage), _finite("nominal", nominal)
    text = f"{method} covers {coverage:.2f} of held-out points at a nominal {nominal:.2f}"
    if low is not None and high is not None:
        text += f" (interval {low:.2f} to {high:.2f})"
        if low <= nominal <= high:
            return text + ": consistent with nominal."
        return text + (": below nominal." if high < nominal else ": above nominal (conservative).")
    if abs(coverage - nominal) <= tolerance:
        return text + f": near nominal (within {tolerance:.2f})."
    return text + (": below nominal." if coverage < nominal else ": above nominal (conservative).")


def widening_sentence(widths: Mapping[float, float], *, unit: str = "points",
                      quick: float = QUICK_WIDENING_PER_DECADE) -> str:
    """How fast a prediction band widens beyond the data: the growth factor per decade of compute
    between the first and last width, "quickly" at ``quick`` or more per decade.

    Parameters
    ----------
    widths : mapping
        Decades beyond the largest run -> band width (``unit``); the first key is the reference.
    unit : str
        The widths' unit.
    quick : float
        The growth factor per decade from which the widening is "quick".
    """
    if len(widths) < 2:
        raise VerdictError(f"widths: need at least two distances, got {len(widths)}")
    keys = sorted(widths)
    first, last = _finite("width", widths[keys[0]]), _finite("width", widths[keys[-1]])
    span = keys[-1] - keys[0]
    if first <= 0 or span <= 0:
        raise VerdictError("widths: need a positive first width and distinct distances")
    per_decade = (last / first) ** (1 / span)
    path = " -> ".join(f"{widths[k]:.2f}" for k in keys)
    at = ", ".join(f"{k:g}" for k in keys)
    speed = "quickly" if per_decade >= quick else "slowly"
    return (f"The bands widen {speed} beyond the largest run: {path} {unit} at {at} decades beyond it, a factor "
            f"{per_decade:.2f} per decade ({'at least' if per_decade >= quick else 'below'} {quick:g}).")


def readings_sentence(text_value: float, readings: Mapping[str, float], *, decimals: int) -> str:
    """Which readings of a printed number reproduce it at its printed precision.

    Parameters
    ----------
    text_value : float
        The number as the paper's text prints it.
    readings : mapping
        Name of a reading -> the value it gives (unrounded).
    decimals : int
        The text's printed decimals.

    Examples
    --------
    >>> readings_sentence(75.10, {"6 bins": 75.099, "5 bins": 75.03}, decimals=2)
    '75.10 is reproduced by 1 reading: 6 bins (75.099); not by 5 bins (75.030).'
    """
    if not readings:
        raise VerdictError("readings: no reading to compare with the text")
    unit = 10.0 ** -decimals
    match = [k for k, v in readings.items() if abs(float(v) - text_value) <= unit / 2 + 1e-9]
    miss = [k for k in readings if k not in match]
    text = f"{text_value:.{decimals}f} is reproduced by {len(match)} reading{'s' * (len(match) != 1)}"
    text += ": " + ", ".join(f"{k} ({readings[k]:.3f})" for k in match) if match else ""
    if miss:
        text += "; not by " + ", ".join(f"{k} ({readings[k]:.3f})" for k in miss)
    return text + "."


def span_phrase(log10_low: float, log10_high: float) -> str:
    """A span of a logarithmic axis, in decades and as a factor (no "three orders" for 2.56).

    Parameters
    ----------
    log10_low, log10_high : float
        The span's ends on a log10 axis.

    Examples
    --------
    >>> span_phrase(9.0, 11.56)
    '2.56 decades (a factor of 363)'
    """
    decades = _finite("log10_high", log10_high) - _finite("log10_low", log10_low)
    if decades < 0:
        raise VerdictError(f"log10_low, log10_high: the span {log10_low}..{log10_high} is the wrong way round")
    return f"{decades:.2f} decades (a factor of {10 ** decades:,.0f})"


def sign_flips(diffs_by_choice: Mapping[str, Mapping[str, float]]) -> list[str]:
    """The datasets whose difference is negative under some analysis choices and not under
    others, sorted.

    Parameters
    ----------
    diffs_by_choice : mapping
        Dataset -> (choice -> difference), e.g. the OpenCLIP-OpenAI exponent difference per bin count.
    """
    return sorted(d for d, by in diffs_by_choice.items() if len({bool(v < 0) for v in by.values()}) > 1)


def sign_stability_sentence(diffs_by_choice: Mapping[str, Mapping[str, float]]) -> str:
    """How many datasets keep the sign of a difference across analysis choices (:func:`sign_flips`).

    Parameters
    ----------
    diffs_by_choice : mapping
        Dataset -> (choice -> difference), e.g. the OpenCLIP-OpenAI exponent difference per bin count.
    """
    if not diffs_by_choice:
        raise VerdictError("diffs_by_choice: no dataset to judge")
    flips = sign_flips(diffs_by_choice)
    n = len(diffs_by_choice)
    if not flips:
        return f"The sign of the difference is the same under every analysis choice on all {n} datasets."
    return (f"The sign of the difference changes with the analysis choice on {len(flips)} of {n} datasets "
            f"({', '.join(flips)}): on those, the direction is not settled by the data alone.")


def probability_sentence(subject: str, p: float, low: float, high: float, *, alpha: float = 0.05) -> str:
    """A bootstrap probability with its range over analysis choices (seeds, bin counts): the
    conclusion "holds" only when the whole range is below ``alpha``; "borderline" when the range
    straddles it; "does not hold" when all of it is at or above ``alpha``.

    Parameters
    ----------
    subject : str
        The probability's name.
    p : float
        Its value under the default choices.
    low, high : float
        Its range over the analysis choices.
    alpha : float
        The threshold the conclusion needs.

    Examples
    --------
    >>> probability_sentence("P(diff >= 0)", 0.02, 0.017, 0.028)
    'P(diff >= 0) = 0.020 (0.017 to 0.028 across choices): below 0.05 under every choice.'
    """
    p, low, high = _finite("p", p), _finite("low", low), _finite("high", high)
    head = f"{subject} = {p:.3f} ({low:.3f} to {high:.3f} across choices)"
    if high < alpha:
        return head + f": below {alpha:g} under every choice."
    if low < alpha:
        return head + f": borderline, below {alpha:g} under some choices only."
    return head + f": not below {alpha:g} under any choice."


def interval_excludes_zero_sentence(subject: str, low: float, high: float) -> str:
    """Whether an interval excludes zero, in one sentence.

    Parameters
    ----------
    subject : str
        What the interval is of.
    low, high : float
        The interval.
    """
    if low > high:
        raise VerdictError(f"low, high: interval {low}..{high} is the wrong way round")
    if high < 0:
        return f"{subject} is negative ({low:.3f} to {high:.3f})."
    if low > 0:
        return f"{subject} is positive ({low:.3f} to {high:.3f})."
    return f"{subject} is undecided: its interval {low:.3f} to {high:.3f} contains zero."


def mean_interval_verdict(subject: str, mean: float, low: float, high: float, *, unit: str = "points") -> str:
    """A mean residual with its interval: below, above or consistent with zero.

    Parameters
    ----------
    subject : str
        What the mean is of.
    mean : float
        The mean.
    low, high : float
        Its interval.
    unit : str
        The unit.
    """
    head = f"{subject}: {mean:+.2f} {unit} (90% interval {low:+.2f} to {high:+.2f})"
    if high < 0:
        return head + ", below the forecast."
    if low > 0:
        return head + ", above the forecast."
    return head + ", consistent with the forecast."


#: The phrase of a verdict whose rows are not in the report yet.
NOT_YET = "not yet computed"


def reproduction_sentence(n_exact: int, n_within: int, n_explained: int, n_differs: int) -> str:
    """How printed values fared: all exact, within rounding, explained differences, or
    unexplained ones (a defect); "not yet computed" when there are none.

    Parameters
    ----------
    n_exact : int
        Printed values reproduced exactly.
    n_within : int
        Printed values reproduced within rounding.
    n_explained : int
        Printed values that differ, with an explanation.
    n_differs : int
        Printed values that differ without one.

    Examples
    --------
    >>> reproduction_sentence(24, 0, 1, 0)
    'reproduced: 24 of 25 printed values exact, 1 differs with an explanation.'
    """
    counts = [int(n) for n in (n_exact, n_within, n_explained, n_differs)]
    if min(counts) < 0:
        raise VerdictError(f"counts: negative count in {counts}")
    total = sum(counts)
    if total == 0:
        return NOT_YET + "."
    parts = [f"{n_exact} of {total} printed values exact"]
    if n_within:
        parts.append(f"{n_within} within one unit of the last printed digit")
    if n_explained:
        parts.append(f"{n_explained} differ{'s' * (n_explained == 1)} with an explanation")
    if n_differs:
        parts.append(f"{n_differs} differ{'s' * (n_differs == 1)} without one (a defect)")
    head = "not reproduced" if n_differs else "reproduced"
    return f"{head}: " + ", ".join(parts) + "."


def direction_sentence(n_a: int, n_b: int, n_undecided: int, *, label_a: str, label_b: str,
                       majority: float = MAJORITY_SHARE) -> str:
    """The direction of a difference over datasets once its uncertainty is counted: settled when
    more than ``majority`` of the intervals exclude zero, else "a statement about point estimates".

    Parameters
    ----------
    n_a, n_b : int
        Datasets whose interval excludes zero on A's side and on B's.
    n_undecided : int
        Datasets whose interval contains zero.
    label_a, label_b : str
        The two sides (in "A steeper on ...").
    majority : float
        The share of the datasets whose intervals must exclude zero to settle the direction.

    Examples
    --------
    >>> direction_sentence(2, 1, 38, label_a="OpenCLIP", label_b="OpenAI")
    '38 of 41 intervals contain zero (OpenCLIP steeper on 2, OpenAI on 1): the direction is a statement about point estimates.'
    """
    n = int(n_a) + int(n_b) + int(n_undecided)
    if n == 0:
        return NOT_YET + "."
    head = f"{n_undecided} of {n} intervals contain zero ({label_a} steeper on {n_a}, {label_b} on {n_b})"
    if (n - n_undecided) / n > majority:
        return head + ": the direction is settled on most datasets."
    return head + ": the direction is a statement about point estimates."


def checks_sentence(checks: Sequence[tuple[str, float, str, bool]]) -> str:
    """Checks against targets stated in advance: how many passed, and each miss with its value
    and target.

    Parameters
    ----------
    checks : sequence of (quantity, value, target, passed)

    Examples
    --------
    >>> checks_sentence([("coverage", 0.58, "in [0.85, 0.95]", False), ("r2", 0.96, ">= 0.95", True)])
    '1 of 2 targets met; missed: coverage 0.58 (target in [0.85, 0.95]).'
    """
    if not checks:
        return NOT_YET + "."
    passed = sum(bool(c[3]) for c in checks)
    missed = [f"{q} {v:.3g} (target {t})" for q, v, t, ok in checks if not ok]
    text = f"{passed} of {len(checks)} targets met"
    return text + ("; missed: " + ", ".join(missed) if missed else "") + "."


def later_models_sentence(n_models: float | None, n_runs: float | None, n_below: float | None,
                          mean: float | None, low: float | None, high: float | None) -> str:
    """The later-models verdict: how many in-family forecasts of the paper's law were scored (a
    checkpoint x a task), from how many independent training runs, how many measurements fall
    below their forecast, and the mean ImageNet residual with its 90% interval
    (:func:`mean_interval_verdict`); "not yet computed" while any number is missing.

    Parameters
    ----------
    n_models : float or None
        In-family forecasts scored (checkpoints x tasks).
    n_runs : float or None
        Independent training runs behind them (consecutive epochs of one run are one run).
    n_below : float or None
        How many measurements fall below their forecast.
    mean : float or None
        The mean ImageNet residual (points).
    low, high : float or None
        Its 90% interval.
    """
    numbers = (n_models, n_runs, n_below, mean, low, high)
    if any(x is None or not math.isfinite(float(x)) for x in numbers):
        return NOT_YET + "."
    return (f"{n_models:.0f} in-family forecasts of the paper's law ({n_runs:.0f} independent training runs), "
            f"{n_below:.0f} with the measurement below the forecast; "
            + mean_interval_verdict("mean ImageNet residual (measured - forecast)", mean, low, high))


def steeper_sentence(claimed: str, other: str, alphas: Mapping[str, tuple[float, float]]) -> str:
    """Which side has the steeper (more negative) exponent, dataset by dataset, in point estimates.

    Parameters
    ----------
    claimed, other : str
        The side the claim says is steeper, and the other side.
    alphas : mapping
        Dataset -> (alpha of ``claimed``, alpha of ``other``).

    Examples
    --------
    >>> steeper_sentence("OpenAI", "OpenCLIP", {"ImageNet": (-0.16, -0.11), "robustness": (-0.15, -0.12)})
    'In point estimates OpenAI is steeper on 2 of 2 (ImageNet -0.160 vs -0.110, robustness -0.150 vs -0.120); this says nothing yet about the uncertainty.'
    """
    usable = {d: a for d, a in alphas.items() if all(math.isfinite(float(v)) for v in a)}
    if not usable:
        return f"These results have no pair of {claimed} and {other} exponents to compare."
    steeper = [d for d, (a, b) in usable.items() if a < b]
    listing = ", ".join(f"{d} {a:.3f} vs {b:.3f}" for d, (a, b) in usable.items())
    return (f"In point estimates {claimed} is steeper on {len(steeper)} of {len(usable)} ({listing}); "
            "this says nothing yet about the uncertainty.")
