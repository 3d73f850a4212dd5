"""The text a reader will see, read out of a manuscript with the position of every character.

Markdown markup (emphasis marks, list markers, link targets, code, HTML) is taken out, so
that a rule looking at the neighbours of a character sees `。**切` as `。切`; things that
are not prose (code spans, URLs, footnote labels) become a boundary that no rule looks
across. Blocks are paragraphs as the reader sees them: a Markdown paragraph, a heading,
a list item, a table cell, or one line of a plain-text manuscript.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ..numbering import heading_level, numbered_or_bulleted
from ..source import Source


# A character that is not text: code, URLs, tags. Rules never look across it.
BOUNDARY = '\x00'
# Where a link's text begins or ends: not text either, but prose runs on across it.
LINK_EDGE = '\x01'


@dataclass
class Block:
    kind: str                 # title | heading | para | item | quote | cell | admonition
    chars: list[tuple[str, int, int]] = field(default_factory=list)   # (char, line, col)
    first_line: int = 0

    @property
    def text(self) -> str:
        return ''.join(c for c, _, _ in self.chars)

    def pos(self, i: int) -> tuple[int, int]:
        if not self.chars:
            return self.first_line, 1
        i = max(0, min(i, len(self.chars) - 1))
        return self.chars[i][1], self.chars[i][2]

    @property
    def display(self) -> bool:
        """A title, heading or a short line standing alone (a slogan, a signature, a
        date): spaces in it may be deliberate and it needs no closing punctuation."""
        if self.kind in ('title', 'heading'):
            return True
        text = self.text.replace(BOUNDARY, '').replace(LINK_EDGE, '').strip()
        if not text:
            return True
        if heading_level(text) is None:
            return False
        # A Markdown paragraph of a clause or two (…，…) is prose unless it is numbered
        # or marked like a heading; plain-text lines are judged as the build judges them.
        if self.kind == 'para' and re.search('[，、；]', text):
            return numbered_or_bulleted(text)
        return True


FENCE = re.compile(r'^\s{0,3}(`{3,}|~{3,})')
HR = re.compile(r'^\s{0,3}([-*_])(\s*\1){2,}\s*$')
ATX = re.compile(r'^\s{0,3}(#{1,6})(\s+|$)')
LIST = re.compile(r'^(\s*)([-*+]|\d{1,9}[.)])(\s+|$)')
TASK = re.compile(r'^\[[ xX]\]\s+')
QUOTE = re.compile(r'^\s{0,3}>\s?')
ADMONITION = re.compile(r'^!!!\s')
FOOTNOTE_DEF = re.compile(r'^\s{0,3}\[\^[^\]]+\]:\s*')
REF_DEF = re.compile(r'^\s{0,3}\[[^\]^][^\]]*\]:\s*\S+')
TABLE_SEP = re.compile(r'^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$')
SETEXT = re.compile(r'^\s{0,3}(=+|-+)\s*$')
HTML_BLOCK = re.compile(r'^\s{0,3}</?[A-Za-z][^>]*>\s*$')

# Inline things that are not prose, longest first.
INLINE = re.compile(r'''
    (?P<comment><!--.*?(?:-->|$))
  | (?P<autolink><(?:https?|ftp|mailto):[^>\s]*>)
  | (?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>)
  | (?P<image>!\[[^\]]*\]\([^)]*\))
  | (?P<footref>\[\^[^\]]+\])
  | (?P<linktail>\]\((?:[^()\s]|\([^)]*\))*(?:\s+"[^"]*")?\)|\]\[[^\]]*\])
  | (?P<url>(?:https?|ftp)://[^\s<>（）()，。；、“”]+|www\.[A-Za-z0-9.-]+\.[a-z]{2,}[^\s<>（）()，。；、“”]*)
  | (?P<entity>&(?:[A-Za-z]{2,8}|\#\d{2,6}|\#x[0-9A-Fa-f]{2,6});)
  | (?P<escape>\\[!-/:-@\[-`{-~])
  | (?P<code>`+)
  | (?P<emph>\*+|(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])|~~)
''', re.X)


def inline_chars(text: str, line: int, col0: int) -> list[tuple[str, int, int]]:
    """Characters of one line's inline content; `col0` is the 0-based column where
    `text` starts in the file line."""
    out: list[tuple[str, int, int]] = []
    i = 0
    n = len(text)
    while i < n:
        m = INLINE.search(text, i)
        end_plain = m.start() if m else n
        for k in range(i, end_plain):
            c = text[k]
            if c == '[' and (k + 1 < n):   # a link's opening bracket is markup
                if re.match(r'\[[^\]]*\](\(|\[)', text[k:]):
                    out.append((LINK_EDGE, line, col0 + k + 1))
                    continue
            out.append((c, line, col0 + k + 1))
        if not m:
            break
        kind = m.lastgroup
        if kind == 'code':
            ticks = m.group()
            close = text.find(ticks, m.end())
            if close < 0:
                # an unmatched backtick run is literal text
                for k in range(m.start(), m.end()):
                    out.append(('`', line, col0 + k + 1))
                i = m.end()
                continue
            out.append((BOUNDARY, line, col0 + m.start() + 1))
            i = close + len(ticks)
            continue
        if kind == 'escape':
            out.append((m.group()[1], line, col0 + m.start() + 2))
        elif kind == 'entity':
            out.append((html.unescape(m.group()), line, col0 + m.start() + 1))
        elif kind == 'emph':
            pass                                   # joins its neighbours
        elif kind == 'linktail':
            out.append((LINK_EDGE, line, col0 + m.start() + 1))   # the target goes
        else:
            out.append((BOUNDARY, line, col0 + m.start() + 1))
        i = m.end()
    return out


def blocks_of(source: Source) -> list[Block]:
    """The manuscript as blocks of reader-visible characters with their positions."""
    lines = source.text.split('\n')
    if source.kind == 'text':
        return _text_blocks(lines, source.body_start, source.meta)
    return _markdown_blocks(lines, source.body_start, source.paragraphs == 'lines')


def _text_blocks(lines: list[str], start: int, meta: dict) -> list[Block]:
    blocks = []
    title_done = bool(meta.get('title'))
    for idx in range(start, len(lines)):
        raw = lines[idx]
        if not raw.strip(' \t\u3000'):
            continue
        n = idx + 1
        chars = [(c, n, k + 1) for k, c in enumerate(raw)]
        # strip the indent and trailing blanks a manuscript may carry
        while chars and chars[0][0] in ' \t\u3000':
            chars.pop(0)
        while chars and chars[-1][0] in ' \t\u3000':
            chars.pop()
        if not title_done:
            kind, title_done = 'title', True
        else:
            kind = 'heading' if heading_level(raw) else 'para'
        blocks.append(Block(kind, chars, n))
    return blocks


def _markdown_blocks(lines: list[str], start: int, per_line: bool) -> list[Block]:
    blocks: list[Block] = []
    cur: Block | None = None
    fence: str | None = None
    in_comment = False
    in_admonition = False
    in_list = False
    prev_blank = True
    table_rows = _table_rows(lines, start)

    def close():
        nonlocal cur
        if cur is not None and cur.chars:
            blocks.append(cur)
        cur = None

    def add(kind: str, text: str, n: int, col0: int, new: bool = False):
        nonlocal cur
        if cur is None or new or cur.kind != kind or per_line:
            close()
            cur = Block(kind, [], n)
        chars = inline_chars(text, n, col0)
        # trailing blanks (spaces, U+3000, a hard break) are not text
        while chars and chars[-1][0] in ' \t\u3000':
            chars.pop()
        if cur.chars and chars:
            # a soft break: a space only between Latin words, nothing between Chinese
            prev, nxt = cur.chars[-1][0], chars[0][0]
            if prev.isascii() and nxt.isascii() and prev.isalnum() and nxt.isalnum():
                cur.chars.append((' ', n, col0))
        cur.chars.extend(chars)

    for idx in range(start, len(lines)):
        line = lines[idx]
        n = idx + 1
        if in_comment:
            if '-->' in line:
                in_comment = False
            continue
        if fence:
            if line.strip().startswith(fence):
                fence = None
            continue
        m = FENCE.match(line)
        if m:
            close()
            fence = m.group(1)[0] * 3
            continue
        if line.lstrip().startswith('<!--') and '-->' not in line:
            close()
            in_comment = True
            continue
        if not line.strip():
            close()
            prev_blank = True
            continue
        was_blank, prev_blank = prev_blank, False
        if idx in table_rows:
            close()
            if table_rows[idx] == 'sep':
                continue
            for cell, c0 in _cells(line):
                cur = Block('cell', [], n)
                add('cell', cell, n, c0)
                close()
            continue
        if HR.match(line) and was_blank:
            close()
            continue
        if SETEXT.match(line) and cur is not None and not was_blank:
            cur.kind = 'heading'
            close()
            continue
        if HTML_BLOCK.match(line):
            close()
            continue
        if REF_DEF.match(line) and not FOOTNOTE_DEF.match(line):
            close()
            continue
        if ADMONITION.match(line):
            close()
            in_admonition = True
            continue
        indent = len(line) - len(line.lstrip(' '))
        if in_admonition:
            if indent >= 4:
                body = line[4:]
                add('admonition', body.lstrip(), n, 4 + len(body) - len(body.lstrip()), new=was_blank)
                continue
            in_admonition = False
        m = ATX.match(line)
        if m:
            close()
            text = re.sub(r'\s+#+\s*$', '', line[m.end():])
            add('heading', text, n, m.end(), new=True)
            close()
            continue
        m = FOOTNOTE_DEF.match(line)
        if m:
            add('para', line[m.end():], n, m.end(), new=True)
            continue
        # blockquote markers, possibly nested, possibly inside a list
        q = 0
        rest, col0 = line, 0
        stripped = rest.lstrip(' ')
        while stripped.startswith('>'):
            q += 1
            col0 += len(rest) - len(stripped) + 1
            rest = stripped[1:]
            if rest.startswith(' '):
                rest, col0 = rest[1:], col0 + 1
            stripped = rest.lstrip(' ')
        kind = 'quote' if q else 'para'
        m = LIST.match(rest)
        if m:
            in_list = True
            text = rest[m.end():]
            c = col0 + m.end()
            t = TASK.match(text)
            if t:
                text, c = text[t.end():], c + t.end()
            add('item', text, n, c, new=True)
            continue
        if indent >= 4 and was_blank and not in_list and not q:
            close()              # an indented code block
            continue
        if in_list and (indent >= 2 or not was_blank) and not q:
            add('item', rest.lstrip(), n, col0 + len(rest) - len(rest.lstrip()), new=was_blank)
            continue
        in_list = False
        add(kind, rest.lstrip(' \t\u3000'), n, col0 + len(rest) - len(rest.lstrip(' \t\u3000')),
            new=was_blank)
    close()
    return blocks


def _table_rows(lines: list[str], start: int) -> dict[int, str]:
    rows: dict[int, str] = {}
    fence = None
    for i in range(start, len(lines)):
        line = lines[i]
        m = FENCE.match(line)
        if fence:
            if line.strip().startswith(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)[0] * 3
            continue
        if ('|' in line and TABLE_SEP.match(line) and '-' in line and i > start
                and '|' in lines[i - 1] and lines[i - 1].strip()):
            rows[i - 1] = 'row'
            rows[i] = 'sep'
            j = i + 1
            while j < len(lines) and lines[j].strip() and '|' in lines[j]:
                rows[j] = 'row'
                j += 1
    return rows


def _cells(line: str) -> list[tuple[str, int]]:
    out = []
    start = 0
    parts = re.split(r'(?<!\\)\|', line)
    for part in parts:
        lead = len(part) - len(part.lstrip())
        if part.strip():
            out.append((part.strip(), start + lead))
        start += len(part) + 1
    return out
