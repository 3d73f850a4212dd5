"""`typeset diff`: a second draft of a corpus document, with the changes of a proof round,
compared with the first: the exact change list, placed in the new PDF and both
manuscripts; re-flow counted, not listed; the marks drawn where the changes are."""
from __future__ import annotations

import json
import re

import pdfplumber
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import typeset
from conftest import CORPUS
from typeset.checks.pdfread import read_pdf
from typeset.cli import main
from typeset.proofmarks import BAR, DELETE, FORMAT, INSERT

NOTICE = CORPUS / '04-state-council-notice-1994-foreign-enterprise-tax.md'
REWRAPPED = '在税制改革中，国务院还将陆续修订和制定新的税收暂行条例，外商投资企业和外国企业应相应依照有关条例规定执行。'


def first_draft() -> str:
    text = NOTICE.read_text(encoding='utf-8')
    # numbered parts as Markdown headings, and a half-width comma for the proofreader to fix
    text = re.sub(r'^([一二三]、关于)', r'## \1', text, flags=re.M)
    return text.replace('人民政府，国务院各部委', '人民政府,国务院各部委', 1)


def second_draft(text: str) -> str:
    edits = [
        ('在计征增值税时，不抵扣进项税额。', ''),                       # delete a sentence
        ('根据《决定》的规定，外商', '根据《决定》的规定，经国务院同意，外商'),  # insert a clause
        ('1993年12月25日', '1993年12月26日'),                           # replace a number
        ('人民政府,国务院各部委', '人民政府，国务院各部委'),              # fix a mark
        ('## 二、关于外商投资企业改征', '### 二、关于外商投资企业改征'),   # a heading level
        # re-flow: the same paragraph, wrapped on three lines of the manuscript
        (REWRAPPED, REWRAPPED[:20] + '\n' + REWRAPPED[20:41] + '\n' + REWRAPPED[41:]),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope='module')
def drafts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('diff')
    old, new = tmp / 'round1.md', tmp / 'round2.md'
    old.write_text(first_draft(), encoding='utf-8')
    new.write_text(second_draft(first_draft()), encoding='utf-8')
    result = typeset.diff(old, new, tmp / 'round2.diff.pdf', pdf=tmp / 'round2.pdf')
    return old, new, result


def file_line(path, snippet: str) -> int:
    lines = path.read_text(encoding='utf-8').split('\n')
    hits = [n for n, line in enumerate(lines, 1) if snippet in line]
    assert len(hits) == 1, (snippet, hits)
    return hits[0]


def read_back(pdf, style='gongwen'):
    from typeset import pipeline
    from typeset.checks import pdf_rules
    layout = pdf_rules.probe_layout(pipeline.resolve_style(style))
    return read_pdf(pdf, areas=layout.area, columns=layout.columns)


def pdf_line(pdf, snippet: str, style='gongwen'):
    """Page and line number (as `check` counts them) of the first character of `snippet`;
    with the column, when the style sets columns."""
    placed = [(c, ln) for page in read_back(pdf, style) for ln in page.body
              for g in ln.glyphs for c in g.text]
    text = ''.join(c for c, _ in placed)
    assert text.count(snippet) == 1, snippet
    ln = placed[text.index(snippet)][1]
    return (ln.page, ln.number) if style == 'gongwen' else (ln.page, ln.column, ln.number)


def test_the_change_list_is_exactly_the_rounds_changes(drafts):
    old, new, result = drafts
    got = [(c.kind, c.old_text, c.new_text, c.detail) for c in result.changes]
    assert got == [
        ('replace', ',', '，', ''),
        ('insert', '', '经国务院同意，', ''),
        ('replace', '25', '26', ''),
        ('format', '二、关于外商投资企业改征增值税、消费税、营业税后增加的税负处理问题',
         '二、关于外商投资企业改征增值税、消费税、营业税后增加的税负处理问题', 'heading 2 → heading 3'),
        ('delete', '在计征增值税时，不抵扣进项税额。', '', ''),
    ]


def test_each_change_is_placed_in_the_new_pdf_and_both_manuscripts(drafts):
    old, new, result = drafts
    # (snippet in the new PDF where the mark is, snippet in the new file, in the old file)
    where = [('，国务院各部委', '人民政府，国务院', '人民政府,国务院'),
             ('经国务院同意', '经国务院同意', '根据《决定》的规定，外商'),
             ('26日发布', '1993年12月26日', '1993年12月25日'),
             ('二、关于外商投资企业改征', '二、关于外商投资企业改征', '二、关于外商投资企业改征'),
             ('暂不征收资源税。', '原油、天然气出口', '在计征增值税时')]
    for change, (at, in_new, in_old) in zip(result.changes, where):
        assert (change.page, change.page_line) == pdf_line(result.pdf, at), change
        assert change.new == {'path': str(new), 'line': file_line(new, in_new)}, change
        assert change.old == {'path': str(old), 'line': file_line(old, in_old)}, change
    # the re-wrapping moved the lines after it in the new manuscript
    assert result.changes[-1].new['line'] == result.changes[-1].old['line'] + 2
    assert str(result.changes[1]).startswith(f'第{result.changes[1].page}页 第{result.changes[1].page_line}行 ')


