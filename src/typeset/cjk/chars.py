"""Character classes and the line-break rules of clreq (strict level).

Pango applies UAX #14, which is close to clreq's *basic* level but lets a line
start with ``—``, ``…``, ``·`` or ``％`` and end with ``/``; the tables here are
what we add on top of it.
"""
import re

# Never at the start of a line (clreq basic + strict: —, …, ·, ％).
START_BAD = frozenset(
    '、。，．：；？！）］｝〕〉》」』】〗〙〛’”…‥—·％%‰'
    ',.:;?!)]}')
# Never at the end of a line.
END_BAD = frozenset('（［｛〔〈《「『【〖〘〚‘“([{')
# GB style: a slash never ends a line.
END_BAD_GB = END_BAD | frozenset('/／')
# Marks that must not be split from their twin: ——, ……
TWINS = frozenset('—…')
# Kept with a preceding digit: a number and its multiplier, percent or unit.
NUMBER_UNITS = frozenset('万亿%％‰℃°′″')
DIGITS = frozenset('0123456789０１２３４５６７８９')

# Punctuation whose blank half may be taken away (开明式, adjacent-mark
# compression, a line-end mark set half width).  Which half is blank is read
# from the glyph's ink, not assumed, because fonts disagree (？ is centred in
# Fandol, left-set in Noto).
COMPRESSIBLE = frozenset('，。、：；？！）］｝〕〉》」』】〗’”（［｛〔〈《「『【〖‘“·．')
# 开明式 keeps these full width.
KAIMING_FULL = frozenset('。！？．')

_HAN = re.compile(
    '[\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff'
    '\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff'
    '\U00020000-\U0003134f]')
# East Asian wide characters: Han, kana, CJK and full-width punctuation.
_WIDE = re.compile(
    '[\u1100-\u115f\u2e80-\u303e\u3040-\u30ff\u3100-\u312f\u3190-\u31ef'
    '\u3200-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff'
    '\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]')
HAS_CJK = re.compile(
    '[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]')


def is_han(char):
    return bool(_HAN.match(char))


def is_wide(char):
    return bool(_WIDE.match(char))


def is_latin_alnum(char):
    return char.isascii() and char.isalnum()


def break_allowed(before, after, before2='', after2=''):
    """Whether our rules allow a break between ``before`` and ``after``.

    ``before2`` / ``after2`` are the characters around them, for the twins.
    Pango's own opportunities are checked separately; this only forbids.
    """
    if after in START_BAD or before in END_BAD_GB:
        return False
    if before in DIGITS and after in NUMBER_UNITS:
        return False
    return True
