"""The Word reader: a .docx becomes the Markdown manuscript typeset would set.

The document is read from its OOXML parts directly (see docx_package.py for why that is
safe), not through mammoth or python-docx: mammoth turns Word's list numbering into
HTML lists and so loses the 一、（一） labels a 公文 is structured by, reads linked
images from disk, and neither library reports tracked changes, comments or fields; what
typeset needs from a .docx is small and is all here.

The result is ordinary Markdown with front matter (`typeset convert` writes it out), so a
.docx builds exactly as its converted .md does, and every later stage is the one for
Markdown. Each Markdown line remembers the Word paragraph it came from, so findings are
placed as 第N段 (N counts the paragraphs that have text, tables' included, from 1).

Kept: paragraphs; headings (heading styles, outline levels, and official numbering typed
or numbered by Word, at the levels of numbering.py; a document with no heading style is
read as its plain text would be); Word's list numbers as the literal labels Word shows;
bold and italic (a bold lead sentence is the run-in lead sentence); tables with merged
cells; footnotes and endnotes; embedded pictures at Word's width; hyperlinks (judged by
the renderer's sandbox); the title (标题 style, or the first centred paragraph), and the
版头, 署名 and 成文日期 typed around the body, as front matter. Cleaned: indent spaces and
tabs, manual line breaks, fields (contents and index dropped, others as Word last showed
them), tracked changes (accepted), comments (dropped); the last three reported in notes.
"""
from __future__ import annotations

import base64
import html
import re
from collections import Counter
from dataclasses import dataclass, field

import yaml

from ..chars import CJK_PUNCT, JOINS_ACROSS_SOFT_BREAK
from ..errors import Finding, InputError
from ..frontmatter import parse_date
from ..numbering import heading_level, numbered_or_bulleted
from ..source import Source
from . import markdown as markdown_reader
from .docx_package import R, W, open_package
from .docx_styles import (SUBTITLE_NAMES, TITLE_NAMES, Numbering, num_pr, on, read_styles, val, w)

A = 'http://schemas.openxmlformats.org/drawingml/2006/main'
V = 'urn:schemas-microsoft-com:vml'
WP = 'http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing'
MC = 'http://schemas.openxmlformats.org/markup-compatibility/2006'
M = 'http://schemas.openxmlformats.org/officeDocument/2006/math'
# Tables inside tables inside tables … Word documents nest two or three deep.
MAX_TABLE_NESTING = 12
# Fields whose result is rebuilt by Word and means nothing once the text is set again:
# the table of contents and index entries. The others keep what Word last showed; page
# numbers among them are named in a note, since the PDF's pages are not Word's.
DROPPED_FIELDS = {'TOC', 'TOA', 'INDEX', 'XE', 'TC', 'RD', 'TA'}
PAGE_FIELDS = {'PAGE', 'NUMPAGES', 'SECTIONPAGES', 'PAGEREF'}
IMAGE_TYPES = [(b'\x89PNG\r\n\x1a\n', 'image/png'), (b'\xff\xd8\xff', 'image/jpeg'),
               (b'GIF87a', 'image/gif'), (b'GIF89a', 'image/gif'), (b'BM', 'image/bmp')]
BLANK = ' \t\u3000\u00a0\n'
WIDE = re.compile(f'[{JOINS_ACROSS_SOFT_BREAK}]')
MARKDOWN_INLINE = re.compile(r'([\\`*_\[\]!{}])')
LINE_START_MARKUP = re.compile(r'^(\d+)([.)])|^([#>+\-=|:~])')
# 发文字号 (国发〔2026〕1号): a line of the 版头, never part of the title.
DOCUMENT_NUMBER = re.compile(r'[〔\[［(（]\d{4}[〕\]］)）]\d+号')
DATE_LINE = re.compile(r'^[（(]?[\d〇零一二三四五六七八九十○Ｏ]+年[\d〇零一二三四五六七八九十○Ｏ]+月'
                       r'([\d〇零一二三四五六七八九十○Ｏ]+日)?[）)]?$')


def local(el) -> str:
    return el.tag.rsplit('}', 1)[-1]


@dataclass
class Special:
    """What stands in a paragraph but is no character: a note reference or an image."""
    kind: str        # 'note' | 'image' | 'link' | 'end-link'
    value: str
    width_mm: float = 0    # an image's width as Word shows it


