"""Source reading: bytes → text, front matter, and plain-text manuscripts → Markdown.

Knows nothing of HTML or PDF. Everything downstream works on a `Source`, whose
`line_map` lets any later stage point back at a line of the file the user wrote.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
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

    def file_line(self, body_line: int) -> int:
        """File line (1-based) of a body line (1-based)."""
        if 1 <= body_line <= len(self.line_map):
            return self.line_map[body_line - 1]
        return self.line_map[-1] if self.line_map else 1


def decode(data: bytes, path) -> tuple[str, str]:
    """Decode a manuscript; never guesses silently.

    UTF-8 (with or without BOM) and UTF-16 with BOM are certain. GB18030 (a superset of
    GBK and GB 2312, still the default of many office machines) is accepted only when the
    result reads as Chinese text; anything else is an error naming the first bad byte.
    """
    if not data:
        raise InputError('the file is empty', path)
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], 'utf-8', path), 'utf-8-sig'
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, 'utf-16', path), 'utf-16'
    if b'\x00' in data:
        raise InputError('this is a binary file, not text (it contains NUL bytes)',
                         path, _line_of(data, data.index(b'\x00')))
    try:
        return data.decode('utf-8'), 'utf-8'
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode('gb18030')
        except UnicodeDecodeError:
            text = None
        if text is not None and _reads_as_chinese(text):
            return text, 'gb18030'
        at = utf8_error.start
        raise InputError(
            f'cannot decode byte 0x{data[at]:02x} at offset {at}: not UTF-8, UTF-16 or GB18030 text',
            path, _line_of(data, at)) from None


def _strict(data: bytes, encoding: str, path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f'invalid {encoding} byte at offset {e.start}', path,
                         _line_of(data, e.start)) from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b'\n', 0, offset) + 1


def _reads_as_chinese(text: str) -> bool:
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return True
    han = sum(1 for c in non_ascii if re.match(f'[{HAN}\u3000-\u303f\uff00-\uffef]', c))
    return han / len(non_ascii) > 0.9


def read_source(path, *, kind: str | None = None) -> Source:
    """Read a manuscript (.md or .txt) into a `Source`."""
    path = Path(path)
    if path.is_dir():
        raise InputError('is a directory, not a manuscript', path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError('no such file', path) from None
    except OSError as e:
        raise InputError(f'cannot read: {e.strerror}', path) from None
    text, encoding = decode(data, path)
    notes = []
    if encoding != 'utf-8':
        notes.append(f'{path}: read as {encoding}')
    if '\r' in text:
        text = text.replace('\r\n', '\n').replace('\r', '\n')
    if kind is None:
        kind = 'text' if path.suffix.lower() in ('.txt', '.text') else 'markdown'
    meta, body_start = split_front_matter(text, path)
    lines = text.split('\n')[body_start:]
    first_line = body_start + 1
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
    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            known = ', '.join(FRONT_MATTER_KEYS)
            raise InputError(f'unknown front matter key {key!r}; known keys: {known}', path,
                             _key_line(lines, end, key))
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
    if s[0] in '●■◆▲★':
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


def char_name(ch: str) -> str:
    return unicodedata.name(ch, f'U+{ord(ch):04X}')
