"""The elements of a 公文 (GB/T 9704 7–10), read back from the PDF: the red 版头, the
发文字号 between mark and rule, 主送 flush left, 署名 and date right under the seal, 附件
on pages of their own, the 版记 at the foot of an even last page; the letter and minutes
formats; heading faces by numbering; and the `check` rules of a 公文."""
from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest

import typeset
from typeset.checks import check

from conftest import CORPUS, HAN, MM, ROOT, pdf_text, without_space

FIXTURES = ROOT / 'tests' / 'fixtures' / 'gongwen'
RED = (0.901961, 0.0, 0.070588)
LEFT_ODD = 28 * MM                # the type area's left edge on a recto page
RIGHT_ODD = LEFT_ODD + 156 * MM
AREA_TOP = 37 * MM
AREA_BOTTOM = (37 + 225) * MM
CELL = 156 * MM / 28
PITCH = 225 * MM / 22


def _project(tmp_path: Path, *names: str) -> Path:
    """The fixture manuscripts and the example seal in a folder of their own."""
    folder = tmp_path / 'doc'
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    shutil.copy(ROOT / 'source' / 'seal.png', folder / 'seal.png')
    return folder


@pytest.fixture(scope='module')
def tongzhi(tmp_path_factory):
    folder = _project(tmp_path_factory.mktemp('tongzhi'), 'tongzhi.md', 'att1.md', 'att2.md')
    result = typeset.build(folder / 'tongzhi.md', folder / 'tongzhi.pdf')
    assert not result.errors, result.errors
    with pdfplumber.open(result.output) as pdf:
        yield folder / 'tongzhi.md', pdf


def _rows(page):
    """Lines of a page: (top, chars left to right)."""
    rows: dict[int, list] = {}
    for c in page.chars:
        if c['text'].strip():
            rows.setdefault(round(c['bottom']), []).append(c)
    return [(top, sorted(cs, key=lambda c: c['x0'])) for top, cs in sorted(rows.items())]


def _line(page, text: str):
    """The characters of `text` where a line of the page has it."""
    for _, cs in _rows(page):
        at = ''.join(c['text'] for c in cs).find(text)
        if at >= 0:
            return cs[at:at + len(text)]
    raise AssertionError(f'no line has {text!r} on page {page.page_number}')


def _glyph_top(page, c) -> float:
    return page.height - c['matrix'][5] - 0.88 * c['size']


def _text(cs) -> str:
    return ''.join(c['text'] for c in cs)


# --- 版头 -----------------------------------------------------------------------------------

def test_mark_and_rule_are_red_and_the_mark_fits_the_type_area(tongzhi):
    _, pdf = tongzhi
    first = pdf.pages[0]
    mark = _line(first, '临海市示例委员会文件')
    assert all(c['non_stroking_color'] == RED for c in mark)
    assert mark[0]['size'] > 30 and LEFT_ODD - 1 <= mark[0]['x0'] and mark[-1]['x1'] <= RIGHT_ODD + 1
    centre = (mark[0]['x0'] + mark[-1]['x1']) / 2
    assert abs(centre - (LEFT_ODD + RIGHT_ODD) / 2) < 2
    # its top edge 35 mm under the type area's: an ideograph's top is 0.88 em over the baseline
    assert abs(_glyph_top(first, mark[0]) - (AREA_TOP + 35 * MM)) < 0.5 * MM
    rules = [r for r in first.rects if r['non_stroking_color'] == RED]
    assert len(rules) == 1
    rule = rules[0]
    assert abs(rule['x0'] - LEFT_ODD) < 1 and abs(rule['x1'] - RIGHT_ODD) < 1 and rule['bottom'] - rule['top'] < 3
    body = [c for c in first.chars if c['non_stroking_color'] != RED]
    assert body and all(c['non_stroking_color'] in ((0.0, 0.0, 0.0), (0,), 0) for c in body)


def test_copy_number_classification_and_urgency_top_left_in_order(tongzhi):
    _, pdf = tongzhi
    rows = [(top, _text(cs), cs) for top, cs in _rows(pdf.pages[0])]
    assert [t for _, t, _ in rows[:3]] == ['000017', '机密★1年', '加急']
    for top, _, cs in rows[:3]:
        assert abs(cs[0]['x0'] - LEFT_ODD) < 1
    assert all('Hei' in c['fontname'] for c in rows[1][2] + rows[2][2] if HAN.match(c['text']))
    assert abs(rows[1][0] - rows[0][0] - PITCH) < 0.5


def test_doc_no_between_mark_and_rule_and_centred(tongzhi):
    _, pdf = tongzhi
    first = pdf.pages[0]
    mark = _line(first, '临海市示例委员会文件')
    doc_no = _line(first, '临示发〔2026〕7号')
    rule = next(r for r in first.rects if r['non_stroking_color'] == RED)
    assert mark[0]['bottom'] < doc_no[0]['top'] and doc_no[0]['bottom'] < rule['top']
    # 4 mm under the 发文字号 (from the glyphs' foot; the face leaves some room)
    assert 2 * MM < rule['top'] - doc_no[0]['bottom'] < 6 * MM
    assert abs((doc_no[0]['x0'] + doc_no[-1]['x1']) / 2 - (LEFT_ODD + RIGHT_ODD) / 2) < 2
    # the title (22 pt) two blank lines under the rule
    title = next(cs for _, cs in _rows(first) if cs[0]['top'] > rule['bottom'])
    assert title[0]['size'] == pytest.approx(22, abs=0.1) and '临海市示例委员会' in _text(title)
    assert 1.5 * PITCH < title[0]['top'] - rule['bottom'] < 3 * PITCH


def test_addressee_flush_left_under_the_title(tongzhi):
    _, pdf = tongzhi
    line = _line(pdf.pages[0], '各乡镇人民政府')
    assert abs(line[0]['x0'] - LEFT_ODD) < 1
    body = _line(pdf.pages[0], '为进一步规范')
    assert abs(body[0]['x0'] - (LEFT_ODD + 2 * CELL)) < 1


# --- 署名, 成文日期, 印章 --------------------------------------------------------------------

