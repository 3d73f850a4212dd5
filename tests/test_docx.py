"""Word .docx manuscripts: what is kept, what is cleaned, and what is never let in.

Fixtures: lo-report.docx, lo-features.docx and lo-notice.docx were written by
LibreOffice Writer (tests/fixtures/docx/make_libreoffice.py); the others are made here, with python-docx for what a user types
and as raw OOXML for what python-docx cannot write (list numbering, notes, tracked
changes, comments, fields) and for hostile files.
"""
from __future__ import annotations

import io
import os
import re
import time
import zipfile
from pathlib import Path

import docx   # python-docx, of the test extra: a missing one fails here, never skips
import pdfplumber
import pytest
from click.testing import CliRunner
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

import typeset
from typeset import cli
from typeset.source import read_source

from conftest import HAN, pdf_text, without_space

FIXTURES = Path(__file__).parent / 'fixtures' / 'docx'
NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"')
REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
WML = 'application/vnd.openxmlformats-officedocument.wordprocessingml.'
CONTENT_TYPES = {f'word/{name}.xml': f'{WML}{kind}+xml' for name, kind in [
    ('document', 'document.main'), ('styles', 'styles'), ('numbering', 'numbering'),
    ('footnotes', 'footnotes'), ('endnotes', 'endnotes'), ('comments', 'comments')]}


# --- making .docx files -----------------------------------------------------------------

def raw_docx(path: Path, body: str, *, rels=(), parts=None, prolog: str = '') -> Path:
    """A .docx written as OOXML: `rels` are (id, type, target, external) of document.xml."""
    rel_xml = ''.join(f'<Relationship Id="{i}" Type="{REL}{t}" Target="{target}"'
                      + (' TargetMode="External"' if ext else '') + '/>' for i, t, target, ext in rels)
    overrides = ''.join(f'<Override PartName="/{name}" ContentType="{CONTENT_TYPES[name]}"/>'
                        for name in ['word/document.xml', *(parts or {})] if name in CONTENT_TYPES)
    members = {
        '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/'
        f'xml"/><Default Extension="png" ContentType="image/png"/>{overrides}</Types>',
        '_rels/.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}officeDocument" '
        'Target="word/document.xml"/></Relationships>',
        'word/_rels/document.xml.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http:'
        f'//schemas.openxmlformats.org/package/2006/relationships">{rel_xml}</Relationships>',
        'word/document.xml': f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document {NS}><w:body>'
        f'{body}</w:body></w:document>',
    }
    members.update(parts or {})
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def para(text: str = '', *, bold: bool = False, ppr: str = '', runs: str = '') -> str:
    rpr = '<w:rPr><w:b/></w:rPr>' if bold else ''
    run = f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>' if text else ''
    return f'<w:p><w:pPr>{ppr}</w:pPr>{run}{runs}</w:p>'


