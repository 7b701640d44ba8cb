"""HTML of the plan report: the page shell, its CSS (screen, phone, print), sections and tables.

Every piece of text from the run directory (scenario name and description, site, model and GPU
ids, file paths) goes through :func:`esc` (``html.escape`` with quotes), so a site named
``<script>`` is shown as text. The page loads nothing: styles are inline, images are ``data:``
URIs, and there is no script.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

CSS = """
:root { --ink: #1b1b1b; --muted: #555; --rule: #d6d6d6; --band: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.1em; overflow-wrap: anywhere; }
h2 { font-size: 1.25em; margin: 1.6em 0 0.4em; padding-top: 0.4em; border-top: 2px solid var(--ink); }
h3 { font-size: 1.02em; margin: 1.1em 0 0.3em; }
p { margin: 0.3em 0 0.6em; }
.muted, figcaption, .note { color: var(--muted); font-size: 0.9em; }
nav { font-size: 0.9em; margin: 0.6em 0; line-height: 1.9; }
nav a { margin-right: 0.9em; white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px;
         margin: 0.6em 0; }
.card { background: var(--band); border-radius: 6px; padding: 8px 10px; }
.card .v { font-size: 1.15em; white-space: nowrap; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .k { color: var(--muted); font-size: 0.85em; }
figure { margin: 0.6em 0 1em; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
.chart img { display: block; width: 100%; max-width: 860px; min-width: 480px; height: auto; }
.map img { display: block; width: 100%; min-width: 640px; height: auto; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.3em 0 0.8em;
        font-variant-numeric: tabular-nums; }
th, td { padding: 3px 9px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { text-align: left; background: var(--band); font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; }
td.id { white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 1.5px solid var(--ink); }
@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 10px 10px 30px; }
  .cards { grid-template-columns: repeat(2, 1fr); }
}
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, table, .cards { break-inside: avoid; }
  .scroll { overflow: visible; }
  .chart img, .map img { min-width: 0; }
  table { font-size: 8pt; }
  th, td { padding: 2px 5px; }
  td:not(.n):not(.id), th, th.n { white-space: normal; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(text: object) -> str:
    """Text for HTML: ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Column:
    """A table column: header, and ``num`` for right-aligned numbers (ids are never wrapped)."""

    header: str
    kind: str = "text"  # text | id | num


def table(
    cols: Sequence[Column], rows: Sequence[Sequence[object]], total: Sequence[object] | None = None
) -> str:
    """An HTML table in a horizontal scroller (a narrow phone scrolls it rather than cutting it);
    cells are already-formatted text, escaped here; ``total`` is a bold last row."""
    head = "".join(f'<th class="{"n" if c.kind == "num" else ""}">{esc(c.header)}</th>' for c in cols)

    def line(cells: Sequence[object], cls: str = "") -> str:
        tds = "".join(
            f'<td class="{"n" if c.kind == "num" else "id" if c.kind == "id" else ""}">{esc(v)}</td>'
            for c, v in zip(cols, cells)
        )
        return f'<tr class="{cls}">{tds}</tr>' if cls else f"<tr>{tds}</tr>"

    body = "".join(line(r) for r in rows) + (line(total, "total") if total is not None else "")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def chart(uri: str, alt: str, caption: str = "") -> str:
    """A chart image (an SVG data URI) with its alternative text and an optional caption."""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart"><div class="scroll"><img src="{uri}" alt="{esc(alt)}"></div>{cap}</figure>'


def cards(items: Sequence[tuple[str, str]]) -> str:
    """Headline numbers: ``(label, value)`` cards in a grid (two across on a phone)."""
    inner = "".join(
        f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
        for k, v in items
    )
    return f'<div class="cards">{inner}</div>'


@dataclass(frozen=True)
class Section:
    """One section of the page: anchor id, heading and HTML body (already escaped)."""

    key: str
    title: str
    body: str


def page(title: str, intro: str, sections: Sequence[Section], footer: str) -> str:
    """The whole page: title, introduction (HTML), a table of contents, the sections and a footer."""
    nav = " ".join(f'<a href="#{s.key}">{esc(s.title)}</a>' for s in sections)
    parts = "".join(f'<section id="{s.key}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main><h1>{esc(title)}</h1>{intro}<nav>{nav}</nav>{parts}"
        f'<footer class="note"><p>{footer}</p></footer></main></body></html>\n'
    )
