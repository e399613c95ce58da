"""Who attends engagement activities compared with who lives in the district."""

import pandas as pd
import pytest

from community_policing.stats import did, engagement_stats
from community_policing.views import evaluation
from community_policing.data.store import Store


def test_shares_and_interval_on_a_hand_example():
    events = pd.DataFrame({"id": ["e1", "e2", "e3"], "district_id": ["1", "1", "1"]})
    attendance = pd.DataFrame({
        "event_id": ["e1", "e1", "e2", "e2", "e3", "e3"], "dimension": "age",
        "demographic_group": ["55+", "18-34"] * 3, "attendees": [8, 2, 9, 1, 7, 3]})
    demographics = pd.DataFrame({"district_id": ["1", "1"], "dimension": "age",
                                 "demographic_group": ["55+", "18-34"], "residents": [300, 700], "year": 2020})
    out = engagement_stats.representativeness(attendance, events, demographics, "age").set_index("demographic_group")
    assert out.loc["55+", "attendee_share"] == pytest.approx(24 / 30)
    assert out.loc["55+", "resident_share"] == pytest.approx(0.3)
    assert out.loc["55+", "ratio"] == pytest.approx(0.8 / 0.3)
    assert out.loc["55+", "reading"] == "over-represented"
    assert out.loc["18-34", "reading"] == "under-represented"
    assert out.loc["55+", "share_ci_low"] < 0.8 < out.loc["55+", "share_ci_high"]
    assert out.loc["55+", "activities"] == 3


def test_demo_city_shows_the_built_in_skew(demo_db):
    with Store(demo_db) as s:
        race = evaluation.representativeness(s, "race_ethnicity")
        age = evaluation.representativeness(s, "age")
    sums = race.groupby("district_id")["attendee_share"].sum()
    assert sums.round(6).eq(1).all()
    # The generator over-samples older residents at meetings; most districts should show it.
    older = age[age["demographic_group"] == "55+"]
    assert (older["reading"] == "over-represented").mean() > 0.5
