"""Source reading: bytes → text, front matter, and plain-text manuscripts → Markdown.

Knows nothing of HTML or PDF. Everything downstream works on a `Source`, whose
`line_map` lets any later stage point back at a line of the file the user wrote.
"""
from __future__ import annotations

import codecs
import datetime
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import InputError

# Front matter keys, with what they mean; an unknown key is an input error that lists these.
FRONT_MATTER_KEYS = {
    'title': 'title, a string or a list of lines as they should be set',
    'subtitle': 'line(s) under the title, e.g. the date or the occasion',
    'author': 'author or issuing body (PDF metadata)',
    'date': 'date (PDF metadata)',
    'lang': 'language of the document, default zh-CN',
    'style': 'house style: a name in styles/ or a path to a .css file',
    'paragraphs': '"blank" (Markdown: blank lines separate paragraphs) or "lines" (every line is a paragraph)',
    'checks': 'rules of `typeset check` to switch off, e.g. {paragraph-end: off}',
    'keywords': 'PDF keywords',
}

HAN = r'\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f'
SENTENCE_END = '。！？；…”’）》」』】'
# Official heading numbering (GB/T 9704 7.3.3): 一、 （一） 1. （1）
HEADING_NUMBERING = [
    (re.compile(r'^[一二三四五六七八九十百]+、'), 2),
    (re.compile(r'^[（(][一二三四五六七八九十百]+[）)]'), 3),
    (re.compile(r'^\d{1,2}[.．](?!\d)'), 4),
    (re.compile(r'^[（(]\d{1,2}[）)]'), 5),
]
HEADING_MAX_CHARS = 40


@dataclass
class Source:
    path: Path
    text: str                 # the whole file, decoded, newlines normalised to \n
    encoding: str             # what was detected, e.g. 'utf-8', 'utf-8-sig', 'gb18030'
    meta: dict                # front matter
    body: str                 # Markdown, ready for the markup stage
    line_map: list[int]       # body line index (0-based) → file line number (1-based)
    kind: str                 # 'markdown' or 'text'
    notes: list[str] = field(default_factory=list)   # things to tell the user (encoding, mode)

    def meta_line(self, key: str) -> int | None:
        """File line (1-based) of a front matter key, or None."""
        lines = self.text.split('\n')
        if not lines or lines[0].strip() != '---':
            return None
        for i in range(1, len(lines)):
            if lines[i].strip() in ('---', '...'):
                return None
            if re.match(rf'{re.escape(key)}\s*:', lines[i]):
                return i + 1
        return None

    def file_line(self, body_line: int) -> int:
        """File line (1-based) of a body line (1-based)."""
        if 1 <= body_line <= len(self.line_map):
            return self.line_map[body_line - 1]
        return self.line_map[-1] if self.line_map else 1


