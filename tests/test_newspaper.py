"""A newspaper page as the local daily prints it (issue 10), read back from the PDF.

The builds: the seed with newspaper front matter (source/report-newspaper.md, through
`typeset check`), a report four times as long (转版 over three pages, also checked), the
seed in gongwen, a band of plain paragraphs that can be balanced to the line, and two
small documents for the front matter's edges. Columns are read as in test_styles.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

import typeset
from conftest import HAN, MM, ROOT, without_space
from test_styles import COLUMNS, PITCH, read_columns

NEWSPAPER_SOURCE = ROOT / 'source' / 'report-newspaper.md'
TYPE_AREA_HEIGHT = 530 * MM
HEAD = 30 * MM     # the 报眉 stands in the top margin, over the type area


def _chars(pdf_path: Path):
    with pdfplumber.open(pdf_path) as pdf:
        return [[dict(c, baseline=page.height - c['matrix'][5]) for c in page.chars if c['text'].strip()]
                for page in pdf.pages]


def _text(chars) -> str:
    return ''.join(c['text'] for c in sorted(chars, key=lambda c: (round(c['baseline']), c['x0'])))


@pytest.fixture(scope='module')
def seed_check(tmp_path_factory):
    """`typeset check` on the seed: it builds the page and reads it back band by band."""
    out = tmp_path_factory.mktemp('newspaper') / 'seed.pdf'
    return out, typeset.check(NEWSPAPER_SOURCE, out)


@pytest.fixture(scope='module')
def seed_page(seed_check) -> Path:
    out, report = seed_check
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 1
    return out


def test_check_reads_the_page_in_order(seed_check):
    """The 报眉, the labels and the headline block are the style's, not text out of place:
    the checker finds every character of the manuscript where it belongs."""
    _, report = seed_check
    assert not [str(f) for f in report.findings if f.severity == 'error']


@pytest.fixture(scope='module')
def long_report(tmp_path_factory) -> tuple[Path, str]:
    """The seed's body four times over, starting at 版次 5."""
    text = NEWSPAPER_SOURCE.read_text(encoding='utf-8').replace('page_no: 3', 'page_no: 5')
    head, body = text.split('## 过去五年', 1)
    body, notice = body.split('!!! notice', 1)
    source = head + ('## 过去五年' + body) * 4 + '!!! notice' + notice
    folder = tmp_path_factory.mktemp('long')
    (folder / 'long.md').write_text(source, encoding='utf-8')
    report = typeset.check(folder / 'long.md', folder / 'long.pdf')
    # typeset check reads it band by band, column by column, the 转版 notes as page
    # furniture, and finds every character where it belongs
    assert not [str(f) for f in report.findings if f.severity == 'error']
    return folder / 'long.pdf', source


def test_masthead_from_front_matter_on_every_page(seed_page, long_report):
    for pdf, first in ((seed_page, 3), (long_report[0], 5)):
        pages = _chars(pdf)
        for i, chars in enumerate(pages):
            head = without_space(_text([c for c in chars if c['baseline'] < HEAD]))
            for part in (f'第{first + i}版', '专版', '温岭日报', '2026年1月20日', '星期二',
                         '责任编辑：王晓', '美编：陈立', '校对：林青'):
                assert part in head, (pdf.name, i + 1, part, head)
    assert len(_chars(long_report[0])) >= 3


def test_headline_block_kicker_title_subtitle_byline(seed_page):
    chars = _chars(seed_page)[0]
    lines = {}
    for c in chars:
        if HEAD < c['baseline'] < HEAD + 130 * MM and c['size'] > 11:
            lines.setdefault(round(c['baseline']), []).append(c)
    rows = [(y, ''.join(c['text'] for c in sorted(cs, key=lambda c: c['x0'])), cs[0]['size'])
            for y, cs in sorted(lines.items())]
    texts = [without_space(t) for _, t, _ in rows]
    kicker = texts.index('凝心聚力谋发展同心共绘新蓝图')
    title = texts.index('中国人民政治协商会议')
    subtitle = texts.index('——2026年1月在政协第十四届温岭市委员会第五次会议上')
    byline = texts.index('政协温岭市委员会常务委员会')
    assert kicker < title < subtitle < byline
    sizes = [size for _, _, size in rows]
    # the title is the largest type on the page, chosen for the measure (15 characters in
    # the widest line), and smaller than the fixed 72 pt of before
    assert sizes[title] == max(sizes) and 40 <= sizes[title] <= 60
    assert sizes[kicker] < sizes[title] and sizes[subtitle] < sizes[title]


