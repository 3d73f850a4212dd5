"""Rules of a 公文 (GB/T 9704-2012): its front matter and body read as the standard reads
them, and the printed 版记 and seal found where the standard puts them.

Source rules point at the front matter key or the body line (file:line:col); PDF rules at
第N页 第M行. Which 公文 elements a document has is the front matter's business, so a
manuscript without them (a report) gets none of these findings.
"""
from __future__ import annotations

import datetime
import re
from pathlib import Path

from ..elements import as_list, format_of
from ..errors import Finding
from ..frontmatter import parse_date
from ..numbering import numbering
from .pdfread import MM, Page

RULES = {
    'doc-no-form': ('error', '发文字号: the year in full between 〔〕, the number without 第 or padding zeros'),
    'date-form': ('error', 'a date incomplete or with padding zeros (2026年1月5日, not 2026年01月05日)'),
    'numbering-sequence': ('warning', 'heading numbering out of sequence (一、 then 三、) or a level skipped'),
    'attachments-agree': ('error', '附件说明 and the attachments present disagree'),
    'colophon-page': ('error', 'the 版记 is not at the foot of the last page, or that page is odd'),
    'seal': ('error', 'a seal image unreadable, outside the manuscript\'s folder, or alone on a page'),
    'format-elements': ('warning', 'an element the format does not print (a 信函 has no 印发 line)'),
    'element-not-printed': ('error', 'an element given in the front matter whose text is not in the PDF'),
}
# Elements a format leaves out (GB/T 9704 10.1: the 信函's 版记 has no 印发机关 and 印发日期).
NOT_PRINTED = {'letter': ('printer', 'print_date')}

DOC_NO = re.compile(r'〔(\d{4})〕([1-9]\d*)号$')
WRONG_BRACKETS = re.compile(r'[\[\]【】()（）［］{}〖〗]')
ATTACHMENT_LABEL = re.compile(r'^#*\s*附件\s*(\d*)\s*$')
# An image this wide (pt, about 21 mm) is a seal, not an icon in the text; a 令's 签名章
# (a name stamp, 15 mm high) may be as narrow as it is high.
SEAL_MIN_WIDTH = {'order': 40}
SEAL_MIN_WIDTH_DEFAULT = 60
FENCE = re.compile(r'^\s*(```|~~~)')


def _finding(rule, message, source, key=None, line=None, col=None, **pdf) -> Finding:
    line = line if line is not None else (source.meta_line(key) if key else None)
    return Finding(rule, RULES[rule][0], message, path=str(source.path), line=line, col=col, **pdf)


def _value_col(source, key, needle: str) -> int | None:
    line = source.meta_line(key)
    if not line or not needle:
        return None
    text = source.text.split('\n')[line - 1]
    at = text.find(needle)
    return at + 1 if at >= 0 else None


# --- source -----------------------------------------------------------------------------

def doc_no(source) -> list[Finding]:
    value = str(source.meta.get('doc_no') or '').strip()
    if not value or format_of(source.meta) in ('minutes', 'order'):
        return []  # a 纪要's 期号 (第1期) and a 令's 令号 (第3号) are no 发文字号
    bad = WRONG_BRACKETS.search(value)
    if bad:
        return [_finding('doc-no-form', f'发文字号 {value} uses {bad.group(0)}: the year goes between 〔〕 '
                         '(六角括号)', source, 'doc_no', col=_value_col(source, 'doc_no', bad.group(0)))]
    m = re.search(r'〔(\d*)〕', value)
    if not m or len(m.group(1)) != 4:
        year = m.group(1) if m else ''
        return [_finding('doc-no-form', f'发文字号 {value}: the year must be written in full, 〔2026〕'
                         + (f', not 〔{year}〕' if m else ''), source, 'doc_no',
                         col=_value_col(source, 'doc_no', '〔' if m else value[:1]))]
    if not DOC_NO.search(value):
        return [_finding('doc-no-form', f'发文字号 {value}: after the year comes the number without 第 or '
                         'padding zeros, then 号 (〔2026〕7号)', source, 'doc_no',
                         col=_value_col(source, 'doc_no', '〕'))]
    return []


def dates(source) -> list[Finding]:
    out = []
    for key in ('date', 'print_date'):
        value = source.meta.get(key)
        if value is None or isinstance(value, datetime.date):
            continue
        text = str(value).strip()
        date = parse_date(text)
        if date and ('年' not in text or text == f'{date.year}年{date.month}月{date.day}日'):
            continue  # 2026-01-05 is set as 2026年1月5日 by the template
        if re.search(r'(?<!\d)0\d', text):
            why = 'has padding zeros: write 2026年1月5日, not 2026年01月05日'
        else:
            why = 'is not a complete date: year in full, month and day, as 2026年1月5日'
        out.append(_finding('date-form', f'{key} {text} {why}', source, key,
                            col=_value_col(source, key, text)))
    return out


