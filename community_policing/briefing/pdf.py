"""A briefing as a PDF on US Letter pages (fpdf2), readable when printed in black and white.

Page 1: title block (period, comparison, offenses, data as of, how old the data are when they are
old, simulated stamp), the KPI table with counts, % and noise readings, the takeaways and which
offense groups rose and fell (each change with its noise label). Page 2: the map (areas by name)
and its areas as a table. Then the trend, engagement with its table, trust
with respondents, program estimates with intervals and checks, and the method notes. Every page
carries the data label (and the simulated stamp where it applies) and "page N of M".

Text is in the current language (``briefing_pdf`` is called inside ``briefing.speaking``). DejaVu
Sans covers every character either language uses; without it the core Helvetica font takes
Latin-1, which holds Spanish (á é í ó ú ü ñ ¿ ¡), and the few symbols outside it are spelled out.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from community_policing.briefing.document import SIMULATED_STAMP, Briefing, kpi_headers, shown_columns
from community_policing import i18n
from community_policing.i18n import _

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
INK = (17, 17, 17)
GREY = (90, 90, 90)
RULE = (170, 170, 170)
MAP_HEIGHT = 125  # mm: the map at a size whose labels read (a third of the page was too small)
# Core PDF fonts only know Latin-1: these stand in for the characters our text uses when no
# Unicode font is installed.
_LATIN1 = str.maketrans({"–": "-", "—": "-", "−": "-", "≥": ">=", "≤": "<=", "×": "x", "±": "+/-", "√": "sqrt",
                         "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "→": "->", "·": "-"})


def _unicode_font() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    return None


class _BriefingPDF(FPDF):
    def __init__(self, briefing: Briefing):
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.briefing = briefing
        fonts = _unicode_font()
        if fonts:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            self.family, self.unicode = "Body", True
        else:
            self.family, self.unicode = "Helvetica", False
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=18)
        self.set_title(briefing.title)
        self.set_author("Common Ground")
        self.set_subject(f"{briefing.city}, {briefing.period_text}")

    def text_of(self, value) -> str:
        text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        return text if self.unicode else text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False, colour=INK) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*colour)

    def footer(self) -> None:
        self.set_y(-13)
        self.font(7.5, colour=GREY)
        label = (_(SIMULATED_STAMP) if self.briefing.simulated
                 else f"{_(self.briefing.data_label)} - {self.briefing.city}")
        line = self.text_of(f"{label}  |  {self.briefing.scope}, {self.briefing.period_text}")
        size = 7.5
        while self.get_string_width(line) > self.epw and size > 5.5:  # Spanish runs longer: one line, smaller
            size -= 0.25
            self.font(size, colour=GREY)
        self.cell(0, 4, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font(7.5, colour=GREY)
        self.cell(0, 4, self.text_of(_("Common Ground briefing - page {page} of {pages}").format(
            page=self.page_no(), pages=self.str_alias_nb_pages)), align="R")

    # -- blocks ------------------------------------------------------------------------------------

    def heading(self, text: str, size: float = 13) -> None:
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(2)
        self.font(size, bold=True)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, size: float = 9.5, colour=INK) -> None:
        self.font(size, colour=colour)
        self.multi_cell(0, size * 0.48, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def bullets(self, items: list[str], size: float = 9.5) -> None:
        self.font(size)
        for item in items:
            self.set_x(self.l_margin + 2)
            self.multi_cell(0, size * 0.48, self.text_of(f"- {item}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def stamp(self) -> None:
        """A boxed 'simulated' notice that survives greyscale printing (border and bold, no colour)."""
        self.font(9.5, bold=True)
        self.set_draw_color(*INK)
        self.set_line_width(0.6)
        self.multi_cell(0, 6, self.text_of(_(SIMULATED_STAMP)), border=1, align="C", new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT)
        self.set_line_width(0.2)
        self.ln(2)

    def fit_widths(self, rows: list[list[str]], size: float) -> list[float]:
        """Column widths (mm, summing to the page's width) from what the cells hold, so that a column
        wraps only when the table cannot fit otherwise, and then the widest columns give way first.

        Fixed widths made for English wrapped the longer Spanish words ("dentro de la variación normal",
        "muy pocos para comparar") onto two or three lines in every row, which pushed a Spanish briefing
        to a fifth page. So: every column as wide as its widest cell when they fit side by side; if not, a
        header may wrap (one line once, not one per row), down to its longest word; if that is still too
        wide, the widest columns are capped at one common width (never below their longest word), the cap
        chosen so the table fills the page exactly."""
        pad = 2 * self.c_margin + 0.6  # the cell's inner margins, and a hair so a fitted cell never wraps

        def width(text: str, bold: bool) -> float:
            self.set_font(self.family, "B" if bold else "", size)
            return self.get_string_width(text)

        columns = range(len(rows[0]))
        header = [width(rows[0][j], True) + pad for j in columns]
        body = [max([width(row[j], False) + pad for row in rows[1:]], default=0.0) for j in columns]
        floor = [max(width(word, i == 0) for i, row in enumerate(rows) for word in (row[j].split() or [""])) + pad
                 for j in columns]
        room = self.epw
        whole = [max(h, b) for h, b in zip(header, body)]
        if sum(whole) <= room:  # nothing wraps: the spare room goes to each column by its size
            return [w * room / sum(whole) for w in whole]
        cells = [max(b, f) for b, f in zip(body, floor)]  # headers wrap, body cells do not
        if sum(cells) <= room:  # the spare room to the headers that wrap, as far as it goes
            short = [w - c for w, c in zip(whole, cells)]
            share = min(1.0, (room - sum(cells)) / sum(short))
            fitted = [c + s * share for c, s in zip(cells, short)]
            return [w * room / sum(fitted) for w in fitted]
        low, high = 0.0, max(cells)
        for _step in range(40):  # the common cap, by bisection: the widths grow with it
            cap = (low + high) / 2
            if sum(min(c, max(cap, f)) for c, f in zip(cells, floor)) > room:
                high = cap
            else:
                low = cap
        return [min(c, max(low, f)) for c, f in zip(cells, floor)]

    def table(self, frame: pd.DataFrame, widths: tuple[float, ...] | None = None, size: float = 8.5) -> None:
        """A table with a shaded header row; column widths fitted to the cells unless ``widths`` is given."""
        if frame.empty:
            return
        rows = [[self.text_of(c) for c in frame.columns],
                *([self.text_of(v) for v in values] for values in frame.itertuples(index=False))]
        widths = widths or tuple(self.fit_widths(rows, size))
        self.font(size)
        self.set_draw_color(*RULE)
        heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
        with super().table(col_widths=widths, headings_style=heading, line_height=size * 0.5,
                           text_align="LEFT", borders_layout="HORIZONTAL_LINES", first_row_as_headings=True) as table:
            for row in rows:
                table.row(row)
        self.ln(2)

    def figure(self, png: bytes | None, caption: str, max_height: float) -> None:
        if not png:
            return
        from PIL import Image

        width_px, height_px = Image.open(io.BytesIO(png)).size
        width = self.epw
        height = width * height_px / width_px
        if height > max_height:
            height, width = max_height, max_height * width_px / height_px
        if self.get_y() + height + 10 > self.h - self.b_margin:
            self.add_page()
        self.image(io.BytesIO(png), x=self.l_margin + (self.epw - width) / 2, w=width, h=height)
        self.ln(1)
        self.para(caption, size=8, colour=GREY)


def render(briefing: Briefing, pngs: dict[str, bytes]) -> bytes:
    pdf = _BriefingPDF(briefing)
    pdf.alias_nb_pages()
    pdf.add_page()

    # Title block
    pdf.font(9, colour=GREY)
    pdf.cell(0, 5, pdf.text_of(_("{city} - Common Ground community policing briefing").format(city=briefing.city)),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font(18, bold=True)
    pdf.multi_cell(0, 8, pdf.text_of(briefing.scope), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font(10)
    pdf.multi_cell(0, 5, pdf.text_of(
        _("Period: {period} (compared with {comparison}). Offenses: {offenses}. Data as of {day}; built {built}.")
        .format(period=briefing.period_text, comparison=briefing.comparison_text, offenses=briefing.offense_label,
                day=i18n.format_date(briefing.as_of) if briefing.as_of else _("n/a"), built=briefing.built_at)),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    if briefing.stale:  # old data: said before any number, in bold
        pdf.font(10, bold=True)
        pdf.multi_cell(0, 5, pdf.text_of(briefing.stale), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    if briefing.simulated:
        pdf.stamp()

    pdf.heading(_("Headline numbers"))
    pdf.table(briefing.kpis.rename(columns=kpi_headers()))
    pdf.heading(_("In brief"), size=11)
    takeaways = list(briefing.takeaways)
    if briefing.offense_takeaway:  # after the headline count, before engagement
        takeaways.insert(1, briefing.offense_takeaway)
    pdf.bullets(takeaways)
    pdf.heading(_("Which offenses rose and fell"), size=11)
    if briefing.offenses.empty:
        pdf.para(_("No incidents of these offenses in either period."), size=8.5, colour=GREY)
    else:
        pdf.para(briefing.offense_note, size=8, colour=GREY)
        pdf.table(shown_columns(briefing.offenses), size=8)

    # Where: the map at full width (on the next page when it does not fit), its areas as a table below it.
    if pdf.get_y() + MAP_HEIGHT + 25 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.heading(_("Where"))
    pdf.figure(pngs.get("map"), briefing.captions.get("map", ""), max_height=MAP_HEIGHT)
    if not briefing.areas.empty:
        pdf.heading(briefing.area_heading, size=11)
        pdf.table(shown_columns(briefing.areas), size=8)

    pdf.add_page()
    pdf.heading(_("Incidents over time"))
    pdf.figure(pngs.get("trend"), briefing.captions.get("trend", ""), max_height=95)
    pdf.heading(_("Community engagement"))
    pdf.figure(pngs.get("engagement"), briefing.captions.get("engagement", ""), max_height=85)
    pdf.table(briefing.engagement)

    pdf.heading(_("Resident trust"))
    pdf.para(briefing.trust_note, size=8.5, colour=GREY)
    pdf.table(shown_columns(briefing.trust))

    pdf.heading(_("Program estimates"))
    pdf.para(briefing.program_note, size=8.5, colour=GREY)
    pdf.table(shown_columns(briefing.programs))

    pdf.heading(_("How these numbers are made"))
    pdf.bullets(briefing.notes, size=8.5)
    return bytes(pdf.output())
