"""Server-drawn SVG charts: coverage volume per day as bars. Plain SVG, no script, no inline CSS
(presentation attributes only, so the page's Content-Security-Policy holds)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape


def fill_days(counts: list[tuple[str, int]], max_bins: int = 120) -> list[tuple[str, int]]:
    """Counts per day (``YYYY-MM-DD``) or hour (``YYYY-MM-DDTHH``) with the missing bins as zeros,
    the last ``max_bins`` at most."""
    if not counts:
        return []
    hourly = "T" in counts[0][0]
    step, form = (timedelta(hours=1), "%Y-%m-%dT%H") if hourly else (timedelta(days=1), "%Y-%m-%d")
    known = dict(counts)
    first, last = datetime.strptime(counts[0][0], form), datetime.strptime(counts[-1][0], form)
    first = max(first, last - step * (max_bins - 1))
    bins = []
    current = first
    while current <= last:
        key = current.strftime(form)
        bins.append((key, known.get(key, 0)))
        current += step
    return bins


def volume_svg(counts: list[tuple[str, int]], label: str, width: int = 640, height: int = 140) -> str:
    """Bars of articles per day (or hour); each bar has a tooltip; the extremes are labelled."""
    days = fill_days(counts)
    if not days:
        return ""
    top = max(n for _, n in days) or 1
    left, bottom, right, head = 34, 22, 6, 8
    plot_w, plot_h = width - left - right, height - bottom - head
    step = plot_w / len(days)
    bar = max(1.0, step * 0.8)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>',
             f'<line x1="{left}" y1="{head + plot_h}" x2="{width - right}" y2="{head + plot_h}" stroke="#888"/>',
             f'<text x="{left - 4}" y="{head + 8}" text-anchor="end" font-size="10" fill="#555">{top}</text>',
             f'<text x="{left - 4}" y="{head + plot_h}" text-anchor="end" font-size="10" fill="#555">0</text>']
    for n, (day, count) in enumerate(days):
        h = plot_h * count / top
        x = left + n * step + (step - bar) / 2
        parts.append(f'<rect x="{x:.1f}" y="{head + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#2b6cb0">'
                     f'<title>{escape(day.replace("T", " ") + (":00" if "T" in day else ""))}: {count} article{"s" if count != 1 else ""}</title></rect>')
    parts.append(f'<text x="{left}" y="{height - 6}" font-size="10" fill="#555">{escape(days[0][0])}</text>')
    if len(days) > 1:
        parts.append(f'<text x="{width - right}" y="{height - 6}" text-anchor="end" font-size="10" fill="#555">'
                     f'{escape(_label(days[-1][0]))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _label(key: str) -> str:
    return key.replace("T", " ") + ":00" if "T" in key else key


_TYPE_COLOURS = {"PERSON": "#2b6cb0", "ORG": "#c05621", "GPE": "#2f855a", "NORP": "#6b46c1", "LOC": "#718096",
                 "FAC": "#718096"}


def network_svg(center: dict, others: list[dict], pairs: list[tuple[int, int, int]], size: int = 520) -> str:
    """The entity and those most often mentioned with it, on a circle; a line for every pair
    mentioned together, thicker for more articles; every node links to its entity page."""
    import math

    if not others:
        return ""
    width = size + 260  # room for the labels left and right of the circle
    middle, centre_x = size / 2, width / 2
    radius = size / 2 - 50
    places = {center["id"]: (centre_x, middle)}
    for n, other in enumerate(others):
        angle = 2 * math.pi * n / len(others) - math.pi / 2
        places[other["id"]] = (centre_x + radius * math.cos(angle), middle + radius * math.sin(angle))
    top = max((n for _, _, n in pairs), default=1) or 1
    label = f"Entities mentioned with {center['name']}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="network" viewBox="0 0 {width} {size}" role="img" '
             f'aria-label="{escape(label)}"><title>{escape(label)}</title>']
    for a, b, n in pairs:
        if a in places and b in places:
            (x1, y1), (x2, y2) = places[a], places[b]
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#a0aec0" '
                         f'stroke-width="{0.6 + 3.4 * n / top:.2f}"><title>{n} article{"s" if n != 1 else ""}</title></line>')
    for node in [center, *others]:
        x, y = places[node["id"]]
        colour = _TYPE_COLOURS.get(node.get("type", ""), "#4a5568")
        r = 9 if node is center else 6
        anchor = "middle" if abs(x - centre_x) < 20 else ("start" if x > centre_x else "end")
        dx = 0 if anchor == "middle" else (10 if anchor == "start" else -10)
        dy = -12 if y < middle - 5 and anchor == "middle" else (18 if anchor == "middle" else 4)
        parts.append(f'<a href="/entities/{int(node["id"])}"><circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
                     f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}" font-size="12" fill="#1a202c">'
                     f'{escape(node["name"] if len(node["name"]) <= 30 else node["name"][:29] + "…")}</text></a>')
    parts.append("</svg>")
    return "".join(parts)


def escalation_svg(series: list[dict], label: str, width: int = 640, height: int = 200) -> str:
    """A dyad's escalation: per day (``series``: day, events, intensity, min), a bar from the zero
    line to the mean intensity (−10 conflict … +10 cooperation), and below it the day's event
    count; every bar has a tooltip. The last 120 days at most."""
    known: dict[str, dict] = {}
    for entry in series:
        try:
            datetime.strptime(str(entry.get("day")), "%Y-%m-%d")
        except ValueError:
            continue  # not a day: left out of the chart, not fatal to the page
        known[entry["day"]] = entry
    if not known:
        return ""
    days = fill_days([(d, known[d]["events"]) for d in sorted(known)])
    left, right, head, band, bottom = 34, 6, 8, 34, 22
    plot_w = width - left - right
    plot_h = height - head - band - bottom - 6  # the intensity panel
    zero = head + plot_h / 2
    scale = plot_h / 20  # −10 … +10
    band_top = head + plot_h + 6
    top = max(n for _, n in days) or 1
    step = plot_w / len(days)
    bar = max(1.0, step * 0.8)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart escalation" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>']
    for value in (10, 0, -10):
        y = zero - value * scale
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10" fill="#555">'
                     f'{"+" if value > 0 else "−" if value < 0 else ""}{abs(value)}</text>')
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     f'stroke="{"#888" if value == 0 else "#e2e8f0"}"/>')
    parts.append(f'<line x1="{left}" y1="{band_top + band:.1f}" x2="{width - right}" y2="{band_top + band:.1f}" stroke="#888"/>'
                 f'<text x="{left - 4}" y="{band_top + 8:.1f}" text-anchor="end" font-size="10" fill="#555">{top}</text>')
    for n, (day, count) in enumerate(days):
        x = left + n * step + (step - bar) / 2
        point = known.get(day)
        if point is not None:
            mean = max(-10.0, min(10.0, float(point["intensity"])))
            y, h = (zero - mean * scale, mean * scale) if mean >= 0 else (zero, -mean * scale)
            tip = (f'{day}: mean intensity {mean:+.1f} over {count} event{"s" if count != 1 else ""}'
                   f'{", lowest " + format(float(point["min"]), "+.1f") if point.get("min") is not None else ""}')
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{max(h, 1.0):.1f}" '
                         f'fill="{"#2f855a" if mean >= 0 else "#c53030"}"><title>{escape(tip)}</title></rect>')
        h = band * count / top
        parts.append(f'<rect x="{x:.1f}" y="{band_top + band - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#a0aec0">'
                     f'<title>{escape(day)}: {count} event{"s" if count != 1 else ""}</title></rect>')
    parts.append(f'<text x="{left}" y="{height - 6}" font-size="10" fill="#555">{escape(days[0][0])}</text>')
    if len(days) > 1:
        parts.append(f'<text x="{width - right}" y="{height - 6}" text-anchor="end" font-size="10" fill="#555">'
                     f'{escape(days[-1][0])}</text>')
    parts.append("</svg>")
    return "".join(parts)