def _signoff(pdf):
    for page in pdf.pages:
        if page.images:
            return page, _line(page, '临海市示例委员会'), _line(page, '2026年3月9日'), page.images[0]
    raise AssertionError('no seal in the PDF')


def test_signature_and_date_right_with_the_seal_over_them(tongzhi):
    _, pdf = tongzhi
    page, signature, date, seal = _signoff(pdf)
    right = RIGHT_ODD if page.page_number % 2 else 26 * MM + 156 * MM
    # the date four characters from the right edge; the signature centred over it
    assert abs(right - date[-1]['x1'] - 4 * CELL) < 2
    centre = (date[0]['x0'] + date[-1]['x1']) / 2
    assert abs((signature[0]['x0'] + signature[-1]['x1']) / 2 - centre) < 2
    assert signature[0]['top'] < date[0]['top']
    # the seal centred over both, pressing on them: both overlap it, under its centre
    assert abs((seal['x0'] + seal['x1']) / 2 - centre) < 2
    assert seal['x0'] < date[0]['x0'] and date[-1]['x1'] < seal['x1']
    for cs in (signature, date):
        assert seal['x0'] < cs[-1]['x1'] and cs[0]['x0'] < seal['x1']       # a long name overhangs
        assert seal['top'] < cs[0]['top'] and cs[-1]['bottom'] < seal['bottom']
        assert (cs[0]['top'] + cs[0]['bottom']) / 2 > (seal['top'] + seal['bottom']) / 2
    # its top within one line under the text above it, and that text is on the same page
    above = [cs for top, cs in _rows(page) if cs[0]['bottom'] < seal['top']]
    assert above, 'the seal stands on a page without the body'
    assert seal['top'] - above[-1][0]['bottom'] < PITCH


def test_enclosure_note_hangs_and_the_note_follows_the_date(tongzhi):
    _, pdf = tongzhi
    page, _, date, _ = _signoff(pdf)
    first = _line(page, '附件：1.档案检查评分标准')
    second = _line(page, '2.档案检查日程安排')
    left = LEFT_ODD if page.page_number % 2 else 26 * MM
    assert abs(first[0]['x0'] - (left + 2 * CELL)) < 1
    # the second title's number under the first's: continuation aligned after 附件：
    assert abs(second[0]['x0'] - first[3]['x0']) < 1
    note = _line(page, '（此件公开发布）')
    assert abs(note[0]['x0'] - (left + 2 * CELL)) < 1 and note[0]['top'] > date[0]['bottom']


# --- 附件 and 版记 --------------------------------------------------------------------------

def test_each_attachment_starts_a_page_with_its_label_top_left(tongzhi):
    _, pdf = tongzhi
    for n, title in ((1, '档案检查评分标准'), (2, '档案检查日程安排')):
        page = next(p for p in pdf.pages if _rows(p) and _text(_rows(p)[0][1]) == f'附件{n}')
        rows = _rows(page)
        label = rows[0][1]
        left = LEFT_ODD if page.page_number % 2 else 26 * MM
        assert abs(label[0]['x0'] - left) < 1 and all('Hei' in c['fontname'] for c in label if HAN.match(c['text']))
        assert abs(label[0]['bottom'] - AREA_TOP - PITCH) < PITCH / 2      # on the first line
        heading = rows[1][1]
        # centred on the third line: the glyphs' middles two pitches apart (an ideograph's
        # middle is 0.38 em over its baseline)
        middle = [page.height - c['matrix'][5] - 0.38 * c['size'] for c in (label[0], heading[0])]
        assert _text(heading) == title and abs(middle[1] - middle[0] - 2 * PITCH) < 2
        assert abs((heading[0]['x0'] + heading[-1]['x1']) / 2 - (left + 78 * MM)) < 2
        previous = pdf.pages[page.page_number - 2]
        assert not any(title in _text(cs) for _, cs in _rows(previous) if not _text(cs).startswith('附件'))


def test_colophon_at_the_foot_of_the_even_last_page_without_a_page_number(tongzhi):
    _, pdf = tongzhi
    last = pdf.pages[-1]
    assert len(pdf.pages) % 2 == 0
    cc = _line(last, '抄送：市委办公室，市政府办公室。')
    printed = next(cs for _, cs in _rows(last) if _text(cs).startswith('临海市示例委员会办公室'))
    assert _text(printed).endswith('2026年3月10日印发')
    assert all(c['size'] == pytest.approx(14, abs=0.1) for c in cc + printed)
    assert all('Fang' in c['fontname'] for c in cc + printed if HAN.match(c['text']))
    assert cc[0]['top'] < printed[0]['top']
    # the last rule on the type area's bottom edge; the 印发 line just above it
    bottom = max(r['bottom'] for r in last.rects)
    assert abs(bottom - AREA_BOTTOM) < 1.5
    assert AREA_BOTTOM - printed[-1]['bottom'] < PITCH
    # the date one character in from the right (an even page: the type area starts at 26 mm)
    assert abs(26 * MM + 156 * MM - CELL - printed[-1]['x1']) < 2
    # here the last attachment ends on this even page: the 版记 shares it, numbered
    assert _line(last, '查市直单位。') and re.search(r'—\s*4\s*—', last.extract_text())


def test_every_character_of_the_manuscript_is_printed(tongzhi):
    path, pdf = tongzhi
    printed = Counter(c['text'] for p in pdf.pages for c in p.chars)
    _, front, body = (path.read_text(encoding='utf-8')).split('---\n', 2)
    wanted = Counter(c for c in body if HAN.match(c))
    for name in ('att1.md', 'att2.md'):
        wanted.update(c for c in (path.parent / name).read_text(encoding='utf-8') if HAN.match(c))
    assert not wanted - printed, wanted - printed
    # the front matter's values: every character (the organ's name is printed within its mark)
    values = re.sub(r'^\s*-?\s*\w+:', '', front, flags=re.M)
    assert not {c for c in values if HAN.match(c)} - set(printed)


