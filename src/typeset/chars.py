"""The trade's character classes: one home, imported by every stage.

Reading (source), markup, assembly (titles), the CJK layout layer (the line splitter and
justification) and the checks all ask the same questions of a character: is it Han, is
it wide, may it start or end a line, may it be set half width. When each stage kept its
own copy the copies drifted (the checker's line-start set lacked ‰ and the ASCII marks,
its line-end set lacked the slash), so the checker missed breaks the typesetter forbids.

Sources: clreq (W3C, "Requirements for Chinese Text Layout") 3.1 and 3.1.7 for the
prohibitions; GB/T 15834-2011 for the marks; Unicode's East Asian Width for "wide".
"""
from __future__ import annotations

import re

# --- letters ---------------------------------------------------------------------------

# Han ideographs (URO, Extension A, compatibility, the supplementary planes), with the
# ideographic 〇 々 〆, Hangzhou numerals and the radicals, which behave like Han in a line.
HAN_RANGES = ('\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b'
              '\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f')
HAN = re.compile(f'[{HAN_RANGES}]')

# East Asian Wide and Fullwidth characters: Han, kana, bopomofo, Hangul, CJK symbols and
# punctuation, full-width forms. Each takes one cell of the grid.
WIDE_RANGES = ('\u1100-\u115f\u2e80-\u303e\u3040-\u30ff\u3100-\u312f\u3190-\u31ef'
               '\u3200-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff'
               '\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6\U00020000-\U0003fffd')
WIDE = re.compile(f'[{WIDE_RANGES}]')
HAS_CJK = WIDE

# Marks of East Asian *ambiguous* width that Chinese text sets full width: the dash, the
# ellipsis, the quotation marks and the middle dot. Between them and a wide character a
# line break of the source is no space either.
CHINESE_AMBIGUOUS = '—…“”‘’·'
JOINS_ACROSS_SOFT_BREAK = WIDE_RANGES + CHINESE_AMBIGUOUS

DIGITS = frozenset('0123456789０１２３４５６７８９')


def is_han(char: str) -> bool:
    return bool(char) and bool(HAN.match(char))


def is_wide(char: str) -> bool:
    return bool(char) and bool(WIDE.match(char))


def is_latin_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


# --- punctuation -----------------------------------------------------------------------

# Full-width punctuation of Chinese text (GB/T 15834): what may stand beside a Han
# character in place of one.
CJK_PUNCT = frozenset('，。、；：？！“”‘’（）《》〈〉【】「」『』〔〕…—·')
# Paired marks, opening → closing.
PAIRS = {'“': '”', '‘': '’', '《': '》', '（': '）', '【': '】', '「': '」', '『': '』',
         '〈': '〉', '〔': '〕', '〖': '〗', '［': '］', '｛': '｝'}
OPENING = frozenset(PAIRS)
CLOSING = frozenset(PAIRS.values())
# 句末点号: the marks that close a sentence.
SENTENCE_END = frozenset('。！？；…”’）》」』】')
# Where a clause ends inside a sentence: a title or heading may break after these.
CLAUSE_END = frozenset('，；：、')
# A paragraph may end on these (the sentence-end marks, the closing half of a pair, and
# the ASCII forms a manuscript may carry) …
PARAGRAPH_END = frozenset('。！？；：…—”’）》」』】〕〉!?;:.)"\'')
# … and ends in the middle of a sentence on these.
MID_SENTENCE = frozenset('，、,')
# Marks that open a heading of the body (● 把牢政治方向…).
HEADING_BULLETS = '●■◆▲★'

# --- line breaking (clreq, strict level) -------------------------------------------------

# 行首禁则: never at the start of a line. clreq basic (closing marks, pause and stop
# marks), strict (‥ · ％), and the ASCII marks of mixed text. Not —— nor ……: GB/T 15834
# only forbids splitting the mark itself (中间不能断开), so a line may start with one, and
# pushing the character before it down with it would open a hole in the line above.
LINE_START_PROHIBITED = frozenset(
    '、。，．：；？！）］｝〕〉》」』】〗〙〛’”‥·％%‰'
    ',.:;?!)]}')
# 行尾禁则: never at the end of a line: the opening marks.
LINE_END_PROHIBITED = frozenset('（［｛〔〈《「『【〖〘〚‘“([{')
# GB style: a slash never ends a line either.
LINE_END_PROHIBITED_GB = LINE_END_PROHIBITED | frozenset('/／')
# Marks that are never split from their twin: —— and ……
TWINS = frozenset('—…')
# Kept with a preceding digit: a number and its multiplier, percent or unit.
NUMBER_UNITS = frozenset('万亿%％‰℃°′″')


# Separators inside a number run after which a long number may be broken in a narrow
# measure (a typesetter's last resort before opening the Han spacing): the ratio sign of
# 8.7∶41.2∶50.1. The comma of a thousands group too, see ``number_break``. Not the
# slash, which never ends a line (GB), nor the colon of a time (10:30).
NUMBER_SEPARATORS = frozenset('∶')


