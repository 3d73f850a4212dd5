"""The paragraph breaker (cjk/breaker.py), judged from glyph positions in real PDFs.

The fixtures are paragraphs that the line-by-line splitter set badly: the seed's 孤字
`部署。`, corpus 02's loose lines before `8.7∶41.2∶50.1` and `5%-5.5%`, pairs of marks
each taking a full cell on the strict grid.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import typeset
from typeset.checks import check
from typeset.cjk import breaker

from test_cjk import CELL, HAN, MM, body_lines, indent_cells, page_left, read_lines
from conftest import CORPUS

FIXTURES = Path(__file__).resolve().parent / 'fixtures' / 'breaker'
LOOSE = 1.125 * CELL


def _build(tmp_path_factory, name, text=None):
    folder = tmp_path_factory.mktemp(name)
    src = FIXTURES / f'{name}.md'
    if text is not None:
        src = folder / f'{name}.md'
        src.write_text(text, encoding='utf-8')
    out = folder / f'{name}.pdf'
    result = typeset.build(src, out)
    return read_lines(out), result


@pytest.fixture(scope='module')
def paragraphs(tmp_path_factory):
    return _build(tmp_path_factory, 'paragraphs')


@pytest.fixture(scope='module')
def unavoidable(tmp_path_factory):
    return _build(tmp_path_factory, 'unavoidable')


def _paragraphs(pages):
    """Body lines grouped by paragraph (a paragraph starts on a line indented 2 cells)."""
    out = []
    for line in body_lines(pages):
        if line.heading or line.size != 16.0:
            continue
        if indent_cells(line) == 2.0 or not out:
            out.append([])
        out[-1].append(line)
    return out


def _widest_han_step(line):
    return max((b['x0'] - a['x0'] for a, b in zip(line.chars, line.chars[1:])
                if HAN.match(a['text']) and HAN.match(b['text'])), default=0.0)


def _counted(line):
    return sum(1 for c in line.chars if HAN.match(c['text']) or c['text'].isalnum())


def test_no_loose_line_and_no_lone_last_character(paragraphs):
    pages, result = paragraphs
    paras = _paragraphs(pages)
    assert len(paras) == 5, [[ln.text for ln in p] for p in paras]
    for para in paras:
        for line in para[:-1]:
            assert _widest_han_step(line) <= LOOSE, line.text
        assert _counted(para[-1]) >= 2, [ln.text for ln in para]
    assert result.composition.planned > 0 and result.composition.greedy == 0
    assert not result.composition.unavoidable


def test_adjacent_marks_take_one_and_a_half_cells_on_the_strict_grid(paragraphs):
    pages, _ = paragraphs
    chars = [c for ln in body_lines(pages) for c in ln.chars]
    seen = set()
    for a, b in zip(chars, chars[1:]):
        pair = a['text'] + b['text']
        if pair in ('》，', '”“', '）、', '》《') and abs(a['top'] - b['top']) < 1:
            seen.add(pair)
            # the first mark gives up its blank half: the next starts half a cell on
            # (plus what justification spreads, at most 1/8 em; less in a line
            # tightened by its marks)
            step = b['x0'] - a['x0']
            assert CELL / 4 < step < CELL / 2 + CELL / 8, (pair, step)
    assert seen == {'》，', '”“', '）、', '》《'}, seen


def test_pure_han_lines_hold_28_glyphs_flush_on_the_grid(unavoidable):
    pages, _ = unavoidable
    first = _paragraphs(pages)[0]
    assert [len(ln.chars) for ln in first[:-1]] == [26, 28, 28], [ln.text for ln in first]
    for line in first[:-1]:
        left = page_left(line.page) + indent_cells(line) * CELL
        for k, c in enumerate(line.chars):
            assert abs(c['x0'] - (left + k * CELL)) < 0.05 * MM, (line.text, k)
        right = page_left(line.page) + 156 * MM
        assert abs(line.chars[-1]['x0'] + CELL - right) < 0.05 * MM


def test_check_reports_what_no_breaks_avoid_and_build_keeps_it(unavoidable, tmp_path):
    pages, result = unavoidable
    paras = _paragraphs(pages)
    # built as chosen, not hidden: the number forces a loose line, pure Han a 孤字
    assert _widest_han_step(paras[1][0]) > LOOSE
    assert paras[2][-1].text == '成。'
    assert sorted(k for k, _ in result.composition.unavoidable.values()) == ['guzi', 'loose']
    assert any('no line breaks avoid' in note for note in result.notes)
    found = check(FIXTURES / 'unavoidable.md', tmp_path / 'u.pdf')
    by_rule = {f.rule: f for f in found.findings}
    assert 'unavoidable' in by_rule['loose-line'].message
    assert by_rule['loose-line'].page == 1
    assert 'unavoidable' in by_rule['single-char-line'].message
    assert '成。' in by_rule['single-char-line'].message


def test_greedy_fallback_is_counted_and_reported(tmp_path_factory):
    text = '---\ntitle: 超长\nstyle: gongwen\n---\n\n编号' + '1234567890' * 7 + '为准。\n'
    _, result = _build(tmp_path_factory, 'greedy', text)
    assert result.composition.greedy >= 1
    assert any('greedy splitter' in note for note in result.notes)


def test_breaker_costs_order():
    """A 孤字 costs less than a loose line; a stretched pure-Han grid line more."""
    assert breaker.COST_SHORT_LAST < breaker.COST_GUZI < breaker.COST_GRID_STRETCH < breaker.COST_LOOSE
    # a last line of …… alone is worse than the stretched line that brings a character down
    assert breaker.COST_GRID_STRETCH < breaker.COST_MARKS_ALONE < breaker.COST_LOOSE


# -- page fill ------------------------------------------------------------------------

PITCH = 225 * MM / 22
CORPUS_04 = CORPUS / '04-state-council-notice-1994-foreign-enterprise-tax.md'


@pytest.fixture(scope='module')
def notice(tmp_path_factory):
    if not CORPUS_04.exists():
        pytest.skip('the shared corpus is not here')
    out = tmp_path_factory.mktemp('notice') / 'notice.pdf'
    found = check(CORPUS_04, out)
    return read_lines(out), found


def test_pages_run_full_to_the_last_grid_row(notice):
    pages, found = notice
    tops = [min(ln.y for ln in body_lines([pg])) for pg in pages if body_lines([pg])]
    row1 = min(tops)
    rows = [round((max(ln.y for ln in pg) - row1) / PITCH) + 1 for pg in pages]
    # every page but the last ends on row 22 (the greedy layout ended p2 on row 21)
    assert rows[:-1] == [22] * (len(pages) - 1), rows
    # and the Chinese rules stay: no heading at a page foot, no last line alone on top
    assert not [f for f in found.findings if f.rule == 'heading-last']
    for pg in pages[1:]:
        paras = _paragraphs([pg])
        head = paras[0] if paras else []
        assert not (len(head) == 1 and indent_cells(head[0]) == 0.0
                    and len(paras) > 1), head[0].text


def test_newspaper_columns_have_no_loose_line(tmp_path):
    # 开明式 in narrow columns: the greedy splitter left two loose lines in the seed
    found = check(Path(__file__).resolve().parents[1] / 'source' / 'report.md',
                  tmp_path / 'news.pdf', style='newspaper')
    assert not [f for f in found.findings if f.rule in ('loose-line', 'single-char-line',
                                                         'line-start', 'line-end')]


# -- headings: word joiners are no gaps -----------------------------------------------

WRAPPED_HEADINGS = """# 测试