def test_dates_are_written_out_without_padding_zeros(tongzhi):
    _, pdf = tongzhi
    text = ''.join(c['text'] for p in pdf.pages for c in p.chars)
    assert '2026年3月9日' in text and '2026-03-09' not in text and '03月' not in text


# --- the special formats --------------------------------------------------------------------

def _build(tmp_path, text: str, name='doc.md'):
    folder = _project(tmp_path)
    src = folder / name
    src.write_text(text, encoding='utf-8')
    result = typeset.build(src, folder / 'doc.pdf')
    assert not result.errors, result.errors
    return src, result.output


LETTER = """---
format: letter
copy_no: "000045"
issuer: 温岭市示例局
doc_no: 温示函〔2026〕3号
title: 温岭市示例局关于商请协助开展检查的函
addressee: 温岭市交通运输局：
signature: 温岭市示例局
date: 2026-01-08
seal: seal.png
cc: 市政府办公室
---

现商请贵局派员参加联合检查。

特此函商。
"""


def test_letter_format(tmp_path):
    src, out = _build(tmp_path, LETTER)
    with pdfplumber.open(out) as pdf:
        first = pdf.pages[0]
        mark = _line(first, '温岭市示例局')
        assert all(c['non_stroking_color'] == RED for c in mark)
        assert abs(_glyph_top(first, mark[0]) - 30 * MM) < 0.5 * MM     # 30 mm from the paper's top
        rules = sorted((r for r in first.rects if r['non_stroking_color'] == RED), key=lambda r: r['top'])
        assert len(rules) >= 2
        for r in (rules[0], rules[-1]):
            assert abs(r['x1'] - r['x0'] - 170 * MM) < 1
        assert rules[0]['top'] > mark[0]['bottom']
        assert abs(rules[-1]['bottom'] - (297 - 20) * MM) < 1.5   # 20 mm above the paper's foot
        copy_no, doc_no = _line(first, '000045'), _line(first, '温示函〔2026〕3号')
        assert abs(copy_no[0]['bottom'] - doc_no[0]['bottom']) < 1 and abs(doc_no[-1]['x1'] - RIGHT_ODD) < 1
        assert rules[0]['bottom'] < copy_no[0]['top']
        assert not re.search(r'—\s*1\s*—', first.extract_text())   # no number on the first page
        assert len(pdf.pages) % 2 == 0
        last = pdf.pages[-1]
        assert _line(last, '抄送：市政府办公室。') and not any('印发' in _text(cs) for _, cs in _rows(last))
        printed = Counter(c['text'] for p in pdf.pages for c in p.chars)
    body = src.read_text(encoding='utf-8').split('---')[2]
    assert not Counter(c for c in body if HAN.match(c)) - printed


def test_letter_says_what_it_leaves_out(tmp_path):
    """A 信函's 版记 has no 印发 line (GB/T 9704 10.1): printer and print_date are named
    at their front matter lines; everything else the manuscript gives is printed."""
    text = LETTER.replace('cc: 市政府办公室\n', 'cc: 市政府办公室\nprinter: 示例局办公室\nprint_date: 2026-01-09\n')
    src, out = _build(tmp_path, text)
    result = check(src, tmp_path / 'checked.pdf')
    found = [f for f in result.findings if f.rule == 'format-elements']
    assert [(f.line, f.col) for f in found] == [(12, 10), (13, 13)]
    assert 'printer' in found[0].message and 'print_date' in found[1].message
    assert not [f for f in result.findings if f.rule == 'element-not-printed']
    with pdfplumber.open(out) as pdf:
        printed = ''.join(c['text'] for p in pdf.pages for c in p.chars)
    front = re.sub(r'^print.*$', '', text.split('---\n')[1], flags=re.M)
    assert not {c for c in re.sub(r'^\w+:', '', front, flags=re.M) if HAN.match(c)} - set(printed)
    assert '示例局办公室' not in printed


def test_an_element_the_style_drops_is_found(tmp_path):
    folder = _project(tmp_path, 'tongzhi.md', 'att1.md', 'att2.md')
    style = _style_without(tmp_path, '/* 附注: in （）', add='.note { display: none; }')
    result = check(folder / 'tongzhi.md', folder / 'bad.pdf', style=str(style))
    found = [f for f in result.findings if f.rule == 'element-not-printed']
    line = next(n for n, t in enumerate((folder / 'tongzhi.md').read_text(encoding='utf-8').split('\n'), 1)
                if t.startswith('note:'))
    assert [(f.line, f.col) for f in found] == [(line, 7)], [str(f) for f in found]


MINUTES = """---
format: minutes
issuer: 温岭市示例局局务会议
doc_no: 第1期
title: 温岭市示例局2026年第1次局务会议纪要
date: 2026-01-09
present: [王明, 李华, 张强, 陈静, 周杰, 吴敏, 郑伟, 冯刚, 褚亮, 卫东, 蒋平, 沈阳, 韩梅, 杨帆]
absent: 刘洋（出差）
attending: [赵磊, 孙丽]
printer: 温岭市示例局办公室
print_date: 2026-01-10
---

会议研究了春节期间安全生产工作。纪要如下：

一、会议原则同意春节期间安全生产工作方案。
"""


def test_minutes_format(tmp_path):
    src, out = _build(tmp_path, MINUTES)
    with pdfplumber.open(out) as pdf:
        first = pdf.pages[0]
        mark = _line(first, '温岭市示例局局务会议纪要')
        assert all(c['non_stroking_color'] == RED for c in mark)
        rule = next(r for r in first.rects if r['non_stroking_color'] == RED)
        issue = _line(first, '第1期')
        assert mark[0]['bottom'] < issue[0]['top'] < rule['top']
        pages = [p for p in pdf.pages if p.chars]
        lines = [(p, cs) for p in pages for _, cs in _rows(p)]
        present = next((p, cs) for p, cs in lines if _text(cs).startswith('出席：'))
        page, cs = present
        left = LEFT_ODD if page.page_number % 2 else 26 * MM
        assert abs(cs[0]['x0'] - (left + 2 * CELL)) < 1
        assert all('Hei' in c['fontname'] for c in cs[:2]) and 'Fang' in cs[4]['fontname']
        # the names run on to a second line, aligned after the colon
        at = lines.index(present)
        follow = lines[at + 1][1]
        assert abs(follow[0]['x0'] - cs[3]['x0']) < 1
        for word in ('请假：', '列席：'):
            assert any(_text(c).startswith(word) for _, c in lines)
        assert len(pdf.pages) % 2 == 0
        assert _line(pdf.pages[-1], '温岭市示例局办公室')
        printed = Counter(c['text'] for p in pdf.pages for c in p.chars)
    text = src.read_text(encoding='utf-8')
    assert not Counter(c for c in re.sub(r'^\w+:', '', text, flags=re.M) if HAN.match(c)) - printed


