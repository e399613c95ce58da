"""Offense codes to the warehouse's offense groups: built-in code tables and a manifest matcher.

Police departments publish an offense code with every incident. Two code systems cover most
Missouri agencies, so they are built in and a city manifest can name them instead of typing a
table by hand:

* ``codes = "nibrs"``: the FBI's NIBRS offense codes (Group A ``09A`` ... ``720``, Group B
  ``90A`` ... ``90Z``), the codes Missouri's state program (MIBRS) and most departments report
  today. ``NIBRS_CODES`` lists every code with its FBI name and the group it falls in; the codes
  and names are those of the FBI's offense-type table.
* ``codes = "ucr"``: the older UCR Part I/II class numbers 1-26, given either as the class number
  itself (``"4"``, ``"04"``) or as a longer department code that starts with it, as St. Louis
  (SLMPD) codes do: the class is ``code // 10000`` (``41011`` aggravated assault, ``142320``
  vandalism). ``PART_I_CLASSES``, ``PART_II_CLASSES`` and ``PART_II_CODE_OVERRIDES`` hold the
  table; SLMPD's reader uses the same one.

Which groups the codes go to follows the FBI's own conversion from NIBRS to the UCR Summary
classes where the warehouse has a group for that class; everything else is ``other``. The less
obvious choices are commented at the entry.

A manifest's ``[incidents.offense_groups]`` table (``OffenseCodeMap.from_spec``) maps a source
column with, in this order of precedence:

1. an exact value (``"ROBBERY" = "robbery"``),
2. the longest matching prefix (``"23*" = "larceny"``),
3. the narrowest matching inclusive range (``"23A..23H" = "larceny"``,
   ``"100000..199999" = "homicide"``),
4. the built-in table named by ``codes``,
5. ``default``.

The more specific a rule, the earlier it wins: what a person wrote about one value must beat
what they wrote about a family of values, and anything written in the manifest must beat the
built-in table, so the manifest can correct a table for a department that uses a code its own
way. Values are compared with surrounding spaces removed and without regard to case.

``SERIOUSNESS`` and ``most_serious`` pick one group for an incident that has several offense
rows (NIBRS reports up to ten offenses per incident).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from community_policing.data.offenses import OFFENSE_GROUPS

__all__ = [
    "BUILTIN",
    "NIBRS_CODES",
    "PART_I_CLASSES",
    "PART_II_CLASSES",
    "PART_II_CODE_OVERRIDES",
    "SERIOUSNESS",
    "UCR_CLASS_NAMES",
    "OffenseCodeError",
    "OffenseCodeMap",
    "builtin_table",
    "most_serious",
    "ucr_department_code_groups",
]

GROUP_NAMES: tuple[str, ...] = tuple(g[0] for g in OFFENSE_GROUPS)
BUILTIN = ("nibrs", "ucr")


class OffenseCodeError(ValueError):
    """A manifest's offense-code mapping is wrong; the message names the key or value."""


# --------------------------------------------------------------------------------------------
# NIBRS offense codes
# --------------------------------------------------------------------------------------------