def number_break(text: str, b: int) -> bool:
    """Whether a number run may be broken before text[b]: after a ratio sign between
    figures (8.7∶ / 41.2), or after the comma of a thousands group (1,234, / 567). Not a
    break of Unicode's line breaking (UAX #14 keeps a number whole); the breaker takes one
    only at a cost, where no other breaks avoid a loose line."""
    if not 0 < b < len(text) or text[b] not in DIGITS:
        return False
    sep = text[b - 1]
    if b < 2 or text[b - 2] not in DIGITS:
        return False
    if sep in NUMBER_SEPARATORS:
        return True
    group = text[b:b + 4]
    return (sep == ',' and len(group) >= 3 and all(c in DIGITS for c in group[:3])
            and not (len(group) == 4 and group[3] in DIGITS))


def is_western(char: str) -> bool:
    """A character of a Western run in Chinese text: letters, figures and their signs
    (118.2%, AR-E3000, “人工智能+”), set half width, not a space."""
    return bool(char) and not is_wide(char) and char not in CHINESE_AMBIGUOUS \
        and char != ' ' and char != WORD_JOINER and char.isprintable()


def break_beside_quote(before: str, after: str) -> bool:
    """A break clreq has beside a quotation mark and UAX #14 lacks (it keeps “ ” ‘ ’,
    of ambiguous class QU, to their neighbours): before an opening quote after Chinese
    text (的 / “十四五”), after a closing quote before it (”时期 → ” / 时期)."""
    if after in '“‘':
        return is_han(before) or before in CLOSING or before in CLAUSE_END or before in SENTENCE_END
    if before in '”’':
        return is_han(after)
    return False


def break_added(before: str, after: str) -> bool:
    """A break opportunity the trade has and Unicode's line breaking (UAX #14, which the
    shaper applies) lacks: before …… after Chinese text. UAX #14 puts … in class IN, never
    broken before, which GB/T 15834 does not ask (only the mark itself stays whole)."""
    return after == '…' and before != '…' and (is_wide(before) or before in CHINESE_AMBIGUOUS)


def break_allowed(before: str, after: str) -> bool:
    """Whether the line-break rules allow a break between `before` and `after` (they only
    forbid; the Unicode line-break opportunities are checked separately)."""
    if after in LINE_START_PROHIBITED or before in LINE_END_PROHIBITED_GB:
        return False
    if before == after and before in TWINS:
        return False  # inside —— or ……
    if before in DIGITS and after in NUMBER_UNITS:
        return False
    return True


# --- titles and headings ---------------------------------------------------------------

# Words that bind to what follows them: a title or heading line never ends on one
# (GB/T 9704 7.2.3 词意完整: 国务院关于 / …, …企业和 / … read as broken off). The
# conjunctions, the structural 的 and 之, and the prepositions that open a title's object.
LINE_END_FUNCTION_WORDS = frozenset({
    '和', '与', '及', '或', '暨', '并', '以及', '及其', '或者', '而', '且',
    '的', '之', '关于', '对', '对于', '在', '为', '把', '将', '由', '从', '向', '按', '按照',
    '根据', '通过', '就'})
# Words that bind to what precedes them: a title or heading line never starts with one
# (营业税 / 等税收 reads as broken off).
LINE_START_PARTICLES = frozenset({'等', '等等'})
# Marks a title or heading line never ends on: the pause mark 、 sits inside an
# enumeration (增值税、/ 消费税 splits the list), and the opening marks.
LINE_END_MARKS = frozenset('、') | LINE_END_PROHIBITED_GB
# U+2060 WORD JOINER: no line break on either side, no width, no glyph in the PDF's text.
# Headings carry it between the characters of a word that must not be broken.
WORD_JOINER = '\u2060'
# What a title names itself (…的通知) and how an issuing body's name ends (…委员会, …厅):
# a title line is not broken inside either.
DOCUMENT_KINDS = ('通知|意见|决定|报告|批复|办法|规定|通报|函|请示|公告|通告|纪要|方案|规划|'
                  '条例|细则|决议|命令|说明|答复')
ISSUING_BODY_ENDS = '会院部厅局委府办处室组'


# --- punctuation width -----------------------------------------------------------------

# Marks whose blank half may be taken away (开明式, adjacent marks compressed, a line-end
# mark set half width). Which half is blank is read from the glyph's ink, not assumed,
# because fonts disagree (？ is centred in Fandol, left-set in Noto).
COMPRESSIBLE = frozenset('，。、：；？！）］｝〕〉》」』】〗’”（［｛〔〈《「『【〖‘“·．')
# 开明式 keeps the stops full width.
KAIMING_FULL = frozenset('。！？．')
# Marks whose blank is on their right (closing, pause and stop marks) and on their left
# (opening marks) in Chinese fonts, for the marks that meet across two text boxes, where
# no one glyph's ink is at hand; ？ and ！ are not here: fonts centre them or not.
BLANK_RIGHT = frozenset('。，、；：）》」』】〕〉”’')
BLANK_LEFT = frozenset('（《「『【〔〈“‘')