def test_body_pitch_is_newspaper_leading(seed_page):
    page, = read_columns(seed_page)
    assert page.body_size == 10.5
    for band in page.bands:
        for col in band:
            steps = {round(b.baseline - a.baseline, 2) for a, b in zip(col, col[1:])}
            assert min(steps, default=PITCH) == pytest.approx(PITCH, abs=0.01)
    assert PITCH <= 1.6 * page.body_size


def test_one_baseline_grid_across_bands(seed_page):
    page, = read_columns(seed_page)
    bands = [band for band in page.bands if any(band)]
    assert len(bands) == 2
    origin = bands[0][0][0].baseline
    for band in bands:
        for col in band:
            for ln in col:
                steps = (ln.baseline - origin) / PITCH
                assert steps == pytest.approx(round(steps), abs=0.02), ln.text


def test_a_heading_over_a_heading_keeps_the_grid(tmp_path):
    """A numbered heading (a short line with no full stop, set as a heading) right over a
    小标题: the blank line between them holds the first one's hairline, so every line
    under them stays on the grid (before: half a point off, and the balancing search,
    which counts whole lines, found no column that ended on one)."""
    para = '在建言资政和凝聚共识上双向发力，寻求最大公约数，画出最大同心圆。'
    src = tmp_path / 'heads.md'
    src.write_text('---\ntitle: 网格\nstyle: newspaper\n---\n\n## 一、第1部分\n\n'
                   + '\n\n'.join([para * 3, '1.新增打造和美乡村先行村500个', '### 强化58']
                                   + [para * (1 + i % 3) for i in range(12)]) + '\n',
                   encoding='utf-8')
    typeset.build(src, tmp_path / 'heads.pdf')
    page, = read_columns(tmp_path / 'heads.pdf')
    band, = [b for b in page.bands if any(b)]
    origin = band[0][0].baseline
    for col in band:
        for ln in col:
            steps = (ln.baseline - origin) / PITCH
            assert steps == pytest.approx(round(steps), abs=0.02), ln.text


def test_seed_columns_end_level(seed_page):
    """Every band of the seed ends level: its columns end on one line or one line short.
    Band 1 cannot with white at its 小标题 and its paragraphs set a line longer or
    shorter alone (no loose line allows it): one blank line between two paragraphs of a
    short column makes it up. No column is left empty."""
    page, = read_columns(seed_page)
    bands = [b for b in page.bands if any(b)]
    for band in bands:
        assert all(band) and len(band) == COLUMNS
        bottoms = [col[-1].baseline for col in band]
        assert max(bottoms) - min(bottoms) <= PITCH + 0.1, [round((b - min(bottoms)) / PITCH) for b in bottoms]
    # no 小标题 stands at a column foot over fewer than two lines of its text
    for band in bands:
        for col in band:
            heads = [k for k, ln in enumerate(col) if 'Hei' in ln.chars[-1]['fontname']]
            if heads:
                assert len(col) - 1 - heads[-1] >= 2, col[heads[-1]].text
    # the heading at the head of band 2's first column stands on the band's first line
    # (no make-up white at a column head); the white goes under it, on the grid
    first = bands[1][0]
    assert first[0].baseline == pytest.approx(bands[1][1][0].baseline, abs=0.1)
    assert first[3].baseline - first[2].baseline == pytest.approx(3 * PITCH, abs=0.1)


