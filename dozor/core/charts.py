"""Charts drawn on the server: SVG for pages and PDFs (no JavaScript, no CDN) and the same charts
as PNG (Pillow, DejaVu Sans for Cyrillic and the Kazakh letters) where SVG cannot go (DOCX).

Every number written into SVG goes through ``svg_number``: a machine number with a dot, whatever
the active language. Russian and Kazakh write decimals with a comma, so a float put in a template
as ``{{ value }}`` gives ``viewBox="0 0 1000 553,6"``, which browsers reject. Templates place the
markup built here (``{{ chart.svg }}``) or strings made by ``svg_number``, never a float.

- ``Svg``: a small writer: numbers through ``svg_number``, text and attributes escaped;
- ``Chart``: horizontal bars, each of one or more coloured segments, with a note after the bar
  (the recommendation dashboards, the annual report);
- ``ColumnChart``: columns with a line through them and a legend (population against capacity in
  the visit report).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dozor.core.documents import FONT, FONT_DIR

Number = int | float | Decimal

# --- numbers ----------------------------------------------------------------------------------------


def svg_number(value: Number, digits: int = 2) -> str:
    """``value`` for an SVG attribute: rounded to ``digits`` decimals, a dot as the decimal
    separator, no trailing zeros, no exponent (553.6 -> "553.6", 12.0 -> "12", -0.001 -> "0").
    Python's own formatting never follows the active language, unlike Django's templates."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    text = f"{number:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def svg_points(points: Iterable[tuple[Number, Number]], digits: int = 1) -> str:
    """``x,y x,y ...`` for a polyline or polygon."""
    return " ".join(f"{svg_number(x, digits)},{svg_number(y, digits)}" for x, y in points)


def nice_step(value: Number, ticks: int = 4) -> int:
    """The smallest round step (1, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) whose ``ticks`` steps reach ``value``."""
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 3, 4, 5, 6, 8):
            step = int(factor * magnitude)
            if step and step == factor * magnitude and step * ticks >= value:
                return step
        magnitude *= 10


def shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# --- SVG --------------------------------------------------------------------------------------------


class Svg:
    """An SVG document built element by element. Keyword attributes: ``class_`` for ``class``,
    underscores for hyphens (``text_anchor``, ``aria_label``); numbers are written by
    ``svg_number`` with ``digits`` decimals, strings escaped, None left out."""

    def __init__(
        self,
        width: Number,
        height: Number,
        *,
        digits: int = 1,
        sized: bool = True,
        **attrs: Any,
    ) -> None:
        self.digits = digits
        size = {"width": width, "height": height} if sized else {}
        view_box = f"0 0 {svg_number(width, digits)} {svg_number(height, digits)}"
        self._open = f'<svg xmlns="http://www.w3.org/2000/svg"{self._attrs(size)} viewBox="{view_box}"'
        self._open += self._attrs(attrs) + ">"
        self._parts: list[str] = []

    def _attrs(self, attrs: dict[str, Any]) -> str:
        out = []
        for name, value in attrs.items():
            if value is None:
                continue
            if isinstance(value, bool):
                raise TypeError(f"{name}: say what a boolean means in SVG")
            text = svg_number(value, self.digits) if isinstance(value, Number) else escape(value)
            out.append(f' {name.rstrip("_").replace("_", "-")}="{text}"')
        return "".join(out)

    def element(self, tag: str, text: str = "", *, title: str = "", **attrs: Any) -> None:
        """``<tag ...>text</tag>``; ``title`` becomes a ``<title>`` child (a tooltip in browsers)."""
        inner = escape(text) + (f"<title>{escape(title)}</title>" if title else "")
        attributes = self._attrs(attrs)
        self._parts.append(f"<{tag}{attributes}>{inner}</{tag}>" if inner else f"<{tag}{attributes}/>")

    def rect(self, x: Number, y: Number, width: Number, height: Number, **attrs: Any) -> None:
        self.element("rect", x=x, y=y, width=width, height=height, **attrs)

    def line(self, x1: Number, y1: Number, x2: Number, y2: Number, **attrs: Any) -> None:
        self.element("line", x1=x1, y1=y1, x2=x2, y2=y2, **attrs)

    def text(self, x: Number, y: Number, text: str, **attrs: Any) -> None:
        self.element("text", text, x=x, y=y, **attrs)

    def polyline(self, points: Iterable[tuple[Number, Number]], **attrs: Any) -> None:
        self.element("polyline", points=svg_points(points, self.digits), **attrs)

    def markup(self) -> SafeString:
        return mark_safe(self._open + "".join(self._parts) + "</svg>")  # every value escaped above


# --- PNG --------------------------------------------------------------------------------------------