def _body_lines(source):
    """(file line, text) of the body, without code blocks, Markdown heading marks or list
    indentation."""
    fenced = False
    seen = set()
    for i, raw in enumerate(source.body.split('\n'), 1):
        if FENCE.match(raw):
            fenced = not fenced
            continue
        line = source.file_line(i)
        if fenced or not raw.strip() or line in seen:
            continue
        seen.add(line)
        yield line, re.sub(r'^\s*#+\s*', '', raw).strip(), raw.lstrip().startswith('#')


def raw_indent(source, line: int, lines: list[str] | None = None) -> bool:
    """An indented line: a nested list item or code, not the document's own numbering.
    `lines`: the file's lines, split once by a caller asking about many."""
    raw = (lines if lines is not None else source.text.split('\n'))[line - 1]
    return raw[:1] in (' ', '\t') and not raw.startswith('\u3000')


def numbering_sequence(source) -> list[Finding]:
    """一、二、三 and （一）（二） run on without gaps; a level opens at 1 under its parent
    and is not skipped (一、 then （1） with no （一） between)."""
    out: list[Finding] = []
    last: dict[int, int] = {}
    before: dict[int, int] = {}   # the count before the last heading without numbering
    deepest = 0
    lines = source.text.split('\n')   # once: per heading it was 2 s of a 700-page check
    for line, text, heading in _body_lines(source):
        if ATTACHMENT_LABEL.match(text):
            break  # attachments in the body number on their own
        found = numbering(text) if not raw_indent(source, line, lines) else None
        if found is None:
            if heading:  # a part without numbering (## 过去五年) starts the count afresh
                before = {**before, **last} if last else before
                last, deepest = {}, 0
            continue
        rank, value, token = found
        expected = last.get(rank, 0) + 1
        if not last and value == before.get(rank, 0) + 1:
            expected = value   # or a heading without numbering was a section of its own (## 段落)
        if deepest and rank > deepest + 1:
            out.append(_finding('numbering-sequence', f'{token} opens level {rank} under level {deepest}: '
                                f'a level is skipped', source, line=line, col=1))
        elif value != expected:
            out.append(_finding('numbering-sequence', f'{token} where number {expected} of its level was due',
                                source, line=line, col=1))
        last[rank] = value
        for deeper in [r for r in last if r > rank]:
            del last[deeper]
        deepest = rank
    return out


def attachments(source) -> list[Finding]:
    value = source.meta.get('attachments')
    items = [] if value is None else (value if isinstance(value, list) else [value])
    named = {}
    for n, item in enumerate(items, 1):
        title = str((item.get('title') if isinstance(item, dict) else item) or '').strip()
        named[n] = (title, isinstance(item, dict) and bool(item.get('file')))
    if not named:
        return []  # not a 公文 with 附件说明: an appendix of a report is its own business
    in_body: dict[int, int] = {}
    titles: dict[int, tuple[int, str]] = {}
    label = None
    for line, text, _ in _body_lines(source):
        m = ATTACHMENT_LABEL.match(text)
        if m:
            label = int(m.group(1) or 1)
            in_body[label] = line
        elif label is not None:
            titles[label] = (line, text)   # the line after 附件N is the attachment's title
            label = None
    out = []
    key_line = source.meta_line('attachments')
    for n, (title, has_file) in named.items():
        if not title:
            out.append(_finding('attachments-agree', f'附件 {n} has no title', source, line=key_line))
        elif title[-1] in '。，；：、.,;:':
            out.append(_finding('attachments-agree', f'附件 {n}: no punctuation after a title ({title})',
                                source, line=key_line))
        if in_body and not has_file and n not in in_body:
            out.append(_finding('attachments-agree', f'附件说明 names 附件{n} {title}, which is not attached',
                                source, line=key_line))
    for n, (line, title) in titles.items():
        if n in named and named[n][0] and title != named[n][0]:
            out.append(_finding('attachments-agree', f'附件{n} is titled {title} here, {named[n][0]} in 附件说明',
                                source, line=line, col=1))
    for n, line in in_body.items():
        if n not in named:
            out.append(_finding('attachments-agree', f'附件{n} is in the body but 附件说明 does not name it',
                                source, line=line, col=1))
    return out


