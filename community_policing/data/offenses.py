"""The offense groups every city's incidents are classified into (FBI UCR classes).

One vocabulary for the demo city and for every importer, so filters and charts mean the same
thing whatever the source.
"""

from __future__ import annotations

import pandas as pd

from community_policing.i18n import N_

# offense_group, label, category, UCR part. The labels are data in the warehouse (English); they are
# marked for translation here and translated where shown (``_(label)``).
OFFENSE_GROUPS: tuple[tuple[str, str, str, int], ...] = (
    ("homicide", N_("Homicide"), "violent", 1),
    ("rape", N_("Rape"), "violent", 1),
    ("robbery", N_("Robbery"), "violent", 1),
    ("aggravated_assault", N_("Aggravated assault"), "violent", 1),
    ("burglary", N_("Burglary"), "property", 1),
    ("larceny", N_("Larceny-theft"), "property", 1),
    ("vehicle_theft", N_("Motor vehicle theft"), "property", 1),
    ("arson", N_("Arson"), "property", 1),
    ("simple_assault", N_("Simple assault"), "other", 2),
    ("vandalism", N_("Vandalism"), "other", 2),
    ("drugs", N_("Drug offenses"), "other", 2),
    ("weapons", N_("Weapons offenses"), "other", 2),
    ("other", N_("All other offenses"), "other", 2),
)


def offense_groups_table() -> pd.DataFrame:
    """The offense_groups table (columns as in schema.yaml)."""
    return pd.DataFrame(
        [g for g in OFFENSE_GROUPS], columns=["offense_group", "label", "category", "ucr_part"]
    )


# Labels are marked for translation here and translated where shown (the keys are codes).
OFFENSE_CATEGORIES = {"violent": N_("Violent crime (Part I)"), "property": N_("Property crime (Part I)"),
                      "other": N_("Other offenses (Part II)")}
# The offense filter's values: "all", an offense group's code ("robbery", "other"), or a category written
# "category:violent". The prefix keeps the two apart: "other" is both the group "All other offenses" and
# the category "Other offenses (Part II)" (its groups together). Queries take the value as it is.
CATEGORY_PREFIX = "category:"
GROUP_CODES = frozenset(code for code, *_rest in OFFENSE_GROUPS)  # the same groups in every city


def offense_filter(offense_group: str | None) -> str | None:
    """The queries' ``$offense_group``: None for all offenses, else the filter's value (a group code, or
    ``category:<category>``). A bare category name that is no group's code ("violent", "property") reads as
    its category; "other" is the group "All other offenses" (its category is "category:other")."""
    if offense_group in (None, "", "all"):
        return None
    value = str(offense_group)
    if value in OFFENSE_CATEGORIES and value not in GROUP_CODES:
        return category_value(value)
    return value


def category_value(category: str) -> str:
    """The filter value of a category: "violent" -> "category:violent"."""
    return CATEGORY_PREFIX + category