def test_white_in_columns_never_two_blank_lines_at_one_place(seed_page, long_report):
    """A 小标题 in mid-column has its blank line above it; make-up white goes under it
    (the heading centred in its white), one line, never two blank lines at one place: a
    hole in the column. At the head of a column no white stands above anything: every
    column starts on its band's first line (a heading there may take its house line
    under it too)."""
    for pdf in (seed_page, long_report[0]):
        for page in read_columns(pdf):
            for band in (b for b in page.bands if any(b)):
                tops = [col[0].baseline for col in band if col]
                assert max(tops) - min(tops) < 0.1, (pdf.name, [col[0].text for col in band])
                for col in band:
                    steps = [b.baseline - a.baseline for a, b in zip(col, col[1:])]
                    head = 0    # lines of a heading at the column head
                    while head < len(col) and 'Hei' in col[head].chars[-1]['fontname']:
                        head += 1
                    if 0 < head < len(col):     # its house line may stand under it
                        steps[head - 1] -= PITCH
                    assert max(steps, default=PITCH) <= 2 * PITCH + 0.1, (
                        pdf.name, col[steps.index(max(steps)) + 1].text)


def test_seed_page_is_filled_at_its_banners(seed_page):
    """The seed does not fill the page: the lines left over are opened as white over and
    under the banners, alike, in whole lines (two more under the headline block), and
    the text reaches down to the public-service strip, a line of white besides the
    strip's own (before: some 90 mm of white over it)."""
    with pdfplumber.open(seed_page) as pdf:
        page = pdf.pages[0]
        banners = sorted((r for r in page.rects if abs(r['x1'] - r['x0'] - 475.94) < 1
                          and r['bottom'] - r['top'] > 2 * PITCH), key=lambda r: r['top'])
        strip = min((r for r in page.rects if r['x1'] - r['x0'] > 0.9 * 400 * MM
                     and r['bottom'] - r['top'] > 10 * MM), key=lambda r: r['top'])
        body = [c for c in page.chars if round(c['size'], 1) == 10.5
                and banners[0]['bottom'] < c['top'] < strip['top']]
    assert len(banners) == 2
    assert strip['top'] - max(c['bottom'] for c in body) <= 2.5 * PITCH
    banner = banners[1]
    above = banner['top'] - max(c['bottom'] for c in body if c['bottom'] < banner['top'])
    under = min(c['top'] for c in body if c['top'] > banner['bottom']) - banner['bottom']
    assert above > 3 * PITCH and under > 3 * PITCH
    assert above == pytest.approx(under, abs=0.5 * PITCH)


def test_plain_columns_balance_to_one_line(tmp_path):
    """Sixteen paragraphs of one to four sentences: the columns end on one line or one
    line short (WeasyPrint's own layout leaves the last column five lines short here).
    Whether a band can end level depends on where its paragraphs may break (widows,
    orphans): this one can."""
    unit = '在建言资政和凝聚共识上双向发力，寻求最大公约数，画出最大同心圆。'
    paras = [unit * (1 + i % 4) for i in range(16)]
    src = tmp_path / 'plain.md'
    src.write_text('---\ntitle: 平衡\nstyle: newspaper\n---\n\n' + '\n\n'.join(paras) + '\n',
                   encoding='utf-8')
    typeset.build(src, tmp_path / 'plain.pdf')
    page, = read_columns(tmp_path / 'plain.pdf')
    band, = [b for b in page.bands if any(b)]
    assert all(band)
    bottoms = [col[-1].baseline for col in band]
    assert max(bottoms) - min(bottoms) <= PITCH + 0.1, [round((b - min(bottoms)) / PITCH) for b in bottoms]