def seal_files(source) -> list[Finding]:
    out = []
    folder = source.path.resolve().parent
    for name in as_list(source.meta.get('seal')):
        col = _value_col(source, 'seal', name)
        path = (folder / name).resolve()
        if re.match(r'^[a-z][a-z0-9+.-]*:', name, re.I) or not path.is_relative_to(folder):
            out.append(_finding('seal', f'seal {name} is outside the manuscript\'s folder', source, 'seal',
                                col=col))
        elif not path.is_file():
            out.append(_finding('seal', f'seal {name} not found', source, 'seal', col=col))
        elif not _readable_image(path):
            out.append(_finding('seal', f'seal {name} is not a readable PNG, JPEG or SVG image', source, 'seal',
                                col=col))
    return out


def _readable_image(path: Path) -> bool:
    if path.suffix.lower() == '.svg':
        import xml.etree.ElementTree as etree
        try:
            return etree.parse(path).getroot().tag.endswith('svg')
        except (etree.ParseError, OSError):
            return False
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as img:
            img.verify()
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False


def format_elements(source) -> list[Finding]:
    fmt = format_of(source.meta)
    return [_finding('format-elements', f'{key} is given but not printed: the {fmt} format has no place '
                     'for it (GB/T 9704 10.1: a 信函\'s 版记 has no 印发 line); leave it out', source, key,
                     col=_value_col(source, key, str(source.meta.get(key)).strip()))
            for key in NOT_PRINTED.get(fmt, ()) if source.meta.get(key)]


def lint(source) -> list[Finding]:
    return doc_no(source) + dates(source) + numbering_sequence(source) + attachments(source) \
        + seal_files(source) + format_elements(source)


# --- PDF --------------------------------------------------------------------------------

def colophon(source, pages: list[Page], pdf_path) -> list[Finding]:
    """The 版记 stands at the foot of the last page (its last rule on the type area's bottom
    edge), and that page is even."""
    meta = source.meta
    if not (meta.get('cc') or meta.get('printer') or meta.get('print_date')) or not pages:
        return []
    last = pages[-1]
    found = [(p, ln) for p in pages for ln in p.lines
             if ln.text.startswith('抄送') or ln.text.endswith('印发')]
    if not found:
        return [_finding('colophon-page', 'the 版记 (抄送, 印发) is not in the PDF', source,
                         'cc' if meta.get('cc') else 'printer')]
    out = []
    page, ln = found[-1]
    where = {'page': page.number, 'page_line': ln.number}
    if page.number != last.number:
        out.append(_finding('colophon-page', f'the 版记 is on page {page.number}, not on the last page '
                            f'({last.number})', source, 'cc', **where))
    elif last.number % 2:
        out.append(_finding('colophon-page', f'the 版记 is on page {last.number}, an odd page: the last page '
                            'of a 公文 printed both sides is even', source, 'cc', **where))
    bottom = _lowest_rule(pdf_path, page.number)
    area = page.area
    if area and bottom is not None and abs(bottom - area[3]) > 3:
        out.append(_finding('colophon-page', f'the 版记\'s last rule is {(area[3] - bottom) / MM:.1f} mm '
                            'above the foot of the type area', source, 'cc', **where))
    return out


def _lowest_rule(pdf_path, page_number: int) -> float | None:
    import pdfplumber
    with pdfplumber.open(str(pdf_path)) as pdf:
        page = pdf.pages[page_number - 1]
        # borders come as filled paths whose box is the bordered block's
        wide = [r for r in page.rects + page.lines if (r['x1'] - r['x0']) > 100]
        return max((r['bottom'] for r in wide), default=None)


def seal_pages(source, pages: list[Page], pdf_path) -> list[Finding]:
    """A seal is never set on a page alone (GB/T 9704 7.3.5.4): text must stand above it on
    its page, not only the signature and date it presses on."""
    if not as_list(source.meta.get('seal')):
        return []
    import pdfplumber
    out = []
    drawn = False
    signatures = set(as_list(source.meta.get('signature')))
    least = SEAL_MIN_WIDTH.get(format_of(source.meta), SEAL_MIN_WIDTH_DEFAULT)
    with pdfplumber.open(str(pdf_path)) as pdf:
        for page in pdf.pages:
            seals = [im for im in page.images if (im['x1'] - im['x0']) > least]
            if not seals:
                continue
            drawn = True
            top = min(im['top'] for im in seals)
            lines = pages[page.page_number - 1].body
            if not any(ln.base < top and ln.text not in signatures for ln in lines):
                first = next((ln for ln in lines if ln.base >= top), None)
                out.append(_finding('seal', 'the seal stands on a page without the body: keep the last '
                                    'lines of the body with it', source, 'seal', page=page.page_number,
                                    page_line=first.number if first else None))
    if not drawn:
        out.append(_finding('seal', 'the seal image is not in the PDF', source, 'seal'))
    return out