def test_reflow_is_counted_not_listed(drafts):
    old, new, result = drafts
    # the re-wrapped paragraph: three lines of the new manuscript, no change
    assert result.rewrapped_lines == 3
    assert not any(REWRAPPED[18:24] in c.new_text for c in result.changes)
    # the clause inserted pushes the rest of its paragraph along: those lines re-flowed
    assert result.reflowed_lines >= 1
    assert 're-flow' in result.human() and '3 manuscript lines re-wrapped' in result.human()


def _overlay_ops(marked):
    """The drawing added over each page: the last content stream."""
    out = []
    for page in PdfReader(str(marked)).pages:
        contents = page['/Contents']
        out.append((float(page.mediabox.height), contents[-1].get_object().get_data().decode('latin-1')))
    return out


def _colour(c, op):
    return f'{c[0]} {c[1]} {c[2]} {op}'


def _glyphs(pdf, snippet):
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, 1):
            chars = page.chars
            text = ''.join(c['text'] for c in chars)
            if snippet in text:
                k = text.index(snippet)
                return number, chars[k:k + len(snippet)], float(page.height)
    raise AssertionError(snippet)


def test_marks_are_drawn_on_the_changes(drafts):
    old, new, result = drafts
    pages = _overlay_ops(result.marked)
    underline = re.compile(r'q ([\d.]+) ([\d.]+) ([\d.]+) RG [\d.]+ w (?:\[[^\]]*\] 0 d )?'
                           r'([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l S Q')
    lines = [(n, tuple(map(float, m.groups()))) for n, (_, ops) in enumerate(pages, 1) for m in underline.finditer(ops)]

    def underlined(snippet, colour):
        number, glyphs, height = _glyphs(result.pdf, snippet)
        base = height - glyphs[0]['matrix'][5]
        # on the snippet's first line: from its first glyph to its last on that line
        end = max(g['x1'] for g in glyphs if abs(g['matrix'][5] - glyphs[0]['matrix'][5]) < 1)
        for n, (r, g, b, x0, y0, x1, y1) in lines:
            if n == number and (r, g, b) == colour and abs(y0 - y1) < 0.01 and \
                    abs(x0 - glyphs[0]['x0']) < 0.5 and abs(x1 - end) < 0.5 \
                    and 0 < (height - base) - y0 < 4:
                return True
        return False

    assert underlined('经国务院同意，', INSERT)
    assert underlined('26', INSERT)
    assert underlined('二、关于外商投资企业改征增值税、消费税、营业税后增加的税负处理问题', FORMAT)
    assert not underlined('原油、天然气出口', INSERT)
    # the deleted sentence: a caret just after 资源税。 and the words in the margin, in red
    number, glyphs, height = _glyphs(result.pdf, '资源税。')
    ops = pages[number - 1][1]
    caret = re.search(_colour(DELETE, 'RG') + r' [\d.]+ w 1 j ([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l', ops)
    assert caret and abs(float(caret.group(3)) - glyphs[-1]['x1']) < 0.5
    assert _colour(DELETE, 'rg') in ops          # the margin words, as outlines
    # one bar in the outer margin per changed line, and only there
    bars = sum(ops.count(_colour(BAR, 'rg')) for _, ops in pages)
    changed = set()
    for snippet, n in (('，国务院各部委', 1), ('经国务院同意，', 7), ('26日发布', 2),
                       ('二、关于外商投资企业改征增值税、消费税、营业税后增加的税负处理问题', 33),
                       ('资源税。', 4)):
        number, glyphs, _ = _glyphs(result.pdf, snippet)
        changed |= {(number, round(g['matrix'][5])) for g in glyphs[:n]}
    assert bars == len(changed) > len(result.changes)


def test_the_marked_copy_keeps_the_clean_text_layer(drafts):
    old, new, result = drafts

    def chars(path):
        with pdfplumber.open(path) as pdf:
            return [(c['text'], round(c['x0'], 2), round(c['top'], 2)) for p in pdf.pages for c in p.chars]
    assert chars(result.marked) == chars(result.pdf)


def test_equal_drafts_exit_0_with_an_empty_list(drafts, tmp_path):
    old, new, result = drafts
    same = tmp_path / 'same.md'
    # whitespace, indentation and line endings are no change
    same.write_bytes(old.read_text(encoding='utf-8').replace('\n\n', '\n   \n').replace('\n', '\r\n').encode('utf-8'))
    run = CliRunner().invoke(main, ['diff', str(old), str(same), '--format', 'json', '-o', str(tmp_path / 'm.pdf')])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data['changes'] == [] and data['summary']['changes'] == 0