@dataclass
class Para:
    cells: list = field(default_factory=list)   # (char or Special, bold, italic)
    style: str | None = None
    heading: int | None = None    # Word level (1-9) from the style or outline level
    center: bool = False
    aside: bool = False           # set right, or pushed right with tabs and spaces: a signature, a date
    label: str | None = None
    bullet: bool = False
    number: int = 0               # 第N段, 0 while empty

    def text(self) -> str:
        return ''.join(c for c, _, _ in self.cells if isinstance(c, str))


@dataclass
class Table:
    rows: list = field(default_factory=list)    # [(cells: [(blocks, colspan, rowspan)], header)]
    number: int = 0


@dataclass
class Field:
    kind: str = ''
    instr: str = ''
    result: bool = False


class Document:
    """One .docx read into paragraphs and tables, with what was found on the way."""

    def __init__(self, path, package):
        self.path, self.package = path, package
        self.part = package.main_part()
        self.rels = package.relationships(self.part)
        self.styles = read_styles(package.xml(self.related('styles', 'word/styles.xml')))
        self.numbering = Numbering(package.xml(self.related('numbering', 'word/numbering.xml')))
        self.notes_xml = {kind: self._notes(kind) for kind in ('footnote', 'endnote')}
        self.fields: list[Field] = []
        self.paragraphs = 0
        self.changes: Counter = Counter()
        self.comment_paras: list[Para] = []
        self.field_counts = {'dropped': Counter(), 'kept': Counter()}
        self.refused: list[tuple[Para, str]] = []
        self.skipped_images: Counter = Counter()
        self.left_out: Counter = Counter()   # what is not set, for a note
        self.note_defs: dict[str, list] = {}
        self.para: Para | None = None

    def related(self, kind: str, default: str) -> str:
        for rel in self.rels.values():
            if rel.type.endswith('/' + kind) and not rel.external:
                return rel.target
        return default

    def _notes(self, kind: str) -> dict[str, object]:
        root = self.package.xml(self.related(kind + 's', f'word/{kind}s.xml'))
        return {el.get(w('id'), ''): el for el in (root if root is not None else []) if local(el) == kind}

    # -- blocks ---------------------------------------------------------------------------

    def blocks(self, container, depth: int = 0) -> list:
        out = []
        for el in container:
            tag = local(el)
            if tag == 'p':
                para = self.paragraph(el)
                if para.cells:
                    out.append(para)
            elif tag == 'tbl':
                if depth + 1 > MAX_TABLE_NESTING:
                    raise InputError(f'tables are nested more than {MAX_TABLE_NESTING} deep: '
                                     'not a document that can be set', self.path)
                table = self.table(el, depth + 1)
                if table.rows:
                    out.append(table)
            elif tag in ('sdtContent', 'customXml', 'smartTag'):   # content controls, tags
                out.extend(self.blocks(el, depth))
            elif tag == 'sdt' and el.find(w('sdtContent')) is not None:
                out.extend(self.blocks(el.find(w('sdtContent')), depth))
            elif tag in ('ins', 'moveTo'):
                self.changes['insertions'] += 1
                out.extend(self.blocks(el, depth))
            elif tag in ('del', 'moveFrom'):
                self.changes['deletions'] += 1
            elif tag == 'altChunk':
                self.left_out['embedded document(s) (altChunk)'] += 1
        return out

    def paragraph(self, p) -> Para:
        ppr = p.find(w('pPr'))
        style = val(ppr.find(w('pStyle'))) if ppr is not None else None
        para = Para(style=style)
        self.para = para
        outline = val(ppr.find(w('outlineLvl'))) if ppr is not None else None
        para.heading = (int(outline) + 1 if outline and outline.isdigit() and int(outline) < 9
                        else self.styles.heading_level(style))
        jc = val(ppr.find(w('jc'))) if ppr is not None else None
        para.center = (jc == 'center') if jc else bool(self.styles.first(style, 'center'))
        if ppr is not None and ppr.find(w('rPr')) is not None:
            mark = ppr.find(w('rPr'))
            for kind in ('ins', 'del'):
                if mark.find(w(kind)) is not None:
                    self.changes['insertions' if kind == 'ins' else 'deletions'] += 1
        if ppr is not None and ppr.find(w('pPrChange')) is not None:
            self.changes['formatting'] += 1
        self.inline(p, para.cells, style)
        para.aside = jc in ('right', 'end') or pushed_right(para.cells)
        para.cells = strip_blank(para.cells)
        numbered = num_pr(ppr) or self.styles.first(style, 'num')
        if numbered and numbered[0] != '0' and para.cells:
            found = self.numbering.label(*numbered, style or self.styles.default_paragraph)
            if found:
                para.label, para.bullet = found
        if para.cells:
            self.paragraphs += 1
            para.number = self.paragraphs
        return para

    # -- runs -----------------------------------------------------------------------------

    def inline(self, container, out: list, style: str | None) -> None:
        for el in container:
            tag = local(el)
            if tag == 'r':
                self.run(el, out, style)
            elif tag == 'hyperlink':
                self.hyperlink(el, out, style)
            elif tag in ('smartTag', 'customXml', 'sdtContent', 'dir', 'bdo'):
                self.inline(el, out, style)
            elif tag == 'sdt':
                content = el.find(w('sdtContent'))
                if content is not None:
                    self.inline(content, out, style)
            elif tag in ('ins', 'moveTo'):
                self.changes['insertions'] += 1
                self.inline(el, out, style)
            elif tag in ('del', 'moveFrom'):
                self.changes['deletions'] += 1
            elif tag == 'fldSimple':
                kind = field_kind(el.get(w('instr'), ''))
                dropped = kind in DROPPED_FIELDS
                self.field_counts['dropped' if dropped else 'kept'][kind] += 1
                if not dropped:
                    self.inline(el, out, style)
            elif tag in ('oMath', 'oMathPara') and el.tag.startswith('{' + M):
                if self.emitting():
                    out.extend((c, False, False) for t in el.iter(f'{{{M}}}t') for c in (t.text or ''))
            elif tag == 'AlternateContent':
                choice = el.find(f'{{{MC}}}Choice')
                if choice is not None:
                    self.inline(choice, out, style)

    def hyperlink(self, el, out: list, style: str | None) -> None:
        """A link to outside the document stays a link: the renderer's sandbox, which never
        follows one, keeps it (the web, mail) or removes it with a finding (a file), exactly
        as for a Markdown manuscript. A link to a bookmark inside keeps its text only."""
        rel = self.rels.get(el.get(f'{{{R}}}id', ''))
        if rel is None or not rel.external or not rel.target.strip():
            self.inline(el, out, style)
            return
        start = len(out)
        self.inline(el, out, style)
        if len(out) > start:
            out.insert(start, (Special('link', rel.target.strip()), False, False))
            out.append((Special('end-link', ''), False, False))

    def run(self, r, out: list, style: str | None) -> None:
        rpr = r.find(w('rPr'))
        bold, italic, hidden = self.run_format(rpr, style)
        for el in r:
            tag = local(el)
            if tag == 'fldChar':
                self.field_char(el.get(w('fldCharType')))
            elif tag == 'instrText':
                if self.fields and not self.fields[-1].result:
                    self.fields[-1].instr += el.text or ''
            elif not self.emitting() or hidden:
                continue
            elif tag == 't':
                out.extend((c, bold, italic) for c in (el.text or ''))
            elif tag in ('tab', 'ptab'):
                out.append(('\t', bold, italic))
            elif tag in ('br', 'cr'):
                if el.get(w('type'), 'textWrapping') == 'textWrapping':
                    out.append(('\n', bold, italic))
            elif tag == 'noBreakHyphen':
                out.append(('-', bold, italic))
            elif tag == 'sym' and symbol(el):
                out.append((symbol(el), bold, italic))
            elif tag in ('footnoteReference', 'endnoteReference'):
                self.note_reference(tag[:-len('Reference')], el.get(w('id'), ''), out)
            elif tag in ('drawing', 'pict', 'object'):
                self.images(el, out)
                boxes = sum(1 for _ in el.iter(w('txbxContent')))
                if boxes:
                    self.left_out['text box(es)'] += boxes
            elif tag == 'commentReference':
                self.comment_paras.append(self.para)
            elif tag == 'AlternateContent':
                choice = el.find(f'{{{MC}}}Choice')
                if choice is not None:
                    fake = r.makeelement(r.tag, {})
                    fake.extend([rpr] if rpr is not None else [])
                    fake.extend(list(choice))
                    self.run(fake, out, style)

    def run_format(self, rpr, style) -> tuple[bool, bool, bool]:
        """Bold, italic, hidden: set on the run, else by its character style, else by the
        paragraph's style."""
        char_style = val(rpr.find(w('rStyle'))) if rpr is not None else None
        hidden = rpr is not None and bool(on(rpr.find(w('vanish'))))
        if rpr is not None and rpr.find(w('rPrChange')) is not None:
            self.changes['formatting'] += 1
        return (self._toggle(rpr, char_style, style, 'b', 'bold'),
                self._toggle(rpr, char_style, style, 'i', 'italic'), hidden)

    def _toggle(self, rpr, char_style, style, tag: str, attr: str) -> bool:
        direct = on(rpr.find(w(tag))) if rpr is not None else None
        if direct is not None:
            return direct
        if char_style:
            inherited = self.styles.first(char_style, attr)
            if inherited is not None:
                return inherited
        return bool(self.styles.first(style, attr))

    # -- fields, notes, images ------------------------------------------------------------

    def field_char(self, kind: str | None) -> None:
        if kind == 'begin':
            self.fields.append(Field())
        elif kind == 'separate' and self.fields:
            current = self.fields[-1]
            current.kind, current.result = field_kind(current.instr), True
        elif kind == 'end' and self.fields:
            current = self.fields.pop()
            name = current.kind or field_kind(current.instr)
            dropped = name in DROPPED_FIELDS or not current.result
            self.field_counts['dropped' if dropped else 'kept'][name] += 1

    def emitting(self) -> bool:
        """Text is set only in the results of fields that are kept, never in their codes."""
        return all(f.result and f.kind not in DROPPED_FIELDS for f in self.fields)

    def note_reference(self, kind: str, note_id: str, out: list) -> None:
        # The id is the file's own: only letters and digits go into the Markdown.
        key = kind[0] + re.sub(r'[^0-9A-Za-z]', '', note_id)[:12]
        if key not in self.note_defs:
            el = self.notes_xml[kind].get(note_id)
            if el is None:
                return
            saved_fields, saved_para, self.fields = self.fields, self.para, []
            cells = []
            for p in el.iter(w('p')):
                ppr = p.find(w('pPr'))
                part = []
                self.inline(p, part, val(ppr.find(w('pStyle'))) if ppr is not None else None)
                part = strip_blank(part)
                if cells and part:
                    cells.append(('\n', False, False))
                cells.extend(part)
            self.fields, self.para = saved_fields, saved_para
            self.note_defs[key] = join_breaks(cells)
        out.append((Special('note', key), False, False))

    def images(self, el, out: list) -> None:
        refs = [(b.get(f'{{{R}}}embed'), b.get(f'{{{R}}}link')) for b in el.iter(f'{{{A}}}blip')]
        refs += [(d.get(f'{{{R}}}id'), None) for d in el.iter(f'{{{V}}}imagedata')]
        if not refs and el.find(f'.//{{{W}}}txbxContent') is None:
            self.left_out['chart(s) or drawn shape(s)'] += 1
        for embed, link in refs:
            rel = self.rels.get(link or embed or '')
            if rel is None:
                continue
            if link or rel.external:
                self.refused.append((self.para, rel.target))
                continue
            uri = self.embedded_image(rel.target)
            if uri:
                out.append((Special('image', uri, shown_width(el)), False, False))
                return   # a drawing holds one picture (and maybe a VML fallback of it)

    def embedded_image(self, member: str) -> str | None:
        if not self.package.has(member):
            self.skipped_images['missing from the file'] += 1
            return None
        data = self.package.read(member)
        for magic, mime in IMAGE_TYPES:
            if data.startswith(magic):
                return f'data:{mime};base64,' + base64.b64encode(data).decode('ascii')
        ext = member.rsplit('.', 1)[-1].upper()
        self.skipped_images[f'{ext} (not a PNG, JPEG, GIF or BMP)'] += 1
        return None

    # -- tables ---------------------------------------------------------------------------

    def table(self, tbl, depth: int) -> Table:
        table = Table()
        origin: dict[int, list] = {}     # grid column → the cell a vertical merge continues
        for tr in rows_of(tbl):
            trpr = tr.find(w('trPr'))
            col = _int(val(trpr.find(w('gridBefore'))) if trpr is not None else None, 0)
            header = trpr is not None and on(trpr.find(w('tblHeader'))) is True
            cells = []
            for tc in tr.findall(w('tc')):
                tcpr = tc.find(w('tcPr'))
                span = max(1, _int(val(tcpr.find(w('gridSpan'))) if tcpr is not None else None, 1))
                merge = tcpr.find(w('vMerge')) if tcpr is not None else None
                if merge is not None and val(merge, 'continue') != 'restart' and col in origin:
                    origin[col][2] += 1
                    self.blocks(tc, depth)   # counted for tracked changes; its text is Word's hidden
                else:
                    cell = [self.blocks(tc, depth), span, 1]
                    cells.append(cell)
                    for c in range(col, col + span):
                        origin.pop(c, None)
                    if merge is not None:
                        origin[col] = cell
                col += span
            if cells:
                table.rows.append((cells, header))
        if not any(blocks for cells, _ in table.rows for blocks, _, _ in cells):
            table.rows = []
        return table


