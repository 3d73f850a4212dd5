"""House styles as data: the newspaper page, a third style given only as CSS, `typeset styles`.

The newspaper page is read back from the PDF column by column. How the columns are found
(the same method a checker can use on any multi-column page):

- the body size is the most common glyph size on the page; every glyph of that size lies in
  a column, everything else (headline, banners, the notice) spans columns;
- a column is a maximal x interval covered by body glyphs: body glyphs are merged into
  intervals while the next one starts less than half a cell after the current interval
  ends, so a gutter (more than a cell wide) separates two columns;
- a band is the stretch of page between two spanning lines (the headline, a banner, the
  notice): within a band, text is read column by column, left to right, each top to bottom;
- so a position is (page, column, line): the n-th line of the k-th column on the page,
  counted over the bands from the top, as in 第1页 第3栏 第12行.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
import pytest

import typeset
from typeset import pipeline
from conftest import HAN, MM, ROOT, SEED, pdf_text, without_space

FIXTURES = Path(__file__).resolve().parent / 'fixtures' / 'styles'
REPORT = ROOT / 'source' / 'report.md'

# clreq strict (reference/layout.md): never at the start / the end of a line.
START_BAD = set('、。，．：；？！）］｝〕〉》」』】〗’”…‥—·％%')
END_BAD = set('（［｛〔〈《「『【〖‘“')
# Marks that 开明式 or a line end may set half width: the edge of such a last glyph may be
# its middle, not its advance (pdfplumber gives the font's full advance).
COMPRESSIBLE = set('，。、：；？！）］｝〕〉》」』】〗’”·．')
FLUSH_TOL = 0.05 * MM


# ---------------------------------------------------------------------------------------
# Reading a multi-column page back from the PDF


@dataclass
class Line:
    page: int
    column: int | None          # None: a line that spans columns
    chars: list = field(repr=False)

    @property
    def text(self) -> str:
        return ''.join(c['text'] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]['x0']

    @property
    def x1(self) -> float:
        return self.chars[-1]['x1']

    @property
    def baseline(self) -> float:
        return self.chars[0]['baseline']


@dataclass
class Page:
    number: int
    body_size: float
    columns: list[tuple[float, float]]      # x intervals of the columns, left to right
    lines: list[Line]                       # in reading order
    bands: list[list[list[Line]]]           # band → column → lines


def _rows(chars, tol=1.5):
    """Chars grouped by baseline, each row sorted left to right."""
    rows = []
    for c in sorted(chars, key=lambda c: (round(c['baseline'], 1), c['x0'])):
        if rows and abs(rows[-1][0]['baseline'] - c['baseline']) <= tol:
            rows[-1].append(c)
        else:
            rows.append([c])
    return [sorted(r, key=lambda c: c['x0']) for r in rows]


def column_intervals(chars, size) -> list[tuple[float, float]]:
    """Columns: body glyphs merged while less than half a cell apart (a gutter is more)."""
    spans = sorted((c['x0'], c['x1']) for c in chars)
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + size / 2:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if b - a >= 4 * size]


def read_columns(pdf_path: Path) -> list[Page]:
    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            chars = [c for c in page.chars if c['text'].strip()]
            for c in chars:   # from the text matrix: the same for every face of a line
                c['baseline'] = page.height - c['matrix'][5]
            # the 报眉 over the type area and the 转版 note under it are page furniture,
            # like page numbers: read apart (tests/test_newspaper.py)
            chars = [c for c in chars if TYPE_TOP < c['baseline'] < TYPE_BOTTOM]
            if not chars:
                continue
            size = Counter(round(c['size'], 2) for c in chars).most_common(1)[0][0]
            body = [c for c in chars if round(c['size'], 2) == size]
            columns = column_intervals(body, size)
            spanning = [Line(number, None, r) for r in _rows([c for c in chars if round(c['size'], 2) != size])]
            per_column = defaultdict(list)
            for c in body:
                per_column[_index(columns, (c['x0'] + c['x1']) / 2)].append(c)
            assert None not in per_column, 'a body glyph outside every column'
            ys = [ln.baseline for ln in spanning]
            bands = [[[] for _ in columns] for _ in range(len(ys) + 1)]
            for col, cs in per_column.items():
                for row in _rows(cs):
                    line = Line(number, col, row)
                    bands[bisect_left(ys, line.baseline)][col].append(line)
            order = []
            for k, band in enumerate(bands):
                for col_lines in band:
                    order.extend(sorted(col_lines, key=lambda ln: ln.baseline))
                if k < len(spanning):
                    order.append(spanning[k])
            pages.append(Page(number, size, columns, order, bands))
    return pages


def _index(columns, x):
    for i, (a, b) in enumerate(columns):
        if a - 1 <= x <= b + 1:
            return i
    return None


def position(page: Page, line: Line) -> str:
    """第p页 第c栏 第n行: lines of a column counted from the top of the page."""
    n = sum(1 for ln in page.lines if ln.column == line.column and ln.baseline < line.baseline) + 1
    return f'第{page.number}页 第{line.column + 1}栏 第{n}行'


class _Blocks(HTMLParser):
    """Text of each block (p, h1–h6, li) of the assembled HTML, in order."""
    BLOCKS = {'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'span'}

    def __init__(self):
        super().__init__()
        self.blocks, self.depth, self.tags = [], 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS and (tag != 'span' or ('class', 'title-line') in attrs):
            self.blocks.append('')
            self.tags.append(tag)
            self.depth += 1
        elif self.tags:
            self.tags.append(None)

    def handle_endtag(self, tag):
        if self.tags:
            if self.tags.pop() is not None:
                self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.blocks[-1] += data


def block_texts(source: Path, style: str) -> list[str]:
    parser = _Blocks()
    parser.feed(pipeline.prepare(source, style=style).html.split('<body', 1)[1])
    # headings carry word joiners (no glyph in the PDF)
    return [b for b in (without_space(b).replace('\u2060', '') for b in parser.blocks) if b]


def final_lines(lines: list[Line], blocks: list[str]) -> set[int]:
    """Indices (into `lines`) of the lines that end a block, found by walking the blocks'
    text along the lines' text in reading order."""
    ends, total = set(), 0
    for b in blocks:
        total += len(b)
        ends.add(total)
    finals, pos = set(), 0
    for i, ln in enumerate(lines):
        pos += len(without_space(ln.text))
        if pos in ends:
            finals.add(i)
    return finals