### ●深化平台载体建设，在履职为民助力共同富裕中发挥新作用

正文。

### ●加强思想政治引领，在坚持党对政协工作全面领导中体现新担当，深化平台载体建设，在履职为民助力共同富裕中发挥新作用

正文。
"""


def test_wrapped_heading_lines_are_justified_flush(tmp_path):
    # A heading breaks only between words (word joiners, U+2060, between the characters
    # of a word); justification counted each joiner as a gap of its own and overran.
    src = tmp_path / 'h.md'
    src.write_text(WRAPPED_HEADINGS, encoding='utf-8')
    found = check(src, tmp_path / 'h.pdf')
    assert not [f for f in found.findings if f.rule == 'line-overrun'], [str(f) for f in found.findings]
    heads = [ln for ln in body_lines(read_lines(tmp_path / 'h.pdf')) if ln.heading]
    firsts = [ln for ln in heads if ln.text.startswith('●')]
    assert len(heads) >= 5 and len(firsts) == 2, [ln.text for ln in heads]
    right = page_left(1) + 156 * MM
    not_last = [ln for ln, nxt in zip(heads, heads[1:]) if not nxt.text.startswith('●')]
    # the first heading's first line is two cells short by its words: stretched to the edge
    assert firsts[0] in not_last and len(firsts[0].chars) == 24
    for line in not_last:
        assert abs(line.chars[-1]['x0'] + CELL - right) < 0.05 * MM, line.text
        steps = [b['x0'] - a['x0'] for a, b in zip(line.chars, line.chars[1:])]
        assert max(steps) - min(steps) < 0.05 * MM, line.text   # evenly spread


def test_ellipsis_may_start_a_line(tmp_path):
    # the first line (26 cells after the indent) is full up to 字, then ……: GB/T 15834 only
    # forbids splitting the mark, so it starts line 2 and 字 stays above (Pango offers no
    # break before …: the layer adds it)
    text = '国' * 25 + '字……省略号可以出现在行首，只是不能把它分开在两行。\n'
    src = tmp_path / 'e.md'
    src.write_text('# 标题\n\n' + text, encoding='utf-8')
    found = check(src, tmp_path / 'e.pdf')
    assert not [f for f in found.findings if f.severity == 'error'], [str(f) for f in found.findings]
    body = [ln for ln in body_lines(read_lines(tmp_path / 'e.pdf')) if '国' in ln.text or '省' in ln.text]
    assert body[0].text.endswith('国字'), [ln.text for ln in body]
    assert body[1].text.startswith('……省'), [ln.text for ln in body]
    right = page_left(1) + 156 * MM
    assert abs(body[0].chars[-1]['x0'] + CELL - right) < 0.05 * MM


def test_check_explains_a_short_page_by_the_heading_after_it(tmp_path):
    # the seed's p5 and p6 end 1 and 2 rows short: the next page opens with a ● heading of
    # two lines, which with two lines of its text needs 4 rows at the foot
    found = check(Path(__file__).resolve().parents[1] / 'source' / 'report.md', tmp_path / 's.pdf')
    short = [f for f in found.findings if f.rule == 'page-short']
    assert [(f.page, f.severity) for f in short] == [(5, 'info'), (6, 'info')], [str(f) for f in short]
    assert '●深化平台载体建设' in short[0].message and '1 row short' in short[0].message
    assert '●提升履职能力水平' in short[1].message and '2 rows short' in short[1].message
    assert all('needs 4 rows' in f.message for f in short)


def test_a_space_typed_between_chinese_is_one_fixed_cell(tmp_path):
    # 第二条 当事人: Chinese has no word space; the typed one is set as a full-width blank,
    # one cell (the columns hold), never stretched: the line after it stays on the grid
    text = ('# 办法\n\n第三条 案件受理费用于给付仲裁员报酬、维持仲裁委员会正常运转的必要开支。\n\n'
            '提高“才聚江西 智荟赣鄱”“双招双引”等活动质效，推动人才链与产业链深度融合发展。\n')
    src = tmp_path / 's.md'
    src.write_text(text, encoding='utf-8')
    found = check(src, tmp_path / 's.pdf')
    assert not [f for f in found.findings if f.rule in ('loose-line', 'line-overrun', 'grid-drift')], \
        [str(f) for f in found.findings]
    lines = [ln for ln in body_lines(read_lines(tmp_path / 's.pdf')) if not ln.heading]
    first = next(ln for ln in lines if ln.text.startswith('第三条'))
    left = page_left(1) + 2 * CELL
    # 第三条, a blank cell, then 22 characters: 28 cells with the indent, each on its column
    assert len(first.chars) == 25 and first.text.endswith('委员会'), first.text
    for k, c in enumerate(first.chars):
        assert abs(c['x0'] - (left + (k + 1 if k >= 3 else k) * CELL)) < 0.05 * MM, (k, c['text'])
    slogan = next(ln for ln in lines if '江西' in ln.text)
    xs = {c['text']: c['x0'] for c in slogan.chars}
    assert abs(xs['智'] - xs['西'] - 2 * CELL) < 0.05 * MM


def test_heading_lines_in_narrow_columns_are_never_spaced_loose(tmp_path):
    # newspaper columns hold 13 characters: a heading broken only between words would be
    # spaced 1/2 em a gap to reach the edge; it stays flush left instead
    src = tmp_path / 'h.md'
    src.write_text('# 测试\n\n### ●完善协商民主机制，在充分发挥专门协商机构作用中彰显新作为\n\n正文。\n',
                   encoding='utf-8')
    out = tmp_path / 'h.pdf'
    typeset.build(src, out, style='newspaper')
    heads = [ln for pg in read_lines(out) for ln in pg if ln.heading and len(ln.chars) > 3]
    assert heads and heads[0].text.startswith('●完善协商民主机制，'), [ln.text for ln in heads]
    size = heads[0].chars[0]['size']
    for line in heads:
        # one column's characters (a row of the PDF may cross columns: stop at a gutter)
        steps = [b['x0'] - a['x0'] for a, b in zip(line.chars, line.chars[1:])]
        steps = [s for s in steps if s < 2 * size]
        assert max(steps) <= 1.125 * size + 0.05 * MM, (line.text, max(steps) / size)


def test_marks_held_by_a_word_joiner_are_a_compressed_pair(tmp_path):
    # a wrapped heading carries word joiners: 二、⁠“十五五” has one between 、 and “, which
    # hid the pair (two full cells in gongwen) and, in newspaper, shifted “ onto 十
    src = tmp_path / 'p.md'
    src.write_text('# 测试\n\n## 二、“十五五”时期发展的主要考虑和今后五年的目标任务以及重点工作安排\n\n正文。\n',
                   encoding='utf-8')
    for style in ('gongwen', 'newspaper'):
        out = tmp_path / f'{style}.pdf'
        typeset.build(src, out, style=style)
        chars = [c for pg in read_lines(out) for ln in pg for c in ln.chars]
        k = next(i for i, c in enumerate(chars) if c['text'] == '、' and chars[i + 1]['text'] == '“')
        pause, quote, ten = chars[k:k + 3]
        size = ten['size']
        assert ten['x0'] - pause['x0'] < 1.5 * size + size / 4, style   # a pair: 1.5 cells
        assert ten['x0'] - quote['x0'] >= size - 0.05 * MM, style        # “ whole before 十


def test_a_pair_across_a_run_in_heading_is_compressed(tmp_path):
    # the run-in heading (its own box, 楷体) ends in 。 and the text opens with “: each was
    # planned in its box, a full cell each
    src = tmp_path / 'r.md'
    src.write_text('# 测试\n\n（一）关于“十五五”时期发展的时代背景。“十五五”时期是基本实现社会主义现代化'
                   '夯实基础、全面发力的关键时期，也是奋力谱写中国式现代化江西篇章的关键时期。\n',
                   encoding='utf-8')
    found = check(src, tmp_path / 'r.pdf')
    assert not [f for f in found.findings if f.severity == 'error'], [str(f) for f in found.findings]
    chars = [c for ln in body_lines(read_lines(tmp_path / 'r.pdf')) for c in ln.chars]
    k = next(i for i, c in enumerate(chars) if c['text'] == '。' and chars[i + 1]['text'] == '“')
    assert chars[k + 1]['x0'] - chars[k]['x0'] < CELL / 2 + CELL / 8
    assert not [f for f in found.findings if f.rule == 'line-not-flush']