def rows_of(tbl):
    """A table's rows, also those Word wraps in a content control or custom XML."""
    for el in tbl:
        if local(el) == 'tr':
            yield el
        elif local(el) in ('sdt', 'sdtContent', 'customXml'):
            yield from rows_of(el)


def _int(value, default: int, most: int = 1000) -> int:
    try:
        return max(0, min(int(value), most))
    except (TypeError, ValueError):
        return default


def shown_width(drawing) -> float:
    """The width Word gives a picture (wp:extent, in EMU: 36,000 to the millimetre), or 0."""
    extent = drawing.find(f'.//{{{WP}}}extent')
    cx = _int(extent.get('cx') if extent is not None else None, 0, 36000 * 2000)
    return round(cx / 36000, 2)


def symbol(el) -> str:
    """The character of a <w:sym>, or '' for one in the private use area of a symbol
    font (Wingdings, Symbol), which no font of fonts/ has, or for a surrogate."""
    code = el.get(w('char'), '')
    if not re.fullmatch(r'[0-9A-Fa-f]{1,6}', code):
        return ''
    n = int(code, 16)
    ok = 0x20 <= n < 0xd800 or 0xe000 <= n < 0x110000 and not 0xe000 <= n < 0xf900
    return chr(n) if ok else ''


def field_kind(instr: str) -> str:
    words = instr.split()
    return words[0].upper().lstrip('\\') if words else ''