def test_public_service_strip_labelled_and_small(seed_page):
    with pdfplumber.open(seed_page) as pdf:
        page = pdf.pages[0]
        frames = sorted((r for r in page.rects if r['x1'] - r['x0'] > 0.9 * 400 * MM
                         and r['bottom'] - r['top'] > 10 * MM), key=lambda r: r['bottom'] - r['top'])
        inner, outer = frames[0], frames[-1]   # the double rule's two lines
        assert outer['bottom'] - outer['top'] <= 0.10 * TYPE_AREA_HEIGHT
        inside = [c for c in page.chars if inner['top'] < c['top'] and c['bottom'] < inner['bottom']]
    text = ''.join(c['text'] for c in inside)
    assert '公益广告' in text and '扬正气·促和谐' in text
    assert '加强精神文明建设\u3000共同构建和谐社会' in text
    # equal inner margins: as much white over the type as under it and beside it (the
    # label sits in the corner)
    body = [c for c in inside if c['size'] > 8]
    top = min(c['top'] for c in body) - inner['top']
    bottom = inner['bottom'] - max(c['bottom'] for c in body)
    right = inner['x1'] - max(c['x1'] for c in body)
    assert top == pytest.approx(bottom, abs=0.5 * MM) and right == pytest.approx(bottom, abs=0.5 * MM)


def test_long_report_continues_with_notes_and_keeps_reading_order(long_report):
    pdf, source = long_report
    pages = read_columns(pdf)
    chars = _chars(pdf)
    assert len(pages) >= 3
    for i, page_chars in enumerate(chars):
        foot = without_space(_text([c for c in page_chars if c['baseline'] > HEAD + TYPE_AREA_HEIGHT]))
        head = [ln.text for ln in pages[i].lines if ln.column is None][:1]
        if i < len(chars) - 1:
            assert f'（下转第{5 + i + 1}版）' in foot
        else:
            assert '下转' not in foot
        if i > 0:
            assert head == [f'（上接第{5 + i - 1}版）']
    # one headline, on the first page
    big = [p for p, page_chars in enumerate(chars) if any(c['size'] > 40 for c in page_chars)]
    assert big == [0]
    # every Han character of the body, in order, band by band and column by column
    body = source.split('---', 2)[2]
    want = ''.join(HAN.findall(body))
    got = ''.join(HAN.findall(re.sub(r'公益广告|（上接第\d+版）', '',
                                     ''.join(ln.text for page in pages for ln in page.lines))))
    headline = ''.join(HAN.findall('凝心聚力谋发展同心共绘新蓝图中国人民政治协商会议第十四届温岭市委员会常务委员会'
                                   '工作报告摘要年月在政协第十四届温岭市委员会第五次会议上政协温岭市委员会常务委员会'))
    assert got == headline + want
    # every page balanced: the columns of each band end on one line or one line short,
    # at the foot of a page the text runs on from too
    for page in pages:
        for band in (b for b in page.bands if any(b)):
            bottoms = [col[-1].baseline for col in band if col]
            assert max(bottoms) - min(bottoms) <= PITCH + 0.1


CORPUS = Path('/work/shared/corpus')
NEWSPAPER_KEYS = ('style: newspaper\npaper: 温岭日报\nissue_date: 2026-01-20\npage_no: 5\n'
                  'section: 专版\neditor: 王晓\ndesigner: 陈立\nproofreader: 林青\n'
                  'column_rules: yes\n')


@pytest.mark.parametrize('corpus, keys, share', [
    # corpus 03: before, one band two lines apart (a 3-line lead-in band in 7 columns)
    ('03-rural-revitalization-opinions-2018.md', '', 1),
    # corpus 02's first two thirds: page 1 ends inside a paragraph whose last lines,
    # carried over, could not end level on page 2 (widows): page 1's columns end at
    # the place from which page 2's can
    ('02-jiangxi-gov-work-report-2026.md', 'kicker: 江西省人民政府\n', 0.66),
])
def test_long_report_every_band_of_every_page_level(tmp_path, corpus, keys, share):
    lines = (CORPUS / corpus).read_text(encoding='utf-8').split('\n')
    body = '\n'.join(lines[:int(len(lines) * share)])
    src = tmp_path / 'long.md'
    src.write_text(f'---\n{NEWSPAPER_KEYS}{keys}---\n{body}', encoding='utf-8')
    typeset.build(src, tmp_path / 'long.pdf')
    pages = read_columns(tmp_path / 'long.pdf')
    assert len(pages) >= 3
    for page in pages:
        for band in (b for b in page.bands if any(b)):
            bottoms = [col[-1].baseline for col in band if col]
            assert max(bottoms) - min(bottoms) <= PITCH + 0.1, (
                page.number, [round((b - min(bottoms)) / PITCH) for b in bottoms])
    for i, chars in enumerate(_chars(tmp_path / 'long.pdf')):
        head = without_space(_text([c for c in chars if c['baseline'] < HEAD]))
        assert f'第{5 + i}版' in head and '温岭日报' in head