# code, FBI name, offense group. Every code of the FBI's NIBRS offense-type table, Group A then
# Group B, including the federal-only codes and the retired 90I (old files still carry it).
NIBRS_CODES: tuple[tuple[str, str, str], ...] = (
    ("09A", "Murder and Nonnegligent Manslaughter", "homicide"),
    # UCR Summary class 1 (criminal homicide) has two parts, 1a murder and 1b manslaughter by
    # negligence; the warehouse has one homicide group, as SLMPD's class 1 does.
    ("09B", "Negligent Manslaughter", "homicide"),
    # A justifiable homicide (a felon killed by a police officer or a private citizen) is not a
    # crime: the FBI does not count it as an offense. There is no "not a crime" group, so it goes
    # to "other", which keeps it out of the violent crime count while the row stays accounted for.
    ("09C", "Justifiable Homicide", "other"),
    ("100", "Kidnapping/Abduction", "other"),  # no UCR class of its own: "all other offenses"
    ("101", "Treason", "other"),
    ("103", "Espionage", "other"),
    # Since 2013 the FBI's UCR "rape" is any penetration without consent, so sodomy and sexual
    # assault with an object count as rape (the FBI's NIBRS-to-Summary conversion does the same).
    ("11A", "Rape", "rape"),
    ("11B", "Sodomy", "rape"),
    ("11C", "Sexual Assault With An Object", "rape"),
    # Fondling is not penetration: UCR Part II class 17, sex offenses, which is "other" here.
    ("11D", "Fondling", "other"),
    ("120", "Robbery", "robbery"),
    ("13A", "Aggravated Assault", "aggravated_assault"),
    ("13B", "Simple Assault", "simple_assault"),
    ("13C", "Intimidation", "simple_assault"),  # UCR Part II class 9, other assaults
    ("200", "Arson", "arson"),
    ("210", "Extortion/Blackmail", "other"),
    ("220", "Burglary/Breaking & Entering", "burglary"),
    ("23A", "Pocket-picking", "larceny"),
    ("23B", "Purse-snatching", "larceny"),
    ("23C", "Shoplifting", "larceny"),
    ("23D", "Theft From Building", "larceny"),
    ("23E", "Theft From Coin-Operated Machine or Device", "larceny"),
    ("23F", "Theft From Motor Vehicle", "larceny"),
    ("23G", "Theft of Motor Vehicle Parts or Accessories", "larceny"),
    ("23H", "All Other Larceny", "larceny"),
    ("23*", "Not Specified", "larceny"),  # a larceny whose kind was not reported
    ("240", "Motor Vehicle Theft", "vehicle_theft"),
    ("250", "Counterfeiting/Forgery", "other"),
    ("26A", "False Pretenses/Swindle/Confidence Game", "other"),
    ("26B", "Credit Card/Automated Teller Machine Fraud", "other"),
    ("26C", "Impersonation", "other"),
    ("26D", "Welfare Fraud", "other"),
    ("26E", "Wire Fraud", "other"),
    ("26F", "Identity Theft", "other"),
    ("26G", "Hacking/Computer Invasion", "other"),
    ("26H", "Money Laundering", "other"),
    ("270", "Embezzlement", "other"),
    ("280", "Stolen Property Offenses", "other"),
    ("290", "Destruction/Damage/Vandalism of Property", "vandalism"),
    ("30A", "Illegal Entry into the United States", "other"),
    ("30B", "False Citizenship", "other"),
    ("30C", "Smuggling Aliens", "other"),
    ("30D", "Re-entry after Deportation", "other"),
    ("35A", "Drug/Narcotic Violations", "drugs"),
    ("35B", "Drug Equipment Violations", "drugs"),
    ("360", "Failure to Register as a Sex Offender", "other"),
    ("36A", "Incest", "other"),
    ("36B", "Statutory Rape", "other"),  # non-forcible: UCR Part II class 17, not rape
    ("370", "Pornography/Obscene Material", "other"),
    ("39A", "Betting/Wagering", "other"),
    ("39B", "Operating/Promoting/Assisting Gambling", "other"),
    ("39C", "Gambling Equipment Violation", "other"),
    ("39D", "Sports Tampering", "other"),
    ("40A", "Prostitution", "other"),
    ("40B", "Assisting or Promoting Prostitution", "other"),
    ("40C", "Purchasing Prostitution", "other"),
    ("49A", "Harboring Escapee/Concealing from Arrest", "other"),
    ("49B", "Flight to Avoid Prosecution", "other"),
    ("49C", "Flight to Avoid Deportation", "other"),
    ("510", "Bribery", "other"),
    ("520", "Weapon Law Violations", "weapons"),
    # The federal firearm, destructive-device and explosives codes are weapon law violations in
    # the UCR sense (explosives are weapons there, as in SLMPD's overrides below).
    ("521", "Violation of National Firearm Act of 1934", "weapons"),
    ("522", "Weapons of Mass Destruction", "weapons"),
    ("526", "Explosives Violation", "weapons"),
    ("58A", "Import Violations", "other"),
    ("58B", "Export Violations", "other"),
    ("61A", "Federal Liquor Offenses", "other"),
    ("61B", "Federal Tobacco Offenses", "other"),
    ("620", "Wildlife Trafficking", "other"),
    ("64A", "Human Trafficking, Commercial Sex Acts", "other"),
    ("64B", "Human Trafficking, Involuntary Servitude", "other"),
    ("720", "Animal Cruelty", "other"),
    # Group B: offenses reported only with an arrest; none has a group of its own here.
    ("90A", "Bad Checks", "other"),
    ("90B", "Curfew/Loitering/Vagrancy Violations", "other"),
    ("90C", "Disorderly Conduct", "other"),
    ("90D", "Driving Under the Influence", "other"),
    ("90E", "Drunkenness", "other"),
    ("90F", "Family Offenses, Nonviolent", "other"),
    ("90G", "Liquor Law Violations", "other"),
    ("90H", "Peeping Tom", "other"),
    ("90I", "Runaway", "other"),  # not a crime; the FBI stopped collecting it in 2011
    ("90J", "Trespass of Real Property", "other"),
    ("90K", "Failure to Appear", "other"),
    ("90L", "Federal Resource Violations", "other"),
    ("90M", "Perjury", "other"),
    ("90Z", "All Other Offenses", "other"),
)