# --- cleaning --------------------------------------------------------------------------

def pushed_right(cells: list) -> bool:
    """Blank typed before the text, more than the two cells of a paragraph indent: a tab,
    or spaces to push a signature or date towards the right."""
    indent = cells[:len(cells) - len(strip_blank(cells, end=False))]
    return any(c == '\t' for c, _, _ in indent) or sum(2 if c == '\u3000' else 1 for c, _, _ in indent) > 4


def strip_blank(cells: list, *, end: bool = True) -> list:
    """Indent and trailing spaces, tabs and line breaks go: the style indents."""
    start, stop = 0, len(cells)
    while start < stop and isinstance(cells[start][0], str) and cells[start][0] in BLANK:
        start += 1
    while end and stop > start and isinstance(cells[stop - 1][0], str) and cells[stop - 1][0] in BLANK:
        stop -= 1
    return cells[start:stop]


def join_breaks(cells: list) -> list:
    """A manual line break or tab inside a paragraph: nothing between Chinese characters
    (a break there is no space), one space between Latin words, tabs (typed to push a
    signature or date to the right) one full-width space."""
    out = []
    for i, cell in enumerate(cells):
        c = cell[0]
        if c not in ('\n', '\t'):
            out.append(cell)
            continue
        if out and out[-1][0] in (' ', '\u3000'):
            continue
        before = out[-1][0] if out else ''
        after = next((x[0] for x in cells[i + 1:] if x[0] not in ('\n', '\t')), '')
        if c == '\t':
            if before and isinstance(before, str) and before not in CJK_PUNCT:
                out.append(('\u3000', cell[1], cell[2]))
        elif not (isinstance(before, str) and isinstance(after, str)
                  and (WIDE.match(before or ' ') or WIDE.match(after or ' '))):
            out.append((' ', cell[1], cell[2]))
    return out