# Formats people send instead of a manuscript: said by name, so the fix is obvious.
BINARY_FORMATS = [
    (b'PK\x03\x04', 'a ZIP archive (a .docx, .xlsx or .odt document is one): save it as plain text or Markdown'),
    (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', 'an old Word/Excel document (.doc/.xls): save it as plain text or Markdown'),
    (b'%PDF-', 'a PDF, not a manuscript'),
    (b'{\\rtf', 'an RTF document: save it as plain text or Markdown'),
    (b'\x89PNG\r\n\x1a\n', 'a PNG image, not a manuscript'),
    (b'\xff\xd8\xff', 'a JPEG image, not a manuscript'),
    (b'GIF8', 'a GIF image, not a manuscript'),
    (b'\x1f\x8b', 'a gzip archive, not a manuscript'),
    (b'\x7fELF', 'a program, not a manuscript'),
]
# A manuscript larger than this is refused before it is read: 5 MB (about 3,400 pages)
# builds in about a minute and 1 GB of memory; 32 MB would take most of an hour.
MAX_SOURCE_BYTES = 32 * 1024 * 1024
ENCODING_NOTES = {
    'utf-8-sig': 'read as UTF-8 (with a byte-order mark)',
    'utf-16': 'read as UTF-16 (byte-order mark)',
    'utf-32': 'read as UTF-32 (byte-order mark)',
    'gb18030': 'read as GB18030 (GBK/GB 2312): the text is Chinese and every byte decodes; '
               'save the file as UTF-8 to avoid the guess',
}
# Deeper than this, lists and quotes are a mistake (official documents use four levels),
# and far deeper the renderer would run out of stack.
MAX_NESTING = 30


def decode(data: bytes, path) -> tuple[str, str]:
    """Decode a manuscript; never guesses silently.

    UTF-8 (with or without BOM) and UTF-16/UTF-32 with BOM are certain. GB18030 (a
    superset of GBK and GB 2312, still the default of many office machines) is accepted
    only when the file is not damaged UTF-8 and the result reads as Chinese text; anything
    else is an error naming the first bad byte, its offset and its line.
    """
    if not data:
        raise InputError('the file is empty', path)
    for bom, encoding, name in ((codecs.BOM_UTF32_LE, 'utf-32', 'utf-32'),
                                (codecs.BOM_UTF32_BE, 'utf-32', 'utf-32'),
                                (codecs.BOM_UTF8, 'utf-8-sig', 'utf-8-sig'),
                                (codecs.BOM_UTF16_LE, 'utf-16', 'utf-16'),
                                (codecs.BOM_UTF16_BE, 'utf-16', 'utf-16')):
        if data.startswith(bom):
            return _strict(data, encoding, path), name
    for magic, what in BINARY_FORMATS:
        if data.startswith(magic):
            raise InputError(f'this is {what}', path)
    if b'\x00' in data:
        at = data.index(b'\x00')
        hint = ' (UTF-16 without a byte-order mark? save it as UTF-8)' if _looks_utf16(data) else ''
        raise InputError(f'this is a binary file, not text: NUL byte at offset {at}{hint}',
                         path, _line_of(data, at))
    try:
        return data.decode('utf-8'), 'utf-8'
    except UnicodeDecodeError as utf8_error:
        at = utf8_error.start
        if not _mostly_utf8(data):
            try:
                text = data.decode('gb18030')
            except UnicodeDecodeError:
                text = None
            if text is not None and _reads_as_chinese(text):
                return text, 'gb18030'
            if text is not None:
                why = ('not UTF-8; it would decode as GB18030 (GBK) but does not read as Chinese '
                       'text, so it is not guessed; save the file as UTF-8')
            else:
                why = 'the file is not UTF-8, UTF-16 or GB18030 (GBK) text; save it as UTF-8'
        else:
            why = 'the rest of the file is UTF-8, so this byte is damaged; fix or retype the character'
        raise InputError(f'cannot decode byte 0x{data[at]:02x} at offset {at}: {why}',
                         path, _line_of(data, at), _col_of(data, at)) from None


def _strict(data: bytes, encoding: str, path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        # Lines are counted in the decoded text before the bad bytes, so UTF-16 counts right.
        before = data[:e.start].decode(encoding, errors='replace')
        line = _count_lines(before)
        raise InputError(f'invalid {encoding.upper()} bytes at offset {e.start}: save the file as UTF-8',
                         path, line) from None


def _count_lines(text: str) -> int:
    return text.count('\n') + text.count('\r') - text.count('\r\n') + 1


def _line_of(data: bytes, offset: int) -> int:
    """Line (1-based) of a byte offset in an ASCII-compatible encoding; CR, LF and CRLF
    each end a line."""
    head = data[:offset]
    return head.count(b'\n') + head.count(b'\r') - head.count(b'\r\n') + 1


def _col_of(data: bytes, offset: int) -> int:
    """Column (1-based, in characters) of a byte offset, counting the line's valid text."""
    start = max(data.rfind(b'\n', 0, offset), data.rfind(b'\r', 0, offset)) + 1
    return len(data[start:offset].decode('utf-8', errors='replace')) + 1


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    return sample.count(b'\x00') > len(sample) // 4


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8: a UTF-8 file with a damaged byte,
    which GB18030 must not "rescue" into a page of wrong characters."""
    non_ascii = len(data.translate(None, bytes(range(0x80))))  # bytes ≥ 0x80
    if not non_ascii:
        return False
    text = data.decode('utf-8', errors='replace')
    valid = sum(len(c.encode('utf-8')) for c in text if ord(c) > 0x7f and c != '\ufffd')
    return valid >= 0.5 * non_ascii


def _reads_as_chinese(text: str) -> bool:
    """GB18030 decodes almost any byte string, so a successful decode proves nothing. Text
    really written in GBK is Chinese: most of its non-ASCII characters are Han, and
    nearly all are in GB 2312 (6,763 common Han characters and the usual symbols). A Windows-1252
    or Latin-1 file read as GB18030 gives rare characters outside GB 2312, and is refused."""
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return True
    han = sum(1 for c in non_ascii if re.match(f'[{HAN}]', c))
    common = sum(1 for c in non_ascii if _in_gb2312(c))
    # GB 2312 also has “”—…①② ×÷ and Greek, so only a third need be Han.
    return han / len(non_ascii) > 1 / 3 and common / len(non_ascii) > 0.9


def _in_gb2312(c: str) -> bool:
    try:
        c.encode('gb2312')
        return True
    except UnicodeEncodeError:
        return False


def read_source(path, *, kind: str | None = None) -> Source:
    """Read a manuscript (.md or .txt) into a `Source`."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError('no such file', path) from None
    except OSError as e:
        raise InputError(f'cannot read: {e.strerror}', path) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError('is a directory, not a manuscript', path)
    if not stat.S_ISREG(st.st_mode):
        raise InputError('is not a regular file (a device, pipe or socket), not a manuscript', path)
    if st.st_size > MAX_SOURCE_BYTES:
        raise InputError(f'the file is {st.st_size / 1024 / 1024:.0f} MB; manuscripts up to '
                         f'{MAX_SOURCE_BYTES // 1024 // 1024} MB can be set: split it', path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f'cannot read: {e.strerror}', path) from None
    text, encoding = decode(data, path)
    notes = []
    if encoding != 'utf-8':
        notes.append(f'{path}: {ENCODING_NOTES.get(encoding, "read as " + encoding)}')
    if '\r' in text:
        text = text.replace('\r\n', '\n').replace('\r', '\n')
    if not text.strip():
        raise InputError('the file has no text, only blank space', path)
    if kind is None:
        kind = 'text' if path.suffix.lower() in ('.txt', '.text') else 'markdown'
    meta, body_start = split_front_matter(text, path)
    lines = text.split('\n')[body_start:]
    first_line = body_start + 1
    if kind == 'markdown':
        check_nesting(lines, first_line, path)
    paragraphs = meta.get('paragraphs')
    if kind == 'text':
        body, line_map = text_to_markdown(lines, first_line, meta)
        notes.append(f'{path}: plain text: one paragraph per line, headings by numbering')
    elif paragraphs == 'lines' or (paragraphs is None and looks_line_per_paragraph(lines)):
        body, line_map = lines_to_paragraphs(lines, first_line)
        if paragraphs is None:
            notes.append(f'{path}: no blank lines between paragraphs: every line taken as a paragraph '
                         '(set `paragraphs: blank` in front matter to turn this off)')
    else:
        body, line_map = '\n'.join(lines), list(range(first_line, first_line + len(lines)))
    return Source(path=path, text=text, encoding=encoding, meta=meta, body=body,
                  line_map=line_map, kind=kind, notes=notes)


NESTING_MARKERS = re.compile(r'[ \t]*(?:>[ \t]?)+')
LIST_ITEM = re.compile(r'([ \t]*)(?:[-*+]|\d+[.)])[ \t]')


def check_nesting(lines: list[str], first_line: int, path) -> None:
    """Refuse quotes and lists nested deeper than MAX_NESTING, naming the line: deeper
    nesting is always a mistake, and much deeper would exhaust the renderer's stack."""
    for i, line in enumerate(lines):
        m = NESTING_MARKERS.match(line)
        quotes = m.group(0).count('>') if m else 0
        rest = line[m.end():] if m else line
        item = LIST_ITEM.match(rest)
        indent = len(item.group(1).expandtabs(4)) // 4 if item else 0
        if quotes + indent > MAX_NESTING:
            raise InputError(f'quotes and lists are nested {quotes + indent} deep here; at most '
                             f'{MAX_NESTING} levels can be set', path, first_line + i)


# What each front matter key may hold. Checked before anything uses the values, so a
# YAML alias bomb (a list of lists of … referring to each other) never gets expanded.
SCALAR = (str, int, float, bool, datetime.date)
LINES_KEYS = {'title', 'subtitle', 'keywords'}


def _check_value(key, value) -> str | None:
    """What is wrong with a front matter value, or None."""
    if key == 'checks':
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, SCALAR) for k, v in value.items()):
            return 'checks must be a mapping of rule names to on/off, e.g. {paragraph-end: off}'
        return None
    if isinstance(value, SCALAR) or value is None:
        return None
    if key in LINES_KEYS and isinstance(value, list) and all(isinstance(v, SCALAR) for v in value):
        return None
    if key in LINES_KEYS:
        return f'{key} must be text or a list of lines of text'
    return f'{key} must be text, not a {"list" if isinstance(value, list) else "mapping"}'


