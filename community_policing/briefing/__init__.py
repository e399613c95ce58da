"""The printable district briefing: its content (``content``), laid out as a PDF (``pdf``) or as slides
(``slides``); both renderers read the shared pieces in ``document``.
"""