# --- Markdown --------------------------------------------------------------------------

def escape(text: str) -> str:
    return MARKDOWN_INLINE.sub(r'\\\1', text.replace('&', '&amp;').replace('<', '&lt;'))


def inline_markdown(cells: list, *, formatting: bool = True) -> str:
    out, link = [], ''
    for chunk, bold, italic in groups(cells):
        if isinstance(chunk, Special):
            out.append(special_markdown(chunk, link))
            link = chunk.value if chunk.kind == 'link' else '' if chunk.kind == 'end-link' else link
            continue
        if not (formatting and (bold or italic)) or not chunk.strip():
            out.append(escape(chunk))
            continue
        core = chunk.strip(' \u3000')
        lead, trail = chunk[:len(chunk) - len(chunk.lstrip(' \u3000'))], chunk[len(chunk.rstrip(' \u3000')):]
        mark = '***' if bold and italic else '**' if bold else '*'
        out.append(f'{escape(lead)}{mark}{escape(core)}{mark}{escape(trail)}')
    text = ''.join(out)
    m = LINE_START_MARKUP.match(text)
    if m:   # 1. at a line start is a list, # a heading …: taken literally
        text = (m.group(1) + '\\' + m.group(2) if m.group(1) else '\\' + m.group(3)) + text[m.end():]
    return text