def test_a_band_of_short_paragraphs_ends_level(tmp_path):
    """Corpus 04, a notice of short paragraphs that widows and orphans keep whole: its
    first column can end after 11 lines or 16, and white at its headings with one blank
    line between two paragraphs does not end the band within a line. Two blank lines in
    a column, each at its own gap, do (before: two lines apart; before that, the last
    column ten lines short, WeasyPrint's greedy fill). All seven columns are used."""
    body = (CORPUS / '04-state-council-notice-1994-foreign-enterprise-tax.md').read_text(
        encoding='utf-8')
    src = tmp_path / 'notice.md'
    src.write_text(f'---\n{NEWSPAPER_KEYS}---\n{body}', encoding='utf-8')
    typeset.build(src, tmp_path / 'notice.pdf')
    page, = read_columns(tmp_path / 'notice.pdf')
    band, = [b for b in page.bands if any(b)]
    assert all(band) and len(band) == COLUMNS
    bottoms = [col[-1].baseline for col in band]
    assert max(bottoms) - min(bottoms) <= PITCH + 0.1, [round((b - min(bottoms)) / PITCH) for b in bottoms]
    tops = [col[0].baseline for col in band]
    assert max(tops) - min(tops) < 0.1


def test_a_short_band_of_short_heads_ends_level_in_fewer_columns(tmp_path):
    """The tail of a report: 34 lines of numbered one- to six-line paragraphs under three
    小标题 (the unseen-report probe's band "八"). No make-up ends it within a line in
    seven columns (a three-line paragraph before a heading that keeps two lines of its
    text; a three-line paragraph last): it ends level in fewer, and reads in order
    (before: columns of 3/6/6/6/3/6/2 lines, three apart)."""
    src = Path(__file__).parent / 'fixtures' / 'newspaper' / 'tail-band-short-heads.md'
    typeset.build(src, tmp_path / 'tail.pdf')
    page, = read_columns(tmp_path / 'tail.pdf')
    band, = [b for b in page.bands if any(b)]
    used = [col for col in band if col]     # the first columns; those right of them empty
    assert 3 <= len(used) < COLUMNS and all(band[:len(used)]) and not any(band[len(used):])
    bottoms = [col[-1].baseline for col in used]
    assert max(bottoms) - min(bottoms) <= PITCH + 0.1, [round((b - min(bottoms)) / PITCH) for b in bottoms]
    tops = [col[0].baseline for col in used]
    assert max(tops) - min(tops) < 0.1
    text = without_space(''.join(line.text for col in used for line in col))
    assert text.index('3.') < text.index('强化64') < text.index('推进66') < text.index(
        '强化68') < text.index('9.') and text.endswith('服务下沉。')


def test_same_newspaper_source_builds_in_gongwen(tmp_path):
    out = tmp_path / 'gongwen.pdf'
    result = typeset.build(NEWSPAPER_SOURCE, out, style='gongwen')
    assert not result.errors
    with pdfplumber.open(out) as pdf:
        assert (pdf.pages[0].width, pdf.pages[0].height) == pytest.approx((210 * MM, 297 * MM), abs=0.5)


def test_masthead_values_stay_text(tmp_path):
    """Front matter reaches the style as CSS strings: a value cannot end its string and
    write rules of its own (here, a smaller sheet)."""
    src = tmp_path / 'hostile.md'
    src.write_text('---\ntitle: 通知\nstyle: newspaper\n'
                   "paper: '晚报\", x; } @page { size: A5 } p { x: \"'\n---\n\n正文。\n", encoding='utf-8')
    typeset.build(src, tmp_path / 'hostile.pdf')
    with pdfplumber.open(tmp_path / 'hostile.pdf') as pdf:
        page = pdf.pages[0]
        assert (page.width, page.height) == pytest.approx((420 * MM, 580 * MM), abs=0.5)
        head = ''.join(c['text'] for c in page.chars if c['top'] < HEAD)
    assert '晚报"' in head and '@page' in head


