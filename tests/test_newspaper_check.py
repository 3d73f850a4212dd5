"""`typeset check` on newspaper pages (issue 10): the checker reads a page band by band and
column by column at the gutters the style declares, so documents the style was not drawn
for (code blocks, tables, footnotes, bands of one short paragraph) and a long report it
has never seen come back in reading order, with no false text findings.

Builds: corpus 09 and 10 in newspaper, corpus 03 (49 KB, not the seed) as a report of the
local daily over three pages, and two small documents.
"""
from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

import typeset
from conftest import CORPUS, HAN, MM, without_space
from test_styles import read_columns

TYPE_TOP = 30 * MM
TYPE_BOTTOM = TYPE_TOP + 530 * MM
FRONT = ('---\npaper: 温岭日报\nissue_date: 2026-01-20\npage_no: 2\nsection: 要闻\n'
         'editor: 王晓\nstyle: newspaper\n---\n\n')


def _text_findings(result):
    return [str(f) for f in result.findings if f.rule in ('text-mismatch', 'glyph-missing')]


@pytest.mark.parametrize('name', ['09-punctuation-marks-style-guide', '10-markdown-feature-test-footnotes'])
def test_check_reads_columns_of_code_tables_and_footnotes_in_order(tmp_path, name):
    """Bands of one or two short paragraphs leave most columns empty, code blocks and
    tables stand in columns, footnote references are raised in them: read at the declared
    gutters, nothing is missing, extra or out of order; in 09 the last line of a code block,
    set apart by a blank line, stands alone at the head of its column and is that column's,
    not a heading across the columns (09's code block draws its `…` as
    `⋯` in gongwen too: a character drawn as another is not a reading-order finding)."""
    result = typeset.check(CORPUS / f'{name}.md', tmp_path / 'doc.pdf', style='newspaper')
    wrong = [str(f) for f in result.findings if f.rule == 'text-mismatch' and ' of the source is ' not in f.message]
    assert not wrong, wrong


def test_space_beside_digits_in_the_newspaper_digit_face(tmp_path):
    """Pango sets a space beside digits in the digits' face: FandolSong Digits has one
    (before, `在 34 岁` printed a .notdef box and check lost the digits), and the page is
    laid out as before (the strut: fonts/fonts.conf; the seed's grid, test_newspaper)."""
    src = tmp_path / 'digits.md'
    src.write_text('---\nstyle: newspaper\n---\n\n> 有七成的比例会在 34 岁的时候结婚。\n\n'
                   '*今天出去买菜花了 5000 元。*\n', encoding='utf-8')
    result = typeset.check(src, tmp_path / 'digits.pdf')
    assert not _text_findings(result)
    with pdfplumber.open(tmp_path / 'digits.pdf') as pdf:
        chars = pdf.pages[0].chars
    text = ''.join(c['text'] for c in chars)
    assert '在 34' in text and '花了 5000' in text
    spaces = [c for c in chars if c['text'] == ' ' and 'Digits' in c['fontname']]
    assert spaces and all(0 < c['x1'] - c['x0'] < 0.5 * c['size'] for c in spaces)


# ---------------------------------------------------------------------------------------
# A report the style has never seen: corpus 03 (49 KB) as a report of the local daily


@pytest.fixture(scope='module')
def corpus_report(tmp_path_factory):
    """Corpus 03 with newspaper front matter, through `typeset check` once."""
    folder = tmp_path_factory.mktemp('corpus-report')
    source = FRONT + (CORPUS / '03-rural-revitalization-opinions-2018.md').read_text(encoding='utf-8')
    (folder / 'report.md').write_text(source, encoding='utf-8')
    result = typeset.check(folder / 'report.md', folder / 'report.pdf')
    with pdfplumber.open(folder / 'report.pdf') as pdf:
        chars = [[dict(c, baseline=p.height - c['matrix'][5]) for c in p.chars if c['text'].strip()]
                 for p in pdf.pages]
    return result, source, chars, read_columns(folder / 'report.pdf')


def _row_text(chars) -> str:
    return without_space(''.join(c['text'] for c in sorted(chars, key=lambda c: (round(c['baseline']), c['x0']))))