def special_markdown(chunk: Special, link: str) -> str:
    if chunk.kind == 'note':
        return f'[^{chunk.value}]'
    if chunk.kind == 'link':
        return '['
    if chunk.kind == 'end-link':   # <…> lets the target hold spaces and brackets
        return '](<' + link.replace('<', '%3C').replace('>', '%3E').replace('\n', '') + '>)'
    # An image as raw HTML: Python-Markdown reads ![](…) a character at a time, seconds
    # over the megabytes of a data: URL.
    return image_html(chunk)


def image_html(image: Special) -> str:
    size = f' style="width: {image.width_mm}mm"' if image.width_mm else ''
    return f'<img src="{image.value}" alt=""{size} />'


def inline_html(cells: list, left_out: Counter | None = None) -> str:
    out = []
    for chunk, bold, italic in groups(cells):
        if isinstance(chunk, Special):
            if chunk.kind == 'image':
                out.append(image_html(chunk))
            elif chunk.kind == 'link':
                out.append(f'<a href="{html.escape(chunk.value)}">')
            elif chunk.kind == 'end-link':
                out.append('</a>')
            elif left_out is not None:   # Markdown footnotes cannot be referred to from HTML
                left_out['footnote(s) in table cells'] += 1
            continue
        text = html.escape(chunk, quote=False)
        if italic:
            text = f'<em>{text}</em>'
        if bold:
            text = f'<strong>{text}</strong>'
        out.append(text)
    return ''.join(out)


def groups(cells: list):
    """Runs of characters of one formatting, and each Special on its own."""
    chunk, fmt = [], None
    for c, bold, italic in cells:
        if isinstance(c, Special):
            if chunk:
                yield ''.join(chunk), *fmt
                chunk = []
            yield c, False, False
            fmt = None
            continue
        if fmt != (bold, italic) and chunk:
            yield ''.join(chunk), *fmt
            chunk = []
        fmt = (bold, italic)
        chunk.append(c)
    if chunk:
        yield ''.join(chunk), *fmt


class Writer:
    """Paragraphs and tables → Markdown lines, each with the 段 it came from."""

    def __init__(self, document: Document):
        self.doc = document
        self.lines: list[str] = []
        self.paras: list[int] = []
        self.plain = False

    def emit(self, line: str, number: int) -> None:
        self.lines.append(line)
        self.paras.append(number)

    def write(self, blocks: list) -> tuple[str, list[int]]:
        # A document without heading styles keeps its structure in its text alone, as a
        # plain-text manuscript does: read its headings as the .txt reader would.
        self.plain = not any(isinstance(b, Para) and b.heading for b in blocks)
        meta, title_paras, rest = find_title(blocks, self.doc.styles, self.plain)
        closing, rest = closing_keys(rest)
        meta.update(closing)
        if meta:
            dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=False,
                                    width=1000)
            first = title_paras[0].number if title_paras else 0
            for line in ['---'] + dumped.rstrip('\n').split('\n') + ['---', '']:
                self.emit(line, first)
        for block in rest:
            if isinstance(block, Table):
                self.table(block)
            else:
                self.emit(self.paragraph(block), block.number)
            self.emit('', block.number)
        used = [key for key in self.doc.note_defs if any(f'[^{key}]' in ln for ln in self.lines)]
        for key in used:
            self.emit(f'[^{key}]: {inline_markdown(self.doc.note_defs[key]) or "　"}', 0)
        return '\n'.join(self.lines) + '\n', self.paras

    def paragraph(self, para: Para) -> str:
        cells = join_breaks(para.cells)
        if all(isinstance(c, Special) and c.kind == 'image' for c, _, _ in cells):
            # A picture on its own is a raw HTML block, which Python-Markdown stashes whole.
            return '<p>' + inline_html(cells) + '</p>'
        if para.label and not para.bullet:
            fmt = next(((b, i) for c, b, i in cells if isinstance(c, str)), (False, False))
            sep = '' if para.label[-1:] in '、.．）)：:' or not para.label else '\u3000'
            cells = [(c, *fmt) for c in para.label + sep] + cells
        if para.bullet:
            return '- ' + inline_markdown(cells)
        text = ''.join(c for c, _, _ in cells if isinstance(c, str))
        level = None
        if para.heading:
            numbered = numbered_or_bulleted(text) and heading_level(text)
            level = numbered or min(6, para.heading + 1)
        elif numbered_or_bulleted(text) or all_bold(cells) or (
                self.plain and not para.aside and not DATE_LINE.match(text) and not masthead(text)):
            level = heading_level(text)
        if level:
            return '#' * level + ' ' + inline_markdown(cells, formatting=False)
        return inline_markdown(cells)

    def table(self, table: Table) -> None:
        first = next((b.number for cells, _ in table.rows for bs, _, _ in cells for b in bs if b.number), 0)
        table.number = first
        self.emit('<table>', first)
        for cells, header in table.rows:
            tag = 'th' if header else 'td'
            row = []
            for blocks, colspan, rowspan in cells:
                attrs = (f' colspan="{colspan}"' if colspan > 1 else '') + \
                        (f' rowspan="{rowspan}"' if rowspan > 1 else '')
                row.append(f'<{tag}{attrs}>{self.cell(blocks)}</{tag}>')
            number = next((b.number for bs, _, _ in cells for b in bs if b.number), first)
            # A blank line after each row: Python-Markdown keeps the table one HTML block,
            # and the bound on tags per paragraph (limits.py) counts a row, not the table.
            self.emit('<tr>' + ''.join(row) + '</tr>', number)
            self.emit('', number)
        self.emit('</table>', first)

    def cell(self, blocks: list) -> str:
        parts = []
        for block in blocks:
            if isinstance(block, Table):
                nested = Writer(self.doc)
                nested.table(block)
                parts.append(''.join(nested.lines))
            else:
                cells = join_breaks(block.cells)
                label = [(c, False, False) for c in (block.label or '')]
                parts.append(inline_html(label + cells, self.doc.left_out))
        return '<br />'.join(parts)