def test_bad_issue_date_names_its_line(tmp_path):
    src = tmp_path / 'date.md'
    src.write_text('---\ntitle: 通知\nissue_date: 2026-02-30\n---\n\n正文。\n', encoding='utf-8')
    with pytest.raises(typeset.InputError) as e:
        typeset.build(src, tmp_path / 'date.pdf')
    assert e.value.line == 3 and 'day is out of range' in e.value.message
    src.write_text('---\ntitle: 通知\n出版日期: 2026年2月30日\n---\n\n正文。\n', encoding='utf-8')
    with pytest.raises(typeset.InputError) as e:
        typeset.build(src, tmp_path / 'date.pdf')
    assert e.value.line == 3 and 'issue_date' in e.value.message


def test_columns_layer_refuses_what_it_was_not_tested_with(monkeypatch):
    """typeset.cjk.columns replaces WeasyPrint 70 internals: another version, or a 70.x
    without the functions it replaces, is refused loudly, before anything is patched."""
    import weasyprint
    from weasyprint.layout import column
    from typeset.cjk import UnsupportedWeasyPrint, columns
    monkeypatch.setattr(columns, '_original', None)
    monkeypatch.setattr(weasyprint, '__version__', '71.0')
    with pytest.raises(UnsupportedWeasyPrint, match='>=70,<71'):
        columns.install()
    monkeypatch.setattr(weasyprint, '__version__', '70.0')
    monkeypatch.delattr(column, '_report_footnotes')
    with pytest.raises(UnsupportedWeasyPrint, match='_report_footnotes'):
        columns.install()


def test_a_banner_with_letter_spacing_reads_across_the_gutters():
    """A two-line banner in 20 pt with 5 pt of letter-spacing leaves no glyph wider than
    a gutter: it is still one line across the columns, while two column lines facing
    each other over a gutter, half-width marks hanging into it, are not."""
    from typeset.checks.pdfread import Glyph, _across
    a, b = 200.0, 217.47                       # a gutter of the newspaper style
    banner = [Glyph('字', x, x + 20, 100, 20, 'FandolHei', 80, 104) for x in range(150, 300, 25)]
    assert _across(banner, a, b)
    # the gap between two letter-spaced glyphs falls on the gutter's edge (corpus 03)
    second_line = [Glyph(t, x, x + 20, 100, 20, 'FandolHei', 80, 104)
                   for t, x in (('强', 481.8), ('化', 504.8), ('乡', 527.8))]
    assert _across(second_line, 503.4, 522.4)
    facing = [Glyph('，', a - 5.25, a + 5.25, 100, 10.5, 'FandolSong', 90, 102),
              Glyph('（', b - 5.25, b + 5.25, 100, 10.5, 'FandolSong', 90, 102)]
    assert not _across(facing, a, b)


def test_masthead_closes_with_one_rule_across_the_type_area(seed_page):
    with pdfplumber.open(seed_page) as pdf:
        page = pdf.pages[0]
        # WeasyPrint draws a box's border as one path around the box: the 报眉's boxes
        # end on the rule, at the top of the type area
        rules = sorted((r for r in page.rects if abs(r['bottom'] - HEAD) < 0.1 * MM),
                       key=lambda r: r['x0'])
    assert rules
    covered = rules[0]['x0'], rules[0]['x1']
    for r in rules[1:]:
        assert r['x0'] <= covered[1] + 0.5, 'a gap in the rule under the 报眉'
        covered = covered[0], max(covered[1], r['x1'])
    assert covered[0] == pytest.approx(10 * MM, abs=1) and covered[1] == pytest.approx(410 * MM, abs=1)


