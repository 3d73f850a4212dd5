"""The 公文's elements (GB/T 9704 sections 7–10): front matter → what the templates are given.

The layout of every element (版头, 署名 and seal, 附件说明, 附件, 版记) lives in the
templates (`templates/gongwen/`) and the style's CSS. This module only puts the values
in the shape the templates need: lists where one or several are allowed, dates written
out the way the standard writes them, and attachments read from their manuscripts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .errors import InputError
from .frontmatter import parse_date

def written_date(value) -> str:
    """A date as GB/T 9704 7.3.5.1 writes it: Arabic numerals, the year in full, month
    and day without padding zeros (2026年1月5日). A date the manuscript already writes
    with 年 is kept as written, and so is text that is not a date, so that `check` can
    point at it (front matter refuses a `date` that is not one)."""
    if value is None or value == '':
        return ''
    date = parse_date(value)
    if date is None or '年' in str(value):
        return str(value).strip()
    return f'{date.year}年{date.month}月{date.day}日'


def as_list(value) -> list[str]:
    """One value or a list of them, as a list of non-empty strings."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    return [str(v).strip() for v in items if str(v).strip()]


@dataclass
class Attachment:
    number: int          # 附件N; numbered only when there are several
    title: str
    file: str | None     # the manuscript it is set from, relative to the main one
    html: str = ''       # its body, when it has a file
    written: bool = False  # written in the main manuscript's body, label and title included
    listed: bool = True    # named in 附件说明


def attachments(meta: dict, source_path: Path, line: int | None, to_html) -> list[Attachment]:
    """The `attachments` key → the list the 附件说明 names, with each attachment that has
    a file read and converted (`to_html`: Markdown body → HTML). An attachment's file is
    a manuscript read like any resource (as `embed:` files are): inside the main
    manuscript's folder, never a shared one, regular, not hard-linked, of a size that can
    be set; anything else is refused."""
    from . import limits
    from .pipeline import manuscript_roots
    from .readers import reader_for
    from .sandbox import Unreadable, read_regular
    from .source import MAX_SOURCE_BYTES
    value = meta.get('attachments')
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    folder = source_path.resolve().parent
    roots = manuscript_roots(source_path)
    out = []
    for n, item in enumerate(items, 1):
        title, file = (item.get('title'), item.get('file')) if isinstance(item, dict) else (item, None)
        att = Attachment(n, str(title or '').strip(), str(file) if file else None)
        if att.file:
            path = folder / att.file
            if not path.resolve().is_relative_to(folder):
                raise InputError(f'attachment {att.file!r} is outside the manuscript\'s folder',
                                 source_path, line)
            try:
                real, data = read_regular(path, roots, limit=MAX_SOURCE_BYTES)
            except Unreadable as e:
                why = {'no such file': 'not found beside the manuscript',
                       'outside': 'beside a manuscript in a shared folder, which is not trusted'}
                raise InputError(f'attachment {att.file!r} {why.get(e.why, "cannot be read: " + e.why)}',
                                 source_path, line) from None
            attached = reader_for(real, None).read(real, data)
            try:
                limits.check(attached)
            except InputError as e:
                raise attached.in_paragraphs(e) from None
            att.html = to_html(attached.body)
        out.append(att)
    return out


def body_attachments(chunks: list[str], listed: int) -> list[Attachment]:
    """Attachments written in the body (from `附件N` on, as the markup stage splits them).
    They are set as written; 附件说明 lists them only when the front matter names them."""
    return [Attachment(listed + k + 1, '', None, chunk, written=True, listed=False)
            for k, chunk in enumerate(chunks)]


# The formats of GB/T 9704 (7 and 10) by their Chinese names too.
FORMATS = {'文件': 'document', '信函': 'letter', '命令': 'order', '令': 'order', '纪要': 'minutes'}


def format_of(meta: dict) -> str:
    value = str(meta.get('format') or 'document')
    return FORMATS.get(value, value)


def signed_by(offices: list[str], names: list[str], seals: list[str]) -> list[dict]:
    """A 令's signatures (GB/T 9704 7.3.5.3, 10.2): one line for each organ's 签发人, lead
    organ first: the office in full (`signature`), the name (`signer`), and the 签名章
    image (`seal`) pressed on the name."""
    count = max(len(offices), len(names), len(seals))
    padded = [items + [''] * (count - len(items)) for items in (offices, names, seals)]
    return [{'office': o, 'name': n, 'seal': s} for o, n, s in zip(*padded)]


POSITIONS = {'外侧': 'outer', '居中': 'centre', 'center': 'centre'}


def folio(value) -> str:
    """The page number as the value of a CSS `content` (the style's @page margin boxes
    read it as --folio): the first number of `第1页` is the page's, a second (`1/6`) the
    count of pages, the rest kept as written."""
    from .frontmatter import folio_none
    if value is None:
        return ''   # the style's own
    if folio_none(value):
        return 'none'
    parts = re.split(r'(\d+)', str(value))
    out = []
    for k, part in enumerate(parts):
        if k % 2:
            out.append('counter(page)' if k == 1 else 'counter(pages)')
        elif part:
            out.append('"' + part.replace('\\', '\\\\').replace('"', '\\"') + '"')
    return ' '.join(out)


def template_values(meta: dict, attachment_list: list[Attachment], body_html: str = '') -> dict:
    """The 公文's elements as the templates read them (`gongwen.*`); `body` is the body
    without the attachments written in it."""
    fmt = format_of(meta)
    issuers = as_list(meta.get('issuer'))
    mark = str(meta.get('issuer_mark') or '').strip()
    if fmt == 'minutes' and not mark and issuers:
        mark = issuers[0] + '纪要'
    elif fmt == 'order' and not mark and issuers:
        mark = issuers[0] + '令'
    note = str(meta.get('note') or '').strip()
    if note and not (note.startswith(('（', '(')) and note.endswith(('）', ')'))):
        note = f'（{note}）'
    signers = as_list(meta.get('signer'))
    signatures = as_list(meta.get('signature'))
    seals = as_list(meta.get('seal'))
    cc = '，'.join(as_list(meta.get('cc')))
    if cc and cc[-1] not in '。.':
        cc += '。'
    return {
        'body': Markup(body_html),
        'format': fmt,
        'copy_no': str(meta.get('copy_no') or '').strip(),
        'classification': str(meta.get('classification') or '').strip(),
        'urgency': str(meta.get('urgency') or '').strip(),
        'issuers': issuers,
        'mark': mark,
        'doc_no': str(meta.get('doc_no') or '').strip(),
        # a 令's 签发人 signs at the end (signed_by), not in the 版头
        'signers': [] if fmt == 'order' else signers,
        'addressee': str(meta.get('addressee') or '').strip(),
        'attachments': attachment_list,
        'attendance': [(label, '、'.join(as_list(meta.get(key))))
                       for key, label in (('present', '出席'), ('absent', '请假'), ('attending', '列席'))
                       if as_list(meta.get(key))],
        'signatures': signatures,
        'signed_by': signed_by(signatures, signers, seals) if fmt == 'order' else [],
        'date': written_date(meta.get('date')),
        'seals': seals,
        'note': note,
        'cc': cc,
        'printer': str(meta.get('printer') or '').strip(),
        'print_date': written_date(meta.get('print_date')),
        'folio': folio(meta.get('page_numbers')),
        'folio_position': POSITIONS.get(meta.get('page_number_position'),
                                        meta.get('page_number_position') or 'outer'),
    }
