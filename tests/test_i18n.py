"""Interface text in two languages: the catalogue loads, falls back to English, and every text
marked for translation in the code has its Spanish."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_python

from community_policing import i18n

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def marked_messages() -> dict[str, str]:
    """Every text marked with _(), ngettext() or N_() in the app: msgid -> where."""
    found: dict[str, str] = {}
    for folder in ("community_policing", "pages"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS):
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    with (ROOT / "dashboard.py").open("rb") as entrypoint:  # the navigation's page titles
        for lineno, _funcname, message, _comments in extract_python(entrypoint, KEYWORDS, [], {}):
            found.setdefault(message[0] if isinstance(message, tuple) else message, f"dashboard.py:{lineno}")
    return found


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


def test_english_is_the_default_and_unknown_languages_fall_back_to_it():
    assert i18n.language() == "en" and i18n._("Overview") == "Overview"
    assert i18n.set_language("fr") == "en" and i18n.set_language(None) == "en"


def test_catalogues_are_merged_and_plurals_follow_the_count(tmp_path, monkeypatch):
    folder = tmp_path / "es"
    folder.mkdir()
    (folder / "a.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                                 'msgid "Overview"\nmsgstr "Resumen"\n\n'
                                 '#, fuzzy\nmsgid "Map"\nmsgstr "Mapa?"\n', encoding="utf-8")
    (folder / "b.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
                                 '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                                 'msgid "{n} district"\nmsgid_plural "{n} districts"\n'
                                 'msgstr[0] "{n} distrito"\nmsgstr[1] "{n} distritos"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        i18n.set_language("es")
        assert i18n._("Overview") == "Resumen"
        assert i18n._("Map") == "Map"  # fuzzy: not trusted, English instead
        assert i18n._("Not translated") == "Not translated"
        assert i18n.ngettext("{n} district", "{n} districts", 1).format(n=1) == "1 distrito"
        assert i18n.ngettext("{n} district", "{n} districts", 3).format(n=3) == "3 distritos"
        i18n.set_language("en")
        assert i18n.ngettext("{n} district", "{n} districts", 3) == "{n} districts"
    finally:
        i18n.catalogue.cache_clear()


def test_every_marked_text_has_its_spanish():
    spanish = i18n.catalogue("es")
    missing = {msgid: where for msgid, where in marked_messages().items() if msgid not in spanish}
    assert not missing, "no Spanish for:\n" + "\n".join(f"{where}: {msgid!r}" for msgid, where in sorted(
        missing.items(), key=lambda item: item[1])[:60])


# -- the staff area in Spanish -------------------------------------------------------------------------

from streamlit.testing.v1 import AppTest  # noqa: E402

from community_policing.ledger import bulk as ledger_bulk, meetings, schedules  # noqa: E402
from community_policing.views import district
from community_policing.ledger import form as lf  # noqa: E402
from community_policing.ledger.book import Ledger, LedgerError, validate  # noqa: E402

STAFF_PAGES = {  # page: (title, some subheaders, its buttons)
    "ledger": ("Bitácora de participación comunitaria",
               {"Registrar una actividad", "Registros recientes", "Varias actividades a la vez",
                "Historial de auditoría"},
               {"Registrar actividad"}),
    "meetings": ("Reuniones periódicas",
                 {"Confirme las reuniones que se realizaron", "Definir una reunión periódica",
                  "Historial de auditoría"},
                 {"Guardar reunión periódica"}),
    "training": ("Capacitación y programas",
                 {"Registrar una sesión de capacitación", "Capacitación reciente", "Registrar un programa",
                  "Programas recientes", "Historial de auditoría"},
                 {"Registrar capacitación", "Registrar programa"}),
}


def _spanish_app(staff_app, how: str) -> AppTest:
    # AppTest re-applies a selectbox's format_func in the test's own thread: speak Spanish there too.
    i18n.set_language("es")
    at = AppTest.from_file(staff_app, default_timeout=60)
    if how == "url":
        at.query_params["lang"] = "es"
    else:
        at.session_state["lang"] = "es"  # the sidebar's language picker (language.language_picker, key "lang")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("how", ["url", "picker"])
def test_the_staff_pages_speak_spanish(ledger_env, staff_app, how):
    at = _spanish_app(staff_app, how)
    for page, (title, subheaders, buttons) in STAFF_PAGES.items():
        at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
        assert not at.exception, at.exception
        assert at.title[0].value == title
        assert subheaders <= {s.value for s in at.subheader}, page
        assert buttons <= {b.label for b in at.button}, page
        assert at.text_input(key="ledger_user").label == "Registrado por"
        assert "For staff" not in " ".join(c.value for c in at.caption)
    assert [t.label for t in at.tabs] == ["Capacitación de agentes", "Programas"]


def test_a_spanish_form_says_what_is_wrong_and_what_was_saved_in_spanish(ledger_env, staff_app):
    at = _spanish_app(staff_app, "picker")
    at.switch_page(str(ROOT / "pages" / "training.py")).run()
    at.text_input(key="ledger_user").set_value("sgt.lee")
    at.selectbox(key="training_district").set_value("")  # a unit, but none named
    at.number_input(key="training_hours").set_value(8.0)
    next(b for b in at.button if b.label == "Registrar capacitación").click()
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error)
    assert "No se guardó el registro de sesión de capacitación" in shown
    assert "indique el distrito cuyos agentes recibieron la capacitación, o la unidad" in shown
    assert not ledger_env.exists()
    at.selectbox(key="training_district").set_value("2")
    at.selectbox(key="training_course").set_value("de_escalation")
    at.number_input(key="training_officers").set_value(14)
    next(b for b in at.button if b.label == "Registrar capacitación").click()
    at.run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Se registró T000001: Desescalamiento para ") for s in at.success)
    assert Ledger(ledger_env).entries(kind="training").iloc[0]["course"] == "de_escalation"  # the stored code


def test_staff_library_text_is_translated_where_shown_and_stored_values_stay_english():
    # The forms' labels are the warehouse's, marked for translation in ledger_form.
    assert lf.TYPE_LABELS == district.ENGAGEMENT_LABELS and lf.COURSE_LABELS == district.COURSE_LABELS
    i18n.set_language("es")
    assert lf.type_label("foot_patrol") == "Patrullaje a pie" and lf.course_label("other") == "Otro curso"
    with pytest.raises(LedgerError) as refused:
        validate("training", {"date": "2026-13-01", "course": "de_escalation", "officers": 3, "hours": 2})
    assert refused.value.errors == {  # field names (the keys) stay English
        "date": "se espera una fecha en formato AAAA-MM-DD",
        "district_id": "indique el distrito cuyos agentes recibieron la capacitación, o la unidad"}
    parsed = schedules.parse_schedule("3rd Tues every month - 6:30 pm")
    assert parsed.status == "parsed" and parsed.rules[0].describe() == "3.er martes — todos los meses, 6:30 p. m."
    assert meetings.reads_as("No Regular Public Meetings") == "sin reuniones regulares"
    assert schedules.parse_schedule("No Regular Public Meetings").status == "no regular meetings"
    sheet = ledger_bulk.allowed_values("training")
    assert list(sheet.columns) == ["columna", "obligatorio", "acepta"]
    assert list(sheet["columna"]) == list(ledger_bulk.template_for("training").columns)  # column names are data
    assert "de_escalation" in " ".join(sheet["acepta"])
    change = lf.describe_change("delete", None, '{"delete_reason": "duplicado"}')
    assert change == "eliminado (duplicado)"
    i18n.set_language("en")
    assert parsed.rules[0].describe() == "3rd Tuesday — every month at 6:30 PM"
