import html
import random
import re
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_original, spin
from hypothesis import given, settings
from hypothesis import strategies as st

from mtdetect import Detector
from mtdetect.batch.report import (
    CSP,
    KIND_NAMES,
    ReportItem,
    highlight_text,
    render_report,
    sentence_colour,
    write_report,
)
from mtdetect.model.detector import Analysis, SentenceScore
from mtdetect.model.explain import KINDS, Evidence

CHROMIUM = Path("/usr/bin/chromium")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HOSTILE = "<script>document.title='PWNED'</script>"
HOSTILE_ATTR = '"><img src=x onerror="document.title=\'PWNED\'">'


# -- a tiny DOM: parsing fails on any unbalanced or mismatched tag ---------------------------------
@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list = field(default_factory=list)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list["Node"]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and (cls is None or cls in (n.attrs.get("class") or "").split())
        ]

    def text(self) -> str:
        return "".join(
            c if isinstance(c, str) else ("\n" if c.tag == "br" else c.text()) for c in self.children
        )


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert tag not in VOID, f"end tag for void element <{tag}>"
        top = self.stack.pop()
        assert top.tag == tag, f"</{tag}> closes <{top.tag}>"

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#root"], "unclosed elements"
    return builder.root


def assert_well_formed(page: str) -> Node:
    root = parse(page)
    body = page[page.index("<body") : page.index("</body>") + len("</body>")]
    ET.fromstring(body)  # the body is well-formed XML too (void elements are self-closed)
    return root


def article(root: Node, path: str) -> Node:
    (found,) = [a for a in root.find_all("article") if a.find_all("h3")[0].text() == path]
    return found


def summary_paths(root: Node) -> list[str]:
    (table,) = root.find_all("table", "summary")
    return [row.find_all("td", "path")[0].text() for row in table.find_all("tbody")[0].find_all("tr")]


def analysis(score, evidence=(), sentences=(), flags=(), label=None) -> Analysis:
    probs = None if score is None else {"original": 1 - score, "spun": score, "translated": 0.0}
    if label is None and score is not None:
        label = "spun" if score > 0.5 else "original"
    return Analysis(score, label, probs, list(evidence), list(flags), list(sentences))


@pytest.fixture(scope="module")
def detector(bundle):
    return Detector.load(bundle)


@pytest.fixture(scope="module")
def spun_text():
    return "Council news\n\n" + spin(make_original(random.Random(7), 10))


# -- the page -----------------------------------------------------------------------------------------
def test_summary_is_sorted_by_score_unscored_and_errors_last():
    items = [
        ReportItem("low.txt", "x", analysis(0.2)),
        ReportItem("broken.txt", None, None, error="no such file"),
        ReportItem("short.txt", "Too short.", analysis(None, flags=["too_short"])),
        ReportItem("high.txt", "x", analysis(0.9)),
        ReportItem("nan.txt", "x", analysis(float("nan"))),
        ReportItem("mid.txt", "x", analysis(0.5)),
    ]
    root = assert_well_formed(render_report(items))
    assert summary_paths(root) == ["high.txt", "mid.txt", "low.txt", "short.txt", "nan.txt", "broken.txt"]
    # sections follow the same order and the summary links point at them
    assert [a.find_all("h3")[0].text() for a in root.find_all("article")] == summary_paths(root)
    links = [a.attrs["href"] for a in root.find_all("table", "summary")[0].find_all("a")]
    assert links == ["#" + a.attrs["id"] for a in root.find_all("article")]
    rows = root.find_all("table", "summary")[0].find_all("tbody")[0].find_all("tr")
    assert "too_short" in rows[3].text() and "no such file" in rows[5].text()
    assert [r.find_all("span", "badge")[0].text() for r in rows] == [
        "spun",
        "original",
        "original",
        "not scored",
        "not scored",
        "error",
    ]


def test_evidence_is_highlighted_with_kind_and_suggestion(detector, spun_text):
    result = detector.analyze(spun_text)
    assert result.evidence and any(e.suggestion for e in result.evidence)
    root = assert_well_formed(render_report([ReportItem("spun.txt", spun_text, result)]))
    doc = article(root, "spun.txt")
    marks = doc.find_all("div", "text")[0].find_all("mark")
    for i, e in enumerate(result.evidence):
        pieces = [m for m in marks if m.attrs.get("data-ev") == str(i)]
        assert "".join(m.text() for m in pieces) == e.text
        for m in pieces:
            assert f"ev-{e.kind}" in m.attrs["class"].split()
            tip = m.attrs["title"]
            assert KIND_NAMES[e.kind] in tip and f"confidence {e.confidence:.2f}" in tip
            assert (f"likely original: {e.suggestion}" in tip) == bool(e.suggestion)
    # the side list names each distinct suggestion
    side = doc.find_all("aside", "evidence")[0].text()
    assert all(e.suggestion in side for e in result.evidence if e.suggestion)
    # every sentence is shaded by its score
    shaded = {m.attrs["style"] for m in doc.find_all("span", "sent")}
    assert shaded == {f"background: {sentence_colour(s.score)}" for s in result.sentences}
    # the paragraph break after the title is kept
    assert doc.find_all("p")[0].text() == "Council news"