def test_changes_exit_1_and_bad_input_exit_2(drafts, tmp_path):
    old, new, result = drafts
    run = CliRunner().invoke(main, ['diff', str(old), str(new), '-o', str(tmp_path / 'm.pdf')])
    assert run.exit_code == 1
    assert run.output.count('\n') == len(result.changes) + 1
    run = CliRunner().invoke(main, ['diff', str(tmp_path / 'missing.md'), str(new)])
    assert run.exit_code == 2 and 'missing.md' in run.output


def test_an_old_pdf_is_read_back(drafts, tmp_path):
    old, new, result = drafts
    built = typeset.build(old, tmp_path / 'round1.pdf')
    from_pdf = typeset.diff(built.output, new, tmp_path / 'm.pdf', pdf=tmp_path / 'r2.pdf')
    got = [(c.kind, c.old_text, c.new_text) for c in from_pdf.changes]
    # The heading's face follows its numbering (二、 is 黑体 at any `#` level), so the level
    # change is in the markup only: the old print cannot show it, every other change it does.
    printed = [c for c in result.changes if not (c.kind == 'format' and c.detail.startswith('heading'))]
    assert len(printed) == len(result.changes) - 1
    assert got == [(c.kind, c.old_text, c.new_text) for c in printed]
    deleted = from_pdf.changes[-1]
    assert (deleted.old['page'], deleted.old['page_line']) == pdf_line(built.output, '在计征增值税时')
    assert deleted.new['line'] == file_line(new, '原油、天然气出口')


def test_markup_alone_is_a_format_change(tmp_path):
    from typeset.checks.compare import compare, read_manuscript
    old, new = tmp_path / 'a.md', tmp_path / 'b.md'
    old.write_text('---\ntitle: 关于做好安全生产工作的通知\n---\n\n## 总体要求\n\n'
                   '各单位要**切实落实**安全责任。\n\n第二段。\n第二段续。\n', encoding='utf-8')
    new.write_text('---\ntitle: 关于做好安全生产工作的紧急通知\n---\n\n### 总体要求\n\n'
                   '各单位要切实落实*安全责任*。\n\n第二段。\n\n第二段续。\n', encoding='utf-8')
    got = [(c.kind, c.new_text, c.detail, read_manuscript(new).chars[c.new[0]].line)
           for c in compare(read_manuscript(old), read_manuscript(new)).changes]
    assert got == [('insert', '紧急', '', 2),
                   ('format', '总体要求', 'heading 2 → heading 3', 5),
                   ('format', '切实落实', 'bold removed', 7),
                   ('format', '安全责任', 'emphasis added', 7),
                   ('format', '', 'new paragraph', 11)]


def test_the_last_round_pdf_is_never_overwritten(drafts, tmp_path):
    old, new, result = drafts
    last = tmp_path / 'output' / 'round2.pdf'
    last.parent.mkdir()
    last.write_bytes(result.pdf.read_bytes())
    copy = tmp_path / 'round2.md'
    copy.write_bytes(new.read_bytes())
    run = CliRunner().invoke(main, ['diff', str(last), str(copy)])
    assert run.exit_code == 2 and 'round2.pdf' in run.output
    assert last.read_bytes() == result.pdf.read_bytes()


def test_a_pdf_of_the_same_draft_is_equal(drafts, tmp_path):
    old, new, result = drafts
    same = typeset.diff(result.pdf, new, tmp_path / 'm.pdf', pdf=tmp_path / 'again.pdf')
    assert same.changes == [] and same.reflowed == []


def test_in_columns_the_column_is_named(drafts, tmp_path):
    old, new, result = drafts
    paper = typeset.diff(old, new, tmp_path / 'm.pdf', pdf=tmp_path / 'paper.pdf', style='newspaper')
    assert read_back(paper.pdf, 'newspaper')[0].columns
    heading = paper.changes[3]
    assert heading.detail == 'heading 2 → heading 3'
    assert (heading.page, heading.column, heading.page_line) == \
        pdf_line(paper.pdf, '二、关于外商投资企业改征', 'newspaper')
    assert str(heading).startswith(f'第1页 第{heading.column}栏 第{heading.page_line}行 ')


def test_plain_text_changes_stay_in_their_sentences(tmp_path):
    from typeset.checks.compare import compare, read_manuscript
    old, new = tmp_path / 'a.txt', tmp_path / 'b.txt'
    old.write_text('关于加强安全生产工作的通知\n一、总体要求\n今年共检查企业120家。\n二、工作措施\n要切实落实责任。\n',
                   encoding='utf-8')
    new.write_text('关于加强安全生产工作的通知\n一、总体要求\n今年共检查企业125家。\n（一）工作措施\n要切实落实责任。\n',
                   encoding='utf-8')
    got = [(c.kind, c.old_text, c.new_text, c.detail) for c in compare(read_manuscript(old), read_manuscript(new)).changes]
    # the number whole, the numbering apart from it, and the level the numbering gives
    assert got == [('replace', '120', '125', ''), ('replace', '二、', '（一）', ''),
                   ('format', '工作措施', '工作措施', 'heading 2 → heading 3')]