_NIBRS_LOOKUP: dict[str, str] = {code.upper(): group for code, _, group in NIBRS_CODES}


# --------------------------------------------------------------------------------------------
# UCR classes (St. Louis and other departments that number their codes by UCR class)
# --------------------------------------------------------------------------------------------

# The UCR class numbers as SLMPD uses them: arson is class 8 and other assaults class 9. (The
# FBI's arrest tables number other assaults 08 and arson 09; a city using that numbering needs
# map entries for "8" and "9".)
UCR_CLASS_NAMES: dict[int, str] = {
    1: "Criminal homicide", 2: "Rape", 3: "Robbery", 4: "Aggravated assault", 5: "Burglary",
    6: "Larceny-theft", 7: "Motor vehicle theft", 8: "Arson", 9: "Other assaults",
    10: "Forgery and counterfeiting", 11: "Fraud", 12: "Embezzlement",
    13: "Stolen property: buying, receiving, possessing", 14: "Vandalism",
    15: "Weapons: carrying, possessing, etc.", 16: "Prostitution and commercialized vice",
    17: "Sex offenses (except rape and prostitution)", 18: "Drug abuse violations", 19: "Gambling",
    20: "Offenses against the family and children", 21: "Driving under the influence",
    22: "Liquor laws", 23: "Drunkenness", 24: "Disorderly conduct", 25: "Vagrancy",
    26: "All other offenses",
}

# UCR class = int(crime code) // 10000. Classes 1-8 are the Part I offenses.
PART_I_CLASSES: dict[int, str] = {
    1: "homicide",            # 10000 HOMICIDE
    2: "rape",                # 21000 RAPE -- FORCIBLE, 23000 attempted
    3: "robbery",             # 31111 ROBBERY-HIGHWAY/FIREARM ..., 38xxx carjacking
    4: "aggravated_assault",  # 41xxx firearm, 42xxx knife, 43xxx other weapon, 44xxx hands/feet
    5: "burglary",            # 51xxx residence, 52xxx business, 53xxx other non-residence
    6: "larceny",             # 61xxx pickpocket ... 65701 LARCENY-MTR VEH PARTS ... 69xxx all other
    7: "vehicle_theft",       # 71xxx auto, 72xxx truck/bus, 73xxx motorcycle/other vehicle
    8: "arson",               # 81000-86000 ARSON-...
}