def test_every_kind_gets_its_own_class():
    text = "alpha beta gamma delta epsilon"
    evidence = [
        Evidence(0, 5, "alpha", "spun_phrase", "first", 0.9),
        Evidence(6, 10, "beta", "calque", None, 0.5),
        Evidence(11, 16, "gamma", "untranslated_word", None, 0.5),
        Evidence(17, 22, "delta", "mt_pattern", "d", 0.4),
        Evidence(23, 30, "epsilon", "<b>odd kind</b>", None, 0.1),
    ]
    page = render_report([ReportItem("k.txt", text, analysis(0.7, evidence))])
    marks = article(assert_well_formed(page), "k.txt").find_all("div", "text")[0].find_all("mark")
    assert [(m.text(), m.attrs["class"]) for m in marks] == [
        ("alpha", "ev ev-spun_phrase"),
        ("beta", "ev ev-calque"),
        ("gamma", "ev ev-untranslated_word"),
        ("delta", "ev ev-mt_pattern"),
        ("epsilon", "ev ev-other"),
    ]
    assert set(KINDS) <= set(KIND_NAMES)
    assert "<b>odd kind</b>" not in page and "&lt;b&gt;odd kind&lt;/b&gt;" in page


def test_hostile_text_paths_flags_and_suggestions_are_escaped():
    text = f"Breaking {HOSTILE} news. <script>alert(1)</script> and {HOSTILE_ATTR} too."
    start = text.index(HOSTILE)
    evidence = [Evidence(start, start + len(HOSTILE), HOSTILE, "spun_phrase", HOSTILE_ATTR, 0.9)]
    items = [
        ReportItem(f"evil{HOSTILE_ATTR}.txt", text, analysis(0.8, evidence, flags=[HOSTILE])),
        ReportItem(HOSTILE, None, None, error=HOSTILE_ATTR),
    ]
    page = render_report(
        items, title=HOSTILE, model_info={"name": HOSTILE, HOSTILE_ATTR: 1, "threshold": 0.5}
    )
    root = assert_well_formed(page)
    assert "<script" not in page.lower()  # the page has no script of its own either
    assert "<img" not in page.lower()
    assert not root.find_all("script") and not root.find_all("img")
    assert not [n for n in root.iter() if any(k.startswith("on") for k in n.attrs)]
    assert html.escape(HOSTILE) in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the text survives as text, in the article, the title and the hover
    assert root.find_all("title")[0].text() == HOSTILE
    doc = article(root, f"evil{HOSTILE_ATTR}.txt")
    assert doc.find_all("div", "text")[0].text() == text
    assert HOSTILE_ATTR in doc.find_all("mark")[0].attrs["title"]
    assert f'content="{CSP}"' in page and "script-src" not in CSP  # default-src 'none' forbids scripts


def test_overlapping_spans_and_sentences_nest_validly():
    text = "One two. Three four."
    sentences = [SentenceScore(0, 8, 0.1), SentenceScore(9, 20, 0.9)]
    evidence = [Evidence(4, 12, text[4:12], "calque", "x", 0.5)]  # "two. Thr" crosses the sentence end
    out = highlight_text(text, evidence, sentences)
    root = parse(f"<div>{out}</div>")
    ET.fromstring(f"<div>{out}</div>")
    sents = root.find_all("span", "sent")
    assert [(s.text(), s.attrs["style"]) for s in sents] == [
        ("One two.", f"background: {sentence_colour(0.1)}"),
        ("Three four.", f"background: {sentence_colour(0.9)}"),
    ]
    assert [m.text() for m in root.find_all("mark")] == ["two.", " ", "Thr"]
    assert root.text() == text


