"""Make the fonts of fonts/manifest.toml that are declared for some characters only
(`characters = "…"`, with a `from` file): a subset of the `from` font holding just those
characters, so that a style can put the family first in a font-family list and every other
character falls through to the next family. (CSS unicode-range would say the same without
a file, but WeasyPrint 70 adds the range to the font's character set instead of limiting
it, and the whole text is then drawn from the first family.)

    .venv/bin/python tools/subset_fonts.py
"""
import tomllib
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parents[1] / 'fonts'


def _rename(font, family):
    """A derived font under its own name (the family the manifest gives it), so that the
    PDF names it as the style does and no one takes it for the whole face."""
    name = font['name']
    postscript = family.replace(' ', '') + '-Regular'
    for record in list(name.names):
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID in (2, 17):
            record.string = 'Regular'
        elif record.nameID == 4:
            record.string = family
        elif record.nameID == 6:
            record.string = postscript
        elif record.nameID == 3:
            record.string = f'typeset: {postscript}'
    if 'CFF ' in font:
        cff = font['CFF '].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FamilyName = top.FullName = family


def _vertical_metrics(font, model):
    """The line metrics (ascent, descent, gap) of `model`: a mark from another family
    then makes no line taller and reads back from the PDF on its line's baseline box."""
    for attr in ('ascent', 'descent', 'lineGap'):
        setattr(font['hhea'], attr, getattr(model['hhea'], attr))
    for attr in ('sTypoAscender', 'sTypoDescender', 'sTypoLineGap', 'usWinAscent', 'usWinDescent'):
        setattr(font['OS/2'], attr, getattr(model['OS/2'], attr))


def main():
    manifest = tomllib.loads((FONTS / 'manifest.toml').read_text(encoding='utf-8'))
    for entry in manifest['font']:
        if not entry.get('characters') or not entry.get('from'):
            continue
        font = TTFont(FONTS / entry['from'], recalcTimestamp=False)  # same input, same bytes
        options = subset.Options()
        options.name_IDs = ['*']
        options.notdef_outline = True
        options.layout_features = []
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in entry['characters']])
        subsetter.subset(font)
        _rename(font, entry['family'])
        if entry.get('metrics'):
            _vertical_metrics(font, TTFont(FONTS / entry['metrics'], lazy=True))
        font.save(FONTS / entry['file'])
        print(entry['file'], (FONTS / entry['file']).stat().st_size, 'bytes')


if __name__ == '__main__':
    main()