def edge_offset(line: Line, right: float) -> float:
    """How far the line ends from the column's right edge (negative: short of it), taking
    a last mark set half width at its middle."""
    last = line.chars[-1]
    off = last['x1'] - right
    if last['text'] in COMPRESSIBLE and abs(off - last['size'] / 2) < abs(off):
        off -= last['size'] / 2
    return off


def column_edges(page: Page, column: int) -> tuple[float, float]:
    """A column's left edge (where its unindented lines start) and right edge (where its
    lines that end in a Han character end), each the most common value."""
    lines = [ln for ln in page.lines if ln.column == column]
    left = Counter(round(ln.x0, 2) for ln in lines).most_common(1)[0][0]
    right = Counter(round(ln.x1, 2) for ln in lines if HAN.match(ln.chars[-1]['text'])).most_common(1)[0][0]
    return left, right


# ---------------------------------------------------------------------------------------
# The newspaper page of source/report.md

SHEET = (420 * MM, 580 * MM)
MARGIN_X, MARGIN_Y = 10 * MM, 30 * MM      # the top margin holds the 报眉
TYPE_AREA = (400 * MM, 530 * MM)
COLUMNS, COLUMN_WIDTH, GUTTER, PITCH, BODY = 7, 147.0, 17.47, 16.5, 10.5
TYPE_TOP, TYPE_BOTTOM = MARGIN_Y, MARGIN_Y + TYPE_AREA[1]
# what the page adds to the manuscript's text inside the type area
LABELS = re.compile(r'公益广告|（上接第\d+版）')