# The elements whose text the templates print, each item as it is written out; a 令's
# signer is its 签名章 when it has one.
PRINTED = ('copy_no', 'classification', 'urgency', 'issuer_mark', 'doc_no', 'signer', 'addressee',
           'signature', 'date', 'note', 'present', 'absent', 'attending', 'cc', 'printer', 'print_date')


def elements_printed(source, pages: list[Page]) -> list[Finding]:
    """Every element the front matter gives stands in the PDF, so that nothing of the
    manuscript is lost silently (what a format leaves out is `format-elements`'s)."""
    from ..elements import written_date
    meta = source.meta
    fmt = format_of(meta)
    skip = set(NOT_PRINTED.get(fmt, ()))
    if fmt == 'order' and as_list(meta.get('seal')):
        skip.add('signer')
    keys = [k for k in PRINTED if k not in skip and meta.get(k)]
    if not keys:
        return []
    # The lines check already read back from the PDF: no second reading of the file. The
    # body in reading order (a 附注 runs on down its column), and every line as it stands
    # on the page (the furniture the body leaves out).
    printed = re.sub(r'\s', '', ''.join(ln.text for page in pages for ln in page.body)
                     + ''.join(ln.text for page in pages for ln in page.lines))
    out = []
    for key in keys:
        for item in as_list(meta.get(key)):
            shown = written_date(item) if key in ('date', 'print_date') else item
            if re.sub(r'\s', '', shown).strip('（）()。') not in printed:
                out.append(_finding('element-not-printed', f'{key} {item} is not in the PDF', source, key,
                                    col=_value_col(source, key, item)))
    return out


def _visible_text(html: str) -> str:
    import html as html_lib
    text = re.sub(r'<(script|style)\b.*?</\1>|<head\b.*?</head>', '', html, flags=re.S | re.I)
    return re.sub(r'\s', '', html_lib.unescape(re.sub(r'<[^>]+>', '', text)))


def not_in_style(findings: list[Finding], source, html: str, style_name: str) -> list[Finding]:
    """Findings of elements the style's page never sets (the newspaper prints no 版头, seal
    or 版记 of a 公文 it carries) are one note of what the style leaves out, not errors:
    the element is not lost by the build, the house style has no place for it. An element
    the page does set (its text in the assembled page) and the PDF lacks stays an error."""
    from ..elements import written_date
    text = _visible_text(html)
    seals = [str(s) for s in as_list(source.meta.get('seal'))]
    left: list[str] = []
    keep = []
    for f in findings:
        key = _key_of(f)
        if f.rule == 'element-not-printed' and key:
            item = next((i for i in as_list(source.meta.get(key)) if f.message.startswith(f'{key} {i} ')), '')
            if key in ('date', 'print_date'):
                item = written_date(item)
            shown = re.sub(r'\s', '', str(item)).strip('（）()。')
            if not shown or shown in text:
                keep.append(f)
                continue
        elif f.rule == 'seal' and f.message.startswith('the seal image is not') and \
                not any(Path(s).name in html for s in seals):
            key = 'seal'
        elif f.rule == 'colophon-page' and f.message.startswith('the 版记') and '抄送' not in text and '印发' not in text:
            key = '版记'
        else:
            keep.append(f)
            continue
        if key not in left:
            left.append(key)
    listed = source.meta.get('attachments') or []
    titles = [a.get('title') for a in (listed if isinstance(listed, list) else [listed]) if isinstance(a, dict)]
    if any(t and re.sub(r'\s', '', str(t)) not in text for t in titles):
        left.append('attachments')
    if left:
        left.sort(key=lambda k: PRINTED.index(k) if k in PRINTED else len(PRINTED))
        first = findings[0] if findings else None
        keep.append(Finding('element-not-printed', 'info',
                            f'the {style_name} style does not print {", ".join(left)} of the front matter '
                            '(a 公文\'s 版头, seal, 版记 and attachments have no place on its page)',
                            path=str(source.path), line=first.line if first else None))
    return keep


def _key_of(f: Finding) -> str | None:
    key = f.message.split(' ', 1)[0]
    return key if key in PRINTED else None


def verify(source, pages: list[Page], pdf_path, html: str | None = None, style_name: str = '') -> list[Finding]:
    """The 版记, the seal and every front matter element on the page; with the assembled
    page `html`, what the style itself does not set is said once, as info (not_in_style)."""
    found = colophon(source, pages, pdf_path) + seal_pages(source, pages, pdf_path) \
        + elements_printed(source, pages)
    return not_in_style(found, source, html, style_name) if html else found