JOINT = """---
issuer: [温岭市示例局, 温岭市示例发展和改革局]
doc_no: 温示发〔2026〕5号
signer: [王明, 李华]
title: 关于联合开展检查的报告
---

现将有关情况报告如下。
"""


def test_joint_issue_stacks_the_organs_with_wenjian_beside_them(tmp_path):
    _, out = _build(tmp_path, JOINT)
    with pdfplumber.open(out) as pdf:
        first = pdf.pages[0]
        lead, second = _line(first, '温岭市示例局'), _line(first, '温岭市示例发展和改革局')
        wenjian = [c for c in first.chars if c['text'] in '文件' and c['non_stroking_color'] == RED]
        assert lead[0]['top'] < second[0]['top'] and len(wenjian) == 2
        assert min(c['x0'] for c in wenjian) > max(c['x1'] for c in lead + second) - 1
        middle = (lead[0]['top'] + second[0]['bottom']) / 2
        assert abs((wenjian[0]['top'] + wenjian[0]['bottom']) / 2 - middle) < 8
        assert max(c['x1'] for c in wenjian) <= RIGHT_ODD + 1
        # 上行文: the 发文字号 one character in on the left, 签发人 on the right, one line
        doc_no = _line(first, '温示发〔2026〕5号')
        assert abs(doc_no[0]['x0'] - LEFT_ODD - CELL) < 1
        signer = [cs for _, cs in _rows(first) if '签发人' in _text(cs)][0]
        assert abs(signer[0]['bottom'] - doc_no[0]['bottom']) < 1
        assert abs(signer[-1]['x1'] - (RIGHT_ODD - CELL)) < 2
        names = [c for c in signer if c['text'] in '王明李华']
        assert names and all('Kai' in c['fontname'] for c in names)


# --- heading levels by numbering ----------------------------------------------------------

def _faces(pdf_path: Path) -> dict[str, set[str]]:
    """Line start (numbering) → the faces of the line's first four characters."""
    out: dict[str, set[str]] = {}
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            for _, cs in _rows(page):
                text = _text(cs)
                m = re.match(r'^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])', text)
                if m:
                    token = cs[:len(m.group(1))]
                    face = {re.sub(r'.*(Hei|Kai|Fang|Song|Serif).*', r'\1', c['fontname']) for c in token}
                    out.setdefault(m.group(1), set()).update(face)
    return out


@pytest.mark.parametrize('name', ['04-state-council-notice-1994-foreign-enterprise-tax',
                                  '02-jiangxi-gov-work-report-2026'])
def test_corpus_heading_faces_follow_their_numbering(tmp_path, name):
    result = typeset.build(CORPUS / f'{name}.md', tmp_path / 'doc.pdf')
    faces = _faces(result.output)
    level1 = {k: v for k, v in faces.items() if k.endswith('、')}
    level2 = {k: v for k, v in faces.items() if not k.endswith('、')}
    assert level1 and level2
    assert all(v == {'Hei'} for v in level1.values()), level1
    assert all(v == {'Kai'} for v in level2.values()), level2


def test_numbered_heading_is_not_centred_whatever_its_markdown_level(tmp_path):
    _, out = _build(tmp_path, '---\ntitle: 报告\n---\n\n## 一、总体情况\n\n正文一段。\n\n#### （一）具体情况\n\n正文。\n')
    with pdfplumber.open(out) as pdf:
        heading = _line(pdf.pages[0], '一、总体情况')
        sub = _line(pdf.pages[0], '（一）具体情况')
    assert abs(heading[0]['x0'] - (LEFT_ODD + 2 * CELL)) < 1 and 'Hei' in heading[0]['fontname']
    assert 'Kai' in sub[0]['fontname']


def test_the_seed_keeps_its_parts_and_bullet_headings(report_pdf):
    with pdfplumber.open(report_pdf) as pdf:
        part = _line(pdf.pages[0], '过去五年')
        bullet = _line(pdf.pages[0], '●把牢政治方向')
    assert abs((part[0]['x0'] + part[-1]['x1']) / 2 - (LEFT_ODD + RIGHT_ODD) / 2) < 2
    assert 'Hei' in part[0]['fontname'] and 'Hei' in bullet[1]['fontname']


# --- check rules of a 公文 -------------------------------------------------------------------

BAD = """---
issuer: 温岭市示例局
doc_no: 温示发[26]012号
date: 2026年01月05日
print_date: 2026年1月6
attachments: [检查标准。, 日程安排]
cc: 市政府办公室
printer: 温岭市示例局办公室
---

一、总体要求

正文。

三、工作安排

（一）第一项。

（1）细则。

附件3
"""


def test_check_rules_of_a_gongwen_each_with_its_position(tmp_path):
    src, _ = _build(tmp_path, BAD)
    result = check(src, tmp_path / 'checked.pdf')
    by_rule: dict[str, list] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule, []).append(f)
    doc_no = by_rule['doc-no-form'][0]
    assert doc_no.line == 3 and doc_no.col == len('doc_no: 温示发') + 1 and '[' in doc_no.message
    dates = {f.line: f for f in by_rule['date-form']}
    assert 'padding zeros' in dates[4].message and 'not a complete date' in dates[5].message
    seq = sorted((f.line, f.message) for f in by_rule['numbering-sequence'])
    assert seq[0][0] == 15 and '三、' in seq[0][1]
    assert seq[1][0] == 19 and 'skipped' in seq[1][1]
    agree = [f.message for f in by_rule['attachments-agree']]
    assert any('punctuation' in m for m in agree) and any('附件3' in m for m in agree)
    assert all(f.line for f in by_rule['attachments-agree'])