def part(root: str, inner: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:{root} {NS}>{inner}</w:{root}>'


def png(width: int = 60, height: int = 30) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new('RGB', (width, height), (200, 30, 30)).save(out, 'PNG')
    return out.getvalue()


def inline_image(rid: str, attr: str = 'r:embed') -> str:
    return ('<w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="457200"/><wp:docPr id="1" name="p"/>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:pic><pic:blipFill><a:blip {attr}="{rid}"/></pic:blipFill></pic:pic></a:graphicData>'
            '</a:graphic></wp:inline></w:drawing></w:r>')


@pytest.fixture(scope='module')
def typed_docx(tmp_path_factory) -> Path:
    """What a user types in Word, written by python-docx."""
    folder = tmp_path_factory.mktemp('typed')
    (folder / 'pic.png').write_bytes(png())
    d = docx.Document()
    title = d.add_paragraph('关于加强基层治理体系建设的意见')
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph('各区县人民政府，市政府各部门：')
    d.add_paragraph('\u3000\u3000为深入贯彻落实党中央决策部署，现提出如下意见。')
    d.add_heading('总体要求', level=1)
    p = d.add_paragraph()
    p.add_run('始终把党的领导落实到行动上。').bold = True
    p.add_run('切实增强政治意识，坚定不移推进改革。')
    p = d.add_paragraph('手动换行之前')
    p.add_run().add_break()
    p.add_run('手动换行之后。')
    table = d.add_table(rows=3, cols=3)
    table.style = 'Table Grid'
    for i, text in enumerate(['项目', '数量', '备注']):
        table.cell(0, i).text = text
    table.cell(1, 0).merge(table.cell(2, 0)).text = '合并行'
    table.cell(1, 1).merge(table.cell(1, 2)).text = '合并列'
    table.cell(2, 1).text = '十二'
    table.cell(2, 2).text = '无'
    d.add_paragraph().add_run().add_picture(str(folder / 'pic.png'), width=Mm(40))
    d.add_paragraph('\t\t\t某某市人民政府')
    d.add_paragraph('\u3000' * 16 + '2026年1月5日')
    path = folder / 'typed.docx'
    d.save(path)
    return path


def test_a_closing_line_with_month_13_is_no_date(tmp_path):
    """2026年13月5日 set right at the end was taken for 成文日期 2026-13-05; it is text."""
    d = docx.Document()
    d.add_paragraph('关于开展检查的通知')
    d.add_paragraph('现将有关事项通知如下。')
    d.add_paragraph('\t\t\t某某市人民政府')
    d.add_paragraph('\u3000' * 16 + '2026年13月5日')
    path = tmp_path / 'month13.docx'
    d.save(path)
    source = read_source(path)
    assert 'date' not in source.meta and 'signature' not in source.meta
    assert '2026年13月5日' in source.body


def build(path: Path, **kwargs):
    out = path.with_suffix('.pdf')
    return out, typeset.build(path, out, **kwargs)


def faces(pdf: Path, text: str) -> set[str]:
    """The fonts the characters of `text` are drawn in, where the PDF has it in one run."""
    with pdfplumber.open(pdf) as doc:
        chars = [c for page in doc.pages for c in page.chars]
    s = ''.join(c['text'] for c in chars)
    at = s.find(text)
    assert at >= 0, f'{text} not in the PDF'
    return {c['fontname'].split('+')[-1] for c in chars[at:at + len(text)]}


# --- what is kept -----------------------------------------------------------------------

def test_libreoffice_report_keeps_every_han_in_order_with_its_structure(tmp_path):
    """A report written by LibreOffice Writer: every Han character in order, parts as
    headings, bold lead sentences as lead sentences, the table drawn, the footnote set."""
    src = tmp_path / 'lo-report.docx'
    src.write_bytes((FIXTURES / 'lo-report.docx').read_bytes())
    out, result = build(src)
    assert not result.errors, result.errors
    note = '注文指规模以上工业'
    expected = ''.join(HAN.findall((FIXTURES / 'lo-report.txt').read_text(encoding='utf-8')))
    got = ''.join(HAN.findall(pdf_text(out)))
    assert got.count(note) == 1
    assert got.replace(note, '') == expected.replace(note, '')
    assert faces(out, '一、2025年工作及') == {'FandolHei'}
    assert faces(out, '一是经济增长好于预期。') == {'FandolKai'}
    assert faces(out, '地区生产总值增长') == {'FandolFang'}
    with pdfplumber.open(out) as doc:
        page = next(p for p in doc.pages if '工业增加值7.5%' in ''.join(c['text'] for c in p.chars))
        assert len(page.edges) >= 8, 'the table has no rules'


def test_typed_document_keeps_title_headings_lead_table_and_image(typed_docx):
    source = read_source(typed_docx)
    assert source.meta['title'] == '关于加强基层治理体系建设的意见'
    assert '## 总体要求' in source.body
    assert '**始终把党的领导落实到行动上。**切实' in source.body
    assert '手动换行之前手动换行之后。' in source.body, 'a manual break between Han is no space'
    assert '<td rowspan="2">合并行</td><td colspan="2">合并列</td>' in source.body
    assert source.meta['signature'] == '某某市人民政府' and source.meta['date'] == '2026-01-05', \
        'the signature and date, pushed right with tabs and spaces, are the 署名 and 成文日期'
    assert '某某市人民政府' not in source.body
    assert '为深入' in source.body and '\u3000' not in source.body.split('为深入')[0].split('\n')[-1]
    out, result = build(typed_docx)
    assert not result.errors, result.errors
    assert faces(out, '关于加强基层治理') == {'Noto-Serif-CJK-SC-Bold'}
    assert faces(out, '始终把党的领导落实到行动上。') == {'FandolKai'}
    assert not result.warnings, result.warnings
    assert '某某市人民政府2026年1月5日' in without_space(pdf_text(out))
    with pdfplumber.open(out) as doc:
        image = doc.pages[0].images[0]   # the embedded picture, drawn at Word's 40 mm
        assert abs((image['x1'] - image['x0']) / (72 / 25.4) - 40) < 0.5
        html_addressee = typeset.prepare(typed_docx).html
    assert '<p class="addressee">各区县人民政府，市政府各部门：</p>' in html_addressee


def test_a_long_table_passes_the_bounds_on_markup(tmp_path):
    """A fee table of 200 rows is 2,400 tags: read row by row, within limits.py's bound
    on tags per paragraph, and still one table."""
    rows = ''.join('<w:tr>' + ''.join(f'<w:tc>{para(f"{r}行{c}列")}</w:tc>' for c in range(5)) + '</w:tr>'
                   for r in range(200))
    source = read_source(raw_docx(tmp_path / 'rows.docx', para('题目') + f'<w:tbl>{rows}</w:tbl>'))
    html = typeset.prepare(source.path).html
    assert html.count('<table>') == 1 and html.count('<tr>') == 200 and '199行4列' in html


NUMBERING = part('numbering', (
    '<w:abstractNum w:abstractNumId="1">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
    '</w:abstractNum><w:num w:numId="5"><w:abstractNumId w:val="1"/></w:num>'))


def numbered(text: str, level: int) -> str:
    return para(text, ppr=f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="5"/></w:numPr>')


def test_word_list_numbering_becomes_the_labels_word_shows_at_the_txt_levels(tmp_path):
    body = (para('题目') + numbered('总体要求', 0) + numbered('工作目标', 1) + numbered('具体措施', 2)
            + numbered('第二项措施', 2) + numbered('基本原则', 1) + numbered('保障措施', 0)
            + numbered('加强组织领导，各部门要切实履行职责，确保各项任务落到实处。', 1))
    src = raw_docx(tmp_path / 'numbered.docx', body, rels=[('rIdN', 'numbering', 'numbering.xml', False)],
                   parts={'word/numbering.xml': NUMBERING})
    lines = [ln for ln in read_source(src).body.split('\n') if ln]
    assert lines == ['## 一、总体要求', '### （一）工作目标', '#### 1\\.具体措施', '#### 2\\.第二项措施',
                     '### （二）基本原则', '## 二、保障措施',
                     '（一）加强组织领导，各部门要切实履行职责，确保各项任务落到实处。']
    txt = tmp_path / 'numbered.txt'
    txt.write_text('题目\n一、总体要求\n（一）工作目标\n1.具体措施\n', encoding='utf-8')
    assert [ln for ln in read_source(txt).body.split('\n') if ln][1:4] == lines[:3]


STYLES = part('styles', (
    '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/>'
    '<w:pPr><w:numPr><w:numId w:val="7"/></w:numPr><w:outlineLvl w:val="0"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/>'
    '<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="7"/></w:numPr><w:outlineLvl w:val="1"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="a5"><w:name w:val="Title"/><w:basedOn w:val="a"/></w:style>'))
HEADING_NUMBERING = part('numbering', (
    '<w:abstractNum w:abstractNumId="3">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:pStyle w:val="1"/>'
    '<w:lvlText w:val="%1、"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:pStyle w:val="2"/>'
    '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum><w:num w:numId="7"><w:abstractNumId w:val="3"/></w:num>'))


def test_heading_styles_numbered_by_a_multilevel_list(tmp_path):
    """Word's usual way: Heading 1/2 linked to the levels of one list (styleIds in a
    Chinese Word are "1", "2"; the names say heading)."""
    body = (para('关于某事的报告', ppr='<w:pStyle w:val="a5"/>') + para('总体要求', ppr='<w:pStyle w:val="1"/>')
            + para('工作目标', ppr='<w:pStyle w:val="2"/>') + para('正文。')
            + para('主要任务', ppr='<w:pStyle w:val="2"/>') + para('保障措施', ppr='<w:pStyle w:val="1"/>'))
    src = raw_docx(tmp_path / 'headings.docx', body,
                   rels=[('rS', 'styles', 'styles.xml', False), ('rN', 'numbering', 'numbering.xml', False)],
                   parts={'word/styles.xml': STYLES, 'word/numbering.xml': HEADING_NUMBERING})
    source = read_source(src)
    assert source.meta['title'] == '关于某事的报告'
    assert [ln for ln in source.body.split('\n') if ln] == [
        '## 一、总体要求', '### （一）工作目标', '正文。', '### （二）主要任务', '## 二、保障措施']


def test_the_masthead_above_the_title_is_set_as_the_版头(tmp_path):
    centred = '<w:jc w:val="center"/>'
    body = (para('某某市人民政府文件', ppr=centred) + para('某府发〔2026〕3号', ppr=centred)
            + para('关于加强基层治理', ppr=centred, runs='<w:r><w:br/><w:t>体系建设的意见</w:t></w:r>')
            + para('（2026年1月5日）', ppr=centred) + para('各区县人民政府：') + para('现将有关事项通知如下。'))
    src = raw_docx(tmp_path / 'title.docx', body)
    source = read_source(src)
    assert source.meta == {'title': ['关于加强基层治理', '体系建设的意见'], 'subtitle': '（2026年1月5日）',
                           'issuer_mark': '某某市人民政府文件', 'doc_no': '某府发〔2026〕3号'}
    assert [ln for ln in source.body.split('\n') if ln][0] == '各区县人民政府：'
    out, result = build(src)
    assert not result.errors, result.errors
    with pdfplumber.open(out) as doc:   # the 发文机关标志 in red, above the title
        chars = doc.pages[0].chars
    text = ''.join(c['text'] for c in chars)
    mark, title = chars[text.index('某某市人民政府文件')], chars[text.index('关于加强')]
    assert mark['top'] < title['top'] and mark['non_stroking_color'][0] > 0.8 > mark['non_stroking_color'][1]


def test_a_document_without_heading_styles_reads_as_its_plain_text(tmp_path):
    """A notice saved from plain text by LibreOffice (lo-notice.docx, from corpus 04):
    no heading styles, so its headings are found in its text exactly as the .txt reader
    finds them; the title goes to front matter instead of a # line."""
    txt = tmp_path / 'notice.txt'
    txt.write_text((FIXTURES / 'lo-notice.txt').read_text(encoding='utf-8'), encoding='utf-8')
    from_txt = [ln for ln in read_source(txt).body.split('\n') if ln]
    from_docx = read_source(FIXTURES / 'lo-notice.docx')
    assert from_txt[0] == '# ' + from_docx.meta['title'].replace('#', '\\#')
    assert [ln for ln in from_docx.body.split('\n') if ln] == from_txt[1:]


FOOTNOTES = part('footnotes', (
    '<w:footnote w:id="0" w:type="separator"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> 脚注的文字。</w:t>'
    '</w:r></w:p></w:footnote>'))
ENDNOTES = part('endnotes', '<w:endnote w:id="1"><w:p><w:r><w:t>尾注的文字。</w:t></w:r></w:p></w:endnote>')


def test_footnotes_and_endnotes_are_set(tmp_path):
    body = (para('题目') + para('正文有脚注', runs='<w:r><w:footnoteReference w:id="1"/></w:r>'
                               '<w:r><w:t>也有尾注</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r>'
                               '<w:r><w:t>。</w:t></w:r>'))
    src = raw_docx(tmp_path / 'notes.docx', body,
                   rels=[('rF', 'footnotes', 'footnotes.xml', False), ('rE', 'endnotes', 'endnotes.xml', False)],
                   parts={'word/footnotes.xml': FOOTNOTES, 'word/endnotes.xml': ENDNOTES})
    out, result = build(src)
    text = without_space(pdf_text(out))
    assert '正文有脚注1也有尾注2。' in text
    assert '脚注的文字。' in text and '尾注的文字。' in text


def test_fields_tracked_changes_and_comments_are_cleaned_and_reported(tmp_path):
    field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r>'
             '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    date = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DATE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2026年1月5日</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    toc = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>TOC \\o "1-3"</w:instrText>'
           '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>目录条目 3</w:t></w:r></w:p>'
           '<w:p><w:r><w:t>目录条目二 5</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    body = (para('题目') + toc + para('第', runs=field + '<w:r><w:t>页，日期</w:t></w:r>' + date + '<w:r><w:t>。</w:t></w:r>')
            + para('原有', runs='<w:ins w:id="1" w:author="a"><w:r><w:t>插入的</w:t></w:r></w:ins>'
                   '<w:del w:id="2" w:author="a"><w:r><w:delText>删除的</w:delText></w:r></w:del>'
                   '<w:r><w:t>文字。</w:t></w:r>')
            + para('批注在此', runs='<w:r><w:commentReference w:id="0"/></w:r><w:r><w:t>。</w:t></w:r>')
            + para(runs='<w:r><w:drawing><wp:inline><a:graphic><a:graphicData uri="http://schemas.openxmlformats'
                   '.org/drawingml/2006/chart"/></a:graphic></wp:inline></w:drawing></w:r>'))
    comments = part('comments', '<w:comment w:id="0" w:author="a"><w:p><w:r><w:t>批注内容不入正文'
                    '</w:t></w:r></w:p></w:comment>')
    src = raw_docx(tmp_path / 'clean.docx', body, rels=[('rC', 'comments', 'comments.xml', False)],
                   parts={'word/comments.xml': comments})
    source = read_source(src)
    lines = [ln for ln in source.body.split('\n') if ln]
    assert lines == ['第7页，日期2026年1月5日。', '原有插入的文字。', '批注在此。']
    notes = '\n'.join(source.notes)
    assert 'tracked changes accepted (1 insertions, 1 deletions)' in notes
    assert '1 comment(s) dropped at 第4段' in notes
    assert 'fields dropped: TOC ×1' in notes and 'kept as Word last showed them: PAGE ×1' in notes
    assert '1 chart(s) or drawn shape(s) not set' in notes


# --- convert ----------------------------------------------------------------------------

def test_converted_markdown_builds_the_same_pdf_bytes(typed_docx, tmp_path, monkeypatch):
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1767225600')
    md = tmp_path / 'typed.md'
    run = CliRunner().invoke(cli.main, ['convert', str(typed_docx), '-o', str(md)])
    assert run.exit_code == 0, run.output
    text = md.read_text(encoding='utf-8')
    assert text.startswith('---\ntitle: 关于加强基层治理体系建设的意见\nsignature: 某某市人民政府\n'
                           "date: '2026-01-05'\n---\n")
    assert re.search(r'\n<p><img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="" style="width: 40.0mm" />'
                     r'</p>\n', text)
    from_docx = tmp_path / 'from-docx.pdf'
    from_md = tmp_path / 'from-md.pdf'
    typeset.build(typed_docx, from_docx)
    typeset.build(md, from_md)
    assert from_docx.read_bytes() == from_md.read_bytes()


def test_check_places_findings_in_a_docx_as_paragraph_numbers(tmp_path):
    body = para('题目') + para('第二段文字。') + para('这里有半角逗号,在汉字之间。')
    src = raw_docx(tmp_path / 'lint.docx', body)
    result = typeset.check(src, source_only=True)
    found = [f for f in result.findings if f.rule == 'halfwidth-punct']
    assert found and found[0].paragraph == 3
    assert 'lint.docx 第3段' in str(found[0])


def test_diff_of_two_word_drafts_places_changes_by_paragraph(tmp_path):
    first = raw_docx(tmp_path / 'v1.docx', para('题目') + para('第一段不变。') + para('第二段写于一月。'))
    second = raw_docx(tmp_path / 'v2.docx', para('题目') + para('第一段不变。') + para('第二段写于二月。'))
    result = typeset.diff(first, second, tmp_path / 'v2.diff.pdf')
    changes = [str(e) for e in result.changes]
    assert len(changes) == 1 and 'v2.docx 第3段 (was ' in changes[0] and 'v1.docx 第3段)' in changes[0], changes


# --- what is never let in ---------------------------------------------------------------

def test_linked_image_is_refused_with_a_finding_and_never_read(tmp_path):
    body = para('题目') + para('图片：', runs=inline_image('rL', 'r:link'))
    src = raw_docx(tmp_path / 'linked.docx', body, rels=[('rL', 'image', 'file:///etc/passwd', True)])
    out, result = build(src)
    refused = [f for f in result.findings if f.rule == 'resource-outside-project']
    assert refused and refused[0].paragraph == 2 and 'file:///etc/passwd' in refused[0].message
    with pdfplumber.open(out) as doc:
        assert not doc.pages[0].images
    assert 'root' not in pdf_text(out)


def test_external_relationship_behind_an_embed_id_is_refused(tmp_path):
    body = para('题目') + para('图片：', runs=inline_image('rX'))
    src = raw_docx(tmp_path / 'external.docx', body, rels=[('rX', 'image', 'http://127.0.0.1:9/x.png', True)])
    out, result = build(src)
    assert [f for f in result.findings if f.rule == 'resource-outside-project']


def test_xml_entities_are_never_expanded(tmp_path):
    prolog = ('<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
              '<!ENTITY a "哈哈哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
              '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>')
    body = para('题目') + para('文件内容：&xxe;。笑声：&f;。')
    src = raw_docx(tmp_path / 'xxe.docx', body, prolog=prolog)
    start = time.perf_counter()
    out, result = build(src)
    assert time.perf_counter() - start < 60
    text = pdf_text(out)
    assert 'root' not in text and '哈' not in text
    assert '文件内容：。笑声：。' in without_space(text)
    assert any('declares a DTD' in n for n in result.notes)


def test_hyperlinks_follow_the_sandbox_rules_of_a_markdown_link(tmp_path):
    """A link to the web stays clickable; a link to a file is removed with a finding,
    as in a Markdown manuscript; neither is ever opened."""
    link = '<w:hyperlink r:id="{}"><w:r><w:t>{}</w:t></w:r></w:hyperlink>'
    body = para('题目') + para('见', runs=link.format('rW', '门户网站') + link.format('rF', '本地文件')
                               + '<w:r><w:t>。</w:t></w:r>')
    src = raw_docx(tmp_path / 'links.docx', body, rels=[
        ('rW', 'hyperlink', 'https://www.gov.cn/', True), ('rF', 'hyperlink', 'file:///etc/passwd', True)])
    assert '见[门户网站](<https://www.gov.cn/>)[本地文件](<file:///etc/passwd>)。' in read_source(src).body
    out, result = build(src)
    removed = [f for f in result.findings if 'file:///etc/passwd' in f.message]
    assert removed and removed[0].paragraph == 2
    with pdfplumber.open(out) as doc:
        uris = [a.get('uri') for a in doc.pages[0].annots]
    assert uris == ['https://www.gov.cn/']
    assert '见门户网站本地文件。' in without_space(pdf_text(out)) and 'root' not in pdf_text(out)


def cli_error(path: Path) -> str:
    run = CliRunner().invoke(cli.main, ['build', str(path), '-o', str(path.with_suffix('.pdf'))])
    assert run.exit_code == 2, run.output
    lines = run.output.strip().split('\n')
    assert len(lines) == 1 and 'Traceback' not in run.output, run.output
    return lines[0]


def test_bounds_on_the_text_name_the_paragraph(tmp_path):
    body = para('题目') + para('正常的段落。') + para('长' * 30_000 + '。')
    message = cli_error(raw_docx(tmp_path / 'long.docx', body))
    assert 'long.docx: 第3段: line of 30,001 characters' in message


def test_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    src = tmp_path / 'bomb.docx'
    raw_docx(src, para('题目'))
    with zipfile.ZipFile(src, 'a', zipfile.ZIP_DEFLATED) as zf:
        zf.writestr('word/media/bomb.bin', b'\0' * (40 * 1024 * 1024))
    assert 'zip bomb' in cli_error(src)


def test_huge_part_deep_nesting_and_broken_xml_are_one_line_errors(tmp_path):
    deep = '<w:tbl><w:tr><w:tc>' * 20 + para('深') + '</w:tc></w:tr></w:tbl>' * 20
    assert 'nested' in cli_error(raw_docx(tmp_path / 'deep.docx', deep))
    deeper = '<w:sdt><w:sdtContent>' * 300 + para('深') + '</w:sdtContent></w:sdt>' * 300
    assert 'nests elements more than' in cli_error(raw_docx(tmp_path / 'deeper.docx', deeper))
    assert 'broken XML' in cli_error(raw_docx(tmp_path / 'broken.docx', '<w:p><w:r><w:t>断</w:r></w:p>'))


def test_a_part_over_its_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from typeset.readers import docx_package
    monkeypatch.setattr(docx_package, 'MAX_PART_BYTES', 1024 * 1024)
    huge = raw_docx(tmp_path / 'huge.docx', para('题目') + para(os.urandom(800_000).hex()))
    assert 'MB unpacked; parts up to 1 MB' in cli_error(huge)


@pytest.mark.parametrize('name, data, said', [
    ('old.doc', b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\0' * 600, 'old Word document (.doc)'),
    ('wps.wps', b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\0' * 600, 'WPS Office document (.wps)'),
    ('odt.odt', None, 'OpenDocument'),
    ('junk.docx', b'PK\x03\x04 not really a zip', 'damaged ZIP'),
])
def test_other_formats_are_named_with_what_to_do(tmp_path, name, data, said):
    path = tmp_path / name
    if data is None:
        with zipfile.ZipFile(path, 'w') as zf:
            zf.writestr('mimetype', 'application/vnd.oasis.opendocument.text')
            zf.writestr('content.xml', '<office:document-content/>')
    else:
        path.write_bytes(data)
    message = cli_error(path)
    assert said in message
    if name != 'junk.docx':
        assert 'save it as Word document (.docx)' in message


# --- every feature at once, and the same written by LibreOffice -------------------------

FEATURE_NUMBERING = part('numbering', (
    '<w:abstractNum w:abstractNumId="3">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:pStyle w:val="1"/>'
    '<w:lvlText w:val="%1、"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:pStyle w:val="2"/>'
    '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'
    '<w:abstractNum w:abstractNumId="4"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
    '<w:num w:numId="7"><w:abstractNumId w:val="3"/></w:num><w:num w:numId="8"><w:abstractNumId w:val="4"/></w:num>'))


def field(instr: str, result: str) -> str:
    return (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> {instr} </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{result}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def features_docx(path: Path) -> Path:
    """Every Word feature of issue 12 in one document: heading styles numbered by a
    multilevel list, a numbered list, a bold lead sentence, fields, a footnote, a table
    with merged cells, a picture, a tracked insertion and deletion, a comment, a manual
    line break and a signature pushed right with tabs."""
    def item(text):
        return para(text, ppr='<w:numPr><w:ilvl w:val="0"/><w:numId w:val="8"/></w:numPr>')
    cells = [para(t) for t in ['项目', '数量', '备注', '合并行', '合并列', '十二', '无']]
    table = ('<w:tbl><w:tr><w:tc>{}</w:tc><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr><w:tr><w:tc><w:tcPr>'
             '<w:vMerge w:val="restart"/></w:tcPr>{}</w:tc><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>'
             '{}</w:tc></w:tr><w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc>{}</w:tc>'
             '<w:tc>{}</w:tc></w:tr></w:tbl>').format(*cells)
    body = (para('关于加强基层治理的报告', ppr='<w:pStyle w:val="a5"/>')
            + para('各区县人民政府：')
            + para('\u3000\u3000为贯彻落实决策部署，现报告如下。')
            + para('总体要求', ppr='<w:pStyle w:val="1"/>')
            + para(runs='<w:r><w:rPr><w:b/></w:rPr><w:t>坚持党的领导。</w:t></w:r>'
                   '<w:r><w:t>把党的领导贯穿工作全过程。</w:t></w:r>')
            + para('工作目标', ppr='<w:pStyle w:val="2"/>')
            + item('建立健全工作机制。') + item('完善配套政策措施。')
            + para('本报告共', runs=field('NUMPAGES', '3') + '<w:r><w:t>页，数据截至</w:t></w:r>'
                   + field('DATE', '2026年1月5日') + '<w:r><w:t>。</w:t></w:r>')
            + para('基层治理是国家治理的基石', runs='<w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>。</w:t></w:r>')
            + table
            + para(runs=inline_image('rI'))
            + para('原有', runs='<w:ins w:id="1" w:author="a"><w:r><w:t>新增的</w:t></w:r></w:ins>'
                   '<w:del w:id="2" w:author="a"><w:r><w:delText>删去的</w:delText></w:r></w:del>'
                   '<w:r><w:t>表述。</w:t></w:r>')
            + para('此处有批注', runs='<w:r><w:commentReference w:id="0"/></w:r><w:r><w:t>。</w:t></w:r>')
            + para('保障措施', ppr='<w:pStyle w:val="1"/>')
            + para('手动换行之前', runs='<w:r><w:br/><w:t>手动换行之后。</w:t></w:r>')
            + para('\t\t\t\t某某市人民政府'))
    comments = part('comments', '<w:comment w:id="0" w:author="a"><w:p><w:r><w:t>批注内容</w:t></w:r></w:p>'
                    '</w:comment>')
    return raw_docx(path, body, rels=[
        ('rS', 'styles', 'styles.xml', False), ('rN', 'numbering', 'numbering.xml', False),
        ('rF', 'footnotes', 'footnotes.xml', False), ('rC', 'comments', 'comments.xml', False),
        ('rI', 'image', 'media/a.png', False)], parts={
        'word/styles.xml': STYLES, 'word/numbering.xml': FEATURE_NUMBERING, 'word/footnotes.xml': FOOTNOTES,
        'word/comments.xml': comments, 'word/media/a.png': png(120, 60)})


FEATURE_LINES = [
    '---', 'title: 关于加强基层治理的报告', '---', '各区县人民政府：', '为贯彻落实决策部署，现报告如下。',
    '## 一、总体要求', '**坚持党的领导。**把党的领导贯穿工作全过程。', '### （一）工作目标',
    '1\\.建立健全工作机制。', '2\\.完善配套政策措施。', 'DATE', '基层治理是国家治理的基石[^NOTE]。',
    '<table>', '<tr><td>项目</td><td>数量</td><td>备注</td></tr>',
    '<tr><td rowspan="2">合并行</td><td colspan="2">合并列</td></tr>', '<tr><td>十二</td><td>无</td></tr>',
    '</table>', 'IMAGE', '原有新增的表述。', '此处有批注。', '## 二、保障措施', '手动换行之前手动换行之后。',
    '某某市人民政府', '[^NOTE]: 脚注的文字。']


def feature_lines(source) -> list[str]:
    """The converted Markdown's lines, with what may differ between writers (the date a
    field shows, a footnote's id, a picture's bytes) replaced by a word."""
    lines = [ln for ln in source.text.split('\n') if ln]
    lines = [re.sub(r'\[\^[fe]\d+\]', '[^NOTE]', ln) for ln in lines]
    lines = ['IMAGE' if ln.startswith('<p><img src="data:image/png;base64,') else ln for ln in lines]
    return ['DATE' if ln.startswith('本报告共') else ln for ln in lines]


@pytest.mark.parametrize('writer', ['python', 'libreoffice'])
def test_every_word_feature_read_from_python_and_from_libreoffice(tmp_path, writer):
    """The same document as written here and as LibreOffice Writer saved it again
    (lo-features.docx: its own numbering.xml, footnotes, comments and tracked changes)."""
    src = features_docx(tmp_path / 'features.docx') if writer == 'python' else FIXTURES / 'lo-features.docx'
    source = read_source(src)
    assert feature_lines(source) == FEATURE_LINES
    notes = '\n'.join(source.notes)
    assert 'tracked changes accepted (1 insertions, 1 deletions)' in notes
    assert '1 comment(s) dropped at 第' in notes
    assert 'NUMPAGES ×1' in notes
