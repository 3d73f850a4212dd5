"""Source rules: the Chinese typography mistakes a proofreader hunts for in a manuscript.

Each rule reads the reader-visible text (`text.blocks_of`), never code, URLs or markup,
and reports a `Finding` at `file:line:col`. A rule is switched off for one document in
front matter: `checks: {paragraph-end: off}` (or a list of rule ids).
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from ..errors import Finding
from ..source import Source
from ..chars import CJK_PUNCT, MID_SENTENCE, PAIRS, is_han
from ..chars import PARAGRAPH_END as PARA_END
from .text import BOUNDARY, LINK_EDGE, Block, blocks_of

OPENERS = PAIRS
CLOSERS = {v: k for k, v in OPENERS.items()}
# A character and its full-width form, used side by side (`6+X` here, `6＋X` there).
WIDTH_PAIRS = [('+', '＋'), ('-', '－'), ('%', '％'), ('&', '＆'), ('#', '＃'), ('@', '＠'),
               ('=', '＝'), ('/', '／'), ('~', '～'), ('$', '＄'), ('<', '＜'), ('>', '＞')]
FULLWIDTH_ALNUM = re.compile(r'[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+')
HALFWIDTH_ALNUM = re.compile(r'[0-9A-Za-z]')


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    description: str
    run: Callable[[list[Block], str], Iterable[Finding]]


def _f(rule: str, severity: str, message: str, path: str, block: Block, i: int) -> Finding:
    line, col = block.pos(i)
    return Finding(rule, severity, message, path=path, line=line, col=col)


def _chinese(c: str) -> bool:
    return is_han(c) or c in CJK_PUNCT


# --- rules ---------------------------------------------------------------------------

def halfwidth_punct(blocks, path):
    """Half-width , . ; : ? ! ( ) between Chinese characters."""
    for b in blocks:
        t = b.text
        n = len(t)
        for i, c in enumerate(t):
            if c in ',;:?!.':
                if c == '.' and ((i + 1 < n and t[i + 1] == '.') or (i and t[i - 1] == '.')):
                    continue                      # an ellipsis: another rule
                left = t[i - 1] if i else ''
                j = i + 1
                while j < n and t[j] == ' ':
                    j += 1
                right = t[j] if j < n else ''
                if not (is_han(left) or left in '”’）》」』】'):
                    continue
                if is_han(right) or right in '“‘（《「『【' or (c in '?!' and right == ''):
                    yield _f('halfwidth-punct', 'error',
                             f'half-width {c!r} in Chinese text: use {_FULL[c]}', path, b, i)
        # parentheses: a half-width pair around Chinese text
        stack = []
        for i, c in enumerate(t):
            if c == '(':
                stack.append(i)
            elif c == ')' and stack:
                o = stack.pop()
                inner = t[o + 1:i]
                outside = (t[o - 1] if o else '', t[i + 1] if i + 1 < n else '')
                if any(is_han(x) for x in inner) or (is_han(outside[0]) and is_han(outside[1])):
                    yield _f('halfwidth-punct', 'error',
                             'half-width parentheses ( ) around Chinese text: use （ ）', path, b, o)


_FULL = {',': '，', '.': '。', ';': '；', ':': '：', '?': '？', '!': '！'}


def unpaired_mark(blocks, path):
    """Unpaired or mis-nested “” ‘’ 《》 （） 【】 「」."""
    for k, b in enumerate(blocks):
        t = b.text
        stack: list[int] = []
        for i, c in enumerate(t):
            if c in OPENERS:
                stack.append(i)
            elif c in CLOSERS:
                if c == '’' and i and t[i - 1].isascii() and t[i - 1].isalpha():
                    continue                       # an apostrophe: it’s
                if stack and t[stack[-1]] == CLOSERS[c]:
                    stack.pop()
                    continue
                if any(t[o] == CLOSERS[c] for o in stack):
                    # closes an outer mark while an inner one is open: mis-nested
                    inner = stack[-1]
                    yield _f('unpaired-mark', 'error',
                             f'{c} closes {CLOSERS[c]} while {t[inner]} (col {b.pos(inner)[1]}) is still open: '
                             'marks are mis-nested', path, b, i)
                    while stack and t[stack[-1]] != CLOSERS[c]:
                        stack.pop()
                    stack.pop()
                    continue
                if c == '）' and re.fullmatch(r'[\s\dA-Za-z一二三四五六七八九十]{1,3}', t[:i]):
                    continue                       # numbering: 1）
                yield _f('unpaired-mark', 'error', f'closing {c} without an opening {CLOSERS[c]}',
                         path, b, i)
        nxt = blocks[k + 1].text.lstrip() if k + 1 < len(blocks) else ''
        for o in stack:
            if t[o] in '“‘「『' and nxt[:1] == t[o]:
                continue       # a quotation that runs on into the next paragraph
            yield _f('unpaired-mark', 'error', f'{t[o]} is never closed (no {OPENERS[t[o]]} in this paragraph)',
                     path, b, o)


def doubled_mark(blocks, path):
    """The same mark typed twice: 。。 ，， 、、."""
    for b in blocks:
        for m in re.finditer(r'([，、；：])\1+|(?<!。)。。(?!。)|([,;])\2+', b.text):
            yield _f('doubled-mark', 'error', f'doubled mark {m.group()}', path, b, m.start())


# A space after 第一条 / 第三章 is the way laws and regulations set their articles.
ARTICLE = re.compile(r'^第[一二三四五六七八九十百千零〇\d]+[条章节款编部分]+[ \u3000]')
# A quoted slogan or name of two phrases (“才聚江西 智荟赣鄱”): the space is deliberate.
SLOGAN = re.compile(r'“[^“”，。、；：？！,.;:?!]*”')
# A byline after the last sentence (…作报告。本报记者 林 君摄): names are spaced on purpose.
SENTENCE_STOP = re.compile(r'[。！？]')


def byline_start(text: str) -> int | None:
    """Where a trailing byline or credit begins, if the paragraph ends with one."""
    stops = [m.end() for m in SENTENCE_STOP.finditer(text)]
    if not stops or stops[-1] >= len(text):
        return None
    tail = text[stops[-1]:]
    if len(tail) <= 16 and ' ' in tail.strip() and not re.search(r'[，、；：,;:“”（）]', tail):
        return stops[-1]
    return None


def space_between_han(blocks, path):
    """A space between two Chinese characters in running text."""
    for b in blocks:
        if b.display:
            continue
        t = b.text
        skip = set()
        m = ARTICLE.match(t)
        if m:
            skip.add(m.end() - 1)
        for m in SLOGAN.finditer(t):
            skip.update(range(m.start(), m.end()))
        by = byline_start(t)
        if by is not None:
            skip.update(range(by, len(t)))
        for m in re.finditer(r'[ \t\u3000]+', t):
            i, j = m.start(), m.end()
            if i in skip:
                continue
            if i and j < len(t) and is_han(t[i - 1]) and is_han(t[j]):
                what = 'an ideographic space' if '\u3000' in m.group() else 'a space'
                yield _f('space-between-han', 'error',
                         f'{what} between {b.text[i - 1]} and {b.text[j]}', path, b, i)


def paragraph_end(blocks, path):
    """A paragraph that stops without closing punctuation, or in mid-sentence."""
    for b in blocks:
        if b.kind not in ('para', 'quote') or b.display:
            continue
        t = b.text.rstrip(' \t\u3000')
        if not t:
            continue
        last = t[-1]
        if last in (BOUNDARY, LINK_EDGE) or last in PARA_END or byline_start(t) is not None:
            continue
        if not any(_chinese(c) for c in t):
            continue                               # not Chinese prose
        i = len(t) - 1
        if last in MID_SENTENCE:
            msg = f'paragraph stops in mid-sentence, on {last}: is it cut in two?'
        elif is_han(last) or last.isalnum():
            tail = t[-8:].replace(BOUNDARY, '')
            msg = f'paragraph ends without closing punctuation (…{tail}): is it cut in two?'
        else:
            continue
        yield _f('paragraph-end', 'error', msg, path, b, i)


def fullwidth_alnum(blocks, path):
    """Full-width digits or Latin letters (１２３, ＡＢ) where half-width ones are used too."""
    half = any(HALFWIDTH_ALNUM.search(b.text) for b in blocks)
    if not half:
        return
    for b in blocks:
        for m in FULLWIDTH_ALNUM.finditer(b.text):
            want = ''.join(chr(ord(c) - 0xFEE0) for c in m.group())
            yield _f('fullwidth-alnum', 'error',
                     f'full-width {m.group()} among half-width digits and letters: use {want}', path, b, m.start())


def ellipsis_form(blocks, path):
    """`...` or `。。。` (or a lone …) for the ellipsis ……."""
    for b in blocks:
        t = b.text
        for m in re.finditer(r'\.{3,}|。{3,}|(?<!…)…(?!…)|…{3,}', t):
            s = m.group()
            left = t[m.start() - 1] if m.start() else ''
            right = t[m.end()] if m.end() < len(t) else ''
            if s[0] == '.' and not (_chinese(left) or _chinese(right)):
                continue                           # English text
            if s == '…' and not (_chinese(left) and _chinese(right)):
                continue
            yield _f('ellipsis-form', 'error', f'{s} for the ellipsis: use ……', path, b, m.start())


def dash_form(blocks, path):
    """A single —, or -- or 一一, for the dash ——."""
    for b in blocks:
        t = b.text
        n = len(t)
        for m in re.finditer(r'(?<!—)—(?!—)|(?<![-A-Za-z0-9_])--(?![-A-Za-z0-9_>])|一一', t):
            s = m.group()
            i, j = m.start(), m.end()
            left = t[i - 1] if i else ''
            right = t[j] if j < n else ''
            at_start = not t[:i].strip()
            if s == '—':
                # a single 一字线 between two terms is the connector of GB/T 15834 (北京—上海)
                if not (at_start or left == ' ' or right == ' ' or right == '' or
                        left in CJK_PUNCT or right in CJK_PUNCT):
                    continue
            elif s == '--':
                if not (_chinese(left) or _chinese(right) or at_start):
                    continue
            else:
                # 一一 is also a word (一一对应); only where a dash stands it is one
                if not (at_start or right in '“”，。：；' or left in '”。：' or right == ''):
                    continue
            yield _f('dash-form', 'error', f'{s} for the dash: use ——', path, b, i)


def mixed_width(blocks, path):
    """A character used in both its half-width and full-width form in one document."""
    # Compared only within one kind of context: `/` in a Latin name (vinta/pangu) and
    # `／` between Chinese words are different uses, `6+X` and `6＋X` the same one.
    where: dict[tuple[str, str], list[tuple[Block, int]]] = defaultdict(list)
    chars = {c for pair in WIDTH_PAIRS for c in pair}
    for b in blocks:
        t = b.text
        for i, c in enumerate(t):
            if c in chars:
                where[(c, _context(t, i))].append((b, i))
    for half, full in WIDTH_PAIRS:
        for ctx in ('latin', 'chinese'):
            h, f = where[(half, ctx)], where[(full, ctx)]
            if not h or not f:
                continue
            # the rarer form is the odd one out; report each of its places
            (minor, mlist), (major, jlist) = ((full, f), (half, h)) if len(f) <= len(h) else ((half, h), (full, f))
            mb, mi = jlist[0]
            mline = mb.pos(mi)[0]
            for b, i in mlist:
                yield _f('mixed-width', 'warning',
                         f'{minor} here but {major} on line {mline} ({len(jlist)}×): use one form',
                         path, b, i)


def _context(t: str, i: int) -> str:
    j = i - 1
    while j >= 0 and t[j] == ' ':
        j -= 1
    k = i + 1
    while k < len(t) and t[k] == ' ':
        k += 1
    left = t[j] if j >= 0 else ''
    right = t[k] if k < len(t) else ''
    if left.isascii() and left.isalnum() and right.isascii() and right.isalnum():
        return 'latin'
    if _chinese(left) or _chinese(right):
        return 'chinese'
    return 'other'


RULES: list[Rule] = [
    Rule('halfwidth-punct', 'error', 'half-width , . ; : ? ! ( ) between Chinese characters', halfwidth_punct),
    Rule('unpaired-mark', 'error', 'unpaired or mis-nested “” ‘’ 《》 （） 【】 「」', unpaired_mark),
    Rule('doubled-mark', 'error', 'doubled marks: 。。 ，， 、、', doubled_mark),
    Rule('space-between-han', 'error', 'a space between two Chinese characters in running text', space_between_han),
    Rule('paragraph-end', 'error', 'a paragraph without closing punctuation, or stopping mid-sentence', paragraph_end),
    Rule('fullwidth-alnum', 'error', 'full-width digits or letters mixed with half-width ones', fullwidth_alnum),
    Rule('ellipsis-form', 'error', '... or 。。。 for ……', ellipsis_form),
    Rule('dash-form', 'error', 'a single —, -- or 一一 for ——', dash_form),
    Rule('mixed-width', 'warning', 'one character in both its half-width and full-width form', mixed_width),
]
RULE_IDS = [r.id for r in RULES]


def lint(source: Source, disabled: set[str] = frozenset(),
         severity: dict[str, str] | None = None) -> list[Finding]:
    """Run every source rule not switched off on a manuscript."""
    blocks = blocks_of(source)
    path = str(source.path)
    findings: list[Finding] = []
    for rule in RULES:
        if rule.id in disabled:
            continue
        for f in rule.run(blocks, path):
            if severity and rule.id in severity:
                f.severity = severity[rule.id]
            findings.append(f)
    findings.sort(key=lambda f: (f.line or 0, f.col or 0, f.rule))
    return findings
