"""What a Word document's styles and list definitions say about a paragraph.

styles.xml tells which paragraphs are headings (Heading N / 标题 N, or an outline level),
which is the title, and which runs are bold through their style; numbering.xml holds
Word's automatic list numbering, which is turned here into the literal labels Word shows
(一、 （一） 1. ①), so that a numbered heading reads the same as in a typed manuscript.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .docx_package import W

HEADING_NAME = re.compile(r'^(?:heading|标题)\s*(\d)$')
TITLE_NAMES = {'title', '标题'}
SUBTITLE_NAMES = {'subtitle', '副标题'}
# basedOn chains are short; a longer one is a loop in a hostile file.
MAX_CHAIN = 32


def w(name: str) -> str:
    return f'{{{W}}}{name}'


def val(el, default=None):
    return el.get(w('val'), default) if el is not None else default


def on(el) -> bool | None:
    """A Word toggle property (<w:b/>, <w:b w:val="0"/>): None when absent."""
    if el is None:
        return None
    return val(el, 'true').lower() not in ('0', 'false', 'off', 'none')


@dataclass
class Style:
    id: str
    name: str
    based_on: str | None = None
    outline: int | None = None       # 0-8 (Word's outline levels 1-9); 9 is body text
    bold: bool | None = None
    italic: bool | None = None
    center: bool | None = None
    num: tuple[str, int] | None = None   # (numId, ilvl) of list numbering in the style


@dataclass
class Styles:
    by_id: dict[str, Style] = field(default_factory=dict)
    default_paragraph: str | None = None

    def chain(self, style_id: str | None):
        seen = 0
        while style_id and style_id in self.by_id and seen < MAX_CHAIN:
            style = self.by_id[style_id]
            yield style
            style_id = style.based_on
            seen += 1

    def first(self, style_id: str | None, attr: str):
        """A property of a style, inherited through basedOn."""
        for style in self.chain(style_id or self.default_paragraph):
            value = getattr(style, attr)
            if value is not None:
                return value
        return None

    def name(self, style_id: str | None) -> str:
        style = self.by_id.get(style_id or self.default_paragraph or '')
        return style.name.lower() if style else ''

    def heading_level(self, style_id: str | None) -> int | None:
        """Word level 1-9 of a heading style, by its name or its outline level."""
        for style in self.chain(style_id):
            m = HEADING_NAME.match(style.name.lower())
            if m:
                return int(m.group(1))
        outline = self.first(style_id, 'outline')
        return outline + 1 if outline is not None and outline < 9 else None


def read_styles(root) -> Styles:
    styles = Styles()
    if root is None:
        return styles
    for el in root.iter(w('style')):
        sid = el.get(w('styleId'), '')
        ppr, rpr = el.find(w('pPr')), el.find(w('rPr'))
        style = Style(sid, val(el.find(w('name')), sid), val(el.find(w('basedOn'))))
        if ppr is not None:
            outline = val(ppr.find(w('outlineLvl')))
            style.outline = int(outline) if outline and outline.isdigit() else None
            jc = val(ppr.find(w('jc')))
            style.center = jc == 'center' if jc else None
            style.num = num_pr(ppr)
        if rpr is not None:
            style.bold, style.italic = on(rpr.find(w('b'))), on(rpr.find(w('i')))
        styles.by_id[sid] = style
        if el.get(w('type')) == 'paragraph' and el.get(w('default')) in ('1', 'true', 'on'):
            styles.default_paragraph = sid
    return styles


def num_pr(ppr) -> tuple[str, int | None] | None:
    """(numId, ilvl) of a paragraph's or style's numbering; ilvl None when not given (a
    style linked to a level of a multilevel list names no level: the list names the style)."""
    np = ppr.find(w('numPr')) if ppr is not None else None
    if np is None:
        return None
    num_id, ilvl = val(np.find(w('numId'))), val(np.find(w('ilvl')))
    if num_id is None:
        return None
    return num_id, int(ilvl) if ilvl and ilvl.isdigit() and int(ilvl) < 9 else None


# --- list numbering --------------------------------------------------------------------

@dataclass
class Level:
    start: int = 1
    fmt: str = 'decimal'
    text: str = '%1.'
    legal: bool = False   # isLgl: the lower levels' numbers shown as Arabic digits
    style: str | None = None   # the paragraph style linked to this level (heading numbering)


class Numbering:
    """Word's list counters, advanced paragraph by paragraph as Word does."""

    def __init__(self, root):
        self.abstract: dict[str, dict[int, Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, list[int | None]] = {}
        self.restarted: set[str] = set()
        if root is None:
            return
        for el in root.iter(w('abstractNum')):
            levels = {}
            for lvl in el.iter(w('lvl')):
                levels[_int(lvl.get(w('ilvl')), 0)] = _level(lvl)
            self.abstract[el.get(w('abstractNumId'), '')] = levels
        for el in root.iter(w('num')):
            overrides = {}
            for o in el.iter(w('lvlOverride')):
                start = o.find(w('startOverride'))
                if start is not None:
                    overrides[_int(o.get(w('ilvl')), 0)] = _int(val(start), 1)
            self.nums[el.get(w('numId'), '')] = (val(el.find(w('abstractNumId')), ''), overrides)

    def label(self, num_id: str, ilvl: int | None, style: str | None = None) -> tuple[str, bool] | None:
        """The label Word shows for the next paragraph of this list, and whether it is a
        bullet; None for no numbering (numId 0, or a list that is not defined)."""
        if num_id not in self.nums:
            return None
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id)
        if ilvl is None:
            ilvl = next((lv for lv, level in (levels or {}).items() if style and level.style == style), 0)
        if not levels or ilvl not in levels:
            return None
        counts = self.counters.setdefault(abstract_id, [None] * 9)
        if num_id not in self.restarted and overrides:
            self.restarted.add(num_id)
            for lv, start in overrides.items():
                if lv < 9:
                    counts[lv] = start - 1
        level = levels[ilvl]
        counts[ilvl] = (counts[ilvl] if counts[ilvl] is not None else level.start - 1) + 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = None
        if level.fmt == 'bullet':
            return level.text, True

        def number(m):
            lv = int(m.group(1)) - 1
            lvl = levels.get(lv, Level())
            n = counts[lv] if counts[lv] is not None else lvl.start
            fmt = 'decimal' if level.legal and lv < ilvl else lvl.fmt
            return format_number(n, fmt)
        return re.sub(r'%([1-9])', number, level.text), False


