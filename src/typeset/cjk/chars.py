"""The character classes the CJK layer uses, under the layer's short names.

They live in `typeset.chars`, the one home every stage imports; Pango applies UAX #14,
which is close to clreq's *basic* level but lets a line start with ``—``, ``…``, ``·`` or
``％`` and end with ``/``: the tables there are what the layer adds on top of it.
"""
from ..chars import (  # noqa: F401  (re-exported)
    BLANK_LEFT, BLANK_RIGHT, COMPRESSIBLE, DIGITS, HAS_CJK, KAIMING_FULL, NUMBER_UNITS, TWINS, WORD_JOINER,
    break_added, break_allowed, is_han, is_latin_alnum, is_wide)
from ..chars import LINE_END_PROHIBITED as END_BAD  # noqa: F401
from ..chars import LINE_END_PROHIBITED_GB as END_BAD_GB  # noqa: F401
from ..chars import LINE_START_PROHIBITED as START_BAD  # noqa: F401
