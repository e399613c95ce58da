"""Simulated demo city: "Riverbend, Missouri" (fictional).

``generate_demo_city`` builds every warehouse table (except the derived
``incident_counts_daily``) for an invented mid-size Missouri city. The data serve two purposes:

* the built-in demo of the dashboard, so it works without any real data, and
* ground truth for statistical checks: the generator injects known program effects on incidents
  and on resident trust and records them in ``demo_truth``, so estimates can be compared with
  what was put in.

Everything is drawn from ``numpy.random.default_rng(seed)`` in a fixed order, so the same
arguments always give identical tables; tables added later (demographics and attendance, then
neighborhood organizations) draw from their own streams ``[seed, 1]`` and ``[seed, 2]`` so that
adding them changed none of the earlier numbers. Heavy work (about 130,000 incident rows) is vectorized.

Two levels of realism (``realism``):

* ``"clean"`` (the original city, unchanged for the same seed): incidents are Poisson around a smooth
  expected count, each program starts on one date in all its districts and is still running, and
  engagement has no season. Every estimator looks good on it, which is what it is for: a baseline.
* ``"hard"``: what real city data do to an analysis. Counts vary more than Poisson, about as much as
  St. Louis's do (SLMPD files, police districts 2014-2019): gamma-Poisson shocks per month for the
  city, each district and each neighborhood, and a slow random wander of each district's level, so a
  district-month varies about 3 times the Poisson variance around its trend and a district-year about
  10-15 times (``count_dispersion`` measures it); district trends differ more; engagement is seasonal (more in summer,
  by how much depends on the type) as crime is; every treated district had a bad spell before its
  program started (a transient rise that fades on its own after the start: regression to the mean
  waiting to happen); the Foot Patrol's two districts start a year apart; the Youth Outreach
  Partnership ended (its effect and its activities stop on its end date); and trust scores drift a
  little more per district. Treated districts' trends and wander are drawn from the same
  distributions as everyone else's, so what differs between them is chance, not a bias no method could
  see. The extra randomness comes from its own stream ``[seed, 3]``, and engagement, training and
  surveys from ``[seed, 4]``, ``[seed, 5]`` and ``[seed, 6]``: two hard cities that differ only in
  ``effect_scale`` share every random shock, activity and survey answer, and differ in incidents only
  by the effects and Poisson draws. ``demo_truth`` holds the injected relative effects (the same numbers
  in both cities).

Nothing here is real crime data; the ``metadata`` table says so.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from community_policing.data import schema
from community_policing.data.offenses import OFFENSE_GROUPS, offense_groups_table

DEMO_CITY_NAME = "Riverbend, Missouri"
GENERATOR_VERSION = "1"

__all__ = ["DEFAULT_REALISM", "DEMO_CITY_NAME", "REALISM_LEVELS", "count_dispersion", "generate_demo_city"]

# --------------------------------------------------------------------------------------------
# Fixed parameters of the simulation
# --------------------------------------------------------------------------------------------

# Map projection: geometry is built in kilometres around the centre, then mapped to lon/lat.
CENTER_LON, CENTER_LAT = -92.45, 38.62
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320 * math.cos(math.radians(CENTER_LAT))

# District id, name, seed position on a 3 x 3 grid (km east, km north), relative crime level.
# Crime levels are per resident; the program districts (2, 3, 5, 7, 8) are among the higher
# ones on purpose: programs go where crime is, which is the confounding the dashboard must face.
_DISTRICTS: tuple[tuple[str, str, float, float, float], ...] = (
    ("1", "Northside", 0.0, 3.4, 0.80),
    ("2", "Riverfront", -4.3, -3.2, 1.50),
    ("3", "Downtown", 0.0, 0.0, 1.65),
    ("4", "Eastgate", 4.3, 0.0, 0.95),
    ("5", "Southside", 0.0, -3.4, 1.40),
    ("6", "Westview", -4.3, 0.0, 0.75),
    ("7", "Oak Hill", 4.3, -3.2, 1.10),
    ("8", "Bluffs", -4.3, 3.2, 1.05),
    ("9", "Prairie", 4.3, 3.2, 0.60),
)

# Five candidate names per district; districts with four neighborhoods use the first four.
_NEIGHBORHOOD_NAMES: dict[str, tuple[str, ...]] = {
    "1": ("North Hills", "Maple Grove", "Fairview", "Hickory Ridge", "Northgate"),
    "2": ("Mill Creek", "Ferry Street", "The Landing", "Levee Flats", "Boatworks"),
    "3": ("Old Town", "Market Square", "Courthouse Hill", "Warehouse Row", "Union Station"),
    "4": ("Cedar Park", "Sycamore Heights", "Linden", "Orchard Hill", "Eastwood"),
    "5": ("South Gardens", "Walnut Flats", "Belmont", "Railyard", "Southgate"),
    "6": ("Willow Bend", "Westridge", "Aspen Court", "Quarry Hill", "Sunset Terrace"),
    "7": ("Acorn Ridge", "Chestnut", "Pleasant Valley", "Fox Run", "Oak Hill Village"),
    "8": ("Bluff View", "High Point", "Eagle Crest", "Limestone", "Overlook"),
    "9": ("Prairie Meadows", "Wheatfield", "Meadowlark", "Bison Run", "Clover Hill"),
}
PARK_DISTRICT = "2"
PARK_NAME = "Riverside Park"
PARK_POPULATION = 120
PARK_INCIDENTS_PER_YEAR = 25.0  # a park has visitors, so some crime, but almost no residents

NEIGHBORHOOD_POP_RANGE = (2_000, 15_000)
CITY_POP_RANGE = (280_000, 310_000)  # target total drawn in this range
POPULATION_YEAR = 2020
SWORN_PER_1000 = 1.8

# Net incidents per resident per year at crime level 1 (population-weighted mean level is 1):
# about 19,000-20,000 incidents a year for ~290,000 residents.
INCIDENTS_PER_RESIDENT_YEAR = 0.068

# offense_group, label, category, UCR part, share of all incidents.
_OFFENSE_GROUPS: tuple[tuple[str, str, str, int, float], ...] = (
    ("homicide", "Homicide", "violent", 1, 0.0015),
    ("rape", "Rape", "violent", 1, 0.008),
    ("robbery", "Robbery", "violent", 1, 0.03),
    ("aggravated_assault", "Aggravated assault", "violent", 1, 0.06),
    ("burglary", "Burglary", "property", 1, 0.08),
    ("larceny", "Larceny-theft", "property", 1, 0.30),
    ("vehicle_theft", "Motor vehicle theft", "property", 1, 0.07),
    ("arson", "Arson", "property", 1, 0.004),
    ("simple_assault", "Simple assault", "other", 2, 0.15),
    ("vandalism", "Vandalism", "other", 2, 0.10),
    ("drugs", "Drug offenses", "other", 2, 0.06),
    ("weapons", "Weapons offenses", "other", 2, 0.02),
    ("other", "All other offenses", "other", 2, 0.12),
)

# The department's own offense codes (invented, UCR-like): group -> (code, description, weight).
_OFFENSE_CODES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "homicide": (
        ("01111", "Homicide, firearm", 0.75),
        ("01112", "Homicide, other weapon", 0.25),
    ),
    "rape": (
        ("02101", "Rape, forcible", 0.8),
        ("02102", "Rape, attempted", 0.2),
    ),
    "robbery": (
        ("03111", "Robbery, street, firearm", 0.35),
        ("03121", "Robbery, street, strong-arm", 0.35),
        ("03311", "Robbery, business", 0.2),
        ("03511", "Robbery, residence", 0.1),
    ),
    "aggravated_assault": (
        ("04111", "Aggravated assault, firearm", 0.45),
        ("04211", "Aggravated assault, knife or cutting instrument", 0.2),
        ("04311", "Aggravated assault, other dangerous weapon", 0.25),
        ("04411", "Aggravated assault, hands or feet, serious injury", 0.1),
    ),
    "burglary": (
        ("05111", "Burglary, residence, forcible entry", 0.45),
        ("05211", "Burglary, residence, no forced entry", 0.25),
        ("05311", "Burglary, business", 0.3),
    ),
    "larceny": (
        ("06111", "Larceny, from motor vehicle", 0.3),
        ("06211", "Larceny, shoplifting", 0.25),
        ("06311", "Larceny, from building", 0.15),
        ("06411", "Larceny, motor vehicle parts", 0.1),
        ("06911", "Larceny, all other", 0.2),
    ),
    "vehicle_theft": (
        ("07111", "Motor vehicle theft, automobile", 0.8),
        ("07211", "Motor vehicle theft, truck or other vehicle", 0.2),
    ),
    "arson": (
        ("08111", "Arson, residential structure", 0.5),
        ("08211", "Arson, vehicle", 0.35),
        ("08911", "Arson, other", 0.15),
    ),
    "simple_assault": (
        ("09111", "Simple assault, domestic", 0.45),
        ("09211", "Simple assault, other", 0.4),
        ("09311", "Intimidation or threats", 0.15),
    ),
    "vandalism": (
        ("14111", "Vandalism, property damage", 0.7),
        ("14211", "Vandalism, graffiti", 0.3),
    ),
    "drugs": (
        ("18111", "Drug possession", 0.75),
        ("18211", "Drug sale or manufacture", 0.25),
    ),
    "weapons": (
        ("15111", "Unlawful use of a weapon", 0.6),
        ("15211", "Unlawful possession of a weapon", 0.4),
    ),
    "other": (
        ("24111", "Disorderly conduct", 0.25),
        ("26111", "Fraud", 0.25),
        ("20111", "Trespassing", 0.2),
        ("29111", "Peace disturbance", 0.15),
        ("29911", "All other offenses", 0.15),
    ),
}

# Month-of-year multipliers (Jan..Dec): summer peak about +15%, winter trough.
_SEASON = np.array([0.87, 0.85, 0.94, 0.98, 1.05, 1.12, 1.16, 1.14, 1.06, 1.00, 0.93, 0.90])
_SEASON = _SEASON / _SEASON.mean()
# Day-of-week multipliers (Mon..Sun): mild, busier Friday and Saturday.
_WEEKDAY = np.array([1.00, 0.97, 0.97, 0.98, 1.04, 1.07, 0.97])
_WEEKDAY = _WEEKDAY / _WEEKDAY.mean()
# Hour-of-day weights for when offenses occur: fewest early morning, most in the evening.
_HOUR_WEIGHTS = np.array(
    [5.0, 4.2, 3.4, 2.6, 1.9, 1.5, 1.6, 2.2, 3.0, 3.4, 3.6, 3.8,
     4.3, 4.2, 4.3, 4.6, 5.0, 5.4, 5.8, 6.0, 6.1, 6.0, 5.8, 5.4]
)

CITY_TREND_PER_YEAR = -0.01  # gentle citywide decline (every district shares it)
DISTRICT_TREND_SD = 0.015  # per-district log-linear slope, per year
DISTRICT_TREND_MAX = 0.03  # clipped, so that parallel trends roughly hold

REALISM_LEVELS = ("clean", "hard")
# The default stays the original city until the whole suite and the estimators are ready for "hard".
DEFAULT_REALISM = "hard"

# "hard" realism. Sizes chosen so that the demo city's counts are about as overdispersed as St. Louis's
# (SLMPD 2014-2019, six police districts, quasi-Poisson Pearson chi2/df around district trends: 3.7 for
# district-months, 15 for district-years; neighborhoods 2.1 and 4.5); ``count_dispersion`` measures it.
# Month shocks are gamma with mean 1 (gamma-Poisson: a count's variance is mu + sd^2 mu^2).
# Measured with effect_scale 0 over 12 seeds (2020-2025): district-months 3.1 (median), district-years 12,
# neighborhood-months 1.9, neighborhood-years 3.6 (10-90 % over seeds: 2.9-3.4, 10-16, 1.8-2.0, 3.2-4.4;
# the clean city: 1.0 for all four).
HARD_CITY_MONTH_SD = 0.03  # weather, holidays, events: every district together
HARD_DISTRICT_MONTH_SD = 0.05  # one district's month
HARD_NEIGHBORHOOD_MONTH_SD = 0.12  # one neighborhood's month
# Each district's level wanders slowly around its trend (log scale, AR(1) by month): a district has a
# good or bad year for reasons no one recorded (St. Louis districts move 5-13 % from one year to the
# next). This is what makes year-level counts vary 10-15 times more than Poisson.
HARD_WANDER_RHO = 0.95
HARD_WANDER_SD = 0.035  # innovation SD per month; stationary SD about 0.11
HARD_DISTRICT_TREND_SD = 0.02  # districts trend apart more than in the clean city...
HARD_DISTRICT_TREND_MAX = 0.05  # ...and are clipped further out
# Programs are sent after a bad spell: each treated district's incidents rise by a random 5-15 % around
# two months before its start and the rise fades on its own within about three months of it (a bell of
# width three months). With no program at all, a before/after comparison would still show a fall.
HARD_BAD_SPELL_RANGE = (0.05, 0.15)
HARD_BAD_SPELL_PEAK_MONTHS = -2.0
HARD_BAD_SPELL_WIDTH_MONTHS = 3.0
# Trust: a little more slow drift per district (AR(1) by month, score points) on top of the clean city's.
HARD_TRUST_DRIFT_RHO = 0.97
HARD_TRUST_DRIFT_SD = 0.25

SHARE_UNPLACED = 0.007  # no neighborhood, district or coordinates
SHARE_NOT_GEOCODED = 0.03  # place known, coordinates missing
SHARE_CORRECTED = 0.01  # a later correction row (count -1)


@dataclass(frozen=True)
class _Program:
    name: str
    districts: tuple[str, ...]
    start: date
    incident_effect: float
    trust_effect: float
    annual_cost: float
    description: str
    # Engagement types the program multiplies in its districts from the start date.
    engagement_boost: dict[str, float] = field(default_factory=dict)
    # Districts whose start differs from ``start`` (staggered adoption), and the program's last day
    # (None while it runs). Effects and engagement boosts apply from a district's start to ``end``.
    district_starts: dict[str, date] = field(default_factory=dict)
    end: date | None = None

    def start_in(self, district: str) -> date:
        return self.district_starts.get(district, self.start)


PROGRAMS: tuple[_Program, ...] = (
    _Program(
        name="Foot Patrol Initiative",
        districts=("2", "5"),
        start=date(2023, 4, 1),
        incident_effect=-0.15,
        trust_effect=0.08,
        annual_cost=480_000.0,
        description="Officers walk fixed beats in commercial corridors and talk with residents "
        "and business owners.",
        engagement_boost={"foot_patrol": 3.0},
    ),
    _Program(
        name="Neighborhood Liaison Officers",
        districts=("7",),
        start=date(2024, 1, 1),
        incident_effect=-0.10,
        trust_effect=0.10,
        annual_cost=320_000.0,
        description="A dedicated liaison officer per neighborhood holds regular meetings and "
        "feedback sessions and follows up on residents' concerns.",
        engagement_boost={"community_meeting": 2.5, "feedback_session": 3.0},
    ),
    _Program(
        name="Youth Outreach Partnership",
        districts=("3", "8"),
        start=date(2022, 7, 1),
        incident_effect=-0.05,
        trust_effect=0.04,
        annual_cost=185_000.0,
        description="Officers run after-school and summer activities with schools and youth "
        "organizations.",
        engagement_boost={"school_youth": 3.0},
    ),
)

# The same programs in the "hard" city: the Foot Patrol reaches its second district a year after the
# first, and the Youth Outreach Partnership ended after 21 months (its grant ran out).
PROGRAMS_HARD: tuple[_Program, ...] = (
    replace(PROGRAMS[0], district_starts={"5": date(2024, 4, 1)}),
    PROGRAMS[1],
    replace(PROGRAMS[2], end=date(2024, 3, 31)),
)
PROGRAMS_BY_REALISM = {"clean": PROGRAMS, "hard": PROGRAMS_HARD}

ENGAGEMENT_TYPES = (
    "community_meeting",
    "neighborhood_event",
    "foot_patrol",
    "school_youth",
    "feedback_session",
    "other",
)
# Per district and month at average crime level; scaled by the district's crime load.
_ENGAGEMENT_PER_MONTH = np.array([1.6, 1.0, 3.0, 1.4, 0.6, 0.8])
# Day-of-week weights per type (Mon..Sun): meetings midweek, events at weekends.
_ENGAGEMENT_WEEKDAY = np.array(
    [
        [1.0, 1.4, 1.4, 1.4, 0.6, 0.2, 0.2],
        [0.4, 0.4, 0.4, 0.6, 1.2, 2.4, 1.8],
        [1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 0.8],
        [1.3, 1.3, 1.3, 1.3, 1.2, 0.4, 0.2],
        [1.2, 1.3, 1.3, 1.3, 0.9, 0.5, 0.5],
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    ]
)
# (low, high) per type, in the order of ENGAGEMENT_TYPES.
_ATTENDEES = ((10, 80), (30, 300), (0, 40), (15, 120), (8, 60), (5, 50))
_OFFICER_HOURS = ((2.0, 12.0), (4.0, 30.0), (4.0, 16.0), (2.0, 10.0), (2.0, 8.0), (1.0, 10.0))
_COST = ((0.0, 600.0), (200.0, 3500.0), (0.0, 0.0), (100.0, 1500.0), (50.0, 800.0), (0.0, 1000.0))
SHARE_EVENTS_WITH_NEIGHBORHOOD = 0.9
# "hard" city: engagement is seasonal, as crime is. Per type, the relative swing of a cosine peaking in
# July (0.6: 60 % more than average in July, 60 % less in January): block parties and youth activities
# follow the weather and school holidays, meetings and feedback sessions hardly at all.
_ENGAGEMENT_SEASON_AMPLITUDE = np.array([0.15, 0.6, 0.3, 0.4, 0.1, 0.2])

COURSES = ("de_escalation", "cultural_competence", "communication", "other")
_COURSE_WEIGHTS = np.array([0.35, 0.25, 0.25, 0.15])
_COURSE_HOURS = np.array([4.0, 8.0, 16.0, 24.0, 40.0])
_COURSE_HOURS_WEIGHTS = np.array([0.25, 0.35, 0.2, 0.12, 0.08])
COURSES_PER_DISTRICT_YEAR = 4.0
ACADEMY_COURSES_PER_YEAR = 3.0

MEASURES = ("trust", "safety", "respect", "listened")
_MEASURE_OFFSET = np.array([0.0, -4.0, 5.0, -7.0])
SCORE_SD = 25.0  # SD of one respondent's answer on the 0-100 scale
SHARE_LOW_RESPONSE_MONTHS = 0.05


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate_demo_city(
    seed: int = 2026,
    effect_scale: float = 1.0,
    start: datetime.date = date(2020, 1, 1),
    end: datetime.date = date(2026, 10, 31),
    realism: str = DEFAULT_REALISM,
) -> dict[str, pd.DataFrame]:
    """Generate every table of the simulated demo city "Riverbend, Missouri".

    ``effect_scale`` multiplies the injected program effects (0 gives a city where programs do
    nothing). ``start`` and ``end`` bound the dates of incidents, engagement and training
    (inclusive); surveys cover every month from the month of ``start`` to the month of ``end``.
    ``realism`` is ``"clean"`` (the original city) or ``"hard"`` (real-world noise, staggered and
    ended programs, bad spells before starts, seasonal engagement: see the module docstring).
    Returns a dict of DataFrames keyed by table name, with exactly the schema's columns in
    schema order; geometry columns hold shapely Polygons in WGS84 lon/lat.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if realism not in REALISM_LEVELS:
        raise ValueError(f"realism must be one of {', '.join(REALISM_LEVELS)}, not {realism!r}")
    programs = PROGRAMS_BY_REALISM[realism]
    effect_scale = float(effect_scale)
    for program in programs:
        for effect in (program.incident_effect, program.trust_effect):
            if 1.0 + effect_scale * effect <= 0:
                raise ValueError(f"effect_scale {effect_scale} makes an effect of {program.name} impossible")

    rng = np.random.default_rng(seed)
    city = _build_geography(rng)
    days = pd.date_range(start, end, freq="D")
    # The clean city draws everything after the geography from one stream, in this order. The hard city
    # draws its shocks, and then engagement, training and surveys, from streams of their own, so that two
    # hard cities differing only in effect_scale differ in nothing but the effects and the incidents' draws.
    if realism == "hard":
        hard = _hard_noise(np.random.default_rng([seed, 3]), city, days, programs)
        engagement_rng, training_rng, survey_rng = (np.random.default_rng([seed, k]) for k in (4, 5, 6))
    else:
        hard, engagement_rng, training_rng, survey_rng = None, rng, rng, rng
    incidents = _incidents(rng, city, days, effect_scale, programs, hard)
    engagement = _engagement(engagement_rng, city, days, programs, seasonal=hard is not None)
    training = _training(training_rng, city, days)
    surveys = _trust_surveys(survey_rng, city, start, end, effect_scale, programs, hard)
    # A separate random stream, so adding demographics changed none of the draws above.
    demo_rng = np.random.default_rng([seed, 1])
    demographics = _district_demographics(demo_rng, city)
    attendance = _attendance(demo_rng, engagement, demographics)
    # And another for the neighborhood organizations, so they changed no number above either.
    organizations = _neighborhood_organizations(np.random.default_rng([seed, 2]), city)

    return {
        "districts": city.districts,
        "neighborhoods": city.neighborhoods,
        "offense_groups": _offense_groups(),
        "incidents": incidents[list(schema.table("incidents").column_names)],
        # One row per incident (the generator writes no per-offense rows), so no offense rows.
        "incident_offenses": pd.DataFrame(columns=list(schema.table("incident_offenses").column_names)),
        "engagement_events": engagement,
        "engagement_attendance": attendance,
        "district_demographics": demographics,
        "training": training,
        "trust_surveys": surveys,
        "programs": _programs(programs),
        "neighborhood_organizations": organizations,
        "demo_truth": _demo_truth(effect_scale, programs),
        # Way-finding lines for the maps (city limits, the river, the main road): geometry only, no random draws.
        "map_context": _map_context(city),
        # No series break: the generator counts the same way from the first day to the last (one map,
        # one set of counting rules), so declaring one would describe a change the data do not have.
        "series_breaks": _series_breaks(),
        "metadata": _metadata(seed, effect_scale, start, end, realism),
    }