def test_picture_with_caption_spans_the_columns(tmp_path):
    """A picture with a title (`![alt](photo.png "图注")`) is set across the seven
    columns (通栏) between two bands, cropped to the grid, its caption under it with the
    alternative text leading it (no character of the manuscript lost); no column is left
    white beside it; `typeset check` reads the caption in its place, and the bands above
    and below it end level."""
    from PIL import Image
    Image.new('RGB', (60, 40), (40, 90, 160)).save(tmp_path / 'photo.png')
    unit = '在建言资政和凝聚共识上双向发力，寻求最大公约数，画出最大同心圆。'
    paras = '\n\n'.join(unit * (1 + i % 4) for i in range(16))
    caption = '委员们在全会期间围绕政府工作报告认真开展协商讨论，建言献策。（记者 林青 摄）'
    src = tmp_path / 'photo.md'
    src.write_text(f'---\ntitle: 图片\nstyle: newspaper\n---\n\n{paras}\n\n'
                   f'![会场](photo.png "{caption}")\n\n{paras}\n', encoding='utf-8')
    report = typeset.check(src, tmp_path / 'photo.pdf')
    assert not [str(f) for f in report.findings if f.severity == 'error']
    with pdfplumber.open(tmp_path / 'photo.pdf') as pdf:
        page = pdf.pages[0]
        image, = page.images
        assert image['x0'] == pytest.approx(10 * MM, abs=1)
        assert image['x1'] - image['x0'] == pytest.approx(400 * MM, abs=1)
        # cropped (object-fit: cover, drawn centred and clipped) to 20 lines: the
        # caption's line is the 21st
        crop = (image['top'] + image['bottom']) / 2 + 10 * PITCH
        under = [c for c in page.chars if crop < c['top'] < crop + PITCH]
        # nothing beside the picture: no glyph between the caption and the band above
        beside = [c for c in page.chars if crop - 20 * PITCH < c['top'] < crop]
    assert without_space(''.join(c['text'] for c in under)) == '会场' + without_space(caption)
    assert not beside
    page, = read_columns(tmp_path / 'photo.pdf')
    bands = [b for b in page.bands if any(b)]
    assert len(bands) == 2
    for band in bands:
        assert all(band) and len(band) == COLUMNS
        bottoms = [col[-1].baseline for col in band]
        assert max(bottoms) - min(bottoms) <= PITCH + 0.1
        # the band under the picture is on the grid of the band above it
        steps = (band[0][0].baseline - bands[0][0][0].baseline) / PITCH
        assert steps == pytest.approx(round(steps), abs=0.02)


def test_kicker_and_byline_without_a_title_are_set(tmp_path):
    """A manuscript whose headline is its first heading still has its 引题 and byline
    from the front matter over it (before: dropped without a title)."""
    src = tmp_path / 'kicker.md'
    src.write_text('---\nstyle: newspaper\nkicker: 奋力谱写新篇章\nbyline: 本报记者　林青\n---\n\n'
                   '正文一段。\n', encoding='utf-8')
    typeset.build(src, tmp_path / 'kicker.pdf')
    text = without_space(_text(_chars(tmp_path / 'kicker.pdf')[0]))
    assert '奋力谱写新篇章' in text and '本报记者林青' in text


def test_columns_end_where_the_search_saw_them_end(tmp_path):
    """A band of one- to four-line numbered paragraphs and short 小标题. The balancing
    search lays each column out once and takes a column that ended short of its height
    to end there at any lower height: only down to where its last block ends with its
    bottom margin (the blank line before a 小标题 that went to the next column), or the
    columns placed for real end elsewhere than planned (before: a column two lines
    short, and the report ran on to a second page)."""
    src = Path(__file__).parent / 'fixtures' / 'newspaper' / 'band-of-short-heads.md'
    typeset.build(src, tmp_path / 'heads.pdf')
    pages = read_columns(tmp_path / 'heads.pdf')
    assert len(pages) == 1
    band, = [b for b in pages[0].bands if any(b)]
    bottoms = [col[-1].baseline for col in band if col]
    assert max(bottoms) - min(bottoms) <= PITCH + 0.1, [round((b - min(bottoms)) / PITCH) for b in bottoms]