def split_front_matter(text: str, path) -> tuple[dict, int]:
    """YAML between a first line `---` and a closing `---` or `...`; returns (meta, body line index)."""
    lines = text.split('\n')
    if not lines or lines[0].strip() != '---':
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ('---', '...'):
            break
    else:
        raise InputError('front matter opened with --- on line 1 is never closed', path, 1)
    try:
        meta = yaml.safe_load('\n'.join(lines[1:end])) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, 'problem_mark', None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(e, 'problem', None) or str(e).split('\n')[0]
        raise InputError(f'front matter is not valid YAML: {problem}', path, line) from None
    if not isinstance(meta, dict):
        raise InputError('front matter must be a mapping of keys to values', path, 2)
    for key, value in meta.items():
        if key not in FRONT_MATTER_KEYS:
            known = ', '.join(FRONT_MATTER_KEYS)
            raise InputError(f'unknown front matter key {key!r}; known keys: {known}', path,
                             _key_line(lines, end, key))
        problem = _check_value(key, value)
        if problem:
            raise InputError(problem, path, _key_line(lines, end, key))
    if meta.get('paragraphs') not in (None, 'blank', 'lines'):
        raise InputError('paragraphs must be "blank" or "lines"', path, _key_line(lines, end, 'paragraphs'))
    return meta, end + 1


