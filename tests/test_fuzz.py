"""Fuzzing the whole pipeline: random Markdown and awkward Unicode in, and out comes a PDF
or one clean InputError — never another exception, never a traceback.

The documents are small (the suite stays fast) but made of what breaks typesetters:
CJK Extension B, combining marks piled up, right-to-left text and bidi controls, emoji
and ZWJ sequences, control characters, very long lines, deep nesting of quotes, lists,
emphasis and raw HTML, stray Markdown punctuation, and links/images to anywhere; written
in UTF-8, UTF-16 or GB18030, with LF, CRLF or CR line endings.

Runs are derandomized so CI is stable; set TYPESET_FUZZ_EXAMPLES=500 (and optionally
TYPESET_FUZZ_RANDOM=1) to search further.
"""
from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import typeset
from typeset.errors import InputError

EXAMPLES = int(os.environ.get('TYPESET_FUZZ_EXAMPLES', '25'))
RANDOM = bool(os.environ.get('TYPESET_FUZZ_RANDOM'))


def ranges(*spans):
    return st.one_of(*[st.integers(a, b).map(chr) for a, b in spans])


CJK = ranges((0x4E00, 0x9FFF), (0x3000, 0x303F), (0xFF01, 0xFF5E))
EXT_B = ranges((0x20000, 0x2A6DF))
COMBINING = ranges((0x0300, 0x036F), (0x20D0, 0x20FF), (0x3099, 0x309A))
RTL = ranges((0x0590, 0x05FF), (0x0600, 0x06FF), (0x202A, 0x202E), (0x2066, 0x2069), (0x200E, 0x200F))
EMOJI = st.one_of(ranges((0x1F300, 0x1FAFF), (0x2600, 0x27BF), (0xFE0E, 0xFE0F), (0x1F3FB, 0x1F3FF)),
                  st.just('\U0001F468\u200D\U0001F469\u200D\U0001F467'), st.just('\U0001F1E8\U0001F1F3'))
CONTROL = ranges((0x01, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xFFF9, 0xFFFB),
                 (0xFFFE, 0xFFFF), (0xE000, 0xE010), (0x200B, 0x200D))
MARKUP = st.sampled_from(list('*_`[]()!#>-+|<>&\\~=:{}"\'') + ['&amp;', '&#0;', '&#x10FFFF;', '<br>', '**', '`'])
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
CHAR = st.one_of(CJK, CJK, CJK, EXT_B, COMBINING, RTL, EMOJI, CONTROL, MARKUP, ASCII, ASCII)
TEXT = st.lists(CHAR, min_size=1, max_size=40).map(''.join)

URL = st.sampled_from(['/etc/passwd', 'file:///etc/passwd', '../../../etc/shadow', 'http://127.0.0.1:9/x',
                       'https://www.gov.cn/', 'data:image/png;base64,iVBORw0KGgo=', '#anchor', 'x.png',
                       'javascript:alert(1)', '', ' ', '\u4e2d\u6587.png', '%00', 'file://server/share/x'])


@st.composite
def block(draw) -> str:
    kind = draw(st.sampled_from(['para', 'para', 'para', 'heading', 'list', 'quote', 'code', 'table',
                                 'html', 'emphasis', 'link', 'long', 'nest']))
    text = draw(TEXT)
    if kind == 'heading':
        return '#' * draw(st.integers(1, 7)) + ' ' + text
    if kind == 'list':
        depth = draw(st.integers(1, 12))
        marker = draw(st.sampled_from(['-', '*', '1.', '+']))
        return '\n'.join('    ' * i + f'{marker} {text}' for i in range(depth))
    if kind == 'quote':
        return '> ' * draw(st.integers(1, 40)) + text
    if kind == 'code':
        return f'```\n{text}\n```' if draw(st.booleans()) else f'    {text}'
    if kind == 'table':
        return f'| {text} | 乙 |\n|---|---|\n| 甲 | {draw(TEXT)} |'
    if kind == 'html':
        tag = draw(st.sampled_from(['div', 'span', 'p', 'table', 'sup', 'ruby', 'bdo dir="rtl"',
                                    'td', 'li', 'h1', 'svg', 'math', 'pre', 'style', 'script', 'img']))
        return f'<{tag}>{text}</{tag.split()[0]}>'
    if kind == 'emphasis':
        n = draw(st.integers(1, 60))
        mark = draw(st.sampled_from(['*', '**', '_', '~~', '[', '`']))
        return mark * n + text + mark[::-1].replace('[', ']') * n
    if kind == 'link':
        url = draw(URL)
        return draw(st.sampled_from([f'[{text}]({url})', f'![{text}]({url})', f'<img src="{url}" alt="{text}">',
                                     f'<a href="{url}">{text}</a>', f'<link rel="stylesheet" href="{url}">',
                                     f'<style>@import url("{url}");</style>{text}']))
    if kind == 'long':
        return draw(st.sampled_from(['中', 'a', '。', '\U00020000', 'ا', '—', ' ', '*'])) * draw(st.integers(500, 3000))
    if kind == 'nest':
        n = draw(st.integers(10, 300))
        tag = draw(st.sampled_from(['div', 'blockquote', 'span', 'ul><li', 'table><tr><td']))
        close = '</' + '></'.join(reversed([t.split()[0] for t in tag.split('><')])) + '>'
        return f'<{tag}>' * n + text + close * n
    return text


@st.composite
def manuscript(draw) -> tuple[bytes, str]:
    blocks = draw(st.lists(block(), min_size=1, max_size=6))
    text = '\n\n'.join(blocks) + '\n'
    if draw(st.booleans()):
        title = ''.join(c for c in draw(TEXT) if c.isprintable() and c not in '"\\')
        text = f'---\ntitle: "{title}"\n---\n' + text
    ending = draw(st.sampled_from(['\n', '\r\n', '\r']))
    text = text.replace('\n', ending)
    encoding = draw(st.sampled_from(['utf-8', 'utf-8', 'utf-8-sig', 'utf-16', 'gb18030']))
    try:
        data = text.encode(encoding, errors='surrogatepass')
    except UnicodeEncodeError:
        data = text.encode('utf-8', errors='surrogatepass')
    if draw(st.sampled_from([False] * 9 + [True])):  # now and then, damage a byte
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw(st.integers(0x80, 0xFF))]) + data[at + 1:]
    suffix = draw(st.sampled_from(['.md', '.md', '.txt']))
    return data, suffix


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(manuscript())
def test_any_manuscript_gives_a_pdf_or_a_clean_error(doc):
    data, suffix = doc
    with tempfile.TemporaryDirectory(prefix='typeset-fuzz-') as tmp:
        src = Path(tmp) / f'doc{suffix}'
        src.write_bytes(data)
        out = Path(tmp) / 'out' / 'doc.pdf'
        try:
            result = typeset.build(src, out)
        except InputError as e:
            event(f'InputError: {e.message[:40]}')
            message = str(e)
            assert message and '\n' not in message and 'Traceback' not in message
            assert not out.exists()
        else:
            event('PDF')
            assert result.pages >= 1
            assert out.read_bytes().startswith(b'%PDF-')
            assert all(f.severity in ('error', 'warning', 'info') for f in result.findings)
        leftovers = [p.name for p in (Path(tmp) / 'out').glob('*')] if (Path(tmp) / 'out').exists() else []
        assert leftovers in ([], ['doc.pdf'])


def test_encodings_used_by_the_fuzzer_round_trip():
    """A sanity check of the generator itself: what it writes, the reader can read."""
    text = '正文\U00020000\u0301 😀 שלום\n'
    assert text.encode('utf-16').startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
