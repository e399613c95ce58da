"""Privacy rules for what the public sees (public mode): small counts, sensitive offenses, small surveys.

The rules (documented on the Methodology page, configurable through the environment):

* a count from 1 to ``min_count - 1`` (default 1-3) is shown as "fewer than 4", styled apart from
  "no data", and every rate and change derived from it is suppressed too;
* complementary suppression: where a suppressed cell could be recovered from a total (a table whose
  rows add up to a shown total), one more cell is suppressed, so no subtraction reveals it;
* no incident points at all for sensitive offenses (sex offenses, domestic violence); other points
  only generalised (block or hexagon level) - the dashboard shows no incident points today;
* no survey score from fewer than the minimum respondents (``metrics.MIN_RESPONDENTS``).

Pure functions (no Streamlit): tables in, suppressed tables out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MIN_COUNT_ENV = "COMMON_GROUND_MIN_COUNT"
DEFAULT_MIN_COUNT = 4
SENSITIVE_OFFENSE_GROUPS = ("rape",)  # the UCR groups that are sex offenses; domestic violence is not a UCR group


@dataclass(frozen=True)
class Rules:
    """Public-mode privacy rules: counts from 1 to min_count - 1 are suppressed."""

    min_count: int = DEFAULT_MIN_COUNT
    sensitive_offense_groups: tuple[str, ...] = SENSITIVE_OFFENSE_GROUPS

    @property
    def label(self) -> str:
        return f"fewer than {self.min_count}"

    def is_small(self, count) -> bool:
        """True for a count that must not be shown (1 to min_count - 1)."""
        try:
            value = int(count)
        except (TypeError, ValueError):
            return False
        return 0 < value < self.min_count


def rules_from_env(env=os.environ) -> Rules:
    """The rules, with ``$COMMON_GROUND_MIN_COUNT`` (at least 2) overriding the threshold."""
    raw = env.get(MIN_COUNT_ENV)
    if raw is None or not str(raw).strip():
        return Rules()
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{MIN_COUNT_ENV} must be a whole number of at least 2, not {raw!r}") from exc
    if value < 2:
        raise ValueError(f"{MIN_COUNT_ENV} must be at least 2 (got {value})")
    return Rules(min_count=value)
