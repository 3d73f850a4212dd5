"""The pipeline end to end: source/report.md → PDF, read back from the PDF itself."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTFont

import typeset
from conftest import CORPUS, HAN, MM, ROOT, SEED, build_markdown, pdf_text, without_space

A4 = (210 * MM, 297 * MM)


def _manifest_font_names() -> set[str]:
    """The names WeasyPrint gives embedded fonts: family (+ style for non-regular faces),
    spaces as hyphens; each must be one of the fonts of fonts/."""
    import tomllib
    names = set()
    for font in tomllib.loads((ROOT / 'fonts' / 'manifest.toml').read_text())['font']:
        name = TTFont(ROOT / 'fonts' / font['file'], lazy=True)['name']
        family, sub = name.getDebugName(16) or name.getDebugName(1), name.getDebugName(2)
        names.add(family.replace(' ', '-'))
        names.add(f'{family} {sub}'.replace(' ', '-'))
    return names


def _embedded_fonts(pdf_path: Path) -> dict[str, bool]:
    """Base font name (without subset tag) → whether its program is embedded."""
    from pdfminer.pdftypes import resolve1
    found = {}
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            fonts = resolve1(resolve1(page.page_obj.resources).get('Font', {}))
            for ref in fonts.values():
                font = resolve1(ref)
                base = getattr(font.get('BaseFont'), 'name', str(font.get('BaseFont')))
                targets = [font] + [resolve1(d) for d in resolve1(font.get('DescendantFonts', []))]
                embedded = False
                for t in targets:
                    fd = resolve1(t.get('FontDescriptor'))
                    if fd:
                        embedded |= any(k in fd for k in ('FontFile', 'FontFile2', 'FontFile3'))
                found[base.split('+', 1)[-1]] = embedded
    return found


def test_report_text_round_trips(report_pdf):
    seed = without_space(SEED.read_text(encoding='utf-8'))
    assert without_space(pdf_text(report_pdf)).replace('—', '').rstrip('0123456789') != ''
    body = ''.join(c for c in without_space(pdf_text(report_pdf)))
    # page numbers (— N —) are the only text the PDF adds
    body = re.sub(r'—\d+—', '', body)
    assert body == seed


def test_fonts_all_embedded_and_from_fonts_dir(report_pdf):
    fonts = _embedded_fonts(report_pdf)
    assert fonts, 'no fonts found'
    assert all(fonts.values()), f'not embedded: {[f for f, e in fonts.items() if not e]}'
    assert set(fonts) <= _manifest_font_names(), set(fonts) - _manifest_font_names()
    # the faces the style asks for are the ones used
    assert {'FandolFang', 'FandolHei', 'FandolKai', 'FandolSong', 'Noto-Serif-CJK-SC-Bold'} <= set(fonts)


def test_pages_are_a4_and_body_inside_type_area(report_pdf):
    with pdfplumber.open(report_pdf) as pdf:
        assert len(pdf.pages) >= 5
        for number, page in enumerate(pdf.pages, 1):
            assert page.width == pytest.approx(A4[0], abs=0.5)
            assert page.height == pytest.approx(A4[1], abs=0.5)
            left = (28 if number % 2 else 26) * MM
            body = [c for c in page.chars if c['text'].strip() and c['size'] >= 15.9 and c['size'] <= 16.1]
            assert body
            tol = 0.5  # pt: a glyph may overhang its cell by what the grid took from its advance
            assert min(c['x0'] for c in body) >= left - tol
            for c in body:
                # a line-end mark set half width (GB/T 15834 5.1.10) keeps its ink inside
                # but its full-width em box sticks out by half of it
                half = 0.5 * c['size'] if not HAN.match(c['text']) and not c['text'].isalnum() else 0
                assert c['x1'] <= left + 156 * MM + tol + half, c
            assert min(c['top'] for c in body) >= 37 * MM - tol
            assert max(c['bottom'] for c in body) <= (37 + 225) * MM + tol


def test_page_numbers_outside_type_area_mirrored(report_pdf):
    with pdfplumber.open(report_pdf) as pdf:
        for number, page in enumerate(pdf.pages[:2], 1):
            digits = [c for c in page.chars if c['text'] == str(number) and c['size'] < 15]
            assert digits and digits[0]['size'] == pytest.approx(14, abs=0.1)
            left = (28 if number % 2 else 26) * MM
            if number % 2:   # recto: right, one character in from the edge of the type area
                assert digits[0]['x1'] < left + 156 * MM - 10
                assert digits[0]['x1'] > left + 156 * MM - 60
            else:            # verso: left
                assert digits[0]['x0'] > left + 10
                assert digits[0]['x0'] < left + 60
            assert digits[0]['top'] > (37 + 225 + 4) * MM


def test_metadata_and_bookmarks(report_pdf):
    with pdfplumber.open(report_pdf) as pdf:
        info = pdf.metadata
        assert info['Title'] == '中国人民政治协商会议第十四届温岭市委员会常务委员会工作报告（摘要）'
        assert info['Creator'].startswith('typeset')
        catalog = pdf.doc.catalog
        assert catalog['Lang'] == b'zh-CN' or catalog['Lang'] == 'zh-CN'
        outlines = [title for _, title, *_ in pdf.doc.get_outlines()]
    assert '过去五年' in outlines and '未来五年' in outlines
    assert sum(1 for t in outlines if t.startswith('●')) == 10


def test_same_input_same_bytes_whatever_fontconfig(tmp_path):
    """The machine's fontconfig (system fonts, synthetic bold, substitutions) changes nothing."""
    outs = []
    for i, conf in enumerate(['/etc/fonts/fonts.conf', str(tmp_path / 'empty.conf')]):
        (tmp_path / 'empty.conf').write_text('<?xml version="1.0"?><fontconfig></fontconfig>')
        out = tmp_path / f'r{i}.pdf'
        env = dict(os.environ, FONTCONFIG_FILE=conf)
        subprocess.run([sys.executable, '-m', 'typeset', 'build', str(ROOT / 'source' / 'report.md'),
                        '-o', str(out)], check=True, env=env, capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_soft_break_between_han_is_not_a_space(tmp_path):
    out, result = build_markdown(tmp_path, '# 标题\n\n第一行的文字\n接着第二行，English\nwords 也可以。\n')
    text = pdf_text(out)
    assert '第一行的文字接着第二行' in text
    with pdfplumber.open(out) as pdf:
        words = pdf.pages[0].extract_text()
    assert re.search(r'字\s+接', words) is None
    assert 'English words' in words


def test_fullwidth_space_indent_not_doubled(tmp_path):
    out, _ = build_markdown(tmp_path, '# 标题\n\n　　有全角空格缩进的段落。\n\n没有缩进的段落。\n')
    with pdfplumber.open(out) as pdf:
        chars = pdf.pages[0].chars
    first = {}
    for c in chars:
        first.setdefault(c['text'], c['x0'])
    assert first['有'] == pytest.approx(first['没'], abs=0.1)
    assert first['没'] == pytest.approx(28 * MM + 2 * 156 / 28 * MM, abs=0.3)


def test_plain_markdown_without_front_matter_takes_first_heading_as_title(tmp_path):
    out, result = build_markdown(tmp_path, '# 关于开展检查工作的通知\n\n各单位：\n\n现将有关事项通知如下。\n')
    with pdfplumber.open(out) as pdf:
        assert pdf.metadata['Title'] == '关于开展检查工作的通知'
        title = [c for c in pdf.pages[0].chars if c['size'] == pytest.approx(22, abs=0.1)]
    assert ''.join(c['text'] for c in title) == '关于开展检查工作的通知'


def test_plain_text_manuscript(tmp_path):
    src = tmp_path / 'seed.txt'
    src.write_bytes(SEED.read_bytes())
    out = tmp_path / 'seed.pdf'
    typeset.build(src, out)
    with pdfplumber.open(out) as pdf:
        chars = [c for p in pdf.pages for c in p.chars]
        outlines = [t for _, t, *_ in pdf.doc.get_outlines()]
    title = [c for c in chars if c['size'] == pytest.approx(22, abs=0.1)]
    assert ''.join(c['text'] for c in title) == '中国人民政治协商会议第十四届温岭市委员会常务委员会工作报告（摘要）'
    # the space in the manuscript's title is where the title breaks into lines
    first_line = min(round(c['top']) for c in title)
    assert ''.join(c['text'] for c in title if round(c['top']) == first_line) == '中国人民政治协商会议'
    assert '过去五年' in outlines and sum(1 for t in outlines if t.startswith('●')) == 10
    seed = without_space(SEED.read_text(encoding='utf-8'))
    assert re.sub(r'—\d+—', '', without_space(pdf_text(out))) == seed


def test_text_headings_by_official_numbering():
    from typeset.numbering import heading_level
    assert heading_level('一、总体要求') == 2
    assert heading_level('（二）加强组织领导') == 3
    assert heading_level('3.强化保障') == 4
    assert heading_level('（4）落实责任') == 5
    assert heading_level('现将有关事项通知如下。') is None
    assert heading_level('1.“五个一”工程：指……的统称。') is None


@pytest.mark.parametrize('name', sorted(p.name for p in CORPUS.glob('[0-9]*.md')))
def test_corpus_documents_build(tmp_path, name):
    out = tmp_path / 'doc.pdf'
    result = typeset.build(CORPUS / name, out)
    assert out.stat().st_size > 5000 and result.pages >= 1
    # every Han character of the manuscript is in the PDF (as a multiset: footnotes move to
    # the end, and table headers repeat on every page a table spans)
    source = (CORPUS / name).read_text(encoding='utf-8')
    assert not Counter(HAN.findall(source)) - Counter(HAN.findall(pdf_text(out)))
    for finding in result.errors:
        assert finding.rule in ('glyph-missing', 'resource-outside-project'), finding


def test_ordered_list_keeps_its_start_number(tmp_path):
    """A numbering that continues after a paragraph (corpus 02: 6. 7. …) must not restart at 1."""
    out, _ = build_markdown(tmp_path, '# 标题\n\n说明。\n\n6. 第六项内容。\n7. 第七项内容。\n')
    with pdfplumber.open(out) as pdf:
        text = pdf.pages[0].extract_text()
    assert '6.' in text and '7.' in text and '1.' not in text


def test_library_api_checks_without_the_cli(tmp_path):
    result = typeset.check(ROOT / 'source' / 'report.md', tmp_path / 'r.pdf')
    assert result.errors == []
    assert (tmp_path / 'r.pdf').stat().st_size > 10000


def test_long_title_breaks_at_meaningful_points(tmp_path):
    """A manuscript's title too long for a line breaks where a typesetter would break it
    (before a verb, between words), never inside a word such as 增值|税, and no line ends
    in 和 or 、 (see also tests/test_titles.py)."""
    title = '国务院关于外商投资企业和外国企业适用增值税、消费税、营业税等税收暂行条例有关问题的通知'
    out, _ = build_markdown(tmp_path, f'# {title}\n\n各省、自治区、直辖市人民政府：\n\n现通知如下。\n')
    with pdfplumber.open(out) as pdf:
        chars = [c for c in pdf.pages[0].chars if c['size'] == pytest.approx(22, abs=0.1)]
    rows = {}
    for c in chars:
        rows.setdefault(round(c['top']), []).append(c['text'])
    lines = [''.join(rows[k]) for k in sorted(rows)]
    assert ''.join(lines) == title
    assert lines == ['国务院关于外商投资企业和外国企业', '适用增值税、消费税、营业税等', '税收暂行条例有关问题的通知']


def test_addressee_stands_flush_left(tmp_path):
    out, _ = build_markdown(tmp_path, '# 关于开展检查工作的通知\n\n各省、自治区、直辖市人民政府：\n\n现将有关事项通知如下。\n')
    with pdfplumber.open(out) as pdf:
        first = {}
        for c in pdf.pages[0].chars:
            first.setdefault(c['text'], c['x0'])
    assert first['各'] == pytest.approx(28 * MM, abs=0.3)          # 主送机关: flush left
    assert first['现'] == pytest.approx(28 * MM + 2 * 156 / 28 * MM, abs=0.3)  # paragraph: two cells in