def test_corpus_report_checks_clean(corpus_report):
    result, *_ = corpus_report
    assert result.pages >= 3
    assert not [str(f) for f in result.findings if f.severity == 'error']


def test_corpus_report_masthead_on_every_page(corpus_report):
    _, _, chars, _ = corpus_report
    for k, page in enumerate(chars):
        head = _row_text([c for c in page if c['baseline'] < TYPE_TOP])
        for part in (f'第{2 + k}版', '要闻', '温岭日报', '2026年1月20日', '星期二', '责任编辑：王晓'):
            assert part in head, (k + 1, part, head)


def test_corpus_report_continuation_notes_on_every_page_pair(corpus_report):
    _, _, chars, pages = corpus_report
    for k, page in enumerate(chars):
        foot = _row_text([c for c in page if c['baseline'] > TYPE_BOTTOM])
        if k < len(chars) - 1:
            assert f'（下转第{2 + k + 1}版）' in foot, (k + 1, foot)
        else:
            assert '下转' not in foot
        head = [ln.text for ln in pages[k].lines if ln.column is None][0]
        if k:
            assert head == f'（上接第{2 + k - 1}版）'
        else:
            assert '上接' not in head


def test_corpus_report_every_character_in_reading_order(corpus_report):
    """Band by band, column by column, as an independent reader (test_styles.read_columns)
    takes the pages: the headline, then every Han character of the body in the
    manuscript's order, none lost, none twice."""
    _, source, _, pages = corpus_report
    want = ''.join(HAN.findall(source.split('---', 2)[2]))
    got = ''.join(HAN.findall(re.sub(r'（上接第\d+版）', '', ''.join(ln.text for p in pages for ln in p.lines))))
    assert got == want


def test_a_gongwen_in_the_paper_prints_what_a_paper_prints(tmp_path):
    """source/tongzhi.md set as the daily carries it: 主送, body, 落款 and 附注 on the page;
    the 版头, seal, 版记 and attachments, which a newspaper page has no place for, are said
    once, as info, not as thirteen errors of lost elements."""
    root = Path(__file__).resolve().parents[1] / 'source'
    result = typeset.check(root / 'tongzhi.md', tmp_path / 'tongzhi.pdf', style='newspaper')
    assert not result.errors, [str(f) for f in result.errors]
    note, = [f for f in result.findings if f.rule == 'element-not-printed']
    assert note.severity == 'info'
    for key in ('copy_no', 'classification', 'urgency', 'issuer_mark', 'doc_no', 'cc', 'printer',
                'print_date', '版记', 'seal', 'attachments'):
        assert key in note.message
    with pdfplumber.open(tmp_path / 'tongzhi.pdf') as pdf:
        printed = without_space(''.join(c['text'] for c in pdf.pages[0].chars))
    for shown in ('各镇人民政府、街道办事处，市级各部门：', '温岭市示例局', '2026年1月5日', '0576-86123456'):
        assert shown in printed


# ---------------------------------------------------------------------------------------
# Tables, bylines and pictures on the page (helper N4)

SEED_FRONT = ('---\ntitle: 工作报告\nbyline: 政协温岭市委员会常务委员会\nstyle: newspaper\n'
              'paper: 温岭日报\nissue_date: 2026-01-20\npage_no: 3\nsection: 专版\neditor: 王晓\n---\n\n')
UNIT = '在建言资政和凝聚共识上双向发力，寻求最大公约数，画出最大同心圆。'


