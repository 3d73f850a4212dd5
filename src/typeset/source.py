"""The manuscript as every later stage sees it: a `Source`, and the reading it shares.

Knows nothing of HTML or PDF. A reader per format (`readers/`) turns a file into a
`Source`; this module has what all of them share: reading the bytes safely, telling the
encoding (never guessed silently), and the front matter. Everything downstream works on
the `Source`, whose `line_map` lets any later stage point back at the file the user wrote.
"""
from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from . import frontmatter
from .chars import is_han
from .errors import InputError


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
    body_start: int = 0       # index of the first line after the front matter
    meta_lines: dict[str, int] = field(default_factory=dict)   # front matter key → file line
    paragraphs: str = 'blank'  # how the body was read: 'blank' (Markdown) or 'lines'
    # A manuscript made of Word paragraphs (a .docx): text line (index) → 第N段, 0 for none.
    paragraph_map: list[int] | None = None
    findings: list = field(default_factory=list)   # what the reader refused (linked images)

    def meta_line(self, key: str) -> int | None:
        """File line (1-based) of a front matter key, or None."""
        return self.meta_lines.get(key)

    def paragraph_of(self, line: int | None) -> int | None:
        """第N段 of a text line (1-based) of a manuscript read from Word paragraphs."""
        if not self.paragraph_map or not line or not 1 <= line <= len(self.paragraph_map):
            return None
        return self.paragraph_map[line - 1] or None

    def place(self, findings) -> None:
        """Findings in a Word manuscript are placed by paragraph (第N段) as well as by the
        line of its Markdown (`typeset convert`)."""
        for f in findings:
            if f.paragraph is None and f.path == str(self.path):
                f.paragraph = self.paragraph_of(f.line)

    def in_paragraphs(self, error: InputError) -> InputError:
        """An error placed on a line of a Word manuscript's Markdown, placed by 第N段."""
        paragraph = self.paragraph_of(error.line)
        if not paragraph:
            return error
        return InputError(f'第{paragraph}段: {error.message}', error.path)

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
    han = sum(1 for c in non_ascii if is_han(c))
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
    """Read a manuscript into a `Source`, with the reader of its format."""
    from . import limits
    from .readers import reader_for
    path = Path(path)
    source = reader_for(path, kind).read(path, read_bytes(path))
    try:
        limits.check(source)
    except InputError as e:
        raise source.in_paragraphs(e) from None
    return source


def read_bytes(path: Path) -> bytes:
    """The bytes of a manuscript: a regular file of a size that can be set."""
    # Opened once (non-blocking, so a FIFO cannot hold the build), checked on the
    # descriptor and read from it: the file checked is the file read.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError('no such file', path) from None
    except IsADirectoryError:
        raise InputError('is a directory, not a manuscript', path) from None
    except OSError as e:
        raise InputError(f'cannot read: {e.strerror}', path) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SOURCE_BYTES:
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError('is a directory, not a manuscript', path)
        if not stat.S_ISREG(st.st_mode):
            raise InputError('is not a regular file (a device, pipe or socket), not a manuscript', path)
        raise InputError(f'the file is {st.st_size / 1024 / 1024:.0f} MB; manuscripts up to '
                         f'{MAX_SOURCE_BYTES // 1024 // 1024} MB can be set: split it', path)
    with os.fdopen(fd, 'rb') as f:
        try:
            os.set_blocking(fd, True)
            return f.read(MAX_SOURCE_BYTES + 1)
        except OSError as e:
            raise InputError(f'cannot read: {e.strerror}', path) from None


def decode_text(path, data: bytes) -> tuple[str, str, list[str]]:
    """A text manuscript's bytes → (text with \n line ends, encoding, notes for the user)."""
    text, encoding = decode(data, path)
    notes = []
    if encoding != 'utf-8':
        notes.append(f'{path}: {ENCODING_NOTES.get(encoding, "read as " + encoding)}')
    if '\r' in text:
        text = text.replace('\r\n', '\n').replace('\r', '\n')
    if not text.strip():
        raise InputError('the file has no text, only blank space', path)
    return text, encoding, notes


def with_front_matter(path, text: str, encoding: str, notes: list[str], *, kind: str) -> Source:
    """A `Source` with its front matter read; the reader fills in the body."""
    front = frontmatter.split(text, path)
    return Source(path=Path(path), text=text, encoding=encoding, meta=front.meta, body='',
                  line_map=[], kind=kind, notes=notes, body_start=front.body_start,
                  meta_lines=front.lines)
