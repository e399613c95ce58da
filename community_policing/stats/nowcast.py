"""Nowcast: the count a recent period will reach, by date occurred, once its late reports arrive.

Why. Counted by the day an offense *occurred*, the latest days are incomplete: some offenses are
reported (or, in SLMPD's files, coded) days or months later. A comparison of the last weeks with the
same weeks a year earlier, whose late reports are all in, therefore reads low (St. Louis: 1.2-1.6 % of
a year's offenses are coded the next year, so 2019 against 2018 reads +3.3 % by date occurred and
+5.1 % by date reported). The dashboard keeps showing the count so far, as the agency counts it, and
puts beside it the count to expect once late reports arrive, with an interval.

How (a "chain-ladder" nowcast, as used for epidemic curves and insurance claims):

* **The delay distribution F is measured from the data**, not assumed, on counted records only
  (corrections come later and are not incidents; the ``reporting_delays`` table mixes them in, so
  the nowcast reads its own ``nowcast_delays`` query), for the same offenses as the count (all
  offenses' delays when those have fewer than ``MIN_RECORDS`` records). F(a) is the share of an
  offense's eventual records that had arrived within ``a`` days (for a source that dates records only
  to the month it coded them, as SLMPD does: within ``a`` months of the offense's month); "eventual"
  means within a year (``HORIZON``). F is a product of steps, g_j = share in by j of those in by
  j + 1, each measured on the ``STEP_MONTHS`` latest months of offenses that have had j + 1 days
  (months) to arrive. So the short delays, which carry nearly all of the remainder, come from the
  latest months, and a drift in how fast the agency records is followed within a month or two.
* **Each recent day (or month) of offenses** has ``age`` = days (months) between it and the data's
  as-of day (last coded month), so a share F(age) of its records is in. With ``y`` of them counted,
  the records still to come, given y, follow a negative binomial with y successes and success
  probability F(age): on average y (1 - F) / F, the classic "y / F" estimate, which is the nowcast.
* **F itself is uncertain**: months differ (St. Louis's share coded in the month of the offense
  ranges from 90 % to 95 %, twice what chance in the record counts explains), reporting speed
  drifts, and F is measured on a finite number of records. All three are measured at once by
  checking the method on the data's own past: for each of the last ``CHECK_MONTHS`` months, F is
  estimated from the ``STEP_MONTHS`` months before it and compared, on the log-odds scale of "still
  to come", with what that month then received up to its own follow-up; the mean squared error less
  the month's own binomial scatter is the variance of a new month's shift. A period's days are
  checked together with the period's own weights (ages that move alike add up), and months of a
  longer period combine with the measured correlation between consecutive months' errors.
* **The interval** is the 2.5 % and 97.5 % points of the mixture, over that shift (Student t with the
  number of checked months less one as degrees of freedom, because the spread is itself estimated),
  of negative binomials (moment-matched for the sum of days), computed by quadrature, so the same data
  always give the same interval.
* **Calibration** (tests/test_nowcast.py): on a seeded simulation with delays that vary from month to
  month, the 95 % interval covered the eventual count 94-95 % of the time for month-dated records and
  96-98 % for day-dated ones (200 seeds, periods of a week to a year); on St. Louis, a nowcast made at
  the end of each year 2009-2018 for its December, by date occurred, covered the count the full data
  reached a year later 10 times in 10 (for the whole year: 9 in 10).

Limits, said on How to read these numbers: records arriving more than a year late are not foreseen;
an offense filter with few records borrows the delays of all offenses; a sudden backlog unlike any
the past two years showed would make the interval too narrow.

Pure functions of DataFrames (``delay_model``, ``nowcast``, ``window_nowcasts``), plus
``measured_delays``/``inputs``/``period_nowcast`` that run the named queries. No Streamlit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from community_policing import i18n
from community_policing.i18n import N_, _
from community_policing.data.offenses import offense_filter

# Delays are followed for a year: "eventual" means reported within HORIZON days (months) of the offense
# (its month). The reporting_delays cap (366 days, 13 months) means "more than a year": left out.
HORIZON = {"day": 365, "month": 12}
# Each step of F is measured on this many of the latest months of offenses that have had time for it...
STEP_MONTHS = 12
# ...and its uncertainty on how well that predicted each of this many months before...
CHECK_MONTHS = 24
# ...and nothing is foreseen with fewer than this many months with a full year of follow-up.
MIN_REFERENCE_MONTHS = 6
# Offense filters with fewer reference records than this borrow the delays of all offenses.
MIN_RECORDS = 500
# A day whose share arrived is below this cannot be nowcast from its own few reports: no nowcast then.
MIN_ARRIVED = 0.25
# Nothing is added for a period whose expected late reports round to no incident.
MIN_TO_COME = 0.5
LEVEL = 0.95
# Ages where at least this share of a month's records is still to come carry the nowcast.
MAIN_SHARE = 0.05
_NODES = np.linspace(-8.0, 8.0, 161)  # quadrature over the common shift of the period's delays (in SDs)
PRECISIONS = ("day", "month")

METHOD_NOTE = N_(
    "**Counts still to come (nowcast).** Counted by the day an offense occurred, the latest days are "
    "incomplete: some offenses are reported, or coded, days or months later, so a comparison of the last weeks "
    "with a year earlier (whose late reports are all in) reads low. Beside the count so far, the Overview shows "
    "the count to expect once late reports arrive, with a 95% interval. It is worked out from this data's own "
    "reporting delays, measured on the latest months of offenses: the share of their records that had arrived "
    "within so many days (or months). A day whose records are, say, 90% in usually ends about one ninth higher. "
    "The interval allows for the chance arrival of single reports and for how much the delays vary from month "
    "to month; its width comes from checking the method on each of the past two years' months. On a simulated "
    "city the 95% interval held the final count 94 to 98 times in 100; on St. Louis, made at the end of each "
    "year 2009 to 2018 for its December, it held the count reached a year later 10 times in 10. The "
    "percentage changes, the noise readings and every table compare the counts so far unless they say "
    "otherwise. Records that arrive more than a year late are not foreseen; offenses with few records use the "
    "delays of all offenses; and a sudden backlog unlike the past two years would make the interval too "
    "narrow. Counted by date reported, counts do not change afterwards and no nowcast is needed.")


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _months_between(a: dt.date, b: dt.date) -> int:
    """Calendar months from a's month to b's month."""
    return (b.year - a.year) * 12 + b.month - a.month


def _as_date(value) -> dt.date:
    return pd.Timestamp(value).date()


@dataclass(frozen=True)
class DelayModel:
    """The measured reporting-delay distribution, as of ``as_of``.

    ``arrived[a]``: F(a), the share of records (of those arriving within the horizon) that arrive
    within ``a`` days, or months for a ``precision`` "month" source (whose records are dated to the
    month they were coded); F is 1 from the horizon on. ``spread[a]``: the SD, on the logit scale, of a
    new period's F(a) around ``arrived[a]`` (between-month variation and measurement error).
    ``as_of``: the last day of data (day precision) or the first day of the last coded month.
    """

    precision: str
    as_of: dt.date
    arrived: tuple[float, ...] = field(repr=False)
    spread: tuple[float, ...] = field(repr=False)
    # How alike the delays of consecutive months are (0: independent, 1: one month's luck holds for all).
    correlation: float
    checked: int                 # months its spread was checked on (0: estimated from the scatter alone)
    records: int                 # counted records it was measured on
    months: int                  # months of offenses it was measured on
    first_month: dt.date
    last_month: dt.date
    all_offenses: bool = False   # True when an offense filter had too few records and borrowed all offenses'
    # The checked months' errors (log-odds of "still to come", predicted less received) by age (rows:
    # months; NaN: not checkable), with the records each received within 0 .. horizon units and their
    # follow-up, for a period's mix of ages (``_period_spread``).
    errors: np.ndarray | None = field(default=None, repr=False, compare=False)
    received: np.ndarray | None = field(default=None, repr=False, compare=False)
    followed: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def horizon(self) -> int:
        return len(self.arrived)

    def age(self, day: dt.date) -> int:
        """Days (months) between an offense on ``day`` and the as-of day (last coded month)."""
        if self.precision == "day":
            return (self.as_of - day).days
        return _months_between(day, self.as_of)

    @property
    def last_day(self) -> dt.date:
        """The last day offenses can have been reported by (the end of the last coded month)."""
        return self.as_of if self.precision == "day" else _add_months(self.as_of, 1) - dt.timedelta(days=1)

    def share_arrived(self, day: dt.date) -> float:
        age = self.age(day)
        return 1.0 if age >= self.horizon else float(self.arrived[max(age, 0)])


def delay_model(delays: pd.DataFrame, precision: str | None, reported_through: dt.date | None
                ) -> DelayModel | None:
    """F and its uncertainty from delays of counted records (columns occurred_month, months_later,
    days_later, records: the ``nowcast_delays`` query), for data known through ``reported_through``.

    Chain ladder: F(a) is the product of the step shares g_j = P(delay <= j | delay <= j + 1) for
    j = a .. horizon - 1, each measured on the ``STEP_MONTHS`` most recent months of offenses whose
    records have had j + 1 days (months) to arrive, so the short delays, where nearly all of the
    remainder is, come from the latest months. How far a new month's F can fall from that is measured
    by checking the estimate on each of the last ``CHECK_MONTHS`` months (``_checked_spread``); with too
    short a history for that, from the scatter of the step shares between months (``_step_variance``).

    None when the source has no report dates (``precision`` None), or fewer than
    ``MIN_REFERENCE_MONTHS`` months of offenses have had a full year of follow-up.
    """
    if precision is None or reported_through is None or delays is None or delays.empty:
        return None
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    horizon = HORIZON[precision]
    as_of = reported_through if precision == "day" else _month_start(reported_through)
    data = delays.assign(occurred_month=pd.to_datetime(delays["occurred_month"]).dt.date)
    delay = (data["days_later"] if precision == "day" else data["months_later"]).clip(lower=0).astype(int)
    data = data.assign(delay=delay)[(delay <= horizon).to_numpy()]  # beyond a year: not foreseen
    months = sorted(m for m in data["occurred_month"].unique() if m <= as_of)
    if not months:
        return None
    table = (data.groupby(["occurred_month", "delay"])["records"].sum().unstack(fill_value=0)
             .reindex(index=months, columns=range(horizon + 1), fill_value=0))
    cumulative = table.to_numpy(dtype=float).cumsum(axis=1)  # C[m, a]: records within a units
    # Follow-up of each month: the delay every one of its offenses has had time for.
    if precision == "day":
        follow = np.array([(as_of - (_add_months(m, 1) - dt.timedelta(days=1))).days for m in months])
    else:
        follow = np.array([_months_between(m, as_of) for m in months])
    if int((follow >= horizon).sum()) < MIN_REFERENCE_MONTHS:
        return None
    steps = np.ones(horizon)
    variances = np.zeros(horizon)
    # Step j is measured on the months with follow-up >= j + 1: a leading run of the (sorted) months, so
    # the steps sharing one run are measured together.
    eligible = np.array([int((follow >= j + 1).sum()) for j in range(horizon)])
    for count in np.unique(eligible):
        cols = np.flatnonzero(eligible == count)
        rows = np.arange(max(0, count - STEP_MONTHS), count)
        if rows.size == 0:
            continue
        below, upto = cumulative[np.ix_(rows, cols)], cumulative[np.ix_(rows, cols + 1)]
        est_below, est_upto = below[-STEP_MONTHS:].sum(axis=0), upto[-STEP_MONTHS:].sum(axis=0)
        moving = (est_upto > 0) & (est_below < est_upto)  # otherwise nothing arrives at this step: g = 1
        steps[cols[moving]] = est_below[moving] / est_upto[moving]
        variances[cols[moving]] = _step_variance(below[:, moving], upto[:, moving])
    arrived = np.cumprod(steps[::-1])[::-1]  # F(a) = g_a g_(a+1) ... g_(horizon-1)
    # Delta method: var(log F(a)) = sum over later steps of (1 - g)^2 var(logit g); then to the logit of F.
    log_var = np.cumsum(((1.0 - steps) ** 2 * variances)[::-1])[::-1]
    spread = np.where(arrived < 1.0, np.sqrt(log_var) / np.clip(1.0 - arrived, 1e-12, None), 0.0)
    checked, correlation, errors, received, followed = _checked_spread(cumulative, follow, horizon)
    spread = np.where(np.isnan(checked), spread, checked)
    spread = np.where(arrived < 1.0, spread, 0.0)
    complete = np.flatnonzero(follow >= 1)[-STEP_MONTHS:]
    return DelayModel(precision=precision, as_of=as_of, arrived=tuple(float(v) for v in arrived),
                      spread=tuple(float(v) for v in spread), correlation=correlation,
                      checked=0 if errors is None else len(errors), errors=errors, received=received,
                      followed=followed, records=int(cumulative[complete, -1].sum()),
                      months=len(complete), first_month=months[complete[0]], last_month=months[complete[-1]])


def _checked_spread(cumulative: np.ndarray, follow: np.ndarray, horizon: int
                    ) -> tuple[np.ndarray, float, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Per age a: the SD, on the log-odds scale of "still to come", of a new month's F(a) around the
    chain-ladder estimate, measured by making that estimate for each of the last ``CHECK_MONTHS``
    months from the ``STEP_MONTHS`` months before it and comparing it with what the month then
    received (up to its own follow-up b: F(a | b) = records within a / records within b), less the
    binomial scatter of each month's own records. This keeps together what the steps share (a slow
    month is slow at every delay) and counts drift in reporting speed. NaN where fewer than
    ``MIN_REFERENCE_MONTHS`` months can be checked. Also: how alike consecutive months' errors are (their
    correlation, 0 to 1; 1 when it cannot be measured), so that a period of several months is not
    treated as one month's luck repeated (nor as independent months when reporting speed drifts); and
    the checked months' errors by age (NaN where a month could not be checked), records and follow-up,
    so that a period's mix of ages is checked as a whole (``_period_spread``)."""
    n_rows = cumulative.shape[0]
    zero = np.zeros((1, horizon))
    sum_below = np.vstack([zero, cumulative[:, :horizon].cumsum(axis=0)])
    sum_upto = np.vstack([zero, cumulative[:, 1:].cumsum(axis=0)])
    rows = np.arange(MIN_REFERENCE_MONTHS, n_rows)
    rows = rows[np.minimum(follow[rows], horizon) >= 1][-CHECK_MONTHS:]
    out = np.full(horizon, np.nan)
    if rows.size < MIN_REFERENCE_MONTHS:
        return out, 1.0, None, None, None
    first = np.maximum(0, rows - STEP_MONTHS)
    below, upto = sum_below[rows] - sum_below[first], sum_upto[rows] - sum_upto[first]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_steps = np.where((upto > 0) & (below > 0), np.log(below / upto), 0.0)
    # log of the predicted F(a | b): the steps from a to b - 1.
    tail = np.hstack([np.cumsum(log_steps[:, ::-1], axis=1)[:, ::-1], np.zeros((rows.size, 1))])
    b = np.minimum(follow[rows], horizon)
    ages = np.arange(horizon)
    valid = ages[None, :] < b[:, None]
    predicted = np.exp(tail[:, :horizon] - tail[np.arange(rows.size), b][:, None])
    got = cumulative[rows][:, :horizon]
    within_b = cumulative[rows, b][:, None]
    still = within_b - got
    valid &= (predicted < 1.0) & (within_b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.log((still + 0.5) / (got + 0.5))
        expected = np.log((1.0 - predicted) / predicted)
        scatter = 1.0 / (still + 0.5) + 1.0 / (got + 0.5)
        excess = np.where(valid, (observed - expected) ** 2 - scatter, np.nan)
    checked = valid.sum(axis=0)
    enough = checked >= MIN_REFERENCE_MONTHS
    variance = np.where(valid, excess, 0.0).sum(axis=0)[enough] / checked[enough]
    out[enough] = np.sqrt(np.clip(variance, 0.0, None))
    errors = np.where(valid, observed - expected, np.nan)
    kept = (errors, cumulative[rows], b)
    # Consecutive months checked at the same ages: covariance of their errors over the error variance
    # (the binomial scatter is independent from month to month, so it stays out of the covariance). Only
    # the ages where at least MAIN_SHARE of records are still to come, which carry the nowcast: at later
    # ages the shared prediction's own noise would pass for likeness.
    main = (within_b - got) / np.maximum(within_b, 1.0) >= MAIN_SHARE
    used = valid & main
    error = np.where(used, observed - expected, 0.0)
    pair = used[1:] & used[:-1] & (np.diff(rows) == 1)[:, None]
    excess_sum = np.where(used, excess, 0.0).sum()
    if pair.sum() < MIN_REFERENCE_MONTHS or excess_sum <= 0:
        return out, 1.0, *kept
    covariance = np.where(pair, error[1:] * error[:-1], 0.0).sum() / pair.sum()
    correlation = covariance / (excess_sum / used.sum())
    return out, float(np.clip(correlation, 0.0, 1.0)), *kept


def _step_variance(below: np.ndarray, upto: np.ndarray) -> np.ndarray:
    """Per step (column; rows are months): the variance, on the logit scale, of a new month's step share
    around the pooled one: the between-month variance (method of moments: the scatter of the months'
    empirical logits less their binomial part), inflated for the pooled share's own error. The fallback
    when too few months can be checked (``_checked_spread``)."""
    observed = np.log((below + 0.5) / (upto - below + 0.5))
    sampling = 1.0 / (below + 0.5) + 1.0 / (upto - below + 0.5)
    n_rows = below.shape[0]
    between = (observed.var(axis=0, ddof=1) - sampling.mean(axis=0)) if n_rows > 1 else np.zeros(below.shape[1])
    pooled = below.sum(axis=0) / upto.sum(axis=0)
    measured = 1.0 / np.maximum(upto.sum(axis=0) * pooled * (1.0 - pooled), 1e-12)
    return np.clip(between, 0.0, None) * (1.0 + 1.0 / n_rows) + measured


@dataclass(frozen=True)
class Nowcast:
    """The count of [start, end] by date occurred: so far, and expected once late reports arrive."""

    start: dt.date
    end: dt.date
    counted: int
    expected: float       # counted + the records expected still to come (the chain-ladder estimate)
    low: int              # LEVEL interval of the eventual count
    high: int
    to_come: float
    level: float
    model: DelayModel = field(repr=False)

    @property
    def shown(self) -> bool:
        """Whether there is anything to add: the period reaches into days still filling in."""
        return self.to_come >= MIN_TO_COME

    def pct_change(self, prior: int | None) -> tuple[float, float, float] | None:
        """(% change of the expected count from ``prior``, and of the interval's ends); None without a prior."""
        if prior is None or prior <= 0:
            return None
        return tuple(round((v - prior) / prior * 100, 1) for v in (self.expected, self.low, self.high))

    def caption(self, prior: int | None = None) -> str:
        """The KPI caption: "Counted so far 3,912; expected when late reports arrive about 4,050 (3,990–4,120,
        95% interval)", and, given the year-earlier count, the change the expected count would make."""
        text = _("Counted so far {counted}; expected when late reports arrive about {expected} ({low}–{high}, "
                 "{level} interval).").format(counted=f"{self.counted:,}", expected=f"{round(self.expected):,}",
                                              low=f"{self.low:,}", high=f"{self.high:,}",
                                              level=f"{self.level:.0%}")
        pct = self.pct_change(prior)
        if pct is None:
            return text
        return text + " " + _("The % change above compares the count so far; with the expected count it would be "
                              "about {pct} ({low} to {high}).").format(
            pct=f"{pct[0]:+.1f}%", low=f"{pct[1]:+.1f}%", high=f"{pct[2]:+.1f}%")


def _period_spread(model: DelayModel, ages: np.ndarray, to_come: np.ndarray, months: np.ndarray,
                   spread: np.ndarray) -> float:
    """One log-odds SD for a period's shift of F, for days of ``ages`` expecting ``to_come`` records (delta
    method: the remainder moves by to_come x the shift). Within a month of offenses the ages are checked
    together: each checked month's errors, averaged with the period's weights, less their binomial
    scatter (so ages that move alike add up, and ages that do not partly cancel); without enough checked
    months, the ages' own ``spread`` taken as moving alike. Between months of offenses, their measured
    correlation (``DelayModel.correlation``) combines them."""
    total = to_come.sum()
    if total <= 0:
        return 0.0
    sds = []
    for month in np.unique(months):
        inside = months == month
        used_ages, index = np.unique(ages[inside], return_inverse=True)
        weight = np.bincount(index, weights=to_come[inside]) / to_come[inside].sum()
        sd = float((weight * np.bincount(index, weights=spread[inside] * to_come[inside])
                    / np.bincount(index, weights=to_come[inside])).sum())
        if model.errors is not None:
            checked = _checked_sd(model, used_ages, weight)
            sd = sd if checked is None else checked
        sds.append(sd * to_come[inside].sum())
    sds = np.array(sds)
    rho = model.correlation
    return float(np.sqrt((1 - rho) * (sds ** 2).sum() + rho * sds.sum() ** 2) / total)


def _checked_sd(model: DelayModel, ages: np.ndarray, weight: np.ndarray) -> float | None:
    """SD of the ``weight``-ed mean error at ``ages`` over the checked months that cover at least half
    the weight, less each month's own binomial scatter of that mean (the log-odds at different ages
    share records: with C(a) records within a and C(b) within the follow-up, for a < a' the covariance
    is 1/(C(b)-C(a)) + 1/C(a') - (C(a')-C(a)) / (C(a') (C(b)-C(a))), by the delta method on Poisson
    counts); None when fewer than ``MIN_REFERENCE_MONTHS`` months qualify."""
    errors = model.errors[:, ages]
    present = ~np.isnan(errors)
    cover = (present * weight).sum(axis=1)
    usable = np.flatnonzero(cover >= 0.5)
    if usable.size < MIN_REFERENCE_MONTHS:
        return None
    lo, hi = np.minimum.outer(ages, ages), np.maximum.outer(ages, ages)
    excess = []
    for i in usable:
        w = np.where(present[i], weight, 0.0) / cover[i]
        got = model.received[i, :model.horizon] + 0.5
        within = model.received[i, model.followed[i]]
        still = within - model.received[i, :model.horizon] + 0.5
        covariance = 1.0 / still[lo] + 1.0 / got[hi] - (got[hi] - got[lo]) / (got[hi] * still[lo])
        excess.append(float((w * np.nan_to_num(errors[i])).sum()) ** 2 - float(w @ covariance @ w))
    return float(np.sqrt(max(0.0, np.mean(excess))))


def _remainder(y: np.ndarray, arrived: np.ndarray, spread: np.ndarray, level: float, df: float | None
               ) -> tuple[float, int, int]:
    """The records still to come, for days with ``y`` counted so far, shares ``arrived`` in and logit
    SDs ``spread``: the chain-ladder estimate sum y (1 - F) / F, and the central ``level`` interval of a
    mixture over one common shift of the period's F (Student t with ``df`` degrees of freedom, the
    number of months its spread was checked on less one: that spread is itself estimated; normal when
    None) of negative binomials (the chance arrival of single records, moment-matched over the days)."""
    odds = (1.0 - arrived) / arrived                                        # still to come per record in
    estimate = float((y * odds).sum())
    if estimate <= 0:
        return 0.0, 0, 0
    density = stats.norm.pdf(_NODES) if df is None else stats.t.pdf(_NODES, df)
    weights = density / density.sum()
    shifted = odds[None, :] * np.exp(-_NODES[:, None] * spread[None, :])    # per quadrature node
    m = (shifted * y).sum(axis=1)
    v = (shifted * (1.0 + shifted) * y).sum(axis=1)                        # negative binomial, summed over days
    size, prob = m * m / (v - m), m / v                                     # moment-matched negative binomial

    def cdf(r: int) -> float:
        return float((weights * stats.nbinom.cdf(r, size, prob)).sum())

    def quantile(q: float) -> int:
        lo, hi = -1, int(np.ceil(m.max() + 12 * np.sqrt(v.max()))) + 1
        while hi - lo > 1:  # smallest r with cdf(r) >= q
            mid = (lo + hi) // 2
            if cdf(mid) >= q:
                hi = mid
            else:
                lo = mid
        return hi

    tail = (1.0 - level) / 2
    return estimate, quantile(tail), quantile(1.0 - tail)


def nowcast(daily: pd.DataFrame, model: DelayModel | None, start: dt.date, end: dt.date,
            level: float = LEVEL) -> Nowcast | None:
    """The nowcast of [start, end] from counts per day occurred (``daily``: day, incidents; the
    counted records known at the model's as-of day). None without a delay model, or when some day in
    the period is too fresh (F below ``MIN_ARRIVED``) to be nowcast from its own reports."""
    if model is None:
        return None
    days = pd.to_datetime(daily["day"]).dt.date if len(daily) else pd.Series([], dtype=object)
    inside = (days >= start) & (days <= end) if len(daily) else pd.Series([], dtype=bool)
    counts = pd.to_numeric(daily["incidents"])[inside.to_numpy()] if len(daily) else pd.Series([], dtype=float)
    counted = int(counts.sum())
    # Only days younger than the horizon have records still to come.
    recent = pd.DataFrame({"day": days[inside.to_numpy()], "y": counts}).groupby("day")["y"].sum()
    ages = np.array([model.age(d) for d in recent.index], dtype=int)
    young = (ages < model.horizon) & (ages >= 0)
    if model.share_arrived(min(end, model.last_day)) < MIN_ARRIVED:  # its freshest day: too few reports in
        return None
    y = recent.to_numpy(dtype=float)[young]
    arrived = np.array(model.arrived)[ages[young]]
    spread = np.array(model.spread)[ages[young]]
    keep = (y > 0) & (arrived < 1.0)
    y, arrived, spread = y[keep], arrived[keep], spread[keep]
    if y.size:
        months = np.array([d.year * 12 + d.month for d in recent.index[young][keep]], dtype=int)
        spread = np.full(y.size, _period_spread(model, ages[young][keep], y * (1.0 - arrived) / arrived, months,
                                                spread))
    to_come, low, high = _remainder(y, arrived, spread, level,
                                    model.checked - 1 if model.checked >= MIN_REFERENCE_MONTHS else None)
    return Nowcast(start=start, end=end, counted=counted, expected=counted + to_come, low=counted + low,
                   high=counted + high, to_come=to_come, level=level, model=model)


def window_nowcasts(windows: pd.DataFrame, daily: pd.DataFrame, model: DelayModel | None) -> pd.DataFrame:
    """The standard comparisons (``period_comparisons.compare_windows``, possibly protected for the public)
    with the nowcast of each window beside its count: ``expected`` (rounded), ``expected_low`` and
    ``expected_high`` (the 95 % interval), ``expected_interval`` (the same as text, "3,990–4,120") and
    ``expected_pct_change`` (the expected count against the year-earlier one). NA where nothing is still to
    come, where the count is hidden (public mode), and the % where the year-earlier count is hidden or 0.
    No columns are added when no window has a nowcast (or no delays are measured)."""
    out = windows.copy()
    if out.empty or model is None:
        return out
    current = pd.to_numeric(out["current"], errors="coerce")
    prior = (pd.to_numeric(out["prior"], errors="coerce") if "prior" in out.columns
             else pd.Series(pd.NA, index=out.index))
    found = []
    for (_index, row), count in zip(out.iterrows(), current):
        cast = None if pd.isna(count) else nowcast(daily, model, _as_date(row["start"]), _as_date(row["end"]))
        found.append(cast if cast is not None and cast.shown and cast.counted == count else None)
    if not any(found):
        return out
    out["expected"] = pd.array([None if c is None else round(c.expected) for c in found], dtype="Int64")
    out["expected_low"] = pd.array([None if c is None else c.low for c in found], dtype="Int64")
    out["expected_high"] = pd.array([None if c is None else c.high for c in found], dtype="Int64")
    out["expected_interval"] = pd.Series([None if c is None else f"{c.low:,}–{c.high:,}" for c in found],
                                         index=out.index, dtype=object)
    pct = [c.pct_change(None if pd.isna(p) else int(p)) if c is not None else None for c, p in zip(found, prior)]
    out["expected_pct_change"] = pd.array([None if v is None else v[0] for v in pct], dtype="Float64")
    return out


WINDOW_COLUMNS = ("expected", "expected_low", "expected_high", "expected_interval", "expected_pct_change")


# --- from the warehouse -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NowcastInputs:
    """What every nowcast of one offense filter needs: the delay model and the counts per day occurred."""

    model: DelayModel
    daily: pd.DataFrame


def measured_delays(store, offense_group: str | None = None, reported_through: dt.date | None = None
                    ) -> DelayModel | None:
    """``delay_model`` on the warehouse for ``offense_group`` (as ``offenses.offense_filter``; all offenses'
    delays when it has fewer than ``MIN_RECORDS``), as known through ``reported_through`` (default: the
    data's last report day). None when the source has no report dates or too little history."""
    from community_policing.data import freshness

    dates = store.query("report_date_precision")
    precision = freshness.report_precision(dates)
    if precision is None:
        return None
    if reported_through is None:
        reported_through = _as_date(dates["last_reported"].iloc[0])
    group = offense_filter(offense_group)
    # The months each step is measured and checked on, a year of follow-up before them, and a little more.
    params = dict(occurred_from=_add_months(_month_start(reported_through), -(STEP_MONTHS + CHECK_MONTHS + 14)),
                  reported_before=reported_through + dt.timedelta(days=1))
    model = delay_model(store.query("nowcast_delays", offense_group=group, **params), precision, reported_through)
    if group is not None and (model is None or model.records < MIN_RECORDS):
        pooled = delay_model(store.query("nowcast_delays", offense_group=None, **params), precision,
                             reported_through)
        model = None if pooled is None else dataclasses.replace(pooled, all_offenses=True)
    return model


def inputs(store, offense_group: str | None = None) -> NowcastInputs | None:
    """The delay model and the counts per day occurred (from the daily aggregate the pages count with)
    for ``offense_group``, as of the data's end; None when no delays can be measured."""
    model = measured_delays(store, offense_group)
    if model is None:
        return None
    daily = store.query("city_daily_incidents", date_basis="occurred",
                        offense_group=offense_filter(offense_group))
    return NowcastInputs(model=model, daily=daily[daily["day"].notna()].reset_index(drop=True))


def period_nowcast(store, start: dt.date, end: dt.date, offense_group: str | None = None,
                   date_basis: str = "occurred", reported_through: dt.date | None = None) -> Nowcast | None:
    """The nowcast of [start, end] from the warehouse; None by date reported (counts do not change
    afterwards) or when no delays can be measured. ``reported_through``: the nowcast as it would have
    been made on that day, from the records reported by then (to check it against what came later)."""
    if date_basis != "occurred":
        return None
    if reported_through is None:
        found = inputs(store, offense_group)
        return None if found is None else nowcast(found.daily, found.model, start, end)
    model = measured_delays(store, offense_group, reported_through)
    daily = store.query("nowcast_counts", start=start, end=end, reported_before=reported_through + dt.timedelta(days=1),
                        offense_group=offense_filter(offense_group))
    return nowcast(daily, model, start, end)


def describe_model(model: DelayModel) -> str:
    """What the delays were measured on, for a caption."""
    text = _("Late reports are foreseen from the reporting delays of {records} counted records of offenses from "
             "{first} to {last}.").format(records=f"{model.records:,}",
                                          first=i18n.format_month_short(model.first_month),
                                          last=i18n.format_month_short(model.last_month))
    if model.all_offenses:
        text += " " + _("These offenses have too few records of their own, so the delays of all offenses are used.")
    return text
