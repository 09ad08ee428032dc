"""Shared PDF machinery: the embedded font, styles and texts read from ``reports/``, French
typography, the page template (header, footer with status and SHA-256, « n / N », « PROJET »
watermark) and the document metadata (``/PetrRecord``, ``/PetrSha256``).

Imported only when a PDF is made (it imports reportlab).

Two details keep ``pdftotext`` giving the French text back exactly:
- reportlab's Paragraph breaks lines at U+202F and its TrueType subsets draw U+00A0 as a plain
  space: a Paragraph lays out U+202F as a private stand-in of the same width, put back when drawn;
- poppler turns every kind of space into U+0020 when it extracts text (and may glue « 0 / 0 »):
  a run holding U+202F, U+00A0 or « / » is wrapped in a marked-content span whose
  ``/ActualText`` is the exact text.
"""
from __future__ import annotations

import functools
import io
import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Paragraph,
                                Spacer, Table, TableStyle)

from ...domain.values import NBSP, NNBSP, format_date

# Binary Flate streams (not ASCII85 on top): smaller files, less pure-Python encoding time.
# Process-wide reportlab setting; this package is the app's only reportlab user.
rl_config.useA85 = 0

AUTHOR = "Carnet PETR"
#: Private-use character standing for U+202F while Paragraph lays a line out.
_LAYOUT_NNBSP = "\ue000"
_FONT_LOCK = threading.Lock()
_FONTS_READY = False


# --- Data in reports/ -----------------------------------------------------------------------

@lru_cache(maxsize=None)
def report_data(name: str) -> dict[str, Any]:
    """A JSON file of ``petr_desktop/reports/`` (``pdf_styles``, ``pdf_layouts``)."""
    text = resources.files("petr_desktop.reports").joinpath(f"{name}.json").read_text("utf-8")
    return json.loads(text)


def styles_data() -> dict[str, Any]:
    return report_data("pdf_styles")


def layout(kind: str) -> dict[str, Any]:
    """The texts, section titles and columns of one kind of document."""
    return report_data("pdf_layouts")[kind]


def font_names() -> tuple[str, str]:
    fonts = styles_data()["fonts"]
    return fonts["regular"]["name"], fonts["bold"]["name"]


def font_licence() -> str:
    """The licence text of the embedded font, shipped next to it."""
    name = styles_data()["fonts"]["licence"]
    return resources.files("petr_desktop.resources").joinpath("fonts", name).read_text("utf-8")


def register_fonts() -> None:
    """Register the shipped TrueType fonts once per process (about 50 ms)."""
    global _FONTS_READY
    if _FONTS_READY:
        return
    with _FONT_LOCK:
        if _FONTS_READY:
            return
        fonts = styles_data()["fonts"]
        folder = resources.files("petr_desktop.resources").joinpath("fonts")
        for key in ("regular", "bold"):
            spec = fonts[key]
            font = TTFont(spec["name"], io.BytesIO(folder.joinpath(spec["file"]).read_bytes()))
            widths = font.face.charWidths
            widths[ord(_LAYOUT_NNBSP)] = widths.get(ord(NNBSP), widths.get(0x20, 0))
            pdfmetrics.registerFont(font)
        regular, bold = fonts["regular"]["name"], fonts["bold"]["name"]
        pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
        _FONTS_READY = True


def colour(name: str) -> colors.Color:
    return colors.HexColor(styles_data()["colours"][name])


# --- French typography ----------------------------------------------------------------------

_OPEN_QUOTE = re.compile("«[ \u00a0\u202f]*")
_CLOSE_QUOTE = re.compile("[ \u00a0\u202f]*»")
_BEFORE_COLON = re.compile(" :(?=\\s|$)")
_BEFORE_HIGH = re.compile(" ([;!?])(?=\\s|$)")


def french(text: str) -> str:
    """French spacing: « » with narrow no-break spaces inside, no-break space before « : »,
    narrow no-break space before « ; ! ? »."""
    if not text:
        return ""
    text = _OPEN_QUOTE.sub("«" + NNBSP, text)
    text = _CLOSE_QUOTE.sub(NNBSP + "»", text)
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    return _BEFORE_HIGH.sub(NNBSP + r"\1", text)


