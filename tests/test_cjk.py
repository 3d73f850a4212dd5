"""The CJK line-layout layer (src/typeset/cjk), judged on glyph positions in the PDF.

Documents are built through ``typeset.build`` and read back with pdfplumber; the
criteria are those of issue 3 (flush lines, the 28 × 22 grid, clreq strict
prohibitions, no inserted spaces, pages).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pytest

import typeset
from typeset import cjk
from typeset import chars as C
from typeset.cjk import patches

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / 'fixtures' / 'cjk'
MM = 72 / 25.4
CELL = 156 * MM / 28
PITCH = 225 * MM / 22
HAN = re.compile(r'[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]')
PAGE_NO = re.compile(r'^[—–\-－\s]*\d+[—–\-－\s]*$')
WIDE_PUNCT = set('，。、：；？！…—·％（）［］｛｝〔〕〈〉《》「」『』【】〖〗‘’“”．')


@dataclass
class Line:
    page: int
    chars: list
    text: str = ''
    x0: float = 0
    x1: float = 0
    y: float = 0
    size: float = 0
    fonts: set = field(default_factory=set)
    boxed: bool = False

    @property
    def heading(self):
        return any('Hei' in f for f in self.fonts)


def read_lines(path):
    pages = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            rows = {}
            for ch in page.chars:
                if ch['text'].strip():
                    rows.setdefault(round(ch['bottom'], 1), []).append(ch)
            lines = []
            for key in sorted(rows):
                chars = sorted(rows[key], key=lambda c: c['x0'])
                if lines and abs(key - lines[-1].y) < 2:
                    lines[-1].chars = sorted(lines[-1].chars + chars, key=lambda c: c['x0'])
                    continue
                lines.append(Line(number, chars, y=key))
            for line in lines:
                line.text = ''.join(c['text'] for c in line.chars)
                line.x0, line.x1 = line.chars[0]['x0'], line.chars[-1]['x1']
                line.size = Counter(round(c['size'], 1) for c in line.chars).most_common(1)[0][0]
                line.fonts = {c['fontname'] for c in line.chars}
                line.boxed = any(r['x0'] < line.x0 and r['x1'] > line.x1 and
                                 r['top'] < line.y < r['bottom'] for r in page.rects)
            pages.append([ln for ln in lines if not PAGE_NO.match(ln.text)])
    return pages


def page_left(number):
    # Recto: binding margin 28 mm on the left; verso: 26 mm on the left.
    return (28 if number % 2 else 26) * MM


def body_lines(pages):
    """Body text lines (16 pt, not in a framed box) in reading order."""
    return [ln for pg in pages for ln in pg if ln.size == 16.0 and not ln.boxed]


def indent_cells(line):
    return round((line.x0 - page_left(line.page)) / CELL, 1)


def paragraph_lines(pages):
    """(line, is_last_of_paragraph) for justified body lines (headings excluded)."""
    seq = body_lines(pages)
    out = []
    for i, line in enumerate(seq):
        if line.heading or indent_cells(line) not in (0.0, 2.0):
            continue
        nxt = seq[i + 1] if i + 1 < len(seq) else None
        last = nxt is None or nxt.heading or indent_cells(nxt) != 0.0
        out.append((line, last))
    return out


def is_wide(char):
    return bool(HAN.match(char)) or char in WIDE_PUNCT


def short_of_edge(line):
    right = page_left(line.page) + 156 * MM
    return right - line.x1


def over_allowance(line):
    # As pdfmeasure: the last glyph may overhang by what the grid took from its
    # advance, and a line-end mark set half width by half its size.
    last = line.chars[-1]
    allowance = 0.05 * MM + max(0.0, last['size'] - CELL)
    if not HAN.match(last['text']) and not last['text'].isalnum():
        allowance += 0.5 * last['size']
    return allowance


def build(tmp_path_factory, name, text=None, extra_css=''):
    folder = tmp_path_factory.mktemp(name)
    if text is None:
        src = FIXTURES / f'{name}.md'
    else:
        src = folder / f'{name}.md'
        src.write_text(text, encoding='utf-8')
    out = folder / f'{name}.pdf'
    result = typeset.build(src, out, extra_css=extra_css)
    assert not [f for f in result.findings if f.severity == 'error'], result.findings
    return out, src


@pytest.fixture(scope='session')
def stress(tmp_path_factory):
    out, src = build(tmp_path_factory, 'stress')
    return read_lines(out), src.read_text(encoding='utf-8'), out


@pytest.fixture(scope='session')
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp('report')
    out = folder / 'report.pdf'
    typeset.build(ROOT / 'source' / 'report.md', out)
    return read_lines(out), (ROOT / 'source' / 'report.md').read_text(encoding='utf-8'), out


DOCS = ['stress', 'report']


@pytest.fixture(params=DOCS)
def doc(request):
    return request.getfixturevalue(request.param)


# -- the layer itself ----------------------------------------------------------------

def test_install_is_idempotent_and_pinned():
    cjk.install()
    cjk.install()
    assert cjk.installed()
    patches.check_version('70.0')
    patches.check_version('70.2.1')
    for version in ('69.9', '71.0', '65.1'):
        with pytest.raises(cjk.UnsupportedWeasyPrint, match='>=70,<71'):
            patches.check_version(version)
    assert issubclass(cjk.UnsupportedWeasyPrint, RuntimeError)


def test_break_rules_table():
    assert not C.break_allowed('中', '，')
    assert not C.break_allowed('《', '中')
    # GB/T 15834: —— may start a line; only the pair itself is never split
    assert C.break_allowed('中', '—') and not C.break_allowed('—', '—')
    assert not C.break_allowed('5', '万')
    assert not C.break_allowed('/', 'a')
    assert C.break_allowed('中', '国')


# -- flush right, on recto and verso ------------------------------------------------

def test_justified_lines_end_flush(doc):
    pages = doc[0]
    checked = {1: 0, 0: 0}
    bad = []
    for line, last in paragraph_lines(pages):
        if last:
            continue
        short = short_of_edge(line)
        if not -over_allowance(line) <= short <= 0.05 * MM:
            bad.append((line.page, round(short / MM, 3), line.text[:20]))
        checked[line.page % 2] += 1
    assert not bad, bad
    assert checked[1] > 5 and checked[0] > 5, checked


def test_last_lines_not_justified(stress):
    pages = stress[0]
    finals = [ln for ln, last in paragraph_lines(pages) if last and len(ln.chars) > 3]
    # A final line keeps its natural spacing: Han glyphs one cell apart.
    for line in finals:
        xs = [c['x0'] for c in line.chars if HAN.match(c['text'])]
        steps = Counter(round(b - a, 2) for a, b in zip(xs, xs[1:]))
        if steps:
            assert abs(steps.most_common(1)[0][0] - CELL) < 0.01, (line.text, steps)


# -- the grid ------------------------------------------------------------------------

def _natural_break_forbidden(line, nxt, missing):
    """A line is short by ``missing`` cells only if breaking there was forbidden."""
    if missing <= 0 or missing >= len(nxt.text):
        return False
    before, after = nxt.text[missing - 1], nxt.text[missing]
    return (not C.break_allowed(before, after)
            or (before == after and before in C.TWINS)
            or (before.isascii() and before.isalnum() and after.isascii() and after.isalnum()))


def _widest_han_step(line):
    steps = [b['x0'] - a['x0'] for a, b in zip(line.chars, line.chars[1:])
             if HAN.match(a['text']) and HAN.match(b['text'])]
    return max(steps, default=0.0)


def test_full_lines_hold_28_cells(doc):
    pages = doc[0]
    seq = [ln for ln, _ in paragraph_lines(pages)]
    finals = {id(ln) for ln, last in paragraph_lines(pages) if last}
    counts = Counter()
    bad = []
    for i, line in enumerate(seq):
        if id(line) in finals or not all(is_wide(c['text']) for c in line.chars):
            continue
        full = 28 if indent_cells(line) == 0 else 26
        count = len(line.chars)
        counts[count] += 1
        if count == full:
            continue
        nxt = seq[i + 1]
        if count < full and _natural_break_forbidden(line, nxt, full - count):
            continue
        # A line with marks may hold more (a compressed pair) or fewer characters (one
        # pushed down so that the paragraph's last line is no 孤字), never loosely
        # spaced; pure Han holds the grid exactly.
        pure_han = all(HAN.match(c['text']) for c in line.chars)
        if not pure_han and _widest_han_step(line) <= 1.125 * CELL:
            continue
        bad.append((line.page, count, line.text, nxt.text[:4]))
    assert not bad, bad
    assert counts[28] >= 10, counts
    # The grid cell: consecutive Han glyphs one cell apart on full lines.
    steps = Counter()
    for line in seq:
        for a, b in zip(line.chars, line.chars[1:]):
            if HAN.match(a['text']) and HAN.match(b['text']):
                steps[round(b['x0'] - a['x0'], 2)] += 1
    assert abs(steps.most_common(1)[0][0] - CELL) < 0.01


def test_baselines_on_grid_and_22_lines_per_full_page(doc):
    pages = doc[0]
    for number, page in enumerate(pages, 1):
        body = [ln for ln in page if ln.size == 16.0 and not ln.boxed]
        if not body:
            continue
        residues = [(-ln.y) % PITCH for ln in body]
        ref = residues[0]
        off = [ln.text[:10] for ln, r in zip(body, residues)
               if abs((r - ref + PITCH / 2) % PITCH - PITCH / 2) > 0.1 * MM]
        assert not off, (number, off)
    seq = body_lines(pages)
    for i, line in enumerate(seq[1:], 1):
        prev = seq[i - 1]
        if line.page != prev.page and not line.heading and indent_cells(line) == 0.0:
            # The paragraph runs over the page: the page it leaves is full, its
            # last line in the 22nd grid line of the type area (37 mm from the
            # top; a title on page 1 takes whole grid lines too).
            slot = int((prev.y - 37 * MM) / PITCH)
            assert slot == 21, (prev.page, slot)
            lines = sum(1 for ln in pages[prev.page - 1] if ln.size == 16.0)
            assert lines == 22 or prev.page == 1, (prev.page, lines)


# -- prohibitions --------------------------------------------------------------------

def test_no_prohibited_line_start_or_end(doc):
    pages = doc[0]
    lines = [ln for pg in pages for ln in pg]
    starts = [(ln.page, ln.text[:8]) for ln in lines if ln.text[0] in C.LINE_START_PROHIBITED]
    ends = [(ln.page, ln.text[-8:]) for ln in lines if ln.text[-1] in C.LINE_END_PROHIBITED_GB]
    splits = [(a.text[-4:], b.text[:4]) for a, b in zip(lines, lines[1:])
              for mark in C.TWINS if a.text.endswith(mark) and b.text.startswith(mark)]
    assert not starts and not ends and not splits, (starts, ends, splits)


def test_stress_document_puts_every_mark_at_a_break(stress):
    """The fixture really tests something: each mark was due at a line start."""
    text = stress[1]
    for mark in '、。，．：；？！）］｝〕〉》」』】〗’”·％%（［｛〔〈《「『【〖‘“':
        assert mark in text, mark
    assert '——' in text and '……' in text and '12.5%' in text and '5.6万' in text


def test_numbers_and_units_stay_together(stress):
    pages = stress[0]
    lines = [ln for pg in pages for ln in pg]
    for a, b in zip(lines, lines[1:]):
        assert not (a.text[-1] in C.DIGITS and b.text[0] in C.NUMBER_UNITS | set('.%')), (a.text, b.text)
        assert not (a.text[-1].isascii() and a.text[-1].isalnum()
                    and b.text[0].isascii() and b.text[0].isalnum()), (a.text, b.text)


# -- text ----------------------------------------------------------------------------

def _outside_frames(page):
    rects = page.rects

    def keep(obj):
        return obj.get('object_type') != 'char' or not any(
            r['x0'] <= obj['x0'] and obj['x1'] <= r['x1'] and r['top'] <= obj['top'] <= r['bottom']
            for r in rects)
    return page.filter(keep)


def test_no_space_inserted_between_han(doc):
    out, source = doc[2], doc[1]
    with pdfplumber.open(out) as pdf:
        # The framed notice of the report is letter-spaced by the style (0.25 em,
        # wider than pdfplumber's 3 pt word gap): that is the style's choice.
        raw = ''.join(_outside_frames(page).extract_text() or '' for page in pdf.pages)
    found = re.findall(r'([\u3400-\u9fff])[ \u3000]+([\u3400-\u9fff])', raw)
    allowed = set(re.findall(r'([\u3400-\u9fff])[ \u3000]+([\u3400-\u9fff])', source))
    assert not [pair for pair in found if pair not in allowed], (found, allowed)


def test_text_round_trips_without_extra_characters(stress):
    pages, source = stress[0], stress[1]
    got = ''.join(HAN.findall(''.join(ln.text for pg in pages for ln in pg)))
    want = ''.join(HAN.findall(source))
    assert got == want


# -- pages ---------------------------------------------------------------------------

def test_heading_never_last_on_a_page(doc):
    pages = doc[0]
    for number, page in enumerate(pages[:-1], 1):
        body = [ln for ln in page if ln.size == 16.0]
        assert body and not body[-1].heading, (number, body[-1].text)


def test_heading_due_at_page_foot_moves(stress):
    pages = stress[0]
    heading = [ln for pg in pages for ln in pg if ln.text.startswith('●标题不落页脚')]
    assert heading
    page = pages[heading[0].page - 1]
    assert page.index(heading[0]) == 0


def test_no_orphan_or_widow_line(doc):
    seq = [ln for ln, _ in paragraph_lines(doc[0])]
    finals = {id(ln) for ln, last in paragraph_lines(doc[0]) if last}
    for i in range(1, len(seq)):
        prev, line = seq[i - 1], seq[i]
        if line.page == prev.page or indent_cells(line) != 0.0:
            continue
        # A paragraph crosses the page: two lines at least on each side.
        assert indent_cells(prev) == 0.0, ('orphan', prev.page, prev.text[:10])
        assert id(line) not in finals, ('widow', line.page, line.text[:10])


# -- settings: 开明式, compression, autospace, 孤字 ----------------------------------

LOOSE = 'html { --cjk-grid: none; }'


def _dist(pages, text):
    """x0 of the last character of ``text`` minus x0 of its first, where it occurs."""
    for pg in pages:
        for ln in pg:
            at = ln.text.find(text)
            if at >= 0:
                return ln.chars[at + len(text) - 1]['x0'] - ln.chars[at]['x0']
    raise AssertionError(f'{text} not found')


SAMPLE = ('---\ntitle: 样张\nlang: zh-CN\nstyle: gongwen\n---\n\n'
          '他说，“我们明天见。”\n\n大家都笑了（真的）、然后散去。\n\n这是《标准》，请读！\n\n'
          '使用WeasyPrint生成PDF文件，共3页。\n')


@pytest.fixture(scope='session')
def kaiming(tmp_path_factory):
    css = 'html { --cjk-punctuation: kaiming; --cjk-grid: none; }'
    out, _ = build(tmp_path_factory, 'kaiming', SAMPLE, css)
    return read_lines(out)


@pytest.fixture(scope='session')
def fullwidth(tmp_path_factory):
    out, _ = build(tmp_path_factory, 'fullwidth', SAMPLE, LOOSE)
    return read_lines(out)


@pytest.fixture(scope='session')
def strict(tmp_path_factory):
    out, _ = build(tmp_path_factory, 'strict', SAMPLE)
    return read_lines(out)


def test_kaiming_sets_marks_half_width_except_full_stops(kaiming):
    assert abs(_dist(kaiming, '说，“我') - 2 * CELL) < 0.05    # ， and “ half width
    assert abs(_dist(kaiming, '了（真') - 1.5 * CELL) < 0.05
    assert abs(_dist(kaiming, '的）、然') - 2 * CELL) < 0.05
    assert abs(_dist(kaiming, '见。”') - 2 * CELL) < 0.05      # 。 stays full
    # Glyphs stay in reading order for text extraction.
    assert any('说，“我' in ln.text for pg in kaiming for ln in pg)


def test_adjacent_marks_compressed_in_every_style(fullwidth, strict):
    # ，“ : the blank halves of ， and “ would make a full cell; keep half.
    assert abs(_dist(fullwidth, '说，“我') - 2.5 * CELL) < 0.05
    # ）、 : a pair of marks takes one and a half cells (clreq 3.1.6), ） half width.
    assert abs(_dist(fullwidth, '的）、然') - 2.5 * CELL) < 0.05
    # The strict grid compresses pairs too (layout.md, issue 9).
    assert abs(_dist(strict, '说，“我') - 2.5 * CELL) < 0.05
    assert abs(_dist(strict, '的）、然') - 2.5 * CELL) < 0.05


def test_autospace_quarter_em_is_layout_not_text(tmp_path_factory):
    out, _ = build(tmp_path_factory, 'autospace', SAMPLE, 'html { --cjk-autospace: quarter; }')
    pages = read_lines(out)
    step = _dist(pages, '用W')
    assert abs(step - (CELL + 4)) < 0.05, step
    with pdfplumber.open(out) as pdf:
        chars = ''.join(c['text'] for p in pdf.pages for c in p.chars)
    assert '用WeasyPrint生' in chars and ' ' not in chars.replace('— ', '').replace(' —', '')
    off = read_lines(build(tmp_path_factory, 'noautospace', SAMPLE)[0])
    assert abs(_dist(off, '用W') - CELL) < 0.05


GUZI = ('---\ntitle: 孤字\nlang: zh-CN\nstyle: gongwen\n---\n\n'
        + '一二三四五六七八九十' * 2 + '一二三四五六' + '甲，乙，丙，丁，戊，己，庚辛壬癸子丑寅卯辰巳午未申酉' + '意。\n')


def test_lone_last_character_pulled_in_when_tightening_can(tmp_path_factory):
    out, _ = build(tmp_path_factory, 'guzi', GUZI, LOOSE)
    lines = [ln for ln, _ in paragraph_lines(read_lines(out))]
    assert not lines[-1].text == '意。', [ln.text for ln in lines]
    assert lines[-1].text.endswith('意。')
    assert -over_allowance(lines[-1]) <= short_of_edge(lines[-1]) <= 0.05 * MM


def test_byte_to_char_table_counts_every_utf8_length():
    # Pango reports clusters as byte offsets; the table counted in C must give each
    # byte the character it belongs to, for 1-, 2-, 3- and 4-byte characters.
    from typeset.cjk.linebreak import _byte_to_char
    for text in ('', 'ab c', '第二条 当事人', 'é“中”a𠀀z', '𠀀'):
        expected = [i for i, ch in enumerate(text) for _ in ch.encode()] + [len(text)]
        assert _byte_to_char(text) == expected
