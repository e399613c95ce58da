"""Period comparisons: the latest 28 days, 12 months, year to date and full year against a year earlier."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from community_policing.stats import noise
from community_policing.i18n import _, format_date
from community_policing.views.metrics import noise_label, pct_change, preset_period

YTD_MIN_DAY_OF_YEAR = 90
MULTIPLE_COMPARISONS_THRESHOLD = 10


# ============================================================================================
# Period comparisons
# ============================================================================================

# metrics.PERIOD_PRESETS, in the order the comparisons are shown, and their row labels.
PERIOD_PRESETS_ORDER = ("Last 28 days", "Last 12 months", "Year to date", "Last full year")
_WINDOW_NAMES = {
    "Last 28 days": "rolling 28 days",
    "Last 12 months": "rolling 12 months",
    "Year to date": "year to date",
    "Last full year": "last full year",
}


def compare_windows(daily: pd.DataFrame, as_of: dt.date, history_start: dt.date | None = None,
                    date_basis: str = "occurred") -> pd.DataFrame:
    """The standard comparisons of incident counts, each against the same dates a year earlier.

    ``daily`` has columns day and incidents (several rows per day are summed). Rows: rolling 28
    days, rolling 12 months, year to date and the last full calendar year, each compared with the
    same dates one year earlier (so seasons match). Columns: window, start, end, prior_start,
    prior_end, current, prior, change, pct_change (NA when prior is 0), noise_z, dispersion, noise,
    warning (None or a sentence).

    The reading (``noise``, from ``noise_z``) allows for how much the city's count normally varies over a
    window of that length: ``dispersion`` is φ measured on the same ``daily`` series, from
    ``history_start`` (the data's comparison start, ``metrics.IncidentCoverage.comparison_start``: only
    complete history counts; default the first day of ``daily``) to the day before each window, and by date
    occurred not into the last ``noise.RECENT_GAP_DAYS`` of the data (``noise``).
    """
    as_of = pd.Timestamp(as_of).date()
    days = pd.to_datetime(daily["day"]).dt.normalize()
    counts = pd.Series(pd.to_numeric(daily["incidents"]).to_numpy(), index=days.to_numpy()).groupby(level=0).sum()
    first = counts.index.min().date() if len(counts) else None
    last = counts.index.max().date() if len(counts) else None
    cum = counts.sort_index().cumsum()
    series = pd.DataFrame({"day": counts.index, "incidents": counts.to_numpy()})
    history_from = history_start or first

    def total(a: dt.date, b: dt.date) -> int:
        if cum.empty:
            return 0
        hi = cum.loc[: pd.Timestamp(b)]
        lo = cum.loc[: pd.Timestamp(a) - pd.Timedelta(days=1)]
        return int((hi.iloc[-1] if len(hi) else 0) - (lo.iloc[-1] if len(lo) else 0))

    rows = []
    for preset in PERIOD_PRESETS_ORDER:
        period = preset_period(preset, as_of)
        prior = period.prior
        cur, pri = total(period.start, period.end), total(prior.start, prior.end)
        caveats = []
        if preset == "Year to date" and as_of.timetuple().tm_yday < YTD_MIN_DAY_OF_YEAR:
            caveats.append(_(
                "Year to date covers only {n} days: early in the year a few "
                "incidents swing the percentage a lot; the rolling 12 months is steadier.").format(
                n=as_of.timetuple().tm_yday))
        if first is None or prior.start < first:
            caveats.append(_("The data start on {day}, so the earlier period is not fully covered.").format(
                day=format_date(first))
                           if first else _("No data."))
        if last is not None and period.end > last:
            caveats.append(_("The data end on {day}, so the current period is not fully covered.").format(
                day=format_date(last)))
        if 0 < pri < 10:
            caveats.append(_("Fewer than 10 incidents in the earlier period: the percentage is unstable."))
        dispersion = noise.series_dispersion(series, period.start, period.end, history_from,
                                             noise.history_end(last, date_basis)) if len(series) else noise.PLAIN
        z = float(noise.noise_z(cur, pri, dispersion, period.days, prior.days))
        rows.append({
            "window": _WINDOW_NAMES[preset], "start": period.start, "end": period.end,
            "prior_start": prior.start, "prior_end": prior.end, "current": cur, "prior": pri,
            "change": cur - pri, "noise_z": round(z, 2), "dispersion": round(dispersion.phi, 2),
            "noise": noise_label(z, basis=dispersion.basis), "warning": " ".join(caveats) or None,
        })
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("change") + 1, "pct_change",
               pct_change(out["current"], out["prior"]).round(1))
    return out


def multiple_comparisons_note(n_comparisons: int) -> str | None:
    """A warning when many comparisons are shown at once (None for 10 or fewer).

    A "possible change" or more is |noise_z| >= 2, a two-sided p of 4.6 % (``noise.POSSIBLE_P``): with nothing
    changed, about 1 comparison in 22 reads so by chance alone, once the reading allows for how much counts
    normally vary (``noise``; measured on simulated cities with real-world noise and no change: 3.6 %).
    """
    n = int(n_comparisons)
    if n <= MULTIPLE_COMPARISONS_THRESHOLD:
        return None
    expected = max(1, round(n * noise.POSSIBLE_P))
    return _("With {n} comparisons, about {expected} will look like a 'possible change' by chance alone (with "
             "nothing changed, a reading of possible change or more happens about 1 time in 22, even after "
             "allowing for how much counts normally vary).").format(n=n, expected=expected)