def test_crossing_nested_and_out_of_range_spans_render():
    text = "Alpha beta gamma.\nDelta epsilon.\n\n\nZeta eta theta."
    sentences = [SentenceScore(0, 17, 0.2), SentenceScore(6, 32, 0.7), SentenceScore(35, 50, 0.4)]
    evidence = [
        Evidence(0, 10, "", "spun_phrase", None, 0.3),
        Evidence(6, 24, "", "calque", None, 0.3),  # crosses the first span, a sentence and a <br>
        Evidence(8, 9, "", "mt_pattern", None, 0.3),  # nested in both
        Evidence(25, 40, "", "untranslated_word", None, 0.3),  # crosses the paragraph break
        Evidence(45, 99, "", "spun_phrase", None, 0.3),  # runs past the end
        Evidence(3, 3, "", "calque", None, 0.3),  # empty
    ]
    out = highlight_text(text, evidence, sentences, anchor="a")
    root = parse(f"<div>{out}</div>")
    ET.fromstring(f"<div>{out}</div>")
    assert [p.text() for p in root.find_all("p")] == ["Alpha beta gamma.\nDelta epsilon.", "Zeta eta theta."]
    for i, e in enumerate(evidence):
        got = "".join(m.text() for m in root.find_all("mark") if m.attrs["data-ev"] == str(i))
        assert re.sub(r"\s", "", got) == re.sub(r"\s", "", text[e.start : e.end])
    ids = [n.attrs["id"] for n in root.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)) == 5  # one anchor per non-empty span


@st.composite
def marked_texts(draw):
    text = draw(st.text(alphabet="abcd <&\"'\n\t\x00é", max_size=40))
    offset = st.integers(0, len(text) + 2)
    spans = draw(st.lists(st.tuples(offset, offset, st.sampled_from([*KINDS, "odd"])), max_size=6))
    sents = draw(st.lists(st.tuples(offset, offset, st.floats(0, 1)), max_size=4))
    return text, spans, sents


@settings(max_examples=300, deadline=None)
@given(marked_texts())
def test_any_overlap_gives_well_formed_markup_that_keeps_the_text(case):
    text, spans, sents = case
    evidence = [Evidence(a, b, text[a:b], k, "s<>", 0.5) for a, b, k in spans]
    sentences = [SentenceScore(a, b, s) for a, b, s in sents]
    out = highlight_text(text, evidence, sentences, anchor="x")
    root = parse(f"<div>{out}</div>")
    ET.fromstring(f"<div>{out}</div>")
    clean = text.replace("\x00", "\ufffd")

    def brk(m: re.Match) -> str:
        return "\n\n" if m.group().count("\n") > 1 else "\n"

    expected = re.sub(r"\n(?:[ \t\r\f\v]*\n)*", brk, clean).strip("\n")
    assert "\n\n".join(p.text() for p in root.find_all("p")).strip("\n") == expected
    for i, (a, b, _) in enumerate(spans):
        got = "".join(m.text() for m in root.find_all("mark") if m.attrs["data-ev"] == str(i))
        assert re.sub(r"\s", "", got) == re.sub(r"\s", "", clean[a:b])


def test_empty_unscored_and_error_items_render():
    items = [
        ReportItem("empty.txt", "", analysis(None, flags=["empty"])),
        ReportItem("blank.txt", "\n\n  \n", analysis(None, flags=["empty"])),
        ReportItem("short.txt", "Too short.", analysis(None, flags=["too_short"])),
        ReportItem("unanalysed.txt", "Some text.", None),
        ReportItem("gone.txt", None, None, error="no such file"),
        ReportItem("binary.bin", None, None, error="binary file, not text"),
    ]
    root = assert_well_formed(render_report(items))
    assert summary_paths(root) == [it.path for it in items]
    assert "The text is empty." in article(root, "empty.txt").text()
    assert "The text is empty." in article(root, "blank.txt").text()
    assert article(root, "short.txt").find_all("div", "text")[0].text() == "Too short."
    assert "too_short" in article(root, "short.txt").text()
    assert "Could not read this file: no such file" in article(root, "gone.txt").text()
    assert "6 file(s) without a score are not shown." in root.text()
    assert_well_formed(render_report([]))


def test_histogram_bins_scores_and_draws_the_threshold():
    items = [ReportItem(f"{s}.txt", "x", analysis(s)) for s in (0.05, 0.15, 0.12, 0.95, 1.0, 0.55)]
    manifest_style = {"threshold": {"value": 0.8, "rule": "1% FPR <rule>"}, "name": "tiny", "files": {"a": 1}}
    root = assert_well_formed(render_report(items, model_info=manifest_style))
    (svg,) = root.find_all("svg", "hist")
    bars = svg.find_all("rect")
    assert [b.find_all("title")[0].text().split(": ")[1] for b in bars] == [
        "1 file",
        "2 files",
        "0 files",
        "0 files",
        "0 files",
        "1 file",
        "0 files",
        "0 files",
        "0 files",
        "2 files",
    ]
    heights = [float(b.attrs["height"]) for b in bars]
    assert heights[1] == heights[9] == 2 * heights[0] > 0 == heights[2]
    assert len(svg.find_all("line", "thr")) == 1 and "threshold 0.80" in svg.text()
    model = root.find_all("dl", "model")[0].text()
    assert "tiny" in model and "1% FPR <rule>" in model and "files" not in model  # nested dicts skipped
    # a bare number works too, and without a threshold there is no line
    assert "threshold 0.70" in render_report(items, model_info={"threshold": 0.7})
    assert not parse(render_report(items)).find_all("line", "thr")


