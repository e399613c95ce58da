"""A briefing as a PowerPoint deck (python-pptx): the same content as the PDF, one message per slide.

Slides: title; headline numbers; which offenses rose and fell (the PDF's offense table); the map; its
areas as a table; the trend; engagement; trust; programs; how the numbers are made. A table longer than
fits at 12 pt (``ROWS_PER_SLIDE``) goes on over two or more slides, each saying "(1 of 2)".

Each slide's title is its message (a sentence, not a topic); the chart or table below supports
it; the footer carries the data label and, for the demo city, the simulated stamp. Text is in the
current language (``briefing_pptx`` calls this inside ``briefing.speaking``).
"""

from __future__ import annotations

import io

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from community_policing.briefing.document import ASSOCIATION_NOTE, SIMULATED_STAMP, Briefing, kpi_headers, shown_columns
from community_policing import i18n
from community_policing.views import metrics
from community_policing.i18n import N_, _

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
INK = RGBColor(0x11, 0x11, 0x11)
GREY = RGBColor(0x55, 0x55, 0x55)
# Shown translated, under the areas' table.
AREA_NOTE = N_("Reading: the change against how much the area's count normally varies. A rate of “–”: fewer "
               "than {n} residents, too few for a rate.")


def _text(slide, text: str, left, top, width, height, size: int = 14, bold: bool = False, colour=INK) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.font.bold = bold
        paragraph.font.color.rgb = colour


def _slide(deck: Presentation, briefing: Briefing, message: str):
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    _text(slide, message, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(1.1), size=24, bold=True)
    label = _(SIMULATED_STAMP) if briefing.simulated else f"{_(briefing.data_label)} - {briefing.city}"
    _text(slide, f"{label}  |  {briefing.scope}, {briefing.period_text}", MARGIN, HEIGHT - Inches(0.45),
          WIDTH - 2 * MARGIN, Inches(0.35), size=10, colour=GREY)
    return slide


def _picture(slide, png: bytes | None, top=Inches(1.4), max_height=Inches(5.0)) -> None:
    if not png:
        return
    from PIL import Image

    width_px, height_px = Image.open(io.BytesIO(png)).size
    height = max_height
    width = Emu(int(height * width_px / height_px))
    if width > WIDTH - 2 * MARGIN:
        width = WIDTH - 2 * MARGIN
        height = Emu(int(width * height_px / width_px))
    slide.shapes.add_picture(io.BytesIO(png), int((WIDTH - width) / 2), top, width=width, height=height)


def _cell_text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _table(slide, frame: pd.DataFrame, top=Inches(1.5), size: int = 12, row_height=Inches(0.4),
           fit: bool = False) -> None:
    """A table across the slide. ``fit``: columns as wide as their longest cell (a count column does not
    take as much room as a reading), so cells stay on one line and the rows keep their height."""
    if frame.empty:
        return
    rows, cols = len(frame) + 1, len(frame.columns)
    shape = slide.shapes.add_table(rows, cols, MARGIN, top, WIDTH - 2 * MARGIN, row_height * rows)
    table = shape.table
    for j, name in enumerate(frame.columns):
        table.cell(0, j).text = str(name)
    for i, values in enumerate(frame.itertuples(index=False), start=1):
        for j, value in enumerate(values):
            table.cell(i, j).text = _cell_text(value)
    for i in range(rows):
        for j in range(cols):
            for paragraph in table.cell(i, j).text_frame.paragraphs:
                paragraph.font.size = Pt(size)
                for run in paragraph.runs:  # on the text too: PowerPoint's editor takes the run's size as the size
                    run.font.size = Pt(size)
    if fit:  # characters as a measure of width: close enough for one sans-serif font at one size
        longest = [max(len(str(name)), *(len(_cell_text(v)) for v in frame.iloc[:, j])) + 2
                   for j, name in enumerate(frame.columns)]
        for j, chars in enumerate(longest):
            table.columns[j].width = Emu(int((WIDTH - 2 * MARGIN) * chars / sum(longest)))


ROWS_PER_SLIDE = 10  # table rows that fit under a title and a sentence at 12 pt; a longer table goes on to a next slide


