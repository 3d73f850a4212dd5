"""House-style settings read from CSS custom properties.

WeasyPrint 70 keeps custom properties in the computed style under their name
with ``-`` turned into ``_`` (``--cjk-grid`` → ``__cjk_grid``), as a list of
tinycss2 tokens, inherited like any custom property.  So a style sheet can say

    body { --cjk-punctuation: full; --cjk-grid: strict; --cjk-cell: 156mm / 28 }

and every element below gets it.
"""
from dataclasses import dataclass

_UNITS_PX = {
    'px': 1, 'pt': 4 / 3, 'pc': 16, 'in': 96, 'cm': 96 / 2.54, 'mm': 96 / 25.4,
    'q': 96 / 101.6}


@dataclass(frozen=True)
class Settings:
    punctuation: str = 'full'   # full (全角式) | kaiming (开明式)
    autospace: bool = False      # quarter em between Han and Latin/digits
    strict_grid: bool = False    # no compression of punctuation at all
    cell: float | None = None    # advance of a wide character, in px

    @property
    def active(self):
        return self != _DEFAULT


_DEFAULT = Settings()
_PROPS = ('__cjk_punctuation', '__cjk_autospace', '__cjk_grid', '__cjk_cell')


def _tokens(style, key):
    try:
        value = style[key]
    except KeyError:
        return []
    return [t for t in (value or ()) if t.type not in ('whitespace', 'comment')]


def _ident(tokens, allowed, default):
    if tokens and tokens[0].type == 'ident' and tokens[0].lower_value in allowed:
        return tokens[0].lower_value
    return default


def _length(tokens, font_size):
    """``<length>`` or ``<length> / <number>`` (so a style can write 156mm / 28)."""
    if not tokens:
        return None
    first = tokens[0]
    if first.type == 'dimension':
        unit = first.lower_unit
        if unit == 'em':
            value = first.value * font_size
        elif unit in _UNITS_PX:
            value = first.value * _UNITS_PX[unit]
        else:
            return None
    else:
        return None
    if len(tokens) == 3 and tokens[1] == '/' and tokens[2].type == 'number':
        value /= tokens[2].value
    elif len(tokens) != 1:
        return None
    return value if value > 0 else None


def settings_for(style):
    """The CJK settings of a computed style (cached on the style object)."""
    cached = style.get('__cjk_settings_cache') if hasattr(style, 'get') else None
    if cached is not None and cached[0] == style['font_size']:
        return cached[1]
    punctuation = _ident(_tokens(style, '__cjk_punctuation'), ('full', 'kaiming'), 'full')
    autospace = _ident(_tokens(style, '__cjk_autospace'), ('none', 'quarter'), 'none')
    grid = _ident(_tokens(style, '__cjk_grid'), ('strict', 'none'), 'none')
    cell = _length(_tokens(style, '__cjk_cell'), style['font_size'])
    result = Settings(punctuation, autospace == 'quarter', grid == 'strict', cell)
    # A plain dict entry: the style is a dict subclass and ``__`` keys are
    # treated as custom properties, which nothing else reads.
    dict.__setitem__(style, '__cjk_settings_cache', (style['font_size'], result))
    return result
