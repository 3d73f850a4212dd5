"""Titles and headings broken between words into balanced lines; one digit design; ● in
its cell; —— and …… may start a line. Asserted on the PDF."""
from __future__ import annotations

import pdfplumber
import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

import typeset
from typeset.chars import LINE_END_FUNCTION_WORDS, LINE_END_MARKS, break_allowed
from typeset.checks.pdfread import read_pdf

from conftest import CORPUS, ROOT, build_markdown

BAD_ENDS = set('和的与及、')

DOC = """---
title: 关于2026年第三季度全市重点工作推进情况的通报
---

各有关单位：

### ●强化团结引领，凝聚合作发展共识更加广泛有效

**始终把党的领导落实到行动上。**全年开展活动12次，参与委员300余人次。
"""


def _title_lines(pdf_path):
    pages = read_pdf(pdf_path)
    first = pages[0].lines
    size = max(ln.size for ln in first)
    return [ln for ln in first if ln.size == size]


def _built(tmp_path_factory, name: str, text: str):
    out, result = build_markdown(tmp_path_factory.mktemp(name), text)
    assert not result.errors, result.errors
    return out


@pytest.fixture(scope='module')
def doc(tmp_path_factory):
    return _built(tmp_path_factory, 'titles', DOC)


def test_title_breaks_between_words_into_a_trapezoid(doc):
    lines = _title_lines(doc)
    assert [ln.text for ln in lines] == ['关于2026年第三季度', '全市重点工作推进情况的通报']
    # centred on the type area, the shorter line above (正梯形)
    centres = [(ln.x0 + ln.x1) / 2 for ln in lines]
    assert abs(centres[0] - centres[1]) < 1.0
    assert lines[0].x1 - lines[0].x0 < lines[1].x1 - lines[1].x0


def test_long_title_has_no_short_line_and_no_function_word_at_a_line_end(tmp_path):
    source = next(CORPUS.glob('04-*.md'))
    out = tmp_path / 'c04.pdf'
    result = typeset.build(source, out)
    assert not result.errors
    texts = [ln.text for ln in _title_lines(out)]
    assert len(texts) == 3, texts
    assert ''.join(texts) == '国务院关于外商投资企业和外国企业适用增值税、消费税、营业税等税收暂行条例有关问题的通知'
    for text in texts:
        assert len(text) > 2 and text[-1] not in BAD_ENDS, texts
        assert not any(text.endswith(w) for w in LINE_END_FUNCTION_WORDS), texts


def test_digits_have_one_design_in_every_face(doc):
    with pdfplumber.open(doc) as pdf:
        page = pdf.pages[0]
        area_bottom = page.height - 35 * 72 / 25.4   # above the page number
        fonts = {ch['fontname'].split('+')[-1] for ch in page.chars
                 if ch['text'].isdigit() and ch['top'] < area_bottom}
    # title (Noto Serif Bold), lead sentence (FandolKai) and body: FandolFang's digits
    assert fonts and all(f.startswith('FandolFang') for f in fonts), fonts
    assert 'FandolFang-Digits-Bold' in fonts or 'FandolFang-Digits' in fonts, fonts


def test_bullet_sits_inside_its_cell(doc):
    pages = read_pdf(doc)
    heading = next(ln for ln in pages[0].lines if ln.text.startswith('●'))
    bullet, after = heading.glyphs[0], heading.glyphs[1]
    assert 'Cell-Marks' in bullet.font
    font = TTFont(ROOT / 'fonts' / 'NotoSerifCJKsc-Marks.otf')
    glyph = font['cmap'].getBestCmap()[ord('●')]
    pen = BoundsPen(font.getGlyphSet())
    font.getGlyphSet()[glyph].draw(pen)
    x_min, _, x_max, _ = pen.bounds
    scale = bullet.size / font['head'].unitsPerEm
    ink_left, ink_right = bullet.x0 + x_min * scale, bullet.x0 + x_max * scale
    cell = after.x0 - bullet.x0
    # the ink stays inside the cell with a visible gap before the next character
    assert ink_left > bullet.x0 and ink_right < after.x0 - 0.5, (ink_left, ink_right, after.x0)
    assert (x_max - x_min) * scale < 0.95 * cell


def test_dash_may_start_a_line_but_never_splits():
    assert break_allowed('字', '—')
    assert not break_allowed('—', '—') and not break_allowed('…', '…')
    assert '、' in LINE_END_MARKS


def test_dash_at_a_line_start_keeps_the_line_above_full(tmp_path):
    # a first line (26 cells after the indent) full up to 字, then ——: the dash starts line 2
    # without taking 字 along
    text = '一' * 25 + '字——破折号可以出现在行首，只是不能把它分开在两行。\n'
    out, result = build_markdown(tmp_path, '# 标题\n\n' + text)
    assert not result.errors
    pages = read_pdf(out)
    body = [ln for ln in pages[0].lines if '一' in ln.text or '折' in ln.text]
    assert body[0].text.endswith('字'), [ln.text for ln in body]
    assert body[1].text.startswith('——'), [ln.text for ln in body]


HEADINGS = """# 测试

### ●加强思想政治引领，在坚持党对政协工作全面领导中体现新担当

正文。

### ●深化平台载体建设，在履职为民助力共同富裕中发挥新作用

正文。
"""


@pytest.fixture(scope='module')
def headings(tmp_path_factory):
    return _built(tmp_path_factory, 'headings', HEADINGS)