@pytest.mark.parametrize('key, value', [('date', '26年1月5日'), ('date', '2026年13月5日'),
                                        ('print_date', '2026/2/30'), ('成文日期', '2026年1月')])
def test_a_date_that_is_no_date_is_an_error_at_its_line(tmp_path, key, value):
    """A 2-digit year was printed as 26年1月5日 and month 13 passed; now the front
    matter refuses them, naming the line, and no PDF is written."""
    folder = _project(tmp_path)
    src = folder / 'doc.md'
    src.write_text(f'---\ntitle: 通知\n{key}: {value}\n---\n\n正文。\n', encoding='utf-8')
    with pytest.raises(typeset.InputError) as e:
        typeset.build(src, folder / 'doc.pdf')
    assert e.value.line == 3 and 'date' in e.value.message
    assert not (folder / 'doc.pdf').exists()


def test_a_date_is_set_as_the_standard_writes_it(tmp_path):
    """2026/01/05 and 2026-1-6 are set 2026年1月5日 and 2026年1月6日, without padding zeros."""
    _, pdf = _build(tmp_path, '---\ntitle: 通知\ndate: 2026/01/05\nprinter: 温岭市示例局办公室\n'
                              'print_date: "2026-1-6"\n---\n\n正文。\n')
    text = without_space(pdf_text(pdf))
    assert '2026年1月5日' in text and '2026年1月6日印发' in text and '01' not in text


def test_a_clean_gongwen_has_no_gongwen_findings(tongzhi):
    path, _ = tongzhi
    result = check(path, path.parent / 'checked.pdf')
    rules = {f.rule for f in result.findings} & {
        'doc-no-form', 'date-form', 'numbering-sequence', 'attachments-agree', 'colophon-page', 'seal'}
    assert not rules, [str(f) for f in result.findings]


def _style_without(tmp_path: Path, cut: str, add: str = '') -> Path:
    """The gongwen style with one of its rules taken out: what a broken house style does."""
    folder = tmp_path / 'style'
    folder.mkdir()
    css = (ROOT / 'styles' / 'gongwen.css').read_text(encoding='utf-8')
    assert cut in css
    (folder / 'broken.css').write_text(css.replace(cut, '') + add, encoding='utf-8')
    shutil.copy(ROOT / 'styles' / 'gongwen.html', folder / 'broken.html')
    return folder / 'broken.css'


def test_colophon_on_an_odd_page_is_found(tmp_path):
    text = '---\ntitle: 通知\ncc: 市政府办公室\nprinter: 示例局办公室\nprint_date: 2026-01-06\n---\n\n正文。\n'
    folder = _project(tmp_path)
    (folder / 'doc.md').write_text(text, encoding='utf-8')
    good = check(folder / 'doc.md', folder / 'good.pdf')
    assert good.pages == 2 and not [f for f in good.findings if f.rule == 'colophon-page']
    with pdfplumber.open(good.pdf) as pdf:
        # the 版记 turned to the back of the sheet, alone there, and that page unnumbered
        first, last = (p.extract_text() for p in pdf.pages)
        assert '正文' in first and '抄送' not in first and re.search(r'—\s*1\s*—', first)
        assert '抄送' in last and '正文' not in last and not re.search(r'—\s*\d+\s*—', last)
    style = _style_without(tmp_path, '.colophon-anchor[data-turn] { break-before: left; page: colophon; }')
    bad = check(folder / 'doc.md', folder / 'bad.pdf', style=str(style))
    found = [f for f in bad.findings if f.rule == 'colophon-page']
    assert bad.pages == 1 and found and found[0].page == 1 and 'odd' in found[0].message


def test_seal_alone_on_a_page_is_found(tmp_path):
    text = ('---\ntitle: 通知\nsignature: 温岭市示例局\ndate: 2026-01-05\nseal: seal.png\n---\n\n'
            + '正文。\n\n' * 3)
    folder = _project(tmp_path)
    (folder / 'doc.md').write_text(text, encoding='utf-8')
    good = check(folder / 'doc.md', folder / 'good.pdf')
    assert not [f for f in good.findings if f.rule == 'seal']
    style = _style_without(tmp_path, 'break-before: avoid;\n  break-inside: avoid;\n',
                           '.signoff { break-before: page; }')
    bad = check(folder / 'doc.md', folder / 'bad.pdf', style=str(style))
    found = [f for f in bad.findings if f.rule == 'seal']
    assert found and found[0].page == 2 and 'without the body' in found[0].message


def test_seal_outside_the_manuscript_folder_is_refused(tmp_path):
    folder = _project(tmp_path)
    (tmp_path / 'stolen.png').write_bytes((ROOT / 'source' / 'seal.png').read_bytes())
    (folder / 'doc.md').write_text('---\ntitle: 通知\nsignature: 示例局\ndate: 2026-01-05\n'
                                   'seal: ../stolen.png\n---\n\n正文。\n', encoding='utf-8')
    result = check(folder / 'doc.md', folder / 'doc.pdf')
    seal = [f for f in result.findings if f.rule == 'seal']
    assert seal and seal[0].line == 5 and 'outside' in seal[0].message
    assert any(f.rule == 'resource-outside-project' for f in result.findings)
    with pdfplumber.open(folder / 'doc.pdf') as pdf:
        assert not any(p.images for p in pdf.pages)


def test_unreadable_seal_is_found(tmp_path):
    folder = _project(tmp_path)
    (folder / 'fake.png').write_bytes(b'not an image at all')
    (folder / 'doc.md').write_text('---\ntitle: 通知\nsignature: 示例局\ndate: 2026-01-05\n'
                                   'seal: fake.png\n---\n\n正文。\n', encoding='utf-8')
    result = check(folder / 'doc.md', folder / 'doc.pdf')
    assert any(f.rule == 'seal' and 'readable' in f.message for f in result.findings)