# Part II: SLMPD's six-digit codes follow the UCR Part II order, so the class (code // 10000)
# names the offense. This table was made by reading every code and description in the 144 files
# 2008-2019 (record counts over all files in brackets).
PART_II_CLASSES: dict[int, tuple[str, str]] = {
    9: ("simple_assault", "Other assaults: SIMPLE ASSAULT-ADULT/NO INJURY (91113), domestic "
        "assault without injury (91114, 91124), child/police officer (91123, 91303), harassment "
        "(92000), stalking (95100, 95200) [52,284]"),
    10: ("other", "Forgery and counterfeiting (101000-109999) [2,952]"),
    11: ("other", "Fraud: bad checks, credit device, stealing by deceit/identity theft (115400), "
         "failure to return rented vehicle [12,139]"),
    12: ("other", "Embezzlement (121000, 122000) [1,118]"),
    13: ("other", "Stolen property: buying, receiving, possessing (130000) [4,871]"),
    14: ("vandalism", "DESTRUCTION OF PROPERTY-MALICIOUS/PRIV PROP (142320), public property "
         "(142310), tampering (141xxx), institutional vandalism (143200) [59,760]"),
    15: ("weapons", "WEAPONS-STATE VIOL/UNLWFL USE/CARRYING (151130), possession, discharging, "
         "defaced firearm; city ordinance weapons violations (152xxx) [8,209]"),
    16: ("other", "Prostitution and commercialized vice (161000-169999) [299]"),
    17: ("other", "Sex offenses other than rape: exposure, sodomy, sexual misconduct, child "
         "molestation, statutory rape (171xxx-179xxx) [4,591]"),
    18: ("drugs", "DRUGS-POSSESSION/MARIJUANA (182400), heroin, cocaine, sale (183xxx), "
         "manufacture (181xxx), unlawful prescription (184xxx) [24,840]"),
    19: ("other", "Gambling (191xxx, 192xxx) [17]"),
    20: ("other", "Offenses against family and children: endangering welfare of a child "
         "(204100) [601]"),
    21: ("other", "Driving under the influence (211000, 212000) [3,193]"),
    22: ("other", "Liquor laws (22xxxx) [5,072]"),
    23: ("other", "Drunkenness (230000) [2]"),
    24: ("other", "Disorderly conduct: peace disturbance (241100), noise (243300) [15,010]"),
    25: ("other", "Vagrancy: LOITERING-BEGGING (250000) [5,950]"),
    26: ("other", "All other offenses: LEAVING SCENE OF ACCIDENT (265321), trespassing "
         "(266510), public order, obstructing government operations, health/sanitation, "
         "kidnapping, burglar tools (26xxxx) [81,246]"),
}

# Single codes placed in a different group from the rest of their class.
PART_II_CODE_OVERRIDES: dict[int, tuple[str, str]] = {
    # Explosives are weapons under the UCR definition of weapons law violations.
    261320: ("weapons", "EXPLOSIVES-POSSESSION OF BOMB [6]"),
    261330: ("weapons", "ALL OTHER OFFENSES-PLACING EXPLOSIVE DEVICES [3]"),
}

_CLASS_TO_GROUP: dict[int, str] = {**PART_I_CLASSES, **{k: v[0] for k, v in PART_II_CLASSES.items()}}
_LAST_CLASS = max(_CLASS_TO_GROUP)
_WHOLE_NUMBER = re.compile(r"(\d+)(?:\.0*)?")  # "41011", and "41011.0" from a float column


def _ucr_class_group(ucr_class: int) -> str | None:
    """1-26 from the table; a class above 26 (suspicion, curfew, runaways, local codes) counts as
    ``other``; 0 is no class."""
    if ucr_class > _LAST_CLASS:
        return "other"
    return _CLASS_TO_GROUP.get(ucr_class)