def _key_line(lines, end, key) -> int:
    for i in range(1, end):
        if re.match(rf'\s*{re.escape(str(key))}\s*:', lines[i]):
            return i + 1
    return 1


def looks_line_per_paragraph(lines: list[str]) -> bool:
    """Text pasted from Word or a web page: long lines, hardly any blank line between them.

    Hand-written Markdown separates paragraphs with blank lines; a manuscript whose lines
    average dozens of characters with almost no blank lines is one paragraph per line.
    """
    body = [ln for ln in lines if ln.strip()]
    if len(body) < 3:
        return False
    blank = sum(1 for ln in lines if not ln.strip())
    avg = sum(len(ln) for ln in body) / len(body)
    return blank < 0.1 * len(body) and avg > 40


def _is_block_markup(line: str) -> bool:
    return bool(re.match(r'\s*(#{1,6}\s|[-*+]\s|\d+\.\s|>|```|~~~|\||!!!|<)', line))


def lines_to_paragraphs(lines: list[str], first_line: int) -> tuple[str, list[int]]:
    """Markdown whose every line is a paragraph: separate them with blank lines."""
    out, line_map = [], []
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(('```', '~~~')):
            fenced = not fenced
        out.append(line)
        line_map.append(first_line + i)
        if not fenced and line.strip():
            out.append('')
            line_map.append(first_line + i)
    return '\n'.join(out), line_map


# Characters that Python-Markdown would read as markup anywhere in a line; all are in its
# backslash-escapable set. `<` and `&` become entities so raw HTML cannot sneak in.
MARKDOWN_INLINE = re.compile(r'([\\`*_\[\]!])')


def escape_markdown(text: str) -> str:
    """Plain text → Markdown that renders as exactly that text."""
    text = text.replace('&', '&amp;').replace('<', '&lt;')
    text = MARKDOWN_INLINE.sub(r'\\\1', text)
    m = re.match(r'^(\d+)\.', text)
    if m:
        return m.group(1) + '\\.' + text[m.end():]
    return re.sub(r'^([#>+\-])', r'\\\1', text)


HEADING_BULLETS = '●■◆▲★'


def numbered_or_bulleted(text: str) -> bool:
    """Whether a line opens with official numbering (一、 （一） 1. （1）) or a heading bullet."""
    s = text.strip()
    return bool(s) and (s[0] in HEADING_BULLETS or any(p.match(s) for p, _ in HEADING_NUMBERING))


def heading_level(line: str) -> int | None:
    """Heading level of a plain-text line, or None for a paragraph.

    A line is a heading when it carries official numbering or stands alone, short and
    without the closing punctuation of a sentence.
    """
    s = line.strip().replace('\u3000', ' ')
    if not s or len(s) > HEADING_MAX_CHARS or any(c in s for c in '。！？；'):
        return None
    for pattern, level in HEADING_NUMBERING:
        if pattern.match(s):
            return level
    if s[-1] in SENTENCE_END + '，、：,.;:':
        return None
    if s[0] in HEADING_BULLETS:
        return 3
    return 2


def text_to_markdown(lines: list[str], first_line: int, meta: dict) -> tuple[str, list[int]]:
    """A plain-text manuscript: each line a paragraph, the first line the title."""
    out, line_map = [], []
    title_done = bool(meta.get('title'))
    for i, raw in enumerate(lines):
        line = raw.strip(' \t\u3000')
        if not line:
            continue
        n = first_line + i
        text = escape_markdown(line)
        if not title_done:
            out.append('# ' + text)
            title_done = True
        else:
            level = heading_level(line)
            out.append(('#' * level + ' ' + text) if level else text)
        line_map.append(n)
        out.append('')
        line_map.append(n)
    return '\n'.join(out), line_map