def test_a_full_even_page_gets_a_blank_page_before_the_colophon(tmp_path):
    """The body fills pages 1 and 2: the 版记 goes to page 4, page 3 stays blank, and
    neither carries a page number (GB/T 9704 7.5)."""
    body = '\n\n'.join(f'第{i}段落正文。' for i in range(1, 43))
    _, out = _build(tmp_path, '---\ntitle: 通知\ncc: 市政府办公室\nprinter: 示例局办公室\n'
                              f'print_date: 2026-01-06\n---\n\n{body}\n')
    with pdfplumber.open(out) as pdf:
        texts = [p.extract_text() or '' for p in pdf.pages]
    assert len(texts) == 4
    assert '第42段落正文。' in texts[1] and re.search(r'—\s*2\s*—', texts[1])
    assert not texts[2].strip()
    assert '抄送' in texts[3] and not re.search(r'—\s*\d+\s*—', texts[3])


def _refused_attachment(folder, name: str, why: str):
    """Building a 通知 whose `attachments:` names `name` is an input error at that key's
    line, saying `why`, and writes no PDF."""
    src = folder / 'doc.md'
    src.write_text('---\ntitle: 通知\nattachments:\n  - {title: 附表, file: %s}\n---\n\n正文。\n' % name,
                   encoding='utf-8')
    with pytest.raises(typeset.InputError) as e:
        typeset.build(src, folder / 'doc.pdf')
    assert e.value.line == 3 and why in e.value.message
    assert not (folder / 'doc.pdf').exists()


def test_attachment_file_outside_the_manuscript_folder_is_an_input_error(tmp_path):
    folder = _project(tmp_path)
    (tmp_path / 'secret.md').write_text('机密内容。\n', encoding='utf-8')
    _refused_attachment(folder, '../secret.md', 'outside')


def test_attachment_beside_a_manuscript_in_a_shared_folder_is_refused(tmp_path, monkeypatch):
    """attachments: files were read with only a resolve()/is_relative_to check: a manuscript
    lying in TMPDIR (or ~) put any file beside it into the PDF."""
    monkeypatch.setenv('TMPDIR', str(tmp_path))
    (tmp_path / 'x.md').write_text('别人的机密内容。\n', encoding='utf-8')
    _refused_attachment(tmp_path, 'x.md', 'shared folder')


def test_hard_linked_attachment_is_refused(tmp_path):
    folder = _project(tmp_path)
    (tmp_path / 'secret.md').write_text('机密内容。\n', encoding='utf-8')
    os.link(tmp_path / 'secret.md', folder / 'att.md')
    _refused_attachment(folder, 'att.md', 'hard link')


def test_joint_issue_seals_each_over_its_organ_and_apart(tmp_path):
    text = JOINT.replace('signer: [王明, 李华]\n', '').replace(
        'title:', 'signature: [温岭市示例局, 温岭市示例发展和改革局]\nseal: [seal.png, seal.png]\n'
                  'date: 2026-01-05\ntitle:')
    _, out = _build(tmp_path, text)
    with pdfplumber.open(out) as pdf:
        page = next(p for p in pdf.pages if p.images)
        seals = sorted(page.images, key=lambda im: im['x0'])
        rows = [cs for _, cs in _rows(page) if '温岭市示例局' in _text(cs) and page.images[0]['top'] < cs[0]['top']]
        names = rows[0]
        text = _text(names)
        first = names[:len('温岭市示例局')]
        at = text.index('温岭市示例发展和改革局')
        second = names[at:at + len('温岭市示例发展和改革局')]
    assert len(seals) == 2 and seals[0]['x1'] < seals[1]['x0']          # neither touches the other
    assert LEFT_ODD - 1 < seals[0]['x0'] and seals[1]['x1'] < RIGHT_ODD + 1
    for seal, name in zip(seals, (first, second)):
        centre = (seal['x0'] + seal['x1']) / 2
        assert abs(centre - (name[0]['x0'] + name[-1]['x1']) / 2) < 2


def test_without_a_seal_signature_two_in_from_the_right_and_the_date_two_further(tmp_path):
    _, out = _build(tmp_path, '---\ntitle: 通知\nsignature: 温岭市示例发展和改革局\ndate: 2026-01-05\n---\n\n'
                              '正文。\n')
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        body, signature, date = _line(page, '正文。'), _line(page, '温岭市示例发展和改革局'), _line(page, '2026年1月5日')
    assert abs(RIGHT_ODD - signature[-1]['x1'] - 2 * CELL) < 2
    assert abs(date[0]['x0'] - signature[0]['x0'] - 2 * CELL) < 1
    # one blank line under the body, the date on the next line
    assert abs(signature[0]['bottom'] - body[0]['bottom'] - 2 * PITCH) < 1
    assert abs(date[0]['bottom'] - signature[0]['bottom'] - PITCH) < 1


def test_chinese_key_names_set_the_same_document(tmp_path):
    english = ('---\ntitle: 通知\ndoc_no: 温示发〔2026〕1号\nissuer: 温岭市示例局\naddressee: 各单位：\n'
               'signature: 温岭市示例局\ndate: 2026-01-05\nnote: 此件公开发布\ncc: 市政府办公室\n---\n\n正文。\n')
    chinese = ('---\ntitle: 通知\n发文字号: 温示发〔2026〕1号\n发文机关: 温岭市示例局\n主送机关: 各单位：\n'
               '署名: 温岭市示例局\n成文日期: 2026-01-05\n附注: 此件公开发布\n抄送: 市政府办公室\n---\n\n正文。\n')
    texts = []
    for name, text in (('en.md', english), ('zh.md', chinese)):
        _, out = _build(tmp_path / name[:2], text, name)
        with pdfplumber.open(out) as pdf:
            texts.append([(c['text'], round(c['x0'], 2), round(c['top'], 2)) for p in pdf.pages for c in p.chars])
    assert texts[0] == texts[1] and any(t == '〔' for t, _, _ in texts[0])