# --------------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------------

def _map_context(city: _City) -> pd.DataFrame:
    """The demo city's context lines: its limits (the districts' outer edge), the river that gives Riverbend
    its name along the west side (past Riverfront and the Bluffs), and the east-west main road through
    Downtown. Simple drawn shapes, made without random draws so no other number changes."""
    from community_policing.data.shapes import city_limits, context_shapes

    north = np.linspace(-7.0, 7.0, 57)
    river = shapely.LineString(np.column_stack([-7.85 - 0.35 * np.cos(north / 2.2), north]))
    road = shapely.LineString([(-7.2, 0.35), (-2.0, 0.2), (2.0, 0.45), (7.4, 0.3)])
    return pd.concat([city_limits(list(city.districts["geometry"])),
                      context_shapes("water", ["Riverbend River"], [_to_lonlat(river)]),
                      context_shapes("road", ["Main Street"], [_to_lonlat(road)])], ignore_index=True)



@dataclass
class _City:
    districts: pd.DataFrame
    neighborhoods: pd.DataFrame
    nbhd_district_idx: np.ndarray  # district position (0..8) of each neighborhood
    nbhd_incidents_year: np.ndarray  # expected net incidents per year before time effects
    nbhd_violent_tilt: np.ndarray  # multiplier of violent shares (higher where crime is high)
    district_level: np.ndarray  # district per-resident crime level (population weighted)
    district_load: np.ndarray  # district expected incidents per year, relative to the mean