def markup(text: str) -> str:
    """Plain text → Paragraph markup (escaped, French spacing, line breaks kept)."""
    body = escape(french(str(text))).replace(NNBSP, _LAYOUT_NNBSP)
    return body.replace("\r\n", "\n").replace("\n", "<br/>")


def amount_k(cents: int) -> str:
    """Thousands of euros for chart axes: « 1 250 »."""
    return f"{round(cents / 100_000):,}".replace(",", NNBSP)


# --- Canvas: exact text, metadata, deferred footer ----------------------------------------------

def _utf16(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class _TextObject(PDFTextObject):
    """Puts U+202F back and wraps runs with (narrow) no-break spaces, or « 3 / 5 » (whose spaces
    poppler may glue), in an /ActualText span."""

    def _formatText(self, text: Any) -> str:  # noqa: N802 (reportlab's name)
        if isinstance(text, str) and _LAYOUT_NNBSP in text:
            text = text.replace(_LAYOUT_NNBSP, NNBSP)
        code = super()._formatText(text)
        if isinstance(text, str) and (NNBSP in text or NBSP in text or " / " in text):
            return f"/Span <</ActualText {_utf16(text)}>> BDC {code} EMC"
        return code


class _Info(PDFInfo):
    """The document information dictionary, with the app's own keys."""

    extra: dict[str, str] = {}

    def format(self, document: Any) -> bytes:
        entries = {
            "Title": PDFString(self.title), "Author": PDFString(self.author),
            "Subject": PDFString(self.subject), "Keywords": PDFString(self.keywords),
            "Creator": PDFString(self.creator), "Producer": PDFString(self.producer),
            "Trapped": PDFName(self.trapped),
        }
        entries["CreationDate"] = entries["ModDate"] = PDFDate(ts=document._timeStamp,
                                                               dateFormatter=self._dateFormatter)
        for key, value in self.extra.items():
            entries[key] = PDFString(value)
        return PDFDictionary(entries).format(document)


class _Canvas(Canvas):
    """Keeps every page until the end, then draws each footer knowing the page count."""

    def __init__(self, *args: Any, decor: "PageDecor", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        info = _Info()
        info.__dict__.update(self._doc.info.__dict__)
        info.extra = {"PetrRecord": decor.meta.record, "PetrSha256": decor.meta.sha256}
        self._doc.info = info
        self._decor = decor
        self._kept_pages: list[dict[str, Any]] = []

    def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> _TextObject:  # noqa: N802
        return _TextObject(self, x, y, direction=direction)

    def showPage(self) -> None:  # noqa: N802
        self._kept_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._kept_pages)
        for number, state in enumerate(self._kept_pages, start=1):
            self.__dict__.update(state)
            self._decor.draw_footer(self, number, total)
            Canvas.showPage(self)
        Canvas.save(self)


class VisaArea(Flowable):
    """Blank room for the visa block that signing adds later: its place goes into the document
    information as ``/PetrVisaArea`` = "<page> <x1> <y1> <x2> <y2>" (PDF points)."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width, self.height = width, styles_data()["visa_area"]["height"]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        x1, y1 = canvas.absolutePosition(0, 0)
        x2, y2 = canvas.absolutePosition(self.width, self.height)
        area = f"{canvas.getPageNumber()} {x1:.0f} {y1:.0f} {x2:.0f} {y2:.0f}"
        canvas._doc.info.extra = {**canvas._doc.info.extra, "PetrVisaArea": area}


# --- Page decoration --------------------------------------------------------------------------

@dataclass(frozen=True)
class Meta:
    """What a document says about itself: metadata, header and footer."""

    title: str
    subject: str
    record: str
    sha256: str
    status: str
    header_right: str = ""
    keywords: tuple[str, ...] = ()
    edited_on: date = field(default_factory=date.today)


@dataclass(frozen=True)
class PageDecor:
    meta: Meta
    page_width: float
    page_height: float
    margins: dict[str, float]

    def draw_header(self, canvas: Canvas) -> None:
        spec = styles_data()["header"]
        regular, bold = font_names()
        left, right = self.margins["left"], self.page_width - self.margins["right"]
        y = self.page_height - spec["offset_mm"] * mm
        canvas.saveState()
        canvas.setFillColor(colour("primary"))
        canvas.setFont(bold, spec["font_size"])
        canvas.drawString(left, y, french(spec["text"]))
        if self.meta.header_right:
            canvas.setFont(regular, spec["font_size"])
            canvas.setFillColor(colour("muted"))
            text = french(self.meta.header_right)
            width = right - left - pdfmetrics.stringWidth(french(spec["text"]), bold, spec["font_size"]) - 20
            canvas.drawRightString(right, y, _fit(text, regular, spec["font_size"], width))
        canvas.setStrokeColor(colour("rule"))
        canvas.setLineWidth(0.5)
        canvas.line(left, y - 4, right, y - 4)
        canvas.restoreState()

    def draw_watermark(self, canvas: Canvas) -> None:
        spec = styles_data()["watermark"]
        _regular, bold = font_names()
        canvas.saveState()
        canvas.setFillColor(colour("watermark"))
        canvas.setFillAlpha(spec["alpha"])
        canvas.setFont(bold, spec["font_size"])
        canvas.translate(self.page_width / 2, self.page_height / 2)
        canvas.rotate(spec["angle"])
        # Hidden from text extraction (its scattered diagonal letters would break the reading
        # order); the footer of the same page says « PROJET » in words.
        canvas.addLiteral("/Span <</ActualText ()>> BDC")
        canvas.drawCentredString(0, -spec["font_size"] / 3, spec["text"])
        canvas.addLiteral("EMC")
        canvas.restoreState()

    def draw_footer(self, canvas: Canvas, number: int, total: int) -> None:
        spec = styles_data()["footer"]
        regular, bold = font_names()
        left, right = self.margins["left"], self.page_width - self.margins["right"]
        y = spec["offset_mm"] * mm
        canvas.saveState()
        canvas.setStrokeColor(colour("rule"))
        canvas.setLineWidth(0.5)
        canvas.line(left, y + 13, right, y + 13)
        pages = spec["pages"].format(page=number, total=total)
        canvas.setFont(bold, spec["font_size"] + 1)
        canvas.setFillColor(colour("primary"))
        canvas.drawRightString(right, y + 3.5, pages)     # « 1 / 3 »: exact through /ActualText
        pages_width = pdfmetrics.stringWidth(pages, bold, spec["font_size"] + 1) + 12
        canvas.setFont(bold, spec["font_size"])
        status = french(self.meta.status)
        if getattr(canvas, "_petr_draft", False):
            status = f"{styles_data()['watermark']['text']} — {status}"
            canvas.setFillColor(colour("alert"))
        canvas.drawString(left, y + 4, _fit(status, bold, spec["font_size"], right - left - pages_width))
        canvas.setFont(regular, spec["hash_font_size"])
        canvas.setFillColor(colour("muted"))
        canvas.drawString(left, y - 4, french(spec["hash_label"]) + self.meta.sha256)
        canvas.drawRightString(right, y - 4, spec["edited"].format(date=format_date(self.meta.edited_on)))
        canvas.restoreState()


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Cut a one-line text with « … » so that it fits ``width``."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# --- Styles and building blocks ---------------------------------------------------------------

_ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER}


@lru_cache(maxsize=None)
def paragraph_styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    regular, bold = font_names()
    result = {}
    for name, spec in styles_data()["styles"].items():
        font = bold if spec.get("font") == "bold" else regular
        result[name] = ParagraphStyle(
            name, fontName=font, fontSize=spec["size"], leading=spec["leading"],
            textColor=colour(spec.get("colour", "text")), spaceBefore=spec.get("space_before", 0),
            spaceAfter=spec.get("space_after", 0), alignment=_ALIGN[spec.get("align", "left")],
            bulletFontName=regular, allowWidows=0, allowOrphans=0, splitLongWords=1)
    return result


class Kit:
    """Flowable factory for one document: paragraphs, tables and boxes with the house style."""

    def __init__(self, width: float) -> None:
        self.width = width
        self.styles = paragraph_styles()
        self.common = layout("common")
        self.table_spec = styles_data()["tables"]

    # Paragraphs
    def p(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(markup(text), self.styles[style])

    def rich(self, parts: Iterable[tuple[str, bool]], style: str = "body") -> Paragraph:
        """A paragraph of (text, bold) runs."""
        body = "".join(f"<b>{markup(t)}</b>" if strong else markup(t) for t, strong in parts)
        return Paragraph(body, self.styles[style])

    def text_or_empty(self, text: str | None, style: str = "body") -> list[Flowable]:
        """Free text split into paragraphs, or the muted « — »."""
        blocks = [b.strip() for b in re.split(r"\n\s*\n", text or "") if b.strip()]
        if not blocks:
            return [self.p(self.common["empty"], "empty")]
        return [self.p(block, style) for block in blocks]

    # Tables
    def table(self, columns: Sequence[Sequence[Any]], rows: Sequence[Sequence[Any]], *,
              styles: Sequence[str] | None = None, header: bool = True, zebra: bool = True,
              total_rows: int = 0, width: float | None = None, extra: Sequence[tuple] = ()) -> Table:
        """A table with ``columns`` = [(label, width fraction)], cells as text or flowables.

        ``styles`` gives each column's cell style; the last ``total_rows`` rows are in bold.
        A text that fits on one line is drawn as a plain table string (styled per column, ten
        times cheaper than a Paragraph); longer texts wrap in a Paragraph of the same style.
        """
        width = width or self.width
        styles = list(styles or ["cell"] * len(columns))
        widths = [width * fraction for _, fraction in columns]
        pad = self.table_spec["padding"]
        data: list[list[Any]] = []
        commands: list[tuple] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad - 1), ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
            ("LINEBELOW", (0, 0), (-1, -1), self.table_spec["grid_width"], colour("table_grid")),
        ]
        first = 1 if header else 0
        last_body = first + len(rows) - total_rows - 1
        row_styles: list[tuple[int, int, list[str]]] = []
        if header:
            row_styles.append((0, 0, ["cell_head_right" if s.startswith("cell_right") else "cell_head"
                                      for s in styles]))
            data.append([label for label, _ in columns])
        if rows:
            row_styles.append((first, last_body, styles))
            if total_rows:
                row_styles.append((last_body + 1, first + len(rows) - 1, [_bold(s) for s in styles]))
            data += [list(row) for row in rows]
        for top, bottom, names in row_styles:
            if bottom < top:
                continue
            for column, name in enumerate(names):
                commands += _string_style(self.styles[name], (column, top), (column, bottom))
        muted = self.styles["cell_muted"].textColor
        for r, (row, names) in enumerate(_with_styles(data, row_styles)):
            for c, value in enumerate(row):
                if isinstance(value, Flowable):
                    continue
                text = french("" if value is None else str(value))
                if not text:
                    row[c] = self.common["empty"]
                    commands.append(("TEXTCOLOR", (c, r), (c, r), muted))
                    continue
                style = self.styles[names[c]]
                if "\n" in text or pdfmetrics.stringWidth(text, style.fontName, style.fontSize) > widths[c] - 2 * pad:
                    row[c] = Paragraph(markup(text), style)
                else:
                    row[c] = text
        table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
        if header:
            commands += [("BACKGROUND", (0, 0), (-1, 0), colour("table_header")),
                         ("LINEBELOW", (0, 0), (-1, 0), self.table_spec["header_line_width"], colour("primary"))]
        if zebra:
            for index in range(first + 1, last_body + 1, 2):
                commands.append(("BACKGROUND", (0, index), (-1, index), colour("zebra")))
        if total_rows:
            commands.append(("LINEABOVE", (0, last_body + 1), (-1, last_body + 1),
                             self.table_spec["header_line_width"], colour("primary")))
        commands += list(extra)
        table.setStyle(TableStyle(commands))
        return table

    def pairs(self, items: Sequence[tuple[str, Any]], label_fraction: float = 0.32,
              width: float | None = None) -> Table:
        """A two-column label / value table."""
        return self.table([("", label_fraction), ("", 1 - label_fraction)], [list(i) for i in items],
                          styles=["cell_label", "cell"], header=False, zebra=False, width=width)

    def status_box(self, status: str, sha256: str, extra: Sequence[str] = ()) -> Table:
        """« Statut : … » and the SHA-256 in a light box."""
        content = [self.rich([(self.common["status"], False), (status, True)], "status")]
        content += [self.p(line, "small") for line in extra]
        content.append(self.p(self.common["hash"] + sha256, "status_hash"))
        box = Table([[content]], colWidths=[self.width], hAlign="LEFT")
        box.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font_names()[0]),
            ("BACKGROUND", (0, 0), (-1, -1), colour("box")),
            ("BOX", (0, 0), (-1, -1), 0.6, colour("box_border")),
            ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]))
        return box

    def section(self, title: str, *content: Flowable, level: str = "h1") -> list[Flowable]:
        """A heading kept with the start of its content."""
        flowables = list(content)
        head = self.p(title, level)
        if not flowables:
            return [head]
        first = flowables[0]
        # A KeepTogether inside a KeepTogether always asks for a new page: merge them.
        kept = [head, *first._content] if isinstance(first, KeepTogether) else [head, first]
        return [KeepTogether(kept), *flowables[1:]]

    def space(self, height: float = 4) -> Spacer:
        return Spacer(1, height)


_TABLE_ALIGN = {TA_LEFT: "LEFT", TA_RIGHT: "RIGHT", TA_CENTER: "CENTER"}


def _string_style(style: ParagraphStyle, top_left: tuple[int, int], bottom_right: tuple[int, int]) -> list[tuple]:
    """Table commands that draw plain strings of a block of cells like ``style``."""
    return [("FONTNAME", top_left, bottom_right, style.fontName),
            ("FONTSIZE", top_left, bottom_right, style.fontSize),
            ("LEADING", top_left, bottom_right, style.leading),
            ("TEXTCOLOR", top_left, bottom_right, style.textColor),
            ("ALIGN", top_left, bottom_right, _TABLE_ALIGN.get(style.alignment, "LEFT"))]


def _with_styles(data: list[list[Any]], row_styles: list[tuple[int, int, list[str]]]):
    """Each row of ``data`` with the style names of its cells."""
    for index, row in enumerate(data):
        names = next(n for top, bottom, n in row_styles if top <= index <= bottom)
        yield row, names


def _bold(style: str) -> str:
    return {"cell": "cell_bold", "cell_right": "cell_right_bold"}.get(style, style)


# --- The document ------------------------------------------------------------------------------

DRAFT, FINAL = "draft", "final"


@dataclass
class Page:
    """Page geometry from the styles file."""

    width: float
    height: float
    margins: dict[str, float]

    @property
    def frame_width(self) -> float:
        return self.width - self.margins["left"] - self.margins["right"]

    @property
    def frame_height(self) -> float:
        return self.height - self.margins["top"] - self.margins["bottom"]


def page(landscape_page: bool = False) -> Page:
    spec = styles_data()["page"]
    size = A4 if spec["size"] == "A4" else A4
    if landscape_page:
        size = landscape(size)
    margins = {k: v * mm for k, v in spec["margins_mm"].items()}
    return Page(size[0], size[1], margins)


def build(story: list[Flowable], meta: Meta, *, draft: bool = False, geometry: Page | None = None) -> bytes:
    """Lay the story out on pages with header, footer and (on « draft » pages) the watermark.

    The first page uses the draft template when ``draft``; a story may switch templates with
    ``NextPageTemplate(DRAFT | FINAL)``. Returns the PDF bytes.
    """
    register_fonts()
    geometry = geometry or page()
    regular, _bold_font = font_names()
    decor = PageDecor(meta, geometry.width, geometry.height, geometry.margins)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(geometry.width, geometry.height), leftMargin=geometry.margins["left"],
        rightMargin=geometry.margins["right"], topMargin=geometry.margins["top"],
        bottomMargin=geometry.margins["bottom"], title=french(meta.title), author=AUTHOR,
        subject=french(meta.subject),
        creator=AUTHOR, keywords=list(meta.keywords), initialFontName=regular, lang="fr-FR",
        displayDocTitle=True)
    frame = Frame(geometry.margins["left"], geometry.margins["bottom"], geometry.frame_width,
                  geometry.frame_height, id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def final_page(canvas: Canvas, _doc: Any) -> None:
        canvas._petr_draft = False      # kept with the page, read by the footer
        decor.draw_header(canvas)

    def draft_page(canvas: Canvas, _doc: Any) -> None:
        canvas._petr_draft = True
        decor.draw_watermark(canvas)
        decor.draw_header(canvas)

    templates = [PageTemplate(id=FINAL, frames=[frame], onPage=final_page),
                 PageTemplate(id=DRAFT, frames=[frame], onPage=draft_page)]
    if draft:
        templates.reverse()
    doc.addPageTemplates(templates)
    doc.build(story, canvasmaker=functools.partial(_Canvas, decor=decor))
    return buffer.getvalue()