IN_BODY = """---
title: 关于开展检查的通知
attachments: [检查标准, 日程安排]
signature: 温岭市示例局
date: 2026-01-05
cc: 市政府办公室
---

现将有关事项通知如下。

## 附件1

### 检查标准

一、制度建设。

附件2

日程安排表

5月上旬检查。
"""


def test_attachments_written_in_the_body_start_their_own_pages(tmp_path):
    src, out = _build(tmp_path, IN_BODY)
    with pdfplumber.open(out) as pdf:
        first = _text([c for _, cs in _rows(pdf.pages[0]) for c in cs])
        assert '附件：1.检查标准' in first and '2026年1月5日' in first and '制度建设' not in first
        for n, title in ((1, '检查标准'), (2, '日程安排表')):
            page = next(p for p in pdf.pages if _rows(p) and _text(_rows(p)[0][1]) == f'附件{n}')
            label, heading = _rows(page)[0][1], _rows(page)[1][1]
            left = LEFT_ODD if page.page_number % 2 else 26 * MM
            assert abs(label[0]['x0'] - left) < 1 and 'Hei' in label[0]['fontname']
            assert _text(heading) == title and heading[0]['size'] == pytest.approx(22, abs=0.1)
            assert abs((heading[0]['x0'] + heading[-1]['x1']) / 2 - (left + 78 * MM)) < 2
        assert len(pdf.pages) % 2 == 0 and _line(pdf.pages[-1], '抄送：市政府办公室。')
    result = check(src, tmp_path / 'checked.pdf')
    agree = [f for f in result.findings if f.rule == 'attachments-agree']
    assert len(agree) == 1 and agree[0].line == 19 and '日程安排表' in agree[0].message
    assert not [f for f in result.findings if f.rule == 'text-mismatch']


def test_three_signers_two_a_line_with_the_doc_no_on_the_last(tmp_path):
    _, out = _build(tmp_path, JOINT.replace('signer: [王明, 李华]', 'signer: [王明, 李华强, 张强]'))
    with pdfplumber.open(out) as pdf:
        first = pdf.pages[0]
        label = _line(first, '签发人：')
        wang, zhang = _line(first, '王明'), _line(first, '张强')
        doc_no = _line(first, '温示发〔2026〕5号')
        rule = next(r for r in first.rects if r['non_stroking_color'] == RED)
    assert abs(zhang[0]['x0'] - wang[0]['x0']) < 1                       # under the first name
    assert abs(zhang[0]['bottom'] - wang[0]['bottom'] - PITCH) < 1
    assert abs(doc_no[0]['bottom'] - zhang[0]['bottom']) < 1 and label[0]['bottom'] < doc_no[0]['top']
    assert doc_no[0]['bottom'] < rule['top']


ORDER = """---
format: order
issuer: 温岭市人民政府
doc_no: 第3号
signature: 温岭市人民政府市长
signer: 王明
seal: signature-seal.png
date: 2026-01-12
---

《温岭市示例管理办法》已经市人民政府常务会议审议通过，现予公布，自2026年3月1日起施行。
"""


def _order(tmp_path, text):
    folder = _project(tmp_path)
    shutil.copy(ROOT / 'source' / 'signature-seal.png', folder / 'signature-seal.png')
    src = folder / 'order.md'
    src.write_text(text, encoding='utf-8')
    result = typeset.build(src, folder / 'order.pdf')
    assert not result.errors, result.errors
    return src, result.output


def test_order_format_mark_number_and_signature_seal(tmp_path):
    """GB/T 9704 10.2 and 7.3.5.3: organ + 令 in red 20 mm under the type area's top, the
    令号 centred two blank lines under it, no 分隔线, the body two blank lines under the
    令号; the 签名章 two blank lines under the body and four characters from the right,
    the office two characters to its left and centred on it; the date one blank line
    under the 签名章, four characters from the right."""
    src, out = _order(tmp_path, ORDER)
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        mark = _line(page, '温岭市人民政府令')
        assert all(c['non_stroking_color'] == RED for c in mark)
        assert abs(_glyph_top(page, mark[0]) - (AREA_TOP + 20 * MM)) < 0.5 * MM
        assert not [r for r in page.rects if r['non_stroking_color'] == RED]     # no 分隔线
        number = _line(page, '第3号')
        assert abs((number[0]['x0'] + number[-1]['x1']) / 2 - (LEFT_ODD + RIGHT_ODD) / 2) < 2
        assert '签发人' not in page.extract_text()
        rows = _rows(page)
        tops = [top for top, _ in rows]
        at = next(k for k, (_, cs) in enumerate(rows) if _text(cs) == '第3号')
        mark_row = next(k for k, (_, cs) in enumerate(rows) if _text(cs) == '温岭市人民政府令')
        assert 2.5 * PITCH < tops[at] - tops[mark_row] < 4 * PITCH               # two blank lines
        assert abs(tops[at + 1] - tops[at] - 3 * PITCH) < 0.5                      # two blank lines
        office = _line(page, '温岭市人民政府市长')
        date = _line(page, '2026年1月12日')
        body_last = next(cs for _, cs in reversed(rows) if _text(cs).endswith('施行。'))
        assert abs(office[0]['bottom'] - body_last[0]['bottom'] - 3 * PITCH) < 0.5
        assert abs(date[0]['bottom'] - office[0]['bottom'] - 2 * PITCH) < 0.5
        seal = next(im for im in page.images if im['x1'] - im['x0'] > 20 * MM)
        assert abs(RIGHT_ODD - seal['x1'] - 4 * CELL) < 1
        assert abs(RIGHT_ODD - date[-1]['x1'] - 4 * CELL) < 1
        assert abs(seal['x0'] - office[-1]['x1'] - 2 * CELL) < 1
        office_middle = (office[0]['top'] + office[0]['bottom']) / 2
        assert abs((seal['top'] + seal['bottom']) / 2 - office_middle) < 1.5 * MM
        assert '王明' not in page.extract_text()        # the 签名章 is the name
    assert not [f for f in check(src, tmp_path / 'checked.pdf').findings if f.severity != 'info']