def _department_code_group(code: int) -> str | None:
    override = PART_II_CODE_OVERRIDES.get(code)
    return override[0] if override else _ucr_class_group(code // 10000)


def ucr_department_code_groups(codes: pd.Series) -> pd.Series:
    """The offense group of each department crime code (str or int) numbered by UCR class, as
    SLMPD's are; None when a code is not a number.

    The UCR class ``int(code) // 10000`` decides: 1-8 Part I (see ``PART_I_CLASSES``), 9 and
    above Part II (``PART_II_CLASSES``, a class above 26 counts as ``other``), with a few single
    codes moved by ``PART_II_CODE_OVERRIDES``. Codes below 10000 have no class and give None.
    """
    codes = pd.Series(codes)
    text = codes.astype("string").str.strip()
    lookup: dict[str, str | None] = {}
    for value in text.dropna().unique():
        number = _WHOLE_NUMBER.fullmatch(value)
        lookup[value] = _department_code_group(int(number.group(1))) if number else None
    values = text.map(lookup).to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return pd.Series(values, index=codes.index, name="offense_group", dtype=object)


def _ucr_group(text: str) -> str | None:
    """The ``codes = "ucr"`` reading of one value (stripped, upper case).

    The digits as written decide what the number is, since "5" (class 5, burglary) and "50000"
    (a department code in class 5) cannot be told apart by value alone: 1-2 digits are a class
    number, 5 or more digits a department code (class = code // 10000). 3-4 digits are neither
    (a 4-digit code would be class 0) and stay unmapped, as does anything that is not a number.
    """
    number = _WHOLE_NUMBER.fullmatch(text)
    if not number:
        return None
    digits = number.group(1)
    if len(digits) <= 2:
        return _ucr_class_group(int(digits)) if int(digits) > 0 else None
    if len(digits) >= 5:
        return _department_code_group(int(digits))
    return None


def builtin_table(name: str) -> pd.DataFrame:
    """A built-in code table (``"nibrs"`` or ``"ucr"``) as columns code, name, offense_group,
    for documentation and the data dictionary.

    The UCR table lists the class numbers ``01``-``26`` and the single department codes placed
    outside their class; any other department code takes its class's group.
    """
    if name == "nibrs":
        rows = list(NIBRS_CODES)
    elif name == "ucr":
        rows = [(f"{c:02d}", UCR_CLASS_NAMES[c], _CLASS_TO_GROUP[c]) for c in sorted(_CLASS_TO_GROUP)]
        rows += [(str(code), desc.split(" [")[0], group) for code, (group, desc) in PART_II_CODE_OVERRIDES.items()]
    else:
        raise OffenseCodeError(f"unknown built-in code table {name!r}; expected one of {_quoted(BUILTIN)}")
    return pd.DataFrame(rows, columns=["code", "name", "offense_group"])


_BUILTIN_LOOKUP = {"nibrs": _NIBRS_LOOKUP.get, "ucr": _ucr_group}
_BUILTIN_LABEL = {"nibrs": "NIBRS codes", "ucr": "UCR classes"}


# --------------------------------------------------------------------------------------------
# Manifest maps
# --------------------------------------------------------------------------------------------

def _quoted(names) -> str:
    return ", ".join(repr(n) for n in names)


def _normal(value) -> str:
    """A source value as compared: text, surrounding spaces removed, upper case; missing is ""."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)  # 41011.0 from a numeric column is the code 41011
    return str(value).strip().upper()


_ASCII_DIGITS = re.compile(r"[0-9]+")


def _is_whole(text: str) -> bool:
    return _ASCII_DIGITS.fullmatch(text) is not None


def _char_kind(ch: str) -> str:
    return "digit" if _is_whole(ch) else "letter" if ch.isalpha() else "other"


@dataclass(frozen=True)
class _Range:
    key: str
    low: str
    high: str
    numeric: bool
    group: str
    width: int  # how many values the range spans, to find the narrowest

    def contains(self, text: str) -> bool:
        if self.numeric:
            return _is_whole(text) and int(self.low) <= int(text) <= int(self.high)
        return len(text) == len(self.low) and self.low <= text <= self.high


def _string_width(low: str, high: str) -> int:
    # Strings of one length read as numbers in base 0x110000 (every code point a digit).
    width = 0
    for a, b in zip(low, high):
        width = width * 0x110000 + (ord(b) - ord(a))
    return width


@dataclass(frozen=True)
class OffenseCodeMap:
    """How one manifest section turns a source column's values into offense groups."""

    column: str | None = None
    exact: tuple[tuple[str, str], ...] = ()          # (value, group)
    prefixes: tuple[tuple[str, str], ...] = ()       # (prefix, group), longest first
    ranges: tuple[_Range, ...] = ()                  # narrowest first; ties in manifest order
    codes: str | None = None                         # a name in BUILTIN
    default: str | None = None
    _exact_lookup: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_exact_lookup", dict(self.exact))

    @classmethod
    def from_spec(cls, spec: dict, where: str) -> OffenseCodeMap:
        """spec: the [incidents.offense_groups] table: keys column (str, may be absent here), map
        (dict), codes ("nibrs"|"ucr"|absent), default (group|absent). where: text naming the
        manifest section for messages."""
        if not isinstance(spec, dict):
            raise OffenseCodeError(f"{where}: expected a table with column, map, codes or default")
        unknown = [k for k in spec if k not in ("column", "map", "codes", "default")]
        if unknown:
            raise OffenseCodeError(f"{where}: unknown key {_quoted(unknown)}; expected column, map, codes, default")

        column = spec.get("column")
        if column is not None and (not isinstance(column, str) or not column.strip()):
            raise OffenseCodeError(f"{where}: column = {column!r}; expected the name of a source column")

        codes = spec.get("codes")
        if codes is not None:
            if not isinstance(codes, str) or codes.strip().lower() not in BUILTIN:
                raise OffenseCodeError(f"{where}: codes = {codes!r} is not a built-in code table; "
                                       f"expected one of {_quoted(BUILTIN)}")
            codes = codes.strip().lower()

        default = spec.get("default")
        if default is not None:
            default = _checked_group(default, f"{where}: default = {default!r}")

        mapping = spec.get("map", {})
        if not isinstance(mapping, dict):
            raise OffenseCodeError(f"{where}: map must be a table of value = group, got {mapping!r}")
        exact: dict[str, tuple[str, str]] = {}     # normal value -> (key as written, group)
        prefixes: dict[str, tuple[str, str]] = {}
        ranges: list[_Range] = []
        seen_ranges: dict[tuple[str, str], tuple[str, str]] = {}
        for raw_key, raw_group in mapping.items():
            key = str(raw_key)
            group = _checked_group(raw_group, f"{where}: map key {key!r} = {raw_group!r}")
            text = key.strip().upper()
            if ".." in text:
                rng = _parse_range(key, text, group, where)
                _add_unique(seen_ranges, (rng.low, rng.high), key, group, where)
                ranges.append(rng)
            elif text.endswith("*"):
                prefix = text[:-1]
                if not prefix or "*" in prefix:
                    raise OffenseCodeError(
                        f"{where}: map key {key!r} is not a valid prefix; write the first characters "
                        "followed by one '*', e.g. \"23*\" (use default for everything else)")
                _add_unique(prefixes, prefix, key, group, where)
            else:
                if "*" in text:
                    raise OffenseCodeError(f"{where}: map key {key!r}: '*' is only allowed at the end of "
                                           "a prefix key, e.g. \"23*\"")
                _add_unique(exact, text, key, group, where)

        if not mapping and codes is None and default is None:
            raise OffenseCodeError(f"{where}: needs map entries, codes ({_quoted(BUILTIN)}) or a default group")
        return cls(
            column=column.strip() if column else None,
            exact=tuple((value, group) for value, (_, group) in exact.items()),
            prefixes=tuple(sorted(((p, g) for p, (_, g) in prefixes.items()), key=lambda pg: -len(pg[0]))),
            ranges=tuple(sorted(ranges, key=lambda r: r.width)),  # stable: ties keep manifest order
            codes=codes,
            default=default,
        )

    def group_of(self, value) -> str | None:
        """The offense group of one source value (see the module docstring for the order)."""
        text = _normal(value)
        group = self._exact_lookup.get(text)
        if group is not None:
            return group
        for prefix, group in self.prefixes:
            if text.startswith(prefix):
                return group
        for rng in self.ranges:
            if rng.contains(text):
                return rng.group
        if self.codes is not None:
            group = _BUILTIN_LOOKUP[self.codes](text)
            if group is not None:
                return group
        return self.default

    def groups(self, values: pd.Series) -> pd.Series:
        """Offense group of each value (object dtype), None where nothing matches and there is no
        default. Each distinct value is looked up once, so a million rows of a few thousand codes
        take well under a second."""
        values = pd.Series(values)
        positions, distinct = pd.factorize(values, use_na_sentinel=True)
        # the last slot is for missing values (position -1), read as the empty text
        table = np.array([self.group_of(v) for v in distinct] + [self.group_of(None)], dtype=object)
        return pd.Series(table[positions], index=values.index, name="offense_group", dtype=object)

    def describe(self) -> str:
        """One line for reports, e.g. "NIBRS codes + 3 exact values, 1 prefix, default other"."""
        counts = [
            f"{n} {word if n == 1 else plural}"
            for n, word, plural in ((len(self.exact), "exact value", "exact values"),
                                    (len(self.prefixes), "prefix", "prefixes"),
                                    (len(self.ranges), "range", "ranges"))
            if n
        ]
        rules = ", ".join(counts)
        if self.codes is not None:
            label = _BUILTIN_LABEL[self.codes]
            rules = f"{label} + {rules}" if rules else label
        tail = f"default {self.default}" if self.default else "no default"
        return f"{rules}, {tail}" if rules else tail


def _checked_group(group, what: str) -> str:
    name = group.strip().lower() if isinstance(group, str) else None
    if name not in GROUP_NAMES:
        raise OffenseCodeError(f"{what} is not an offense group; expected one of {', '.join(GROUP_NAMES)}")
    return name


def _add_unique(table: dict, value, key: str, group: str, where: str) -> None:
    earlier = table.get(value)
    if earlier is not None and earlier[1] != group:
        raise OffenseCodeError(
            f"{where}: map keys {earlier[0]!r} and {key!r} are the same once case and spaces are "
            f"ignored but name different groups ({earlier[1]}, {group})")
    table.setdefault(value, (key, group))


def _parse_range(key: str, text: str, group: str, where: str) -> _Range:
    def bad(reason: str) -> OffenseCodeError:
        return OffenseCodeError(f"{where}: map key {key!r} is not a valid range ({reason}); "
                                "write FIRST..LAST, e.g. \"23A..23H\" or \"100000..199999\"")

    parts = text.split("..")
    if len(parts) != 2:
        raise bad("one '..' between the two ends")
    low, high = (p.strip() for p in parts)
    if not low or not high:
        raise bad("both ends are needed")
    if "*" in low or "*" in high:
        raise bad("'*' has no meaning in a range")
    if _is_whole(low) and _is_whole(high):
        if int(low) > int(high):
            raise bad("the first end is larger than the last")
        return _Range(key, low, high, True, group, int(high) - int(low))
    if _is_whole(low) or _is_whole(high):
        raise bad("one end is a whole number and the other is not")
    # Text ranges compare character by character, so both ends need the same shape: the same
    # length, and a digit, letter or other character in the same places.
    if len(low) != len(high) or [_char_kind(c) for c in low] != [_char_kind(c) for c in high]:
        raise bad("the ends have different shapes; they need the same length and kinds of characters")
    if low > high:
        raise bad("the first end comes after the last")
    return _Range(key, low, high, False, group, _string_width(low, high))


# --------------------------------------------------------------------------------------------
# Seriousness: one group for an incident with several offenses
# --------------------------------------------------------------------------------------------

# Most serious first. Part I follows the UCR Hierarchy Rule (homicide, rape, robbery, aggravated
# assault, burglary, larceny, motor vehicle theft) with two judgment calls: arson, which the rule
# exempts (it is always reported in addition), needs a place when an incident gets one group and
# is put right after aggravated assault, as a crime that endangers lives; and vehicle theft is put
# above larceny, the reverse of the class order, as usually the larger loss. Part II has no
# hierarchy in the UCR; its order here (weapons, drugs, simple assault, vandalism, other) is a
# judgment call as well.
SERIOUSNESS: tuple[str, ...] = (
    "homicide", "rape", "robbery", "aggravated_assault", "arson", "burglary", "vehicle_theft",
    "larceny", "weapons", "drugs", "simple_assault", "vandalism", "other",
)
_RANK = {group: rank for rank, group in enumerate(SERIOUSNESS)}


def most_serious(groups: pd.Series, by: pd.Series) -> pd.Series:
    """For each key in ``by``, the most serious group among its rows (index = distinct keys,
    sorted; rows pair up by position). A key whose rows have no known group gets None."""
    groups, by = pd.Series(groups), pd.Series(by)
    if len(groups) != len(by):
        raise ValueError(f"groups has {len(groups)} rows but by has {len(by)}")
    unknown = len(SERIOUSNESS)
    rank = pd.Series(groups.to_numpy(dtype=object)).map(_RANK).fillna(unknown).to_numpy(dtype=np.int64)
    best = pd.Series(rank).groupby(by.to_numpy(dtype=object), dropna=False, sort=True).min()
    names = np.array(list(SERIOUSNESS) + [None], dtype=object)
    out = pd.Series(names[best.to_numpy()], index=best.index, name="offense_group", dtype=object)
    out.index.name = by.name
    return out
