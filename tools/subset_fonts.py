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
        font.save(FONTS / entry['file'])
        print(entry['file'], (FONTS / entry['file']).stat().st_size, 'bytes')


if __name__ == '__main__':
    main()