def png_font(size: int) -> Any:
    """DejaVu Sans at ``size`` pixels; Pillow's own font (Latin and digits only) without it."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), size)
    except OSError:  # fonts not installed
        return ImageFont.load_default(size)


def png_bytes(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- horizontal bars ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    value: Number
    colour: str
    title: str = ""  # a tooltip in SVG


@dataclass
class Bar:
    label: str
    segments: list[Segment]
    note: str = ""  # written after the bar: the value, a rate

    @property
    def total(self) -> float:
        return float(sum(s.value for s in self.segments))


@dataclass
class Chart:
    """Horizontal bars: the label on the left, the bar's segments one after the other, the note
    after the bar (after the track, when the plot has one). ``full`` is the value of a bar as wide
    as the plot (None: the largest bar)."""

    title: str
    bars: list[Bar]
    full: Number | None = None
    label_width: int = 220
    plot_width: int = 360
    row_height: int = 24
    bar_height: int = 18
    pad: int = 0
    font_size: int = 12
    label_limit: int = 34
    track: str | None = None  # the colour of the plot behind each bar
    axis: str | None = None  # the colour of a line where the bars start
    labelled_by: str = ""  # ids of the heading and of the table giving the same figures (SVG)
    described_by: str = ""

    @property
    def width(self) -> int:
        return self.label_width + self.plot_width + 60

    @property
    def height(self) -> int:
        return 2 * self.pad + max(len(self.bars), 1) * self.row_height

    def widths(self, bar: Bar) -> list[float]:
        """The drawn width of each segment of ``bar``."""
        full = float(self.full) if self.full else max((b.total for b in self.bars), default=0) or 1.0
        return [self.plot_width * float(s.value) / full for s in bar.segments]

    def _rows(self) -> Iterable[tuple[float, Bar, list[float]]]:
        for index, bar in enumerate(self.bars):
            top = self.pad + index * self.row_height + (self.row_height - self.bar_height) / 2
            yield top, bar, self.widths(bar)

    def _note_x(self, widths: list[float]) -> float:
        return self.label_width + (self.plot_width if self.track else math.fsum(widths)) + 6

    def svg(self) -> SafeString:
        svg = Svg(
            self.width,
            self.height,
            role="img",
            aria_labelledby=self.labelled_by or None,
            aria_describedby=self.described_by or None,
            font_size=self.font_size,
        )
        if self.axis:
            svg.line(self.label_width, self.pad, self.label_width, self.height - self.pad, stroke=self.axis)
        baseline = self.bar_height / 2 + self.font_size / 3
        for top, bar, widths in self._rows():
            svg.text(
                self.label_width - 6, top + baseline, shorten(bar.label, self.label_limit), text_anchor="end"
            )
            if self.track:
                svg.rect(self.label_width, top, self.plot_width, self.bar_height, fill=self.track)
            x = float(self.label_width)
            for segment, width in zip(bar.segments, widths, strict=True):
                svg.element(
                    "rect",
                    title=segment.title,
                    x=x,
                    y=top,
                    width=width,
                    height=self.bar_height,
                    fill=segment.colour,
                )
                x += width
            if bar.note:
                svg.text(self._note_x(widths), top + baseline, bar.note)
        return svg.markup()

    def png(self, scale: int = 2) -> bytes:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (self.width * scale, self.height * scale), "white")
        draw = ImageDraw.Draw(image)
        font = png_font(self.font_size * scale)

        def s(v: float) -> float:
            return v * scale

        if self.axis:
            x0 = s(self.label_width)
            draw.line([(x0, s(self.pad)), (x0, s(self.height - self.pad))], fill=self.axis, width=scale)
        for top, bar, widths in self._rows():
            middle = s(top + self.bar_height / 2)
            label = shorten(bar.label, self.label_limit)
            draw.text((s(self.label_width - 6), middle), label, fill="#222222", font=font, anchor="rm")
            if self.track:
                box = [
                    s(self.label_width),
                    s(top),
                    s(self.label_width + self.plot_width),
                    s(top + self.bar_height),
                ]
                draw.rectangle(box, fill=self.track)
            x = float(self.label_width)
            for segment, width in zip(bar.segments, widths, strict=True):
                if round(s(width)):
                    draw.rectangle(
                        [s(x), s(top), s(x + width), s(top + self.bar_height)], fill=segment.colour
                    )
                x += width
            if bar.note:
                draw.text((s(self._note_x(widths)), middle), bar.note, fill="#222222", font=font, anchor="lm")
        return png_bytes(image)


# --- columns with a line ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    colour: str


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str
    x: int  # from the plot's left edge
    line: bool = False  # a short line (the line's key) rather than a swatch


# a column placed on the canvas: x, y, width, height, the column
Placed = tuple[float, float, float, float, Column]


@dataclass
class ColumnChart:
    """Columns (one per label, the value written inside the column's foot when it is tall enough,
    above it otherwise), a line through ``line`` (one value per column; across the slot when there
    is one column), value ticks on the left and a legend under the plot."""

    columns: list[Column]
    line: list[int]
    line_colour: str
    legend: list[LegendItem] = field(default_factory=list)
    width: int = 640
    height: int = 260
    pad_left: int = 48
    pad_right: int = 16
    pad_top: int = 28
    pad_bottom: int = 44
    font_size: int = 10

    def _geometry(self) -> tuple[list[Placed], list[tuple[float, float]], list[tuple[float, int]]]:
        """The columns placed, the line's points and the ticks (y, value)."""
        step = nice_step(max([*self.line, *(c.value for c in self.columns), 1]))
        top = step * 4
        plot_w = self.width - self.pad_left - self.pad_right
        plot_h = self.height - self.pad_top - self.pad_bottom
        slot = plot_w / max(len(self.columns), 1)
        bar_w = min(slot * 0.6, 48)

        def y_of(value: int) -> float:
            return self.pad_top + plot_h * (1 - value / top)

        columns = []
        points: list[tuple[float, float]] = []
        for i, (column, level) in enumerate(zip(self.columns, self.line, strict=True)):
            centre = self.pad_left + slot * (i + 0.5)
            y = y_of(column.value)
            columns.append((centre - bar_w / 2, y, bar_w, self.pad_top + plot_h - y, column))
            points.append((centre, y_of(level)))
        if len(points) == 1:  # one point: a short level line across its slot
            (x, y) = points[0]
            points = [(x - slot * 0.45, y), (x + slot * 0.45, y)]
        ticks = [(y_of(step * k), step * k) for k in range(5)]
        return columns, points, ticks

    @staticmethod
    def value_inside(height: float) -> bool:
        """Write the value inside the foot of the column, in white, when the column is tall enough
        (clear of the line, which usually crosses near the top); above it otherwise."""
        return height >= 16

    def svg(self) -> SafeString:
        if not self.columns:
            return mark_safe("")
        columns, points, ticks = self._geometry()
        svg = Svg(self.width, self.height, font_family=FONT, font_size=self.font_size)
        right = self.width - self.pad_right
        for y, value in ticks:
            svg.line(self.pad_left, y, right, y, stroke="#ddd", stroke_width=0.5)
            svg.text(self.pad_left - 4, y + 3, str(value), text_anchor="end", fill="#555")
        for x, y, w, h, column in columns:
            svg.rect(x, y, w, h, fill=column.colour)
            middle = x + w / 2
            if self.value_inside(h):
                svg.text(middle, y + h - 4, str(column.value), text_anchor="middle", fill="white")
            else:
                svg.text(middle, y - 3, str(column.value), text_anchor="middle")
            svg.text(
                middle, self.height - self.pad_bottom + 14, column.label, text_anchor="middle", fill="#555"
            )
        svg.polyline(points, fill="none", stroke=self.line_colour, stroke_width=2)
        legend_y = self.height - 10
        for item in self.legend:
            x = self.pad_left + item.x
            if item.line:
                svg.line(x, legend_y - 3, x + 20, legend_y - 3, stroke=item.colour, stroke_width=2)
                svg.text(x + 24, legend_y + 1, item.label)
            else:
                svg.rect(x, legend_y - 8, 10, 10, fill=item.colour)
                svg.text(x + 14, legend_y + 1, item.label)
        return svg.markup()

    def png(self, scale: int = 2) -> bytes:
        from PIL import Image, ImageDraw

        columns, points, ticks = self._geometry()
        image = Image.new("RGB", (self.width * scale, self.height * scale), "white")
        draw = ImageDraw.Draw(image)
        font = png_font(self.font_size * scale)

        def s(v: float) -> float:
            return v * scale

        for y, value in ticks:
            draw.line(
                [(s(self.pad_left), s(y)), (s(self.width - self.pad_right), s(y))], fill="#dddddd", width=1
            )
            draw.text((s(self.pad_left - 4), s(y)), str(value), fill="#555555", font=font, anchor="rm")
        for x, y, w, h, column in columns:
            draw.rectangle([s(x), s(y), s(x + w), s(y + h)], fill=column.colour)
            middle = s(x + w / 2)
            if self.value_inside(h):
                draw.text((middle, s(y + 12)), str(column.value), fill="white", font=font, anchor="ms")
            else:
                draw.text((middle, s(y - 3)), str(column.value), fill="black", font=font, anchor="ms")
            label_y = s(self.height - self.pad_bottom + 14)
            draw.text((middle, label_y), column.label, fill="#555555", font=font, anchor="ms")
        draw.line([(s(x), s(y)) for x, y in points], fill=self.line_colour, width=2 * scale)
        legend_y = self.height - 10
        for item in self.legend:
            x = self.pad_left + item.x
            if item.line:
                draw.line(
                    [(s(x), s(legend_y - 3)), (s(x + 20), s(legend_y - 3))], fill=item.colour, width=2 * scale
                )
                draw.text((s(x + 24), s(legend_y + 1)), item.label, fill="black", font=font, anchor="ls")
            else:
                draw.rectangle([s(x), s(legend_y - 8), s(x + 10), s(legend_y + 2)], fill=item.colour)
                draw.text((s(x + 14), s(legend_y + 1)), item.label, fill="black", font=font, anchor="ls")
        return png_bytes(image)
