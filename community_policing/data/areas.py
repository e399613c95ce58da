"""What every layer agrees on about areas: the id of incidents placed in no area, and the population below which
a rate is not shown. Here, at the bottom, so that the statistics, the views and the figures read one value.
"""

from community_policing.i18n import N_

UNASSIGNED_ID = "unassigned"
UNASSIGNED_NAME = N_("Not placed in any area")  # data: translated where shown
# Below this many residents a rate per 1,000 is too unstable to show (parks, industrial areas).
MIN_POPULATION_FOR_RATE = 300


def natural_key(value) -> tuple:
    """Sort key for area ids: numbers in numeric order (2 before 10), then the others by their text."""
    text = str(value)
    return (0, int(text), text) if text.isdigit() else (1, 0, text)