def _parts(frame: pd.DataFrame, per_slide: int = ROWS_PER_SLIDE) -> list[pd.DataFrame]:
    """A table cut into as few slides as hold it, in parts of nearly equal length (13 rows: 7 and 6, not 10 and 3)."""
    count = max(-(-len(frame) // per_slide), 1)
    size = -(-len(frame) // count)
    return [frame.iloc[i:i + size] for i in range(0, max(len(frame), 1), size)]


def _table_slides(deck: Presentation, briefing: Briefing, title: str, frame: pd.DataFrame, sentence: str | None,
                  note: str) -> None:
    """One table over one slide, or over several with "(1 of 2)" in their titles: the same cells as the
    PDF's table, with the sentence that reads it above and the note on how it is made below."""
    parts = _parts(frame)
    for k, part in enumerate(parts, start=1):
        message = title if len(parts) == 1 else _("{title} ({part} of {parts})").format(title=title, part=k,
                                                                                         parts=len(parts))
        slide = _slide(deck, briefing, message)
        if sentence:
            _text(slide, sentence, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(0.7), size=14)
        _table(slide, part, top=Inches(2.05), size=12, row_height=Inches(0.37), fit=True)
        if note:
            _text(slide, note, MARGIN, Inches(6.3), WIDTH - 2 * MARGIN, Inches(0.7), size=12, colour=GREY)


def render(briefing: Briefing, pngs: dict[str, bytes]) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    deck.core_properties.title = briefing.title
    deck.core_properties.author = "Common Ground"

    title = _slide(deck, briefing, briefing.scope)
    lines = [_("Community policing briefing - {city}").format(city=briefing.city),
             _("Period: {period} (compared with {comparison})").format(period=briefing.period_text,
                                                                      comparison=briefing.comparison_text),
             _("Offenses: {offenses}").format(offenses=briefing.offense_label),
             _("Data as of {day}; built {built}").format(
                 day=i18n.format_date(briefing.as_of) if briefing.as_of else _("n/a"), built=briefing.built_at)]
    if briefing.stale:  # old data: said on the first slide
        lines.append(briefing.stale)
    _text(title, "\n".join(lines), MARGIN, Inches(1.6), WIDTH - 2 * MARGIN, Inches(2.0), size=18)
    if briefing.simulated:
        _text(title, _(SIMULATED_STAMP), MARGIN, Inches(4.2), WIDTH - 2 * MARGIN, Inches(0.6), size=18, bold=True)

    kpis = briefing.kpis.rename(columns=kpi_headers())
    headline = _slide(deck, briefing, briefing.takeaways[0])
    _table(headline, kpis, size=13)
    _text(headline, "\n".join(briefing.takeaways[1:]), MARGIN, Inches(5.0), WIDTH - 2 * MARGIN, Inches(1.6), size=13)

    # Which offenses rose and fell, as the PDF's table (its counts, change and noise label).
    offenses = shown_columns(briefing.offenses)
    if offenses.empty:
        _text(_slide(deck, briefing, _("Which offenses rose and fell")), _("No incidents of these offenses in either "
                                                                           "period."),
              MARGIN, Inches(1.6), WIDTH - 2 * MARGIN, Inches(1.0), size=16)
    else:
        _table_slides(deck, briefing, _("Which offenses rose and fell"), offenses, briefing.offense_takeaway,
                      briefing.offense_note)

    _picture(_slide(deck, briefing, _("Where: incidents per 1,000 residents")), pngs.get("map"),
             max_height=Inches(5.4))
    areas = shown_columns(briefing.areas)
    if not areas.empty:  # the map's areas as the PDF's table: names, counts, change, reading, rate
        _table_slides(deck, briefing, _("{areas}: incidents, change from a year earlier and rate per 1,000 "
                                        "residents").format(areas=briefing.area_heading), areas, None,
                      _(AREA_NOTE).format(n=f"{metrics.MIN_POPULATION_FOR_RATE:,}"))
    trend_message = briefing.figures["trend"].layout.title.text.replace("<br>", " ")
    _picture(_slide(deck, briefing, trend_message), pngs.get("trend"))
    engagement = _slide(deck, briefing, briefing.takeaways[1] if len(briefing.takeaways) > 1 else _("Engagement"))
    _picture(engagement, pngs.get("engagement"), max_height=Inches(4.6))
    _text(engagement, _(ASSOCIATION_NOTE), MARGIN, Inches(6.2), WIDTH - 2 * MARGIN, Inches(0.6), size=12, colour=GREY)

    trust = _slide(deck, briefing, briefing.trust_takeaway or _("Resident trust"))
    _table(trust, shown_columns(briefing.trust), size=12)
    _text(trust, briefing.trust_note, MARGIN, Inches(6.4), WIDTH - 2 * MARGIN, Inches(0.5), size=12, colour=GREY)

    programs = _slide(deck, briefing, _("Program estimates: effect on incidents and trust, with 95% intervals"))
    _table(programs, shown_columns(briefing.programs), size=12)
    _text(programs, briefing.program_note, MARGIN, Inches(5.6), WIDTH - 2 * MARGIN, Inches(1.2), size=12,
          colour=GREY)

    notes = _slide(deck, briefing, _("How these numbers are made"))
    _text(notes, "\n".join(f"- {n}" for n in briefing.notes), MARGIN, Inches(1.4), WIDTH - 2 * MARGIN,
          Inches(5.5), size=13)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