def test_table_is_one_band_across_the_columns(tmp_path):
    """A table is set across the seven columns as a band of its own: each row on one
    baseline (before: cut into seven one-row pieces down the columns, a row split between
    two columns, `5%左右` wrapped in a 14-cell column); check reads it without a finding,
    and the bands over and under it stay on one grid."""
    paras = '\n\n'.join(UNIT * (1 + i % 3) for i in range(10))
    rows = [('地区生产总值增速', '5%左右', '5.2%'), ('规上工业增加值增速', '6.5%', '7.5%'),
            ('城镇新增就业', '40万人', '44.6万人')]
    table = '| 指标 | 目标 | 完成 |\n|---|---|---|\n' + ''.join(f'| {a} | {b} | {c} |\n' for a, b, c in rows)
    src = tmp_path / 'table.md'
    src.write_text(f'{SEED_FRONT}{paras}\n\n全年主要指标完成情况如下表。\n\n{table}\n{paras}\n',
                   encoding='utf-8')
    result = typeset.check(src, tmp_path / 'table.pdf')
    assert not [str(f) for f in result.findings if f.severity == 'error']
    with pdfplumber.open(tmp_path / 'table.pdf') as pdf:
        page = pdf.pages[0]
        small = [c for c in page.chars if c['text'].strip() and round(c['size'], 1) == 9.0
                 and TYPE_TOP < c['top'] < TYPE_BOTTOM]
    lines = {}
    for c in small:
        lines.setdefault(round(c['top']), []).append(c)
    got = [without_space(''.join(c['text'] for c in sorted(cs, key=lambda c: c['x0'])))
           for _, cs in sorted(lines.items())]
    assert got == ['指标目标完成'] + [''.join(r) for r in rows]
    # across the type area, not in a column of 52 mm
    assert max(c['x1'] for c in small) - min(c['x0'] for c in small) > 250 * MM
    page, = read_columns(tmp_path / 'table.pdf')
    bands = [b for b in page.bands if any(b)]
    steps = (bands[-1][0][0].baseline - bands[0][0][0].baseline) / (16.5)
    assert steps == pytest.approx(round(steps), abs=0.02)


def test_byline_a_hair_wider_than_a_column_is_read_across_the_columns(tmp_path):
    """A 13-character byline in 12 pt (156 pt) is wider than a column (147 pt): centred, its
    first character starts in the gutter. With no banner under the headline block it was
    read as column text, half in column 3 and half in column 4 (before: text-mismatch,
    exit 1, on a good PDF)."""
    src = tmp_path / 'byline.md'
    src.write_text(SEED_FRONT + '\n\n'.join(UNIT * (2 + i % 3) for i in range(12)) + '\n',
                   encoding='utf-8')
    result = typeset.check(src, tmp_path / 'byline.pdf')
    assert not _text_findings(result)
    with pdfplumber.open(tmp_path / 'byline.pdf') as pdf:
        zheng = [c for c in pdf.pages[0].chars if c['text'] == '政' and round(c['size']) == 12]
    # the case the test is about: 政 starts inside the gutter between columns 3 and 4
    gutter = 10 * MM + 3 * 147 + 2 * 17.47
    assert zheng and gutter < zheng[0]['x0'] < gutter + 17.47


def test_reader_tells_table_rows_and_bylines_from_column_lines():
    """On the declared grid of the newspaper (7 columns of 147 pt, gutters of 17.47 pt):
    a table row centred in equal cells across the type area is read across the columns,
    and so is a line starting in a gutter; code lines of two columns on one baseline (one
    indented) and body lines stay in their columns."""
    from typeset.checks.pdfread import Glyph, Line, _spanning_rows, declared_gutters
    left, right = 28.35, 28.35 + 1133.86
    gutters = declared_gutters((left, 0, right, 0), 7, 17.47)

    def line(x, n, size, base=500.0):
        return Line(1, [Glyph('字', x + k * size, x + (k + 1) * size, base, size, 'FandolSong', base - size,
                              base + 1) for k in range(n)])

    cell = (right - left) / 3
    table = [line(left + (k + 0.5) * cell - 18, 4, 9.0) for k in range(3)]
    code = [line(left, 10, 9.0, 450.0), line(gutters[2][1] + 18, 8, 9.0, 450.0)]
    body = [line(left + k * 164.47, 14, 10.5, 600.0) for k in range(7)]
    byline = [line(gutters[2][0] + 4, 13, 12.0, 400.0)]
    spans = _spanning_rows(table + code + body + byline, gutters, 10.5, 10.5, left, right)
    assert all(id(ln) in spans for ln in table + byline)
    assert not any(id(ln) in spans for ln in code + body)
