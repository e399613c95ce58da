"""The SLMPD monthly-file reader, on the real published files and on small hand-made files."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from community_policing.data.importers import slmpd
from community_policing.data.importers.slmpd import (
    OFFENSE_GROUPS,
    PART_II_CLASSES,
    SlmpdFile,
    SourceFileError,
    decode_text,
    offense_group_for,
    read_slmpd_file,
    state_plane_to_lonlat,
)
from tests.conftest import shared_data_or_skip as shared_data

OFFICIAL_YEARLY_TOTALS = {
    2008: 64_174, 2009: 61_725, 2010: 56_658, 2011: 54_295, 2012: 52_598, 2013: 51_098,
    2014: 47_115, 2015: 50_421, 2016: 49_637, 2017: 48_212, 2018: 45_947, 2019: 48_202,
}
TOTAL_ROWS = 644_056
STL_LON, STL_LAT = (-90.45, -90.10), (38.45, 38.80)


def monthly(month: str) -> Path:
    return shared_data("stl_crime_slmpd_monthly", f"slmpd_{month}.csv.gz")


# --------------------------------------------------------------------------------------------
# Real files, one at a time
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("month, variant", [("2010-03", 1), ("2013-06", 2), ("2016-03", 2), ("2017-05", 3)])
def test_header_variant_detected(month, variant):
    f = read_slmpd_file(monthly(month))
    assert isinstance(f, SlmpdFile)
    assert f.header_variant == variant
    assert f.rows_read == len(f.rows) > 2_000
    assert list(f.rows["line"].iloc[:3]) == [2, 3, 4]
    assert (f.rows["coded_month"] == month).all()
    assert (f.rows["reported_at"] == pd.Timestamp(f"{month}-01")).all()
    if variant == 1:
        assert f.rows["complaint"].isna().all()
    else:
        assert f.rows["complaint"].str.fullmatch(r"\d{2}-\d{6}").all()
    # padding stripped everywhere
    for col in ("crime_code", "offense_description", "complaint"):
        values = f.rows[col].dropna()
        assert (values == values.str.strip()).all()
    assert f.rows["crime_code"].str.fullmatch(r"\d{5,6}").all()
    assert f.rows["count"].isin([1, -1]).all()


def test_row_columns_and_types():
    f = read_slmpd_file(monthly("2016-03"))
    assert list(f.rows.columns) == [
        "line", "complaint", "coded_month", "occurred_at", "reported_at", "crime_code",
        "offense_description", "offense_group", "is_crime", "count", "district_code",
        "neighborhood_code", "x_ft", "y_ft", "lon", "lat", "coord_note",
    ]
    assert list(f.problems.columns) == ["line", "column", "value", "reason", "raw"]
    rows = f.rows
    assert rows["is_crime"].dtype == bool
    assert pd.api.types.is_datetime64_any_dtype(rows["occurred_at"])
    assert pd.api.types.is_datetime64_any_dtype(rows["reported_at"])
    assert rows["district_code"].between(0, 6).all()
    assert rows["neighborhood_code"].between(0, 88).all()
    assert set(rows["offense_group"]) <= set(OFFENSE_GROUPS["offense_group"])
    # first data row of the file, as published: "16-010691,2016-03,01/01/2016 10:00,Y, , ,1, , 65701,5,..."
    first = rows.iloc[0]
    assert first["line"] == 2
    assert first["complaint"] == "16-010691"
    assert first["occurred_at"] == pd.Timestamp("2016-01-01 10:00")
    assert first["crime_code"] == "65701"
    assert first["offense_description"] == "LARCENY-MTR VEH PARTS UNDER $500"
    assert first["offense_group"] == "larceny"
    assert first["is_crime"] and first["count"] == 1
    assert (first["district_code"], first["neighborhood_code"]) == (5, 50)
    assert (first["x_ft"], first["y_ft"]) == (882172.0, 1035509.0)
    # not geocoded rows have NaN coordinates and a note
    missing = rows[rows["coord_note"] == "not geocoded"]
    assert len(missing) > 0
    assert missing[["x_ft", "y_ft", "lon", "lat"]].isna().all().all()


@pytest.mark.parametrize("month", ["2017-01", "2018-05"])
def test_bom_files(month):
    path = monthly(month)
    assert gzip.open(path).read(3) == b"\xef\xbb\xbf"
    f = read_slmpd_file(path)
    assert f.header_variant == 2
    assert f.rows["complaint"].iloc[0].startswith(month[2:4] + "-")
    assert f.rows["line"].iloc[0] == 2


def test_latin1_rows_decoded():
    path = monthly("2014-08")
    raw = gzip.open(path).read()
    lines = raw.split(b"\n")
    # As published: one row with a Latin-1 "É" (0xC9), one with a Windows-1252 right quote (0x92).
    cafe = next(i for i, line in enumerate(lines, start=1) if b"CAF\xc9" in line)
    quote = next(i for i, line in enumerate(lines, start=1) if b"AMERICA\x92S" in line)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")

    text, recoded = decode_text(raw)
    decoded = text.split("\n")
    assert "DOUBLE APPLE CAFÉ AND HOOKAH LOUNGE" in decoded[cafe - 1]
    assert "AMERICA\u2019S CENTER" in decoded[quote - 1]
    assert recoded == (cafe, quote)

    f = read_slmpd_file(path)
    assert f.recoded_lines == (cafe, quote)
    row = f.rows.set_index("line").loc[cafe]
    assert row["complaint"] == "14-038753"
    assert row["offense_description"] == "LARCENY-FROM BUILDING UNDER $500"
    assert row["lon"] == pytest.approx(-90.22, abs=0.02)
    assert f.rows_read == raw.count(b"\n") - 1


def test_accented_letter_decoded_in_second_file():
    raw = gzip.open(monthly("2015-10")).read()
    assert b"LUMI\xc8RE" in raw
    text, recoded = decode_text(raw)
    assert "LUMIÈRE" in text and len(recoded) == 1


# --------------------------------------------------------------------------------------------
# All 144 files
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def all_files() -> dict:
    folder = shared_data("stl_crime_slmpd_monthly")
    paths = sorted(folder.glob("slmpd_*.csv.gz"))
    start = time.perf_counter()
    files = [read_slmpd_file(p) for p in paths]
    seconds = time.perf_counter() - start
    rows = pd.concat([f.rows for f in files], ignore_index=True)
    problems = pd.concat(
        [f.problems.assign(file=f.path.name) for f in files], ignore_index=True
    )
    return {"paths": paths, "files": files, "rows": rows, "problems": problems, "seconds": seconds}


def test_all_files_read(all_files):
    files = all_files["files"]
    assert len(files) == 144
    assert sum(f.rows_read for f in files) == TOTAL_ROWS
    assert len(all_files["rows"]) == TOTAL_ROWS
    assert all_files["seconds"] < 60
    variants = {f.path.name[6:13]: f.header_variant for f in files}
    assert variants["2013-05"] == 1 and variants["2013-06"] == 2 and variants["2013-07"] == 1
    assert variants["2013-08"] == 1 and variants["2013-09"] == 2 and variants["2017-05"] == 3
    assert sum(v == 1 for v in variants.values()) == 67
    assert sum(v == 3 for v in variants.values()) == 1
    for f in files:  # the coded month of every row is the month in the file name
        assert (f.rows["coded_month"] == f.path.name[6:13]).all(), f.path.name


def test_official_yearly_totals(all_files):
    rows = all_files["rows"]
    crimes = rows[rows["is_crime"]]
    totals = crimes.groupby(crimes["coded_month"].str[:4].astype(int))["count"].sum()
    assert {int(k): int(v) for k, v in totals.items()} == OFFICIAL_YEARLY_TOTALS


def test_every_row_is_grouped_and_counted(all_files):
    rows = all_files["rows"]
    assert rows["offense_group"].notna().all()
    assert rows["count"].notna().all()
    assert rows["occurred_at"].isna().sum() == len(all_files["problems"])  # only the problem rows
    # district numbers: old 9-district map before 2014, 6 districts from 2014-01
    year = rows["coded_month"].str[:4].astype(int)
    assert rows.loc[year < 2014, "district_code"].max() == 9
    assert rows.loc[year >= 2014, "district_code"].max() == 6


def test_problems_over_all_files(all_files):
    problems = all_files["problems"]
    by_reason = problems["reason"].value_counts().to_dict()
    assert by_reason == {"placeholder occurrence date": 15, "occurred after it was reported": 2}
    after = problems[problems["reason"] == "occurred after it was reported"]
    assert set(zip(after["file"], after["line"], after["value"])) == {
        ("slmpd_2008-09.csv.gz", 6597, "10/02/2008 22:00"),
        ("slmpd_2016-01.csv.gz", 3514, "02/02/2016 13:00"),
    }
    assert set(problems.loc[problems["reason"] == "placeholder occurrence date", "value"]) == {
        "01/01/1900 00:00", "1/1/1900 0:00"
    }


def test_geocoded_rows_land_in_st_louis(all_files):
    rows = all_files["rows"]
    geocoded = rows["x_ft"].notna()
    assert geocoded.mean() > 0.95
    inside = rows["lon"].between(*STL_LON) & rows["lat"].between(*STL_LAT)
    assert inside[geocoded].mean() >= 0.90
    assert (rows["lon"].notna() == inside).all()
    notes = rows["coord_note"].value_counts().to_dict()
    assert notes["not geocoded"] == (~geocoded).sum()
    assert 0 < notes["outside St. Louis"] < 100


# --------------------------------------------------------------------------------------------
# Coordinates
# --------------------------------------------------------------------------------------------

def test_state_plane_definition_point():
    # ESRI:102696 is transverse Mercator with central meridian 90.5 W, latitude of origin
    # 35.8333 N, false easting 250,000 m = 820,208.33 US ft, false northing 0.
    lon, lat = state_plane_to_lonlat([250_000 / 0.3048006096012192], [0.0])
    assert lon[0] == pytest.approx(-90.5, abs=1e-7)
    assert lat[0] == pytest.approx(35 + 50 / 60, abs=1e-7)


def test_downtown_point():
    # Near the Gateway Arch / downtown St. Louis.
    lon, lat = state_plane_to_lonlat(np.array([906_000.0]), np.array([1_020_000.0]))
    assert lon[0] == pytest.approx(-90.19, abs=0.02)
    assert lat[0] == pytest.approx(38.62, abs=0.02)


def test_points_fall_in_their_recorded_neighborhood():
    """Independent check of the projection: the city's own neighborhood polygons."""
    geopandas = pytest.importorskip("geopandas")
    hoods = geopandas.read_file(shared_data("stl_boundaries", "stl_neighborhoods.geojson"))
    rows = read_slmpd_file(monthly("2016-03")).rows
    rows = rows[rows["lon"].notna() & (rows["neighborhood_code"] > 0)]
    points = geopandas.GeoDataFrame(
        rows[["neighborhood_code"]], geometry=geopandas.points_from_xy(rows["lon"], rows["lat"]), crs=4326
    )
    joined = geopandas.sjoin(points, hoods[["NHD_NUM", "geometry"]].to_crs(4326), how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    assert (joined["NHD_NUM"].astype(float) == joined["neighborhood_code"]).mean() > 0.9


# --------------------------------------------------------------------------------------------
# Hand-made files
# --------------------------------------------------------------------------------------------

V2_HEADER = (
    "Complaint,CodedMonth,DateOccur,FlagCrime,FlagUnfounded,FlagAdministrative,Count,FlagCleanup,"
    "Crime,District,Description,ILEADSAddress,ILEADSStreet,Neighborhood,LocationName,"
    "LocationComment,CADAddress,CADStreet,XCoord,YCoord"
)
V1_HEADER = (
    "MonthReportedtoMSHP,DateOccured,NewCrimeIndicator,UnfoundedCrimeIndicator,"
    "AdministrativeAdjustmentIndicator,Count,Crime,District,Description,ILEADSAddress,ILEADSStreet,"
    "Neighborhood,LocationName,LocationComment,CADAddress,CADStreet,XCoord,YCoord"
)


def v2_row(complaint="15-000001", occur="03/01/2015 10:00", count="1", crime=" 31111", desc="ROBBERY",
           flag="Y", x="906000", y="1020000", district="4", hood="35") -> str:
    return (f"{complaint} ,2015-03,{occur},{flag}, , ,{count}, ,{crime},{district},{desc}  ,100,MARKET ST,"
            f"{hood}, , ,100,MARKET,{x},{y}")


def write(tmp_path: Path, name: str, lines: list[str], bom: bool = False, gz: bool = False) -> Path:
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_unknown_header(tmp_path):
    path = write(tmp_path, "weird_2015-03.csv", ["A,B,C", "1,2,3"])
    with pytest.raises(SourceFileError) as err:
        read_slmpd_file(path)
    message = str(err.value)
    assert "\n" not in message
    assert "weird_2015-03.csv" in message
    assert "unrecognised header" in message
    assert "Complaint" in message and "(got: A, B, C)" in message


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(SourceFileError, match="nothere.csv.gz: file not found"):
        read_slmpd_file(tmp_path / "nothere.csv.gz")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SourceFileError, match="empty.csv: file is empty"):
        read_slmpd_file(tmp_path / "empty.csv")
    (tmp_path / "bomonly.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(SourceFileError, match="file is empty"):
        read_slmpd_file(tmp_path / "bomonly.csv")
    (tmp_path / "broken.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(SourceFileError, match="broken.csv.gz: not gzip data"):
        read_slmpd_file(tmp_path / "broken.csv.gz")


def test_bad_date_and_count_reported_with_line(tmp_path):
    path = write(tmp_path, "slmpd_2015-03.csv", [
        V2_HEADER,
        v2_row(),
        v2_row(complaint="15-000002", occur="31/31/2015 10:00", count="5"),
        v2_row(complaint="15-000003", occur="01/01/1900 00:00", crime="ABC"),
        v2_row(complaint="15-000004", occur="05/20/2015 09:00"),
    ])
    f = read_slmpd_file(path)
    assert f.rows_read == 4 and list(f.rows["line"]) == [2, 3, 4, 5]
    p = f.problems
    assert list(p[["line", "column", "value", "reason"]].itertuples(index=False, name=None)) == [
        (3, "DateOccur", "31/31/2015 10:00", "expected a date as MM/DD/YYYY HH:MM"),
        (3, "Count", "5", "expected a count of 1 or -1"),
        (4, "DateOccur", "01/01/1900 00:00", "placeholder occurrence date"),
        (4, "Crime", "ABC", "expected a numeric crime code"),
        (5, "DateOccur", "05/20/2015 09:00", "occurred after it was reported"),
    ]
    rows = f.rows.set_index("line")
    assert rows.loc[2, "occurred_at"] == pd.Timestamp("2015-03-01 10:00")
    assert pd.isna(rows.loc[3, "occurred_at"]) and pd.isna(rows.loc[3, "count"])
    assert pd.isna(rows.loc[4, "occurred_at"]) and rows.loc[4, "offense_group"] is None
    assert pd.isna(rows.loc[5, "occurred_at"])
    assert rows.loc[3, "complaint"] == "15-000002"  # the row stays


def test_district_and_neighborhood_out_of_range(tmp_path):
    path = write(tmp_path, "slmpd_2015-03.csv", [
        V2_HEADER,
        v2_row(district="7"),  # the old 9-district map ended in 2013
        v2_row(hood="95"),
        v2_row(district="", hood=""),
    ])
    f = read_slmpd_file(path)
    assert list(f.problems[["line", "column", "value"]].itertuples(index=False, name=None)) == [
        (2, "District", "7"), (3, "Neighborhood", "95"),
    ]
    assert list(f.rows["district_code"]) == [0, 4, 0]
    assert list(f.rows["neighborhood_code"]) == [35, 0, 0]


def test_crlf_padding_bom_gzip(tmp_path):
    path = write(tmp_path, "slmpd_2015-03.csv.gz", [
        V2_HEADER,
        v2_row(),
        v2_row(complaint="15-000002", desc='"LARCENY-FROM MTR VEH $500 - $24,999"', crime="64601",
               x="0", y="0", flag=" ", count="-1", district="0", hood="0"),
        v2_row(complaint="15-000003", x="10", y="10"),
    ], bom=True, gz=True)
    f = read_slmpd_file(path)
    assert f.header_variant == 2
    assert f.problems.empty
    r = f.rows
    assert list(r["complaint"]) == ["15-000001", "15-000002", "15-000003"]
    assert list(r["crime_code"]) == ["31111", "64601", "31111"]
    assert r["offense_description"].iloc[1] == "LARCENY-FROM MTR VEH $500 - $24,999"
    assert list(r["is_crime"]) == [True, False, True]
    assert list(r["count"]) == [1, -1, 1]
    assert list(r["district_code"]) == [4, 0, 4]
    assert list(r["neighborhood_code"]) == [35, 0, 35]
    assert list(r["coord_note"]) == [None, "not geocoded", "outside St. Louis"]
    assert r["lon"].iloc[0] == pytest.approx(-90.20, abs=0.02)
    assert np.isnan(r["lon"].iloc[1]) and np.isnan(r["x_ft"].iloc[1])
    assert np.isnan(r["lon"].iloc[2]) and r["x_ft"].iloc[2] == 10.0
    assert not r["offense_description"].str.contains("\r").any()


def test_quoted_line_break_and_wrong_field_count(tmp_path):
    path = write(tmp_path, "slmpd_2015-03.csv", [
        V2_HEADER,
        v2_row(desc='"TWO\r\nLINES"'),
        "",
        v2_row(complaint="15-000002"),
        v2_row(complaint="15-000003") + ",EXTRA",
        "15-000004,2015-03,03/02/2015 10:00,Y, , ,1, , 65701,4,SHORT",
    ])
    # SLMPD never quotes across lines: a quote left open is that line's problem, not the file's.
    f = read_slmpd_file(path)
    assert f.rows_read == 5 and list(f.rows["line"]) == [2, 3, 5, 6, 7]
    first = f.problems.drop_duplicates("line").set_index("line")["reason"]
    assert dict(first) == {2: slmpd.UNCLOSED_QUOTE, 3: "wrong number of fields", 6: "wrong number of fields",
                           7: "wrong number of fields"}
    assert f.problems.set_index("line").loc[2, "raw"].endswith('"TWO')
    assert f.rows["crime_code"].iloc[4] == "65701"


def test_variant_1_hand_made(tmp_path):
    row = "2010-03,03/05/2010 12:00,{n},{u},{a},{c}, 51312,3,BURGLARY,100,MAIN ST,21, , ,100,MAIN,0,0"
    path = write(tmp_path, "slmpd_2010-03.csv", [
        V1_HEADER,
        row.format(n="Y", u=" ", a=" ", c="1"),
        row.format(n=" ", u="Y", a=" ", c="-1"),
        row.format(n=" ", u=" ", a="Y", c="-1"),
    ])
    f = read_slmpd_file(path)
    assert f.header_variant == 1
    assert f.rows["complaint"].isna().all()
    assert list(f.rows["is_crime"]) == [True, False, False]
    assert list(f.rows["offense_group"]) == ["burglary"] * 3


def test_variant_3_spelling(tmp_path):
    header = (
        "Complaint,Coded Month,Date Occur,Flag-Crime,Flag-Unfounded,Flag-Administrative,Count,"
        "Flag Cleanup,Crime,ILeads Add,ILeads Approve,District,Beat,Description,ILEADS-Address,"
        "ILEADS-Street,Neighborhood,ILeads Asg,ILeads Type,Location Name,Location Comment,"
        "CAD-Address,CAD-Street,X-Coord,Y-Coord,Date Crime Coded"
    )
    row = ("17-022207,2017-05,5/10/2017 13:30,Y, , ,1, ,265321,5/14/2017 16:16,5/14/2017,5,529,"
           "LEAVING SCENE OF ACCIDENT        ,1700,HAMILTON AVE     ,50,305,, , ,,,882454.8,1034517,5/15/2017")
    f = read_slmpd_file(write(tmp_path, "slmpd_2017-05.csv", [header, row]))
    assert f.header_variant == 3
    r = f.rows.iloc[0]
    assert (r["district_code"], r["neighborhood_code"]) == (5, 50)
    assert r["offense_description"] == "LEAVING SCENE OF ACCIDENT"
    assert r["occurred_at"] == pd.Timestamp("2017-05-10 13:30")
    assert r["offense_group"] == "other"


# --------------------------------------------------------------------------------------------
# Offense groups
# --------------------------------------------------------------------------------------------

def test_offense_groups_table():
    assert list(OFFENSE_GROUPS.columns) == ["offense_group", "label", "category", "ucr_part"]
    assert list(OFFENSE_GROUPS["offense_group"]) == [
        "homicide", "rape", "robbery", "aggravated_assault", "burglary", "larceny", "vehicle_theft",
        "arson", "simple_assault", "vandalism", "drugs", "weapons", "other",
    ]
    by_cat = OFFENSE_GROUPS.groupby("category")["offense_group"].apply(set).to_dict()
    assert by_cat["violent"] == {"homicide", "rape", "robbery", "aggravated_assault"}
    assert by_cat["property"] == {"burglary", "larceny", "vehicle_theft", "arson"}
    assert set(OFFENSE_GROUPS.loc[OFFENSE_GROUPS["category"] == "other", "ucr_part"]) == {2}
    assert set(OFFENSE_GROUPS.loc[OFFENSE_GROUPS["category"] != "other", "ucr_part"]) == {1}
    assert {g for g, _ in PART_II_CLASSES.values()} <= set(OFFENSE_GROUPS["offense_group"])


def test_offense_group_for():
    codes = {
        "10000": "homicide", "21000": "rape", "31111": "robbery", " 31111 ": "robbery",
        "41011": "aggravated_assault", "44026": "aggravated_assault", "51312": "burglary",
        "65701": "larceny", "71013": "vehicle_theft", "73440": "vehicle_theft", "81000": "arson",
        "91113": "simple_assault", "91114": "simple_assault", "92000": "simple_assault",
        "142320": "vandalism", "141100": "vandalism", "151130": "weapons", "152200": "weapons",
        "261320": "weapons", "182400": "drugs", "183130": "drugs", "265321": "other",
        "115400": "other", "211000": "other", "241100": "other", "261310": "other",
        "ABC": None, "": None, "999": None,
    }
    got = offense_group_for(pd.Series(list(codes)))
    assert list(got) == list(codes.values())
    assert list(offense_group_for(pd.Series([10000, 182400]))) == ["homicide", "drugs"]
