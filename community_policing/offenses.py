"""The offense groups every city's incidents are classified into (FBI UCR classes).

One vocabulary for the demo city and for every importer, so filters and charts mean the same
thing whatever the source.
"""

from __future__ import annotations

import pandas as pd

# offense_group, label, category, UCR part
OFFENSE_GROUPS: tuple[tuple[str, str, str, int], ...] = (
    ("homicide", "Homicide", "violent", 1),
    ("rape", "Rape", "violent", 1),
    ("robbery", "Robbery", "violent", 1),
    ("aggravated_assault", "Aggravated assault", "violent", 1),
    ("burglary", "Burglary", "property", 1),
    ("larceny", "Larceny-theft", "property", 1),
    ("vehicle_theft", "Motor vehicle theft", "property", 1),
    ("arson", "Arson", "property", 1),
    ("simple_assault", "Simple assault", "other", 2),
    ("vandalism", "Vandalism", "other", 2),
    ("drugs", "Drug offenses", "other", 2),
    ("weapons", "Weapons offenses", "other", 2),
    ("other", "All other offenses", "other", 2),
)


def offense_groups_table() -> pd.DataFrame:
    """The offense_groups table (columns as in schema.yaml)."""
    return pd.DataFrame(
        [g for g in OFFENSE_GROUPS], columns=["offense_group", "label", "category", "ucr_part"]
    )