def test_order_without_a_signature_seal_types_the_name_in_its_place(tmp_path):
    _, out = _order(tmp_path, ORDER.replace('seal: signature-seal.png\n', ''))
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        name, office = _line(page, '王明'), _line(page, '温岭市人民政府市长')
        assert abs(RIGHT_ODD - name[-1]['x1'] - 4 * CELL) < 1
        assert abs(name[0]['x0'] - office[-1]['x1'] - 2 * CELL) < 1
        assert all('Kai' in c['fontname'] for c in name)
        assert not page.images


# --- 页码 (GB/T 9704 7.5; docformat-gui #19) --------------------------------------------------

TWO_PAGES = """---
title: 关于页码的试验
{keys}
---

第一页的正文。

<div style="break-before: page">第二页的正文。</div>
"""


def _folios(pdf_path):
    """Each page's text under the type area and its extent (x0, x1), in pt."""
    with pdfplumber.open(pdf_path) as pdf:
        out = []
        for page in pdf.pages:
            cs = sorted((c for c in page.chars if c['top'] > AREA_BOTTOM), key=lambda c: c['x0'])
            out.append((_text(cs), cs[0]['x0'] if cs else None, cs[-1]['x1'] if cs else None))
        return out


@pytest.mark.parametrize('keys, texts', [
    ('', ['— 1 —', '— 2 —']),
    ('page_numbers: 第1页', ['第1页', '第2页']),
    ('page_numbers: 1/6', ['1/2', '2/2']),
    ('页码: "- 1 -"', ['- 1 -', '- 2 -']),
])
def test_page_number_form_outer_one_character_in(tmp_path, keys, texts):
    _, out = _build(tmp_path, TWO_PAGES.format(keys=keys))
    (odd, _, odd_x1), (even, even_x0, _) = _folios(out)
    assert [odd, even] == texts
    # 单页码居右空一字, 双页码居左空一字 (a character of the 4号 page number: 14 pt)
    assert abs(RIGHT_ODD - odd_x1 - 14) < 1
    assert abs(even_x0 - (26 * MM + 14)) < 1


def test_page_numbers_centred_or_none(tmp_path):
    _, out = _build(tmp_path, TWO_PAGES.format(keys='page_numbers: 第1页 共6页\npage_number_position: 居中'))
    for (text, x0, x1), left in zip(_folios(out), (LEFT_ODD, 26 * MM)):
        assert text.startswith('第') and text.endswith('共2页')
        assert abs((x0 + x1) / 2 - (left + 78 * MM)) < 1
    _, out = _build(tmp_path / 'none', TWO_PAGES.format(keys='page_numbers: none'))
    assert [t for t, _, _ in _folios(out)] == ['', '']


def test_a_page_number_without_a_number_is_an_input_error(tmp_path):
    folder = _project(tmp_path)
    src = folder / 'doc.md'
    src.write_text(TWO_PAGES.format(keys='page_numbers: 页码'), encoding='utf-8')
    with pytest.raises(typeset.InputError) as e:
        typeset.build(src, folder / 'doc.pdf')
    assert e.value.line == 3 and 'page_numbers' in str(e.value)


TABLE = """---
title: 值班安排
---

值班安排如下：

| 日期 | 带班领导 | 值班人员 |
|---|---|---|
| 2月16日 | 张华 | 李强 |
| 2月17日 | 陈静 | 刘洋、王芳、赵磊、孙丽、周杰、吴敏、郑伟、冯刚 |
| 2月18日 | 王芳 | 赵磊 |

值班电话：0576-86123456。
"""


def test_table_rows_are_whole_pitches_and_the_text_after_stays_on_the_grid(tmp_path):
    src, out = _build(tmp_path, TABLE)
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        first = _line(page, '值班安排如下')[0]['bottom']
        after = _line(page, '值班电话')[0]['bottom']
        # rows of one line and of several take whole pitches: the line after the table is
        # exactly on the grid, however many lines its cells have
        pitches = (after - first) / PITCH
        assert pitches > 6 and abs(pitches - round(pitches)) < 0.01, pitches
        assert page.rects or page.lines   # the rules are drawn
    findings = check(src, tmp_path / 'checked.pdf').findings
    assert not [f for f in findings if f.rule == 'grid-drift'], [str(f) for f in findings]


def test_a_heading_without_numbering_between_numbered_ones_is_no_gap(tmp_path):
    """Corpus 10: `## 1.`, then `## 段落` (a section of its own), then `## 2.` runs on;
    a part without numbering may also start the count afresh; a real gap is still found."""
    text = ('---\ntitle: 清单\n---\n\n## 1. 基础编辑\n\n正文。\n\n## 段落\n\n正文。\n\n## 2. 用户界面\n\n正文。\n\n'
            '## 过去五年\n\n一、总体情况\n\n正文。\n\n## 未来五年\n\n一、目标\n\n正文。\n\n三、措施\n\n正文。\n')
    folder = _project(tmp_path)
    (folder / 'doc.md').write_text(text, encoding='utf-8')
    found = [f for f in check(folder / 'doc.md', source_only=True).findings if f.rule == 'numbering-sequence']
    assert [(f.line, f.message) for f in found] == [(29, '三、 where number 2 of its level was due')]


def test_joint_order_one_organ_a_line_aligned_under_the_lead(tmp_path):
    text = ORDER.replace('signature: 温岭市人民政府市长\nsigner: 王明\n',
                         'signature: [温岭市人民政府市长, 温岭市示例局局长]\nsigner: [王明, 李华]\n')
    _, out = _order(tmp_path, text)
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        lead, other = _line(page, '温岭市人民政府市长'), _line(page, '温岭市示例局局长')
        name = _line(page, '李华')
        seal = next(im for im in page.images if im['x1'] - im['x0'] > 20 * MM)
        assert other[0]['top'] - lead[0]['top'] > 1.5 * PITCH and seal['bottom'] < name[0]['top']
        assert abs((name[0]['x0'] + name[-1]['x1']) / 2 - (seal['x0'] + seal['x1']) / 2) < 1
        assert abs(lead[-1]['x1'] - other[-1]['x1']) < 1