def _level(lvl) -> Level:
    return Level(start=_int(val(lvl.find(w('start'))), 1),
                 fmt=val(lvl.find(w('numFmt')), 'decimal'),
                 text=val(lvl.find(w('lvlText')), ''),
                 legal=bool(on(lvl.find(w('isLgl')))), style=val(lvl.find(w('pStyle'))))


def _int(value, default: int) -> int:
    try:
        return max(0, min(int(value), 10 ** 6))
    except (TypeError, ValueError):
        return default


CHINESE_DIGITS = '〇一二三四五六七八九'
LEGAL_DIGITS = '零壹贰叁肆伍陆柒捌玖'
TIANGAN = '甲乙丙丁戊己庚辛壬癸'
DIZHI = '子丑寅卯辰巳午未申酉戌亥'
CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳'
PAREN = '⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇'
FULLSTOP = '⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛'


def format_number(n: int, fmt: str) -> str:
    """A counter in one of Word's number formats (ST_NumberFormat)."""
    if fmt in ('chineseCounting', 'chineseCountingThousand', 'japaneseCounting', 'taiwaneseCounting'):
        return chinese_number(n, '一二三四五六七八九', '十百千')
    if fmt in ('chineseLegalSimplified', 'ideographLegalTraditional'):
        return chinese_number(n, '壹贰叁肆伍陆柒捌玖', '拾佰仟')
    if fmt in ('ideographDigital', 'japaneseDigitalTenThousand', 'taiwaneseDigital'):
        return ''.join(CHINESE_DIGITS[int(d)] for d in str(n))
    if fmt == 'ideographTraditional':
        return TIANGAN[(n - 1) % 10]
    if fmt == 'ideographZodiac':
        return DIZHI[(n - 1) % 12]
    for name, table in (('decimalEnclosedCircle', CIRCLED), ('decimalEnclosedCircleChinese', CIRCLED),
                        ('decimalEnclosedParen', PAREN), ('decimalEnclosedFullstop', FULLSTOP)):
        if fmt == name and 1 <= n <= len(table):
            return table[n - 1]
    if fmt in ('decimalFullWidth', 'decimalFullWidth2'):
        return ''.join(chr(ord(d) + 0xfee0) for d in str(n))
    if fmt == 'decimalZero':
        return f'{n:02d}'
    if fmt in ('upperLetter', 'lowerLetter'):
        letter = chr(ord('A') + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ''
        return letter if fmt == 'upperLetter' else letter.lower()
    if fmt in ('upperRoman', 'lowerRoman'):
        roman = to_roman(n)
        return roman if fmt == 'upperRoman' else roman.lower()
    if fmt == 'none':
        return ''
    return str(n)


def chinese_number(n: int, digits: str, units: str) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (as Word's chineseCounting shows them)."""
    if n <= 0 or n >= 10000:
        return str(n)
    zero = '零'
    out, pending_zero = '', False
    for place, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, '')):
        d = n // place % 10
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += zero
            pending_zero = False
        out += ('' if (place == 10 and d == 1 and not out and units[0] == '十') else digits[d - 1]) + unit
    return out


def to_roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ''
    for value, letters in ((1000, 'M'), (900, 'CM'), (500, 'D'), (400, 'CD'), (100, 'C'), (90, 'XC'),
                           (50, 'L'), (40, 'XL'), (10, 'X'), (9, 'IX'), (5, 'V'), (4, 'IV'), (1, 'I')):
        while n >= value:
            out += letters
            n -= value
    return out