@pytest.fixture(scope='module')
def newspaper(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('newspaper') / 'report.pdf'
    result = typeset.build(REPORT, out, style='newspaper')
    assert not result.errors, result.errors
    assert not result.warnings, result.warnings
    return out


@pytest.fixture(scope='module')
def newspaper_pages(newspaper) -> list[Page]:
    return read_columns(newspaper)


def test_newspaper_sheet_and_column_grid(newspaper, newspaper_pages):
    with pdfplumber.open(newspaper) as pdf:
        assert len(pdf.pages) == 1, 'the report fits one broadsheet page'
        assert (pdf.pages[0].width, pdf.pages[0].height) == pytest.approx(SHEET, abs=0.5)
    page, = newspaper_pages
    assert page.body_size == BODY
    assert len(page.columns) == COLUMNS
    for k in range(COLUMNS):
        left, right = column_edges(page, k)
        assert left == pytest.approx(MARGIN_X + k * (COLUMN_WIDTH + GUTTER), abs=0.05)
        assert right - left == pytest.approx(COLUMN_WIDTH, abs=0.05)   # 14 cells of 10.5 pt
    assert column_edges(page, COLUMNS - 1)[1] == pytest.approx(MARGIN_X + TYPE_AREA[0], abs=0.05)
    # one baseline grid across the page: within a band, every line is a whole number of
    # pitches below the band's first baseline (a column starts lower only by lines of
    # white opened above a 小标题 at its head: typeset.cjk.columns)
    for band in page.bands:
        top = min((col[0].baseline for col in band if col), default=0)
        for col in band:
            if col and col[0].baseline > top + 0.1:
                assert 'Hei' in col[0].chars[-1]['fontname'], (position(page, col[0]), col[0].text)
            for ln in col:
                steps = (ln.baseline - top) / PITCH
                assert steps == pytest.approx(round(steps), abs=0.01), (position(page, ln), ln.text)


def test_newspaper_faces(newspaper_pages):
    page, = newspaper_pages
    column_chars = [c for ln in page.lines if ln.column is not None for c in ln.chars]
    faces = Counter(c['fontname'].split('+')[-1] for c in column_chars)
    assert faces.most_common(1)[0][0] == 'FandolSong'
    assert {'FandolSong', 'FandolSong-Bold', 'FandolHei'} <= set(faces), faces
    bold = ''.join(c['text'] for c in column_chars if c['fontname'].endswith('FandolSong-Bold'))
    assert '始终把党的领导落实到行动上。' in bold               # run-in lead sentences
    hei = [ln.text for ln in page.lines if ln.column is not None
           and ln.chars[-1]['fontname'].endswith('FandolHei')]
    assert sum(1 for t in hei if t.startswith('●')) == 10       # the ● headings
    bullets = {c['fontname'].split('+')[-1] for c in column_chars if c['text'] == '●'}
    assert bullets == {'Cell-Marks'}, bullets                    # ● sized to its cell


def test_newspaper_headline_banners_and_notice(newspaper, newspaper_pages):
    page, = newspaper_pages
    spanning = [ln for ln in page.lines if ln.column is None]
    centre = MARGIN_X + TYPE_AREA[0] / 2
    # the headline: the title's own three lines, large, centred, the longest nearly the
    # full width of the type area
    headline = [ln for ln in spanning if ln.chars[0]['size'] > 40]
    assert [ln.text for ln in headline[:3]] == ['中国人民政治协商会议', '第十四届温岭市委员会常务委员会',
                                                '工作报告（摘要）']
    for ln in headline[:3]:   # a closing mark that ends a line is set half width (开明式)
        x1 = ln.x1 - (ln.chars[-1]['size'] / 2 if ln.text.endswith('）') else 0)
        assert (ln.x0 + x1) / 2 == pytest.approx(centre, abs=1)
    assert max(ln.x1 - ln.x0 for ln in headline[:3]) > 0.75 * TYPE_AREA[0]
    banners = [ln for ln in spanning if ln.text in ('过去五年', '未来五年')]
    assert [ln.text for ln in banners] == ['过去五年', '未来五年']
    column_lines = [ln for ln in page.lines if ln.column is not None]
    with pdfplumber.open(newspaper) as pdf:
        pdf_page = pdf.pages[0]
        # WeasyPrint draws a border as one filled path around the box: its bbox ends where
        # the border ends
        rules = [r for r in pdf_page.rects if r['x1'] - r['x0'] > 0.99 * TYPE_AREA[0]]
        # the rules under the headline, above the first banner
        under = [r for r in rules if headline[2].baseline < r['bottom'] < banners[0].baseline - 26]
        assert len(under) >= 2
        # banners: white on a black band over the three middle columns
        for ln in banners:
            assert all(c['non_stroking_color'] in ((1,), (1, 1, 1), 1, [1]) for c in ln.chars), ln.chars[0]
            band = [r for r in pdf_page.rects if r['top'] < ln.baseline < r['bottom']
                    and r['x1'] - r['x0'] < 0.5 * TYPE_AREA[0]]
            assert len(band) == 1
            assert band[0]['x0'] == pytest.approx(column_edges(page, 2)[0], abs=0.5)
            assert band[0]['x1'] == pytest.approx(column_edges(page, 4)[1], abs=0.5)
        # the notice: a frame across all columns at the foot of the page, below every column
        frame = [r for r in rules if r['bottom'] > MARGIN_Y + TYPE_AREA[1] - 1]
        assert frame, 'no frame at the foot of the page'
        top = min(r['top'] for r in frame)
    assert max(r['bottom'] for r in frame) == pytest.approx(MARGIN_Y + TYPE_AREA[1], abs=0.5)
    assert top > max(ln.baseline for ln in column_lines)
    notice = [ln for ln in spanning if ln.baseline > top]
    assert without_space(''.join(ln.text for ln in notice)) == '公益广告扬正气·促和谐加强精神文明建设共同构建和谐社会温岭市融媒体中心宣'
    slogan = notice[1]
    assert slogan.text == '扬正气·促和谐'
    assert (slogan.x0 + slogan.x1) / 2 == pytest.approx(centre, abs=1)
    assert slogan.chars[0]['size'] >= 2 * max(ln.chars[0]['size'] for ln in notice[2:])


def test_newspaper_text_round_trips_column_by_column(newspaper_pages):
    seed = without_space(SEED.read_text(encoding='utf-8'))
    got = ''.join(without_space(ln.text) for page in newspaper_pages for ln in page.lines)
    assert LABELS.sub('', got) == seed


def test_newspaper_columns_are_justified(newspaper_pages):
    """Every line of a paragraph but its last ends on its column's right edge (a heading
    breaks between words and is not stretched: styles/newspaper.css)."""
    lines = [ln for page in newspaper_pages for ln in page.lines]
    finals = final_lines(lines, block_texts(REPORT, 'newspaper'))
    checked, ragged = 0, []
    for page in newspaper_pages:
        edges = {k: column_edges(page, k)[1] for k in range(len(page.columns))}
        for i, ln in enumerate(lines):
            if ln.page != page.number or ln.column is None or i in finals:
                continue
            if any(c['fontname'].endswith('FandolHei') for c in ln.chars):
                continue   # 小标题: not stretched, broken between words
            checked += 1
            off = edge_offset(ln, edges[ln.column])
            if abs(off) > FLUSH_TOL:
                ragged.append(f'{position(page, ln)} {off / MM:+.3f} mm {ln.text}')
    assert checked > 150
    assert not ragged, '\n'.join(ragged)


def test_newspaper_line_breaks_in_columns(newspaper_pages):
    """clreq strict per column: no prohibited line start or end, no number split, and no
    heading left at the foot of a column."""
    bad = []
    for page in newspaper_pages:
        for band in page.bands:
            for col in band:
                for a, b in zip(col, col[1:] + [None]):
                    if a.text[0] in START_BAD or a.text[-1] in END_BAD:
                        bad.append(f'{position(page, a)} {a.text}')
                    if b is not None and re.search(r'[0-9.]$', a.text) and re.match(r'[0-9.%％万亿]', b.text):
                        bad.append(f'{position(page, a)} number split: {a.text[-4:]}|{b.text[:4]}')
                if col and col[-1].chars[-1]['fontname'].endswith('FandolHei'):
                    bad.append(f'{position(page, col[-1])} heading at the foot of a column')
    assert not bad, '\n'.join(bad)


def test_newspaper_columns_balanced(newspaper_pages):
    page, = newspaper_pages
    bands = [band for band in page.bands if any(band)]
    assert len(bands) == 2                                     # 过去五年, 未来五年
    for band in bands:
        assert all(band), 'an empty column'
        bottoms = [col[-1].baseline for col in band]
        assert max(bottoms) - min(bottoms) <= 4 * PITCH + 0.1


def test_position_names_page_column_line(newspaper_pages):
    page, = newspaper_pages
    first = [ln for ln in page.lines if ln.column is not None]
    assert position(page, first[0]) == '第1页 第1栏 第1行' and first[0].text.startswith('●把牢政治方向')
    third = [ln for ln in page.lines if ln.column == 2]
    assert position(page, third[11]) == '第1页 第3栏 第12行'


# ---------------------------------------------------------------------------------------
# One manuscript, several styles


def test_same_source_builds_in_both_styles_without_edits(report_pdf, newspaper):
    """source/report.md names gongwen in its front matter; --style newspaper overrides it."""
    before = REPORT.read_bytes()
    assert b'style: gongwen' in before
    seed = without_space(SEED.read_text(encoding='utf-8'))
    with pdfplumber.open(report_pdf) as a4, pdfplumber.open(newspaper) as paper:
        assert (a4.pages[0].width, a4.pages[0].height) == pytest.approx((210 * MM, 297 * MM), abs=0.5)
        assert (paper.pages[0].width, paper.pages[0].height) == pytest.approx(SHEET, abs=0.5)
        assert a4.metadata['Title'] == paper.metadata['Title']
    assert re.sub(r'—\d+—', '', without_space(pdf_text(report_pdf))) == seed
    paper = ''.join(without_space(ln.text) for page in read_columns(newspaper) for ln in page.lines)
    assert Counter(LABELS.sub('', paper)) == Counter(seed)   # the order: see above
    assert REPORT.read_bytes() == before


def test_front_matter_selects_newspaper(tmp_path):
    src = tmp_path / 'doc.md'
    src.write_text('---\ntitle: 通知\nstyle: newspaper\n---\n\n正文。\n', encoding='utf-8')
    typeset.build(src, tmp_path / 'doc.pdf')
    with pdfplumber.open(tmp_path / 'doc.pdf') as pdf:
        assert (pdf.pages[0].width, pdf.pages[0].height) == pytest.approx(SHEET, abs=0.5)


def test_newspaper_continues_on_the_next_page_on_the_same_grid(tmp_path, newspaper_pages):
    """Twice the report: the columns fill page 1 and go on on page 2 on the same grid; the
    notice is at the foot of the last page only."""
    text = REPORT.read_text(encoding='utf-8')
    head, body = text.split('## 过去五年', 1)
    body, notice = body.split('!!! notice', 1)
    src = tmp_path / 'long.md'
    src.write_text(head + ('## 过去五年' + body) * 2 + '!!! notice' + notice, encoding='utf-8')
    out = tmp_path / 'long.pdf'
    assert typeset.build(src, out, style='newspaper').pages == 2
    pages = read_columns(out)
    grid = [x for k in range(COLUMNS) for x in column_edges(newspaper_pages[0], k)]
    for page in pages:
        assert [x for k in range(COLUMNS) for x in column_edges(page, k)] == pytest.approx(grid, abs=0.05)
        for band in page.bands:
            for col in band:
                for ln in col:
                    steps = (ln.baseline - col[0].baseline) / PITCH
                    assert steps == pytest.approx(round(steps), abs=0.01)
    # page 1 runs on to near its foot; a banner whose columns do not fit under it goes
    # over with them (here 未来五年 needs a heading and two lines: 4 lines are left)
    last_band = [b for b in pages[0].bands if any(b)][-1]
    assert max(col[-1].baseline for col in last_band) > MARGIN_Y + TYPE_AREA[1] - 12 * PITCH
    assert [ln.text for ln in pages[0].lines if ln.column is None][-1] != '未来五年'
    assert [ln.text for ln in pages[1].lines if ln.column is None][:2] == ['（上接第1版）', '未来五年']
    # page 2 starts at the top of the type area (under the 上接 note and the banner)
    assert min(col[0].baseline for band in pages[1].bands for col in band if col) < MARGIN_Y + 7 * PITCH
    slogan = [(p.number, ln) for p in pages for ln in p.lines if ln.text == '扬正气·促和谐']
    assert [n for n, _ in slogan] == [2]
    seed = without_space(SEED.read_text(encoding='utf-8'))
    got = LABELS.sub('', ''.join(without_space(ln.text) for p in pages for ln in p.lines))
    title = '中国人民政治协商会议第十四届温岭市委员会常务委员会工作报告（摘要）'
    main = seed[len(title):seed.index('扬正气')]
    assert got == title + main * 2 + seed[seed.index('扬正气'):]


def _cli(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, '-m', 'typeset', *args], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), cwd=cwd, timeout=120)


