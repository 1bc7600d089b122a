"""The HTML page of `mtdetect diff`: a rewrite with each substitution marked against its original."""

from __future__ import annotations

from mtdetect.batch.report import esc, page
from mtdetect.training.align import Alignment


def render_diff(original: str, rewritten: str, alignment: Alignment, title: str = "mtdetect diff") -> str:
    """A self-contained page showing the rewrite with each substitution marked against its original."""
    pieces, pos = [], 0
    for e in alignment.edits:
        pieces.append(esc(rewritten[pos : e.new_start]))
        if e.original:
            pieces.append(f"<del>{esc(e.original)}</del>")
        if e.replacement:
            pieces.append(f'<ins title="was: {esc(e.original) or "(nothing)"}">{esc(e.replacement)}</ins>')
        pos = e.new_end
    pieces.append(esc(rewritten[pos:]))
    paragraphs = "".join(pieces).split("\n")
    rows = "".join(
        f"<tr><td>{esc(e.op)}</td><td>{esc(e.original)}</td><td>{esc(e.replacement)}</td></tr>"
        for e in alignment.edits
    )
    return page(
        title,
        [
            f'<header class="top"><div class="inner"><h1>{esc(title)}</h1><span class="sub">'
            f"{len(alignment.edits)} edits · {alignment.changed_share:.1%} of the original's words changed"
            "</span></div></header>",
            "<main>",
            '<section class="diff">',
            *(f"<p>{p}</p>" for p in paragraphs if p.strip()),
            "</section>",
            '<table class="summary"><thead><tr><th>edit</th><th>original</th><th>rewritten</th></tr></thead>',
            f"<tbody>{rows}</tbody></table>",
            "</main>",
        ],
    )
