"""Chart geometry for server-rendered SVG (templates/admin/reports/_charts.html draws it).

No JavaScript and no outside library: the page works offline and under the strict CSP. Horizontal
positions are percentages and vertical ones pixels, so a chart fills a phone's width or a desktop's
without scaling its text.
"""
import math
from dataclasses import dataclass, field

ROW = 38           # pixels per row of a bar chart: a line of text, then the bar
BAR = 14           # bar thickness
PLOT = 160         # height of the column chart's plot area
TOP = 18           # room above the tallest column for its total
AXIS = 22          # room below the plot for the period labels
TOTALS_UP_TO = 16  # columns get their total written above them when there are at most this many
COLUMNS_WIDTH = 93.0  # percent of the width for columns; the rest keeps gridline values readable


@dataclass
class Bar:
    """One row of a horizontal bar chart."""

    key: str
    label: str
    value: int
    y: int          # top of the row's text line
    width: float    # bar length, percent of the chart's width
    note: str = ""  # written after the value, e.g. a share
    title: str = "" # the full label, shown on hover or a long press


@dataclass
class BarChart:
    """Rows of labelled bars, the longest bar for the largest value."""

    bars: list
    height: int


def bar_chart(items, notes=None, titles=None):
    """Return the BarChart of [(key, label, value)] (notes: {key: text after the value}; titles:
    {key: full label}, default the label)."""
    top = max((value for _, _, value in items), default=0)
    bars = [Bar(key=key, label=label, value=value, y=i * ROW, width=100.0 * value / top if top else 0.0,
                note=(notes or {}).get(key, ""), title=(titles or {}).get(key, label))
            for i, (key, label, value) in enumerate(items)]
    return BarChart(bars=bars, height=max(len(bars) * ROW, ROW))


@dataclass
class Segment:
    """One series' part of a column."""

    series: int     # index of the series (its colour)
    value: int
    y: float
    height: float


@dataclass
class Column:
    """One period's stacked column."""

    label: str
    title: str
    total: int
    x: float        # left edge, percent
    width: float    # percent
    segments: list = field(default_factory=list)

    @property
    def middle(self):
        """Return the column's centre, percent."""
        return self.x + self.width / 2


@dataclass
class ColumnChart:
    """Stacked columns over time, gridlines with their values, a few period labels below."""

    columns: list
    ticks: list         # [(value, y)]
    labels: list        # [(x percent, text-anchor, text)]
    height: int
    bottom: int         # y of the axis
    show_totals: bool


def nice_step(top, lines=4):
    """Return a gridline step (1, 2 or 5 times a power of ten) giving at most `lines` lines up to top."""
    if top <= 0:
        return 1
    raw = top / lines
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def column_chart(periods, series, titles=None):
    """Return the ColumnChart of periods [(label, {series key: value})], stacked in series order.

    titles: a title per period (shown on hover or a long press), default the label.
    """
    totals = [sum(values.get(key, 0) for key in series) for _, values in periods]
    step = nice_step(max(totals, default=0))
    top = max(step * math.ceil(max(totals, default=0) / step), step)
    scale = PLOT / top
    bottom = TOP + PLOT
    slot = COLUMNS_WIDTH / max(len(periods), 1)
    gap = slot * 0.2 if len(periods) > 1 else slot * 0.6
    columns = []
    for i, ((label, values), total) in enumerate(zip(periods, totals)):
        column = Column(label=label, title=(titles or [label] * len(periods))[i], total=total,
                        x=i * slot + gap / 2, width=slot - gap)
        y = float(bottom)
        for index, key in enumerate(series):
            value = values.get(key, 0)
            if value:
                height = value * scale
                y -= height
                column.segments.append(Segment(series=index, value=value, y=y, height=height))
        columns.append(column)
    ticks = [(v, bottom - v * scale) for v in range(0, top + 1, step)]
    labels = []
    if columns:
        labels.append((columns[0].x, "start", columns[0].label))
        if len(columns) > 2:
            mid = columns[len(columns) // 2]
            labels.append((mid.middle, "middle", mid.label))
        if len(columns) > 1:
            labels.append((columns[-1].x + columns[-1].width, "end", columns[-1].label))
    return ColumnChart(columns=columns, ticks=ticks, labels=labels, height=bottom + AXIS, bottom=bottom,
                       show_totals=len(columns) <= TOTALS_UP_TO)