def test_wrapped_heading_breaks_between_words_without_a_short_line(headings):
    lines = [ln.text for ln in read_pdf(headings)[0].lines if 'Hei' in ln.glyphs[-1].font]
    assert lines == ['●加强思想政治引领，在坚持党对政协工作全面领导中体现', '新担当',
                     '●深化平台载体建设，在履职为民助力共同富裕中发挥', '新作用'], lines


def test_heading_lines_are_evenly_spaced(headings):
    first = next(ln for ln in read_pdf(headings)[0].lines if ln.text.startswith('●深化'))
    steps = {round(b.x0 - a.x0, 1) for a, b in zip(first.glyphs[1:], first.glyphs[2:])}
    # justified: the room a carried-over word leaves is spread evenly, none at a joiner
    assert len(steps) == 1, steps


def test_word_joiners_stay_out_of_the_text_and_the_outline(headings):
    from pypdf import PdfReader
    reader = PdfReader(headings)
    titles = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(item.title)
    walk(reader.outline)
    assert '●加强思想政治引领，在坚持党对政协工作全面领导中体现新担当' in titles, titles
    with pdfplumber.open(headings) as pdf:
        assert '\u2060' not in ''.join(ch['text'] for ch in pdf.pages[0].chars)


def test_check_finds_nothing_wrong_with_joined_headings(tmp_path):
    src = tmp_path / 'h.md'
    src.write_text(HEADINGS, encoding='utf-8')
    result = typeset.check(src, tmp_path / 'h.pdf')
    assert not [f for f in result.findings if f.rule in ('text-mismatch', 'font-fallback', 'line-overrun')], \
        [str(f) for f in result.findings]


def test_segmentation_is_jiebas_own(tmp_path):
    """The tokenizer given only the words of the text segments as jieba with its whole
    dictionary does, and the dictionary's known total is its real total."""
    import re

    import jieba

    from typeset import segment
    text, total = segment._dictionary()
    assert total == sum(map(int, re.findall(r' (\d+)', text)))
    titles = ['国务院关于外商投资企业和外国企业适用增值税、消费税、营业税等税收暂行条例有关问题的通知',
              '●加强思想政治引领，在坚持党对政协工作全面领导中体现新担当',
              '中共中央 国务院关于实施乡村振兴战略的意见', '关于2026年第三季度重点工作推进情况的通报']
    whole = jieba.Tokenizer()
    whole.tmp_dir = str(tmp_path)   # its cache goes there, not to the shared /tmp
    assert [list(whole.cut(t)) for t in titles] == segment.segment_all(titles)


# -- the title breaker alone (no rendering) ------------------------------------------

TITLES = ['国务院关于外商投资企业和外国企业适用增值税、消费税、营业税等税收暂行条例有关问题的通知',
          '国务院办公厅关于进一步加强和改进新形势下高校宣传思想工作的意见',
          '关于印发《浙江省政协委员履职量化考核细则》的通知',
          '关于做好2026年全省普通高等学校招生考试和录取工作的通知',
          '中共中央国务院关于实施乡村振兴战略的意见',
          '关于2026年第三季度全市重点工作推进情况的通报']


def _em(text):
    return sum(0.5 if c.isascii() else 1.0 for c in text)


@pytest.mark.parametrize('measure', [12, 15.3, 20])
@pytest.mark.parametrize('title', TITLES)
def test_title_lines_keep_words_whole_and_end_well(title, measure):
    from typeset.segment import segment
    from typeset.titles import break_title_line
    lines = break_title_line(title, measure, _em)
    assert ''.join(lines) == title
    assert all(_em(line) <= measure for line in lines), lines
    bounds = set()
    k = 0
    for word in segment(title):
        k += len(word)
        bounds.add(k)
    k = 0
    for line in lines:
        k += len(line)
        assert k in bounds, (lines, 'broken inside a word')
        assert len(line) > 2 and line[-1] not in BAD_ENDS and not line.startswith('等'), lines
        assert not any(line.endswith(w) for w in LINE_END_FUNCTION_WORDS), lines


def test_title_that_fits_is_one_line_and_fonts_are_not_read():
    from typeset.titles import break_title_line

    def width(_):
        raise AssertionError('no need to measure a title of 20 characters or fewer')
    assert break_title_line('仲裁委员会仲裁收费办法', 20, width) == ['仲裁委员会仲裁收费办法']


def test_upright_trapezoid_before_an_inverted_one():
    from typeset.titles import break_title_line
    assert break_title_line('中共中央国务院关于实施乡村振兴战略的意见', 15.3, _em) == \
        ['中共中央国务院', '关于实施乡村振兴战略的意见']


def test_a_space_beside_digits_is_in_the_digit_font(tmp_path):
    """Pango draws a space next to digits with the digits' font: a digit font without a
    space set it as .notdef, `check` called U+0020 missing and lost the digits (corpus 08's
    `在 34 岁`, `花了 5000 元`)."""
    from typeset.checks import check
    src = tmp_path / 'digits.md'
    src.write_text('> 有七成的比例会在 34 岁的时候结婚。\n\n今天出去买菜花了 5000 元。\n', encoding='utf-8')
    findings = check(src, tmp_path / 'digits.pdf').findings
    assert not [f for f in findings if f.rule in ('glyph-missing', 'text-mismatch')], findings