def all_bold(cells: list) -> bool:
    chars = [b for c, b, _ in cells if isinstance(c, str) and c not in BLANK]
    return bool(chars) and all(chars)


def find_title(blocks: list, styles, plain: bool = False) -> tuple[dict, list[Para], list]:
    """The title: paragraphs in the 标题 (Title) style, or the first centred paragraph
    near the top, with the centred lines under it that read as its continuation or as a
    subtitle (a date, words in brackets); else, as in plain text, the first paragraph (in
    a document with heading styles, only when it stands alone like a heading)."""
    top = [b for b in blocks[:6] if isinstance(b, Para)]
    titled = [b for b in top if styles.name(b.style) in TITLE_NAMES]
    first = titled[0] if titled else next((b for b in top[:4] if b.center and not b.label
                                            and not masthead(b.text())), None)
    opening = top[0] if top and blocks[0] is top[0] else None
    if first is None and opening is not None and (plain or stands_alone(opening)):
        first = opening   # as in a plain-text manuscript, the first line
    if first is None:
        return {}, [], blocks
    at = blocks.index(first)
    title, subtitle, used = [first], [], [first]
    for block in blocks[at + 1:at + 4]:
        if not isinstance(block, Para):
            break
        text = block.text().strip()
        name = styles.name(block.style)
        if name in SUBTITLE_NAMES or (block.center and (DATE_LINE.match(text) or text[:1] in '（(—－')):
            subtitle.append(block)
        elif not subtitle and (name in TITLE_NAMES or (block.center and not titled and len(text) <= 40
                                                       and not any(c in text for c in '。！？；')
                                                       and not masthead(text))):
            title.append(block)
        else:
            break
        used.append(block)
    meta = {'title': [line for p in title for line in lines_of(p)]}
    if subtitle:
        meta['subtitle'] = [line for p in subtitle for line in lines_of(p)]
    for key in meta:
        if len(meta[key]) == 1:
            meta[key] = meta[key][0]
    meta.update(masthead_keys(blocks[:at], used))
    return meta, used, [b for b in blocks if b not in used]


def closing_keys(blocks: list) -> tuple[dict, list]:
    """The 署名 and 成文日期 a document ends with, set right (or pushed right with tabs and
    spaces) in Word, become the front matter the template sets them from (GB/T 9704
    7.3.5): the date alone, or the issuing organ over it."""
    paras = [b for b in blocks[-2:] if isinstance(b, Para) and b.aside and not b.label]
    last = paras[-1].text().strip(BLANK) if paras else ''
    date = parse_date(last) if '年' in last and last.endswith('日') else None
    if not date or paras[-1] is not blocks[-1]:
        return {}, blocks
    keys, used = {}, [paras[-1]]
    if len(paras) == 2 and paras[0] is blocks[-2]:
        name = paras[0].text().strip(BLANK)
        if len(name) <= 30 and not any(c in name for c in '。，：；！？'):
            keys['signature'] = name
            used.insert(0, paras[0])
    keys['date'] = date.isoformat()   # ISO for the PDF's metadata; set as 2026年1月5日
    return keys, [b for b in blocks if b not in used]