def test_third_style_given_only_as_css_builds_by_path(tmp_path):
    out = tmp_path / 'plain.pdf'
    run = _cli('build', str(REPORT), '-o', str(out), '--style', str(FIXTURES / 'plain.css'))
    assert run.returncode == 0, run.stderr
    with pdfplumber.open(out) as pdf:
        assert (pdf.pages[0].width, pdf.pages[0].height) == pytest.approx((148 * MM, 210 * MM), abs=0.5)
        sizes = Counter(round(c['size'], 1) for p in pdf.pages for c in p.chars)
    assert sizes.most_common(1)[0][0] == 12
    assert without_space(pdf_text(out)) == without_space(SEED.read_text(encoding='utf-8'))


def test_styles_lists_house_styles_with_descriptions(tmp_path):
    """A style is a file: dropped into a styles folder it is listed and usable by name."""
    shelf = tmp_path / 'house'
    shelf.mkdir()
    shutil.copy(FIXTURES / 'plain.css', shelf / 'jianbao.css')
    run = _cli('styles', env={'TYPESET_STYLES_PATH': str(shelf)})
    assert run.returncode == 0, run.stderr
    listed = dict(line.split(None, 1) for line in run.stdout.splitlines())
    assert set(listed) == {p.stem for p in pipeline.STYLES_DIR.glob('*.css')} | {'jianbao'}
    assert listed['jianbao'].startswith('简报 (plain): A5')
    assert listed['newspaper'].startswith('报纸 (对开 broadsheet)')
    assert listed['gongwen'].startswith('公文')
    src = tmp_path / 'doc.md'
    src.write_text('---\ntitle: 通知\nstyle: jianbao\n---\n\n正文。\n', encoding='utf-8')
    run = _cli('build', str(src), '-o', str(tmp_path / 'doc.pdf'), env={'TYPESET_STYLES_PATH': str(shelf)})
    assert run.returncode == 0, run.stderr
    with pdfplumber.open(tmp_path / 'doc.pdf') as pdf:
        assert (pdf.pages[0].width, pdf.pages[0].height) == pytest.approx((148 * MM, 210 * MM), abs=0.5)
    # without the folder the name is unknown, and the message lists what there is
    run = _cli('build', str(src), '-o', str(tmp_path / 'doc.pdf'), env={'TYPESET_STYLES_PATH': ''})
    assert run.returncode == 2 and 'newspaper' in run.stderr
