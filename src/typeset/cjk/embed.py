"""Embedded CJK fonts as bare CFF: only the glyphs drawn, no OpenType wrapper.

WeasyPrint 70 subsets with HarfBuzz keeping glyph IDs (``RETAIN_GIDS``) and embeds the
result as OpenType (``FontFile3``/``OpenType``), because its content streams show glyphs
by their ID in the whole font. So every embedded font carries a slot for each glyph ID
up to the highest one used — charstrings, charset, ``hmtx`` and ``vmtx`` entries: 13,149
slots of Noto Serif CJK SC Bold for 37 glyphs of a title, 6,803 of FandolFang for 587 — and
tables no PDF reader uses (``hmtx``, ``vmtx``, ``cmap``, ``OS/2``, ``name``: widths are in
the PDF's ``W`` array, text in its ``ToUnicode``).

A CID-keyed CFF font embedded bare (``FontFile3``/``CIDFontType0C``) selects glyphs by CID
through its charset (ISO 32000-1, 9.7.4.2). Keeping only the glyphs drawn, each under the
CID equal to its old glyph ID, leaves every glyph code in the content streams pointing at
the same outline: the pages are drawn the same (pixel for pixel by poppler at 300 dpi;
at screen resolutions a renderer may hint the two forms a pixel apart) and read back the
same. Typst embeds its fonts the same way.
"""
from __future__ import annotations

import io


def bare_cff(font_file: bytes, glyphs) -> bytes | None:
    """The CID-keyed CFF of OpenType `font_file` with only `glyphs` (IDs) and .notdef,
    each glyph's CID its ID in `font_file`; None when the font is not CID-keyed CFF."""
    from fontTools.ttLib import TTFont
    CharStrings = _cff_library().CharStrings
    if font_file[:4] != b'OTTO':
        return None
    # The font bounding box is kept as HarfBuzz wrote it: recomputing it runs every
    # charstring (0.4 s for 600 glyphs), and PDF readers take the descriptor's.
    font = TTFont(io.BytesIO(font_file), lazy=True, recalcBBoxes=False)
    if 'CFF ' not in font:
        return None
    cff = font['CFF '].cff
    top = cff[cff.fontNames[0]]
    if not hasattr(top, 'ROS') or not hasattr(top, 'FDSelect'):
        return None  # name-keyed: glyphs are found by ID; nothing to gain safely
    old = top.CharStrings
    count = len(top.charset)
    keep = sorted({0} | {g for g in glyphs if 0 < g < count})
    programs = [old[top.charset[g]] for g in keep]  # decompiled before the tables change
    fd_select = [top.FDSelect[g] for g in keep]
    names = ['.notdef'] + [f'cid{g:05d}' for g in keep[1:]]
    strings = CharStrings(None, names, old.globalSubrs, None, top.FDSelect, top.FDArray)
    for name, program in zip(names, programs):
        strings[name] = program
    top.charset = names
    top.CharStrings = strings
    top.FDSelect.gidArray = fd_select
    top.CIDCount = keep[-1] + 1
    out = io.BytesIO()
    cff.compile(out, font)
    return out.getvalue()


def _cff_library():
    """fontTools' CFF code, without the OpenType table code it imports for the variation
    store of CFF2 (0.02–0.03 s to import): these fonts are CFF 1, which never uses it."""
    from .patches import imported_when_used
    with imported_when_used({'fontTools.ttLib.tables.otTables': ()}):
        from fontTools import cffLib
    return cffLib