def test_write_report_writes_utf8(tmp_path):
    path = tmp_path / "report.html"
    write_report([ReportItem("café.txt", "Naïve “quotes” — ok", analysis(0.3))], path, title="Über")
    page = path.read_bytes().decode("utf-8")
    assert '<meta charset="utf-8"/>' in page and "café.txt" in page and "Naïve “quotes” — ok" in page
    assert "<title>Über</title>" in page


# -- in a real browser --------------------------------------------------------------------------------
@pytest.fixture
def chromium(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")

    def run(url: str, *args: str) -> subprocess.CompletedProcess:
        cmd = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
            url,
        ]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    return run


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and unfiltered rows of an 8-bit RGB or RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
        elif kind == b"IDAT":
            idat += body
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if f == 2:
            line = bytearray((x + p) & 255 for x, p in zip(line, prev, strict=True))
        elif f:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                if f == 1:
                    line[x] = (line[x] + a) & 255
                elif f == 3:
                    line[x] = (line[x] + (a + b) // 2) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def rows_with_colour(rows: list[bytes], bpp: int, rgb: tuple[int, int, int]) -> list[int]:
    """Rows holding a pixel of exactly this colour."""
    needle = bytes(rgb)
    found = []
    for y, row in enumerate(rows):
        k = row.find(needle)
        while k != -1 and k % bpp:
            k = row.find(needle, k + 1)
        if k != -1:
            found.append(y)
    return found


def test_report_renders_in_chromium(chromium, tmp_path, detector, spun_text):
    original = make_original(random.Random(11), 10)
    items = [
        ReportItem("news/original.txt", original, detector.analyze(original)),
        ReportItem("news/missing.txt", None, None, error="no such file"),
        ReportItem("news/spun.txt", spun_text, detector.analyze(spun_text)),
    ]
    assert items[2].analysis.evidence
    page = tmp_path / "report.html"
    write_report(items, page, model_info=detector.manifest)
    shot = tmp_path / "shot.png"
    result = chromium(page.as_uri(), f"--screenshot={shot}", "--window-size=1200,1600")
    assert shot.exists(), result.stderr[-2000:]
    assert shot.stat().st_size > 20_000
    w, h, bpp, rows = read_png(shot)
    assert (w, h) == (1200, 1600)
    assert len(set(rows)) > 100, "the screenshot is (nearly) one flat colour"
    sample = {rows[y][x : x + 3] for y in range(0, h, 7) for x in range(0, w * bpp, bpp * 5)}
    assert len(sample) > 50
    # the spun-phrase colour shows in the legend and, further down, on the article's highlights
    yellow = rows_with_colour(rows, bpp, (0xFF, 0xD8, 0x4D))
    assert yellow and yellow[-1] - yellow[0] > 100


@pytest.mark.parametrize("with_csp", [True, False], ids=["page", "page-without-csp"])
def test_hostile_article_does_not_run_script_in_chromium(chromium, tmp_path, with_csp):
    text = f"Hello {HOSTILE} world.\n\n{HOSTILE_ATTR} and <svg onload=\"document.title='PWNED'\"></svg>"
    start = text.index(HOSTILE)
    evidence = [Evidence(start, start + len(HOSTILE), HOSTILE, "calque", HOSTILE_ATTR, 0.9)]
    items = [
        ReportItem(f"evil{HOSTILE_ATTR}.txt", text, analysis(0.9, evidence, flags=[HOSTILE])),
        ReportItem(HOSTILE, None, None, error=HOSTILE_ATTR),
    ]
    page = render_report(items)
    if not with_csp:  # escaping alone must be enough
        meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}"/>'
        assert meta in page
        page = page.replace(meta, "")
    path = tmp_path / "evil.html"
    path.write_text(page, encoding="utf-8")
    result = chromium(path.as_uri(), "--dump-dom", "--virtual-time-budget=3000")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = parse(result.stdout)
    assert dom.find_all("title")[0].text() == "mtdetect report"
    assert "PWNED" not in dom.find_all("title")[0].text()
    assert not dom.find_all("script") and not dom.find_all("img")
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in result.stdout
    body = article(dom, f"evil{HOSTILE_ATTR}.txt").find_all("div", "text")[0]
    assert body.text() == text.replace("\n\n", "") and not body.find_all("svg")