def masthead_keys(above_title: list, used: list) -> dict:
    """The 版头 typed above the title becomes the front matter the template sets it from:
    某某市人民政府文件 the 发文机关标志 (issuer_mark), 某府发〔2026〕3号 the 发文字号 (doc_no)."""
    keys = {}
    for block in above_title:
        text = block.text().strip(BLANK) if isinstance(block, Para) else ''
        if text.endswith('文件') and len(text) <= 40 and 'issuer_mark' not in keys:
            keys['issuer_mark'] = text
        elif DOCUMENT_NUMBER.search(text) and len(text) <= 40 and 'doc_no' not in keys:
            keys['doc_no'] = text
        else:
            continue
        used.append(block)
    return keys


def masthead(text: str) -> bool:
    """A line of the 版头 (某某市人民政府文件, 某府发〔2026〕1号), centred like a title."""
    text = text.strip(BLANK)
    return bool(DOCUMENT_NUMBER.search(text)) or text.endswith('文件')


def stands_alone(para: Para) -> bool:
    text = para.text().strip()
    return (not para.label and para.heading in (None, 1) and not numbered_or_bulleted(text)
            and heading_level(text) == 2)


def lines_of(para: Para) -> list[str]:
    """A title's lines: where the author broke it with manual line breaks."""
    text = ''.join(c if isinstance(c, str) else '' for c, _, _ in para.cells)
    return [ln.strip(BLANK) for ln in text.split('\n') if ln.strip(BLANK)]


# --- the reader ------------------------------------------------------------------------

def read(path, data: bytes) -> Source:
    package = open_package(path, data)
    document = Document(path, package)
    body = package.xml(document.part)
    container = body.find(w('body')) if body is not None else None
    if container is None:
        raise InputError(f'{document.part} has no document body: not a Word document', path)
    blocks = document.blocks(container)
    if not blocks:
        raise InputError('the document has no text', path)
    text, paragraph_map = Writer(document).write(blocks)
    source = markdown_reader.read(path, text.encode('utf-8'))
    source.paragraph_map = paragraph_map
    source.findings = refused_findings(document, source)
    source.notes = package.notes + reports(document) + source.notes
    return source


def refused_findings(document: Document, source: Source) -> list[Finding]:
    findings = []
    for para, target in document.refused:
        number = para.number if para is not None else 0
        line = next((i + 1 for i, n in enumerate(source.paragraph_map) if n == number), None)
        findings.append(Finding('resource-outside-project', 'error',
                                f'linked image refused, not read: {target} (only images embedded in '
                                'the .docx are set; insert the picture itself)',
                                path=str(source.path), line=line, paragraph=number or None,
                                extra={'url': target, 'what': 'linked image'}))
    return findings


def reports(document: Document) -> list[str]:
    """One note each for what the reading changed: tracked changes, comments, fields."""
    path, notes = document.path, []
    if document.changes:
        what = ', '.join(f'{n} {k}' for k, n in document.changes.items())
        notes.append(f'{path}: tracked changes accepted ({what}): the text is the one Word shows '
                     'after "Accept All Changes"')
    root = document.package.xml(document.related('comments', 'word/comments.xml'))
    comments = (len(root) if root is not None else 0) or len(document.comment_paras)
    if comments:
        where = sorted({p.number for p in document.comment_paras if p is not None and p.number})
        at = ' at ' + ', '.join(f'第{n}段' for n in where[:10]) if where else ''
        notes.append(f'{path}: {comments} comment(s) dropped{at}')
    dropped = document.field_counts['dropped']
    if dropped:
        notes.append(f'{path}: fields dropped: ' + ', '.join(f'{k or "?"} ×{n}' for k, n in dropped.items())
                     + ' (a table of contents or index is not set from Word)')
    pages = {k: n for k, n in document.field_counts['kept'].items() if k in PAGE_FIELDS}
    if pages:
        notes.append(f'{path}: page number fields kept as Word last showed them: '
                     + ', '.join(f'{k} ×{n}' for k, n in pages.items()) + ': the PDF\'s pages may differ')
    for what, n in document.skipped_images.items():
        notes.append(f'{path}: {n} image(s) not set: {what}')
    for what, n in document.left_out.items():
        notes.append(f'{path}: {n} {what} not set')
    if document.fields:
        notes.append(f'{path}: a field (Word\'s {{…}} codes) is opened and never closed: '
                     'text after it may be missing; update the fields in Word and save again')
    return notes
