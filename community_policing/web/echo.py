"""Echoing what readers and files say as plain text: Markdown and links in a value are shown, never run.
"""

from __future__ import annotations

import re
import unicodedata


# The characters that start or shape Markdown in Streamlit: CommonMark's (emphasis, links, images, code,
# headings, lists, tables, HTML, entities), GFM's autolinks (":" of https:, "." of www. and of an e-mail's
# domain) and Streamlit's own (:red[…], :material/…:, $…$). A backslash makes each one plain text; other
# punctuation (, ; ' " ? / % @) cannot start anything and stays as it is, so messages stay readable.
_MARKDOWN_PUNCTUATION = frozenset("\\`*_{}[]()#+-.!|<>~$:&")
WORD_JOINER = "\u2060"
# Where a word joiner goes in escaped text: inside the "://" of a URL, after the "www" of "www.", after an "@".
_AUTOLINK = re.compile(r"(?<=\\:)(?=/)|(?<=www)(?=\\\.)|(?<=@)", re.IGNORECASE)


def plain(text) -> str:
    """``text`` for a Markdown element (st.markdown, st.caption, st.error, st.info, a title…) shown exactly as
    written: every character Markdown reads backslash-escaped, line breaks and other control characters as
    spaces. For anything a visitor or a file supplies (a URL's ``?district=``, ledger text, names read from a
    city's files, an error message quoting a value): ``[click](https://…)`` or ``![x](https://…/x.png)`` from a
    shared link then reads as those characters, never as a link or a remote image on the official site, and
    ``:red[…]``, ``$…$`` or ``**…**`` style nothing. Text the app writes itself stays Markdown."""
    escaped = "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else " " if unicodedata.category(ch) == "Cc" else ch
                      for ch in str(text))
    # GFM turns URL- and e-mail-like text into links after the escapes are read (https://…, www.…, a@b.c), so
    # an invisible word joiner goes inside each such pattern: the text looks and reads the same, and no link.
    return _AUTOLINK.sub(WORD_JOINER, escaped)


def _plain(text: str) -> str:
    """A signed-in staff name or e-mail shown inside Markdown as it is (with _ or * in it); an e-mail stays a
    mailto link. Text from visitors or files goes through ``plain``."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~$" else ch for ch in str(text))
