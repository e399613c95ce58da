"""Interface text in two languages: the catalogue loads, falls back to English, and every text
marked for translation in the code has its Spanish."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

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