def _as_date(value: datetime.date) -> date:
    # datetime is a subclass of date; keep only the calendar day.
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _to_lonlat(geom: Polygon) -> Polygon:
    """Map a polygon in local km (east, north) to WGS84 lon/lat."""
    scale = np.array([1.0 / KM_PER_DEG_LON, 1.0 / KM_PER_DEG_LAT])
    offset = np.array([CENTER_LON, CENTER_LAT])
    return shapely.transform(geom, lambda xy: xy * scale + offset)


def _voronoi_cells(seeds: np.ndarray, container: Polygon) -> list[Polygon]:
    """Voronoi cells of ``seeds`` clipped to the convex ``container``, in seed order.

    Cells and container are convex, so each clipped cell is one convex Polygon, and the cells
    tile the container.
    """
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=container, ordered=True)
    out = []
    for cell in shapely.get_parts(cells):
        clipped = shapely.intersection(cell, container)
        if clipped.geom_type != "Polygon" or clipped.is_empty or not clipped.is_valid:
            raise RuntimeError("demo geography produced a degenerate cell; try another seed")
        out.append(clipped)
    return out


def _lloyd(seeds: np.ndarray, container: Polygon, steps: int) -> list[Polygon]:
    """A few Lloyd relaxation steps (move seeds to cell centroids) for evenly sized cells."""
    cells = _voronoi_cells(seeds, container)
    for _ in range(steps):
        seeds = np.array([[c.centroid.x, c.centroid.y] for c in cells])
        cells = _voronoi_cells(seeds, container)
    return cells


def _random_points_in(rng: np.random.Generator, polygon: Polygon, n: int, decimals: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform random points inside ``polygon`` by vectorized rejection sampling.

    With ``decimals``, coordinates are rounded before the containment test, so the stored
    (rounded) points are inside too.
    """
    xs, ys = np.empty(0), np.empty(0)
    if n == 0:
        return xs, ys
    minx, miny, maxx, maxy = polygon.bounds
    fill = polygon.area / ((maxx - minx) * (maxy - miny))
    shapely.prepare(polygon)
    while len(xs) < n:
        m = int((n - len(xs)) / fill * 1.2) + 16
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        if decimals is not None:
            x, y = np.round(x, decimals), np.round(y, decimals)
        inside = shapely.contains_xy(polygon, x, y)
        xs = np.concatenate([xs, x[inside]])
        ys = np.concatenate([ys, y[inside]])
    return xs[:n], ys[:n]


def _build_geography(rng: np.random.Generator) -> _City:
    # City outline: convex hull of a jittered ellipse, about 14 km x 11 km.
    angles = np.sort(rng.uniform(0, 2 * np.pi, 28))
    radius = rng.uniform(0.93, 1.05, angles.size)
    ring = np.column_stack([7.0 * radius * np.cos(angles), 5.5 * radius * np.sin(angles)])
    outline = shapely.convex_hull(shapely.multipoints(ring))

    # Districts: jittered 3 x 3 grid of seeds (so names match compass positions), relaxed.
    grid = np.array([[d[2], d[3]] for d in _DISTRICTS])
    district_seeds = grid + rng.normal(0.0, 0.4, grid.shape)
    district_cells_km = _lloyd(district_seeds, outline, steps=2)

    # The four largest districts get five neighborhoods, the others four (4*5 + 5*4 = 40).
    areas = np.array([c.area for c in district_cells_km])
    n_nbhd = np.full(len(_DISTRICTS), 4)
    n_nbhd[np.argsort(-areas, kind="stable")[:4]] = 5

    nbhd_rows: list[dict] = []
    for d_idx, (d_id, _, _, _, _) in enumerate(_DISTRICTS):
        cell = district_cells_km[d_idx]
        sx, sy = _random_points_in(rng, cell, int(n_nbhd[d_idx]))
        nb_cells = _lloyd(np.column_stack([sx, sy]), cell, steps=3)
        # Number neighborhoods north to south, then west to east, for a readable id order.
        order = sorted(range(len(nb_cells)), key=lambda i: (-round(nb_cells[i].centroid.y, 6),
                                                            round(nb_cells[i].centroid.x, 6)))
        names = list(_NEIGHBORHOOD_NAMES[d_id][: len(nb_cells)])
        park_pos = None
        if d_id == PARK_DISTRICT:  # the smallest riverfront neighborhood is the park
            park_pos = min(range(len(nb_cells)), key=lambda i: nb_cells[i].area)
        for rank, i in enumerate(order):
            nbhd_rows.append(
                {
                    "district_idx": d_idx,
                    "district_id": d_id,
                    "name": PARK_NAME if i == park_pos else names[rank],
                    "geometry_km": nb_cells[i],
                    "is_park": i == park_pos,
                }
            )
    nb = pd.DataFrame(nbhd_rows)
    nb["id"] = [f"N{i + 1:02d}" for i in range(len(nb))]
    n = len(nb)
    is_park = nb["is_park"].to_numpy(bool)
    d_idx = nb["district_idx"].to_numpy()

    # Residents: log-normal sizes scaled to a city total, kept within the allowed range.
    raw = np.exp(rng.normal(np.log(7_000), 0.4, n))
    raw[is_park] = 0.0
    target = rng.uniform(*CITY_POP_RANGE)
    pop = np.clip(raw / raw.sum() * target, *NEIGHBORHOOD_POP_RANGE)
    pop = np.round(pop).astype(np.int64)
    pop[is_park] = PARK_POPULATION

    # Crime level per resident: district level times neighborhood variation (about 4x overall).
    district_base = np.array([d[4] for d in _DISTRICTS])
    level = district_base[d_idx] * np.exp(np.clip(rng.normal(0.0, 0.18, n), -0.3, 0.3))
    resident = ~is_park
    level = level / np.average(level[resident], weights=pop[resident])
    incidents_year = pop * INCIDENTS_PER_RESIDENT_YEAR * level
    incidents_year[is_park] = PARK_INCIDENTS_PER_YEAR
    level[is_park] = 1.0
    # Violent offenses make up a larger share where crime is high.
    violent_tilt = np.sqrt(level)

    n_dist = len(_DISTRICTS)
    district_pop = np.bincount(d_idx, weights=pop, minlength=n_dist).astype(np.int64)
    district_incidents = np.bincount(d_idx, weights=incidents_year, minlength=n_dist)
    district_level = district_incidents / np.maximum(district_pop, 1) / INCIDENTS_PER_RESIDENT_YEAR

    districts = pd.DataFrame(
        {
            "id": [d[0] for d in _DISTRICTS],
            "name": [f"District {d[0]} \u2013 {d[1]}" for d in _DISTRICTS],
            "geometry": [_to_lonlat(c) for c in district_cells_km],
            "population": district_pop,
            "population_year": np.full(n_dist, POPULATION_YEAR, dtype=np.int64),
            "sworn_officers": np.round(district_pop * SWORN_PER_1000 / 1000).astype(np.int64),
        }
    )
    neighborhoods = pd.DataFrame(
        {
            "id": nb["id"].to_numpy(),
            "name": nb["name"].to_numpy(),
            "district_id": nb["district_id"].to_numpy(),
            "geometry": [_to_lonlat(g) for g in nb["geometry_km"]],
            "population": pop,
        }
    )
    return _City(
        districts=districts,
        neighborhoods=neighborhoods,
        nbhd_district_idx=d_idx,
        nbhd_incidents_year=incidents_year,
        nbhd_violent_tilt=violent_tilt,
        district_level=district_level,
        district_load=district_incidents / district_incidents.mean(),
    )


# --------------------------------------------------------------------------------------------
# Lookup tables, programs, truth, metadata
# --------------------------------------------------------------------------------------------


def _offense_groups() -> pd.DataFrame:
    # The shared vocabulary; the demo's own table above only adds each group's share.
    assert [g[:4] for g in _OFFENSE_GROUPS] == list(OFFENSE_GROUPS), "demo offense groups out of step"
    return offense_groups_table()


def _programs(programs: tuple[_Program, ...]) -> pd.DataFrame:
    rows = [
        {
            "name": p.name,
            "district_id": d,
            "start_date": p.start_in(d),
            "end_date": p.end,
            "description": p.description,
            "annual_cost": p.annual_cost,
        }
        for p in programs
        for d in p.districts
    ]
    return pd.DataFrame(rows, columns=["name", "district_id", "start_date", "end_date", "description", "annual_cost"])


def _demo_truth(effect_scale: float, programs: tuple[_Program, ...]) -> pd.DataFrame:
    rows = []
    for p in programs:
        for outcome, effect in (("incidents", p.incident_effect), ("trust", p.trust_effect)):
            # "+ 0.0" turns -0.0 (effect_scale 0 times a negative effect) into 0.0.
            rows.append({"program": p.name, "outcome": outcome, "relative_effect": effect_scale * effect + 0.0})
    return pd.DataFrame(rows, columns=["program", "outcome", "relative_effect"])


def _series_breaks() -> pd.DataFrame:
    """The demo city declares no series break (see ``generate_demo_city``): an empty table, no random draw."""
    return pd.DataFrame(columns=list(schema.table("series_breaks").column_names))


def _metadata(seed: int, effect_scale: float, start: date, end: date, realism: str) -> pd.DataFrame:
    # The clean city's source text stays as it always was; the hard one says which city it is.
    realism_note = "" if realism == "clean" else f", realism {realism}: real-world noise"
    items = [
        ("city_name", DEMO_CITY_NAME),
        ("is_simulated", "true"),
        (
            "source",
            f"Simulated demo data generated by community_policing.demo (seed {seed}, "
            f"effect scale {effect_scale:g}{realism_note}). Not real crime data.",
        ),
        ("seed", str(seed)),
        ("effect_scale", f"{effect_scale:g}"),
        ("data_start", start.isoformat()),
        ("data_end", end.isoformat()),
        ("generator_version", GENERATOR_VERSION),
        ("realism", realism),
    ]
    return pd.DataFrame(items, columns=["key", "value"])


def _running(days: pd.DatetimeIndex, program: _Program, district: str) -> np.ndarray:
    """Which of ``days`` the program runs in ``district``: from its start there to the end (inclusive)."""
    on = np.asarray(days >= pd.Timestamp(program.start_in(district)))
    if program.end is not None:
        on &= np.asarray(days <= pd.Timestamp(program.end))
    return on


def _program_multiplier(days: pd.DatetimeIndex, n_districts: int, effect_scale: float,
                        outcome: str, programs: tuple[_Program, ...] = PROGRAMS) -> np.ndarray:
    """(n_days, n_districts) multiplier of an outcome: 1 + scale * effect in treated districts."""
    district_pos = {d[0]: i for i, d in enumerate(_DISTRICTS)}
    mult = np.ones((len(days), n_districts))
    for p in programs:
        effect = p.incident_effect if outcome == "incidents" else p.trust_effect
        for d in p.districts:
            mult[_running(days, p, d), district_pos[d]] *= 1.0 + effect_scale * effect
    return mult


# --------------------------------------------------------------------------------------------
# The "hard" city's extra randomness
# --------------------------------------------------------------------------------------------


@dataclass
class _HardNoise:
    month_of_day: np.ndarray  # (days,) index of each day's calendar month, 0 = the month of ``start``
    district_month: np.ndarray  # (months, districts) multiplier: city and district shocks, slow wander
    neighborhood_month: np.ndarray  # (months, neighborhoods) multiplier: neighborhood shocks
    bad_spell: np.ndarray  # (days, districts) multiplier: the rise before a program starts
    trust_drift: np.ndarray  # (months, districts) extra drift of trust scores, in points


def _gamma_shocks(rng: np.random.Generator, sd: float, shape: tuple[int, ...]) -> np.ndarray:
    """Multiplicative shocks with mean 1 and standard deviation ``sd`` (gamma, as in a negative binomial)."""
    return rng.gamma(1.0 / sd**2, sd**2, shape)


def _hard_noise(rng: np.random.Generator, city: _City, days: pd.DatetimeIndex,
                programs: tuple[_Program, ...]) -> _HardNoise:
    n_dist, n_nb = len(_DISTRICTS), len(city.neighborhoods)
    month_of_day = np.asarray((days.year - days[0].year) * 12 + days.month - days[0].month)
    n_months = int(month_of_day[-1]) + 1
    wander_var = HARD_WANDER_SD**2 / (1.0 - HARD_WANDER_RHO**2)
    wander = _ar1(rng, n_months, (n_dist,), HARD_WANDER_RHO, HARD_WANDER_SD)
    district_month = (
        _gamma_shocks(rng, HARD_CITY_MONTH_SD, (n_months, 1))
        * _gamma_shocks(rng, HARD_DISTRICT_MONTH_SD, (n_months, n_dist))
        * np.exp(wander - wander_var / 2)  # mean 1, like the shocks
    )
    neighborhood_month = _gamma_shocks(rng, HARD_NEIGHBORHOOD_MONTH_SD, (n_months, n_nb))

    district_pos = {d[0]: i for i, d in enumerate(_DISTRICTS)}
    bad_spell = np.ones((len(days), n_dist))
    for p in programs:
        for d in p.districts:
            size = rng.uniform(*HARD_BAD_SPELL_RANGE)
            months_from_start = np.asarray((days - pd.Timestamp(p.start_in(d))).days) / (365.25 / 12)
            bell = np.exp(-(((months_from_start - HARD_BAD_SPELL_PEAK_MONTHS) / HARD_BAD_SPELL_WIDTH_MONTHS) ** 2))
            bad_spell[:, district_pos[d]] *= 1.0 + size * bell
    trust_drift = _ar1(rng, n_months, (n_dist,), HARD_TRUST_DRIFT_RHO, HARD_TRUST_DRIFT_SD)
    return _HardNoise(month_of_day, district_month, neighborhood_month, bad_spell, trust_drift)


# --------------------------------------------------------------------------------------------
# Incidents
# --------------------------------------------------------------------------------------------


def _incidents(rng: np.random.Generator, city: _City, days: pd.DatetimeIndex, effect_scale: float,
               programs: tuple[_Program, ...] = PROGRAMS, hard: _HardNoise | None = None) -> pd.DataFrame:
    n_days, n_nb, n_grp = len(days), len(city.neighborhoods), len(_OFFENSE_GROUPS)
    n_dist = len(_DISTRICTS)
    d_idx = city.nbhd_district_idx

    # Offense mix per neighborhood: base shares, violent groups tilted by crime level.
    share = np.array([g[4] for g in _OFFENSE_GROUPS])
    is_violent = np.array([g[2] == "violent" for g in _OFFENSE_GROUPS])
    mix = np.tile(share, (n_nb, 1))
    mix[:, is_violent] *= city.nbhd_violent_tilt[:, None]
    mix /= mix.sum(axis=1, keepdims=True)

    # Time effects per day and district.
    years = np.asarray((days - days[0]).days / 365.25)
    years_c = years - years.mean()
    trend_sd, trend_max = (DISTRICT_TREND_SD, DISTRICT_TREND_MAX) if hard is None else (
        HARD_DISTRICT_TREND_SD, HARD_DISTRICT_TREND_MAX)
    slopes = np.clip(rng.normal(0.0, trend_sd, n_dist), -trend_max, trend_max)
    trend = np.exp(np.outer(years_c, slopes + CITY_TREND_PER_YEAR))  # (days, districts)
    calendar = _SEASON[days.month.to_numpy() - 1] * _WEEKDAY[days.day_of_week.to_numpy()]
    effect = _program_multiplier(days, n_dist, effect_scale, "incidents", programs)
    day_district = calendar[:, None] * trend * effect  # (days, districts)
    if hard is not None:
        day_district = day_district * hard.district_month[hard.month_of_day] * hard.bad_spell

    nbhd_day = day_district[:, d_idx]  # (days, neighborhoods)
    if hard is not None:
        nbhd_day = nbhd_day * hard.neighborhood_month[hard.month_of_day]
    expected = (
        nbhd_day[:, :, None]
        * (city.nbhd_incidents_year / 365.25)[None, :, None]
        * mix[None, :, :]
    )  # (days, neighborhoods, groups)
    counts = rng.poisson(expected).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    day_i, nb_i, grp_i = np.unravel_index(cell, (n_days, n_nb, n_grp))
    n = cell.size

    # When it happened: hour by the day-night profile, minute uniform.
    hour = rng.choice(24, size=n, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    minute = rng.integers(0, 60, n)
    day0 = np.datetime64(days[0].date(), "s")
    occurred = day0 + (day_i.astype(np.int64) * 86_400 + hour * 3_600 + minute * 60).astype("timedelta64[s]")

    # When it was reported: mostly within hours, some within days, a tail of weeks.
    kind = rng.random(n)
    delay_h = np.where(
        kind < 0.65,
        rng.exponential(1.5, n),
        np.where(kind < 0.90, rng.uniform(0.0, 72.0, n), np.minimum(rng.exponential(20 * 24, n), 180 * 24)),
    )
    delay_s = np.round(delay_h * 3_600).astype(np.int64) + rng.integers(5, 30, n) * 60
    reported = occurred + delay_s.astype("timedelta64[s]")

    # Offense code within the group.
    groups = np.array([g[0] for g in _OFFENSE_GROUPS], dtype=object)
    code = np.empty(n, dtype=object)
    description = np.empty(n, dtype=object)
    for g, group in enumerate(groups):
        rows = np.flatnonzero(grp_i == g)
        options = _OFFENSE_CODES[group]
        weights = np.array([o[2] for o in options])
        pick = rng.choice(len(options), size=rows.size, p=weights / weights.sum())
        code[rows] = np.array([o[0] for o in options], dtype=object)[pick]
        description[rows] = np.array([o[1] for o in options], dtype=object)[pick]

    # Place: most geocoded inside their neighborhood; some only placed; a few unplaced.
    placement = rng.random(n)
    unplaced = placement < SHARE_UNPLACED
    geocoded = placement >= SHARE_UNPLACED + SHARE_NOT_GEOCODED
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    for j, geom in enumerate(city.neighborhoods["geometry"]):
        rows = np.flatnonzero(geocoded & (nb_i == j))
        lon[rows], lat[rows] = _random_points_in(rng, geom, rows.size, decimals=6)
    nb_ids = city.neighborhoods["id"].to_numpy(dtype=object)
    dist_ids = city.neighborhoods["district_id"].to_numpy(dtype=object)
    neighborhood_id = np.where(unplaced, None, nb_ids[nb_i])
    district_id = np.where(unplaced, None, dist_ids[nb_i])

    # The extract is taken at the end of `end`: records reported later do not exist yet.
    cutoff = np.datetime64(days[-1].date(), "s") + np.timedelta64(86_400, "s")
    kept = reported < cutoff

    # Complaint numbers: year reported plus a sequence in order of reporting.
    order = np.flatnonzero(kept)[np.argsort(reported[kept], kind="stable")]
    rep_sorted = reported[order]
    rep_year = rep_sorted.astype("datetime64[Y]").astype(np.int64) + 1970
    first_of_year = np.searchsorted(rep_year, rep_year, side="left")
    seq = np.arange(order.size) - first_of_year + 1
    ids = (
        "RB-" + pd.Series(rep_year).astype(str) + "-" + pd.Series(seq).astype(str).str.zfill(6)
    ).to_numpy(dtype=object)

    originals = pd.DataFrame(
        {
            "id": ids,
            "occurred_at": occurred[order],
            "reported_at": rep_sorted,
            "offense_code": code[order],
            "offense_description": description[order],
            "offense_group": groups[grp_i[order]],
            "district_id": district_id[order],
            "neighborhood_id": neighborhood_id[order],
            "lon": lon[order],
            "lat": lat[order],
            "count": np.ones(order.size, dtype=np.int64),
            "occurred_note": None,
            "offense_rows": 1,
            "corrects_id": None,
        }
    )

    # Corrections (for example unfounded reports): a later record with count -1 that names the
    # record it corrects. Counts follow the published convention (the originals); the corrections
    # are shown beside them.
    corrected = np.flatnonzero(rng.random(order.size) < SHARE_CORRECTED)
    fix_delay = (np.round((1.0 + rng.exponential(25.0, corrected.size)) * 86_400)).astype(np.int64)
    corrections = originals.iloc[corrected].copy()
    corrections["corrects_id"] = corrections["id"]
    corrections["id"] = corrections["id"] + "-C"
    corrections["reported_at"] = corrections["reported_at"].to_numpy() + fix_delay.astype("timedelta64[s]")
    corrections["count"] = -1
    corrections = corrections[corrections["reported_at"].to_numpy() < cutoff]

    out = pd.concat([originals, corrections], ignore_index=True)
    out = out.sort_values(["reported_at", "id"], kind="stable", ignore_index=True)
    for col in ("occurred_at", "reported_at"):
        out[col] = out[col].astype("datetime64[us]")
    return out


# --------------------------------------------------------------------------------------------
# Engagement ledger
# --------------------------------------------------------------------------------------------


def _engagement(rng: np.random.Generator, city: _City, days: pd.DatetimeIndex,
                programs: tuple[_Program, ...] = PROGRAMS, seasonal: bool = False) -> pd.DataFrame:
    n_days, n_dist, n_type = len(days), len(_DISTRICTS), len(ENGAGEMENT_TYPES)
    district_pos = {d[0]: i for i, d in enumerate(_DISTRICTS)}
    type_pos = {t: i for i, t in enumerate(ENGAGEMENT_TYPES)}

    # Confounding on purpose: engagement is sent where the crime load is high.
    weekday = _ENGAGEMENT_WEEKDAY / _ENGAGEMENT_WEEKDAY.mean(axis=1, keepdims=True)
    per_day = _ENGAGEMENT_PER_MONTH * 12 / 365.25
    rate = (
        city.district_load[None, :, None] ** 0.7
        * per_day[None, None, :]
        * weekday.T[days.day_of_week.to_numpy()][:, None, :]
    )  # (days, districts, types)
    if seasonal:
        season = 1.0 + _ENGAGEMENT_SEASON_AMPLITUDE[None, :] * np.cos(
            2 * np.pi * (days.month.to_numpy()[:, None] - 7) / 12)
        rate = rate * season[:, None, :]
    for p in programs:
        for d in p.districts:
            on = _running(days, p, d)
            for t, factor in p.engagement_boost.items():
                rate[on, district_pos[d], type_pos[t]] *= factor

    counts = rng.poisson(rate).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    day_i, dist_i, type_i = np.unravel_index(cell, (n_days, n_dist, n_type))
    n = cell.size

    def by_type(ranges: tuple[tuple[float, float], ...]) -> tuple[np.ndarray, np.ndarray]:
        arr = np.array(ranges, dtype=float)
        return arr[type_i, 0], arr[type_i, 1]

    lo, hi = by_type(_ATTENDEES)
    attendees = np.floor(rng.uniform(lo, hi + 1)).astype(np.int64)
    lo, hi = by_type(_OFFICER_HOURS)
    officer_hours = np.round(rng.uniform(lo, hi) * 2) / 2  # to the half hour
    lo, hi = by_type(_COST)
    cost = np.round(rng.uniform(lo, hi))

    # Neighborhood (most events) chosen by residents, with a floor so the park gets events too.
    with_nbhd = rng.random(n) < SHARE_EVENTS_WITH_NEIGHBORHOOD
    nb_i = np.full(n, -1)
    pop = city.neighborhoods["population"].to_numpy(float)
    for d in range(n_dist):
        rows = np.flatnonzero(with_nbhd & (dist_i == d))
        members = np.flatnonzero(city.nbhd_district_idx == d)
        weights = pop[members] + 1_500.0
        nb_i[rows] = members[rng.choice(members.size, size=rows.size, p=weights / weights.sum())]
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    for j, geom in enumerate(city.neighborhoods["geometry"]):
        rows = np.flatnonzero(nb_i == j)
        lon[rows], lat[rows] = _random_points_in(rng, geom, rows.size, decimals=6)
    nb_ids = city.neighborhoods["id"].to_numpy(dtype=object)
    neighborhood_id = np.where(nb_i >= 0, nb_ids[np.maximum(nb_i, 0)], None)

    return pd.DataFrame(
        {
            "id": [f"E{i + 1:06d}" for i in range(n)],
            "date": _python_dates(days[day_i]),
            "district_id": np.array([d[0] for d in _DISTRICTS], dtype=object)[dist_i],
            "neighborhood_id": neighborhood_id,
            "type": np.array(ENGAGEMENT_TYPES, dtype=object)[type_i],
            "attendees": attendees,
            "officer_hours": officer_hours,
            "cost": cost,
            "lon": lon,
            "lat": lat,
        }
    )


def _python_dates(values: pd.DatetimeIndex) -> np.ndarray:
    return np.array(values.date, dtype=object)


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def _training(rng: np.random.Generator, city: _City, days: pd.DatetimeIndex) -> pd.DataFrame:
    n_days, n_dist = len(days), len(_DISTRICTS)
    # Units: the nine districts plus the Academy (last column), courses on weekdays only.
    per_day = np.array([COURSES_PER_DISTRICT_YEAR] * n_dist + [ACADEMY_COURSES_PER_YEAR]) / (365.25 * 5 / 7)
    weekday = np.asarray(days.day_of_week < 5, dtype=float)
    counts = rng.poisson(weekday[:, None] * per_day[None, :]).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    day_i, unit_i = np.unravel_index(cell, (n_days, n_dist + 1))
    n = cell.size
    academy = unit_i == n_dist

    sworn = city.districts["sworn_officers"].to_numpy()
    cap = np.where(academy, 30, np.minimum(30, sworn[np.minimum(unit_i, n_dist - 1)]))
    officers = np.floor(rng.uniform(5, cap + 1)).astype(np.int64)
    course = rng.choice(len(COURSES), size=n, p=_COURSE_WEIGHTS)
    hours = rng.choice(_COURSE_HOURS, size=n, p=_COURSE_HOURS_WEIGHTS)
    district_ids = np.array([d[0] for d in _DISTRICTS] + [None], dtype=object)

    return pd.DataFrame(
        {
            "date": _python_dates(days[day_i]),
            "district_id": district_ids[unit_i],
            "unit": np.where(academy, "Academy", None),
            "course": np.array(COURSES, dtype=object)[course],
            "officers": officers,
            "hours": hours,
        }
    )


# --------------------------------------------------------------------------------------------
# Trust surveys
# --------------------------------------------------------------------------------------------


def _ar1(rng: np.random.Generator, n_steps: int, shape: tuple[int, ...], phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) paths (slow, mean-reverting drift), shape (n_steps, *shape)."""
    out = np.empty((n_steps, *shape))
    out[0] = rng.normal(0.0, sd / math.sqrt(1 - phi**2), shape)
    for t in range(1, n_steps):
        out[t] = phi * out[t - 1] + rng.normal(0.0, sd, shape)
    return out


def _trust_surveys(rng: np.random.Generator, city: _City, start: date, end: date, effect_scale: float,
                   programs: tuple[_Program, ...] = PROGRAMS, hard: _HardNoise | None = None) -> pd.DataFrame:
    months = pd.date_range(pd.Timestamp(start).replace(day=1), pd.Timestamp(end).replace(day=1), freq="MS")
    n_m, n_dist, n_meas = len(months), len(_DISTRICTS), len(MEASURES)

    # District baseline 40-75: lower where crime is higher.
    lvl = city.district_level
    baseline = 75.0 - 32.0 * (lvl - lvl.min()) / (lvl.max() - lvl.min()) + rng.normal(0.0, 2.0, n_dist)
    baseline = np.clip(baseline, 40.0, 75.0)

    # Slow drift: citywide, per district, and per district x measure.
    drift = (
        _ar1(rng, n_m, (1, 1), 0.95, 0.5)
        + _ar1(rng, n_m, (n_dist, 1), 0.9, 0.4)
        + _ar1(rng, n_m, (n_dist, n_meas), 0.8, 0.3)
    )
    if hard is not None:
        drift = drift + hard.trust_drift[:, :, None]
    true_score = baseline[None, :, None] + _MEASURE_OFFSET[None, None, :] + drift
    true_score *= _program_multiplier(months, n_dist, effect_scale, "trust", programs)[:, :, None]

    # One survey per district-month answers all four measures; some months respond poorly.
    mean_resp = rng.uniform(60.0, 150.0, n_dist)
    low = rng.random((n_m, n_dist)) < SHARE_LOW_RESPONSE_MONTHS
    respondents = rng.poisson(np.where(low, 18.0, mean_resp[None, :]))
    respondents = np.maximum(respondents, 5)
    noise = rng.normal(0.0, 1.0, (n_m, n_dist, n_meas)) * (SCORE_SD / np.sqrt(respondents))[:, :, None]
    score = np.round(np.clip(true_score + noise, 0.0, 100.0), 1)
    moe = np.round(1.96 * SCORE_SD / np.sqrt(respondents), 1)

    m_i, d_i, k_i = np.meshgrid(np.arange(n_m), np.arange(n_dist), np.arange(n_meas), indexing="ij")
    m_i, d_i, k_i = m_i.ravel(), d_i.ravel(), k_i.ravel()
    period_end = months + pd.offsets.MonthEnd(0)
    return pd.DataFrame(
        {
            "period_start": _python_dates(months[m_i]),
            "period_end": _python_dates(period_end[m_i]),
            "district_id": np.array([d[0] for d in _DISTRICTS], dtype=object)[d_i],
            "measure": np.array(MEASURES, dtype=object)[k_i],
            "score": score[m_i, d_i, k_i],
            "respondents": respondents[m_i, d_i].astype(np.int64),
            "margin_of_error": moe[m_i, d_i],
        }
    )


# --------------------------------------------------------------------------------------------
# Who lives there and who attends
# --------------------------------------------------------------------------------------------

DEMOGRAPHIC_GROUPS = {
    "race_ethnicity": ("black", "white", "hispanic", "asian", "other"),
    "age": ("18-34", "35-54", "55+"),
}
_CITY_MIX = {"race_ethnicity": np.array([0.38, 0.47, 0.07, 0.04, 0.04]), "age": np.array([0.36, 0.33, 0.31])}
# Share of activities whose organizers recorded a demographic breakdown of attendees.
SHARE_EVENTS_WITH_ATTENDANCE = 0.6
# Who comes to police-community meetings skews older and toward long-settled, often white,
# homeowners (Skogan & Hartnett 1997); youth programs skew young. The demo builds that in, so the
# representativeness view has something true to find.
_ATTENDANCE_TILT = {
    "race_ethnicity": np.array([0.8, 1.35, 0.7, 0.8, 1.0]),
    "age": {"school_youth": np.array([3.0, 0.6, 0.3]), "default": np.array([0.6, 1.0, 1.6])},
}


def _district_demographics(rng: np.random.Generator, city: _City) -> pd.DataFrame:
    rows = []
    for _, d in city.districts.iterrows():
        adults = int(round(d["population"] * 0.78))
        for dimension, groups in DEMOGRAPHIC_GROUPS.items():
            share = rng.dirichlet(_CITY_MIX[dimension] * 40)  # districts differ around the city mix
            counts = rng.multinomial(adults if dimension == "age" else int(d["population"]), share)
            rows += [(d["id"], dimension, g, int(c), POPULATION_YEAR) for g, c in zip(groups, counts)]
    return pd.DataFrame(rows, columns=["district_id", "dimension", "demographic_group", "residents", "year"])


def _attendance(rng: np.random.Generator, events: pd.DataFrame, demographics: pd.DataFrame) -> pd.DataFrame:
    recorded = events[(events["type"] != "foot_patrol") & (events["attendees"] > 0)]
    recorded = recorded[rng.random(len(recorded)) < SHARE_EVENTS_WITH_ATTENDANCE]
    shares = demographics.assign(share=lambda f: f["residents"] / f.groupby(["district_id", "dimension"])[
        "residents"].transform("sum"))
    frames = []
    for dimension, groups in DEMOGRAPHIC_GROUPS.items():
        base = shares[shares["dimension"] == dimension].pivot(index="district_id", columns="demographic_group",
                                                              values="share")[list(groups)]
        p = base.loc[recorded["district_id"]].to_numpy()
        if dimension == "age":
            tilt = np.where((recorded["type"] == "school_youth").to_numpy()[:, None],
                            _ATTENDANCE_TILT["age"]["school_youth"], _ATTENDANCE_TILT["age"]["default"])
        else:
            tilt = _ATTENDANCE_TILT[dimension]
        p = p * tilt
        p = p / p.sum(axis=1, keepdims=True)
        counts = rng.multinomial(recorded["attendees"].to_numpy(), p)
        frame = pd.DataFrame(counts, columns=list(groups))
        frame["event_id"] = recorded["id"].to_numpy()
        long = frame.melt(id_vars="event_id", var_name="demographic_group", value_name="attendees")
        frames.append(long.assign(dimension=dimension))
    out = pd.concat(frames, ignore_index=True)
    out = out[out["attendees"] > 0].sort_values(["event_id", "dimension", "demographic_group"], ignore_index=True)
    return out[["event_id", "dimension", "demographic_group", "attendees"]].astype({"attendees": "int64"})


# --------------------------------------------------------------------------------------------
# Neighborhood organizations and their published meeting schedules
# --------------------------------------------------------------------------------------------

NEIGHBORHOODS_PER_ORGANIZATION = 3  # about one organization per three neighborhoods
CITYWIDE_ORGANIZATION = "Riverbend Neighborhoods Council"  # serves the whole city: no neighborhood
# Name endings and the org_type written for them.
_ORG_KINDS = (
    ("Neighborhood Association", "neighborhood association"),
    ("Improvement Association", "neighborhood association"),
    ("Residents Council", "neighborhood association"),
    ("Block Club", "block club"),
    ("Community Development Corporation", "community development corporation"),
)
# Schedules in the styles neighborhood groups publish them (St. Louis's list has each of these
# forms): most name a weekday of the month, some say there are no regular meetings, and one cannot
# be read into dates (community_policing.ledger.schedules says so rather than guess).
_SCHEDULES_READABLE = (
    "{ord} {wd} every month - {hm}",
    "{ord} {wd}. of odd months at {hm}pm",
    "{ord} {wd}. of the month at {hm}pm",
    "{Ord} {Weekday} of the month at {h}pm",
    "{ord} {wd}. of the month (excluding December) at {hm}pm",
    "Last {wd}. of February, May, August, and November at {h}pm",
    "{ord} Sat. of the month at 10am",
    "{ord} {wd}. of even months from {hm}-{hm_end}pm",
    "{ord} {wd}. of every other month (Feb-Dec) at {hm}pm",
    "Board meets the {ord} {Weekday} of March, June, September and December at {hm} p.m.",
)
_SCHEDULES_NO_MEETINGS = ("No Regular Public Meetings", "Dates and times vary")
_SCHEDULES_UNREADABLE = ("Meets quarterly; dates are announced in the newsletter",)
_STREETS = ("Cottonwood Ave", "Ferry St", "Old Mill Rd", "Juniper St", "Levee Rd", "Bluff Rd", "Quarry Ln",
            "Prairie Ave", "Sycamore St", "Orchard Way")
_VENUES = ("{nb} Branch Library", "{nb} Community Center", "Grace Fellowship Hall", "Riverbend Senior Center",
           "Union Hall Annex")


def _neighborhood_organizations(rng: np.random.Generator, city: _City) -> pd.DataFrame:
    """About one organization per three neighborhoods plus a citywide council, with schedules in
    the published styles: readable ones, "no regular meetings" and one that cannot be read."""
    nb = city.neighborhoods
    residential = np.flatnonzero((nb["name"] != PARK_NAME).to_numpy())
    n_local = len(nb) // NEIGHBORHOODS_PER_ORGANIZATION - 1
    chosen = np.sort(rng.choice(residential, size=n_local, replace=False))
    # Every kind of schedule is there whatever the seed; only their order is drawn.
    schedules = list(_SCHEDULES_NO_MEETINGS) + list(_SCHEDULES_UNREADABLE)
    schedules += [_SCHEDULES_READABLE[i % len(_SCHEDULES_READABLE)] for i in range(n_local + 1 - len(schedules))]
    schedules = [schedules[i] for i in rng.permutation(len(schedules))]
    ordinals = (("1st", "First"), ("2nd", "Second"), ("3rd", "Third"), ("4th", "Fourth"))
    weekdays = (("Mon", "Monday"), ("Tues", "Tuesday"), ("Wed", "Wednesday"), ("Thurs", "Thursday"))
    rows = []
    for i, template in enumerate(schedules):
        local = i < n_local
        nb_name = nb["name"].iloc[chosen[i]] if local else "Riverbend"
        ordinal, weekday = ordinals[rng.integers(4)], weekdays[rng.integers(4)]
        hour, minute = int(rng.choice([6, 7])), int(rng.choice([0, 15, 30]))
        text = template.format(ord=ordinal[0], Ord=ordinal[1], wd=weekday[0], Weekday=weekday[1], h=hour,
                               hm=f"{hour}:{minute:02d}", hm_end=f"{hour + 1}:{minute:02d}")
        kind, org_type = _ORG_KINDS[rng.integers(len(_ORG_KINDS))]
        street = f"{rng.integers(100, 4000)} {_STREETS[rng.integers(len(_STREETS))]}"
        venue = _VENUES[rng.integers(len(_VENUES))].format(nb=nb_name)
        place = rng.choice([street, f"{venue}, {street}", "location varies"], p=[0.45, 0.45, 0.10])
        rows.append({
            "org_id": f"ORG{i + 1:02d}",
            "name": f"{nb_name} {kind}" if local else CITYWIDE_ORGANIZATION,
            "neighborhood_id": nb["id"].iloc[chosen[i]] if local else None,
            "org_type": org_type if local else "neighborhood council",
            "active": str(rng.choice(["yes", "unknown", "no"], p=[0.8, 0.15, 0.05])),
            "meeting_schedule": text,
            "meeting_place": str(place),
        })
    return pd.DataFrame(rows, columns=["org_id", "name", "neighborhood_id", "org_type", "active",
                                       "meeting_schedule", "meeting_place"])


# --------------------------------------------------------------------------------------------
# Measuring how noisy the city is
# --------------------------------------------------------------------------------------------


def count_dispersion(counts: pd.DataFrame, area: str = "area", period: str = "period", count: str = "count"
                     ) -> float:
    """Quasi-Poisson dispersion of area x period counts: how many times the Poisson variance they vary.

    Fits log E[count] = area + period + area x linear time (a Poisson GLM: each area's own level and
    trend, and what every area shares in a period such as the season) and returns Pearson chi2 over
    its residual degrees of freedom. 1 is Poisson; St. Louis's police districts give about 3.7 for
    months and 15 for years (2014-2019). Rows with the same area and period are summed first.
    """
    import statsmodels.api as sm  # only needed here; keeps importing the generator light

    cells = counts.groupby([area, period], as_index=False, observed=True)[count].sum()
    areas = pd.get_dummies(cells[area], dtype=float)
    periods = pd.get_dummies(cells[period], dtype=float, drop_first=True)
    t = pd.factorize(cells[period], sort=True)[0].astype(float)
    t = (t - t.mean()) / max(t.std(), 1.0)
    # One area's trend is left out: with period effects, the areas' trends only differ from each other.
    trends = areas.iloc[:, 1:].mul(t, axis=0)
    design = np.column_stack([areas.to_numpy(), periods.to_numpy(), trends.to_numpy()])
    fit = sm.GLM(cells[count].to_numpy(float), design, family=sm.families.Poisson()).fit()
    return float(fit.pearson_chi2 / fit.df_resid)
