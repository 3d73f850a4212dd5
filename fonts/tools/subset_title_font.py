"""How fonts/NotoSerifCJKsc-Bold.otf was made from Debian's fonts-noto-cjk (SC face of
NotoSerifCJK-Bold.ttc, version 2.001): cut down to GB 2312, Latin, general punctuation
and full-width forms, with a compact glyph order.

Why: WeasyPrint embeds subsets that keep every glyph ID, so a 65,535-glyph font costs
132 KB in every PDF even for the 37 glyphs of a title; with 7,850 characters it costs
about 15 KB. 方正小标宋简体, the face it stands in for, covers GB 2312 too; a title
character outside it falls back to the Regular face and `typeset check` names it.

    python fonts/tools/subset_title_font.py NotoSerifCJKsc-Bold.otf fonts/NotoSerifCJKsc-Bold.otf
"""
import sys
from fontTools import subset
from fontTools.ttLib import TTFont
src, dst = sys.argv[1:3]
font = TTFont(src)
keep = []
for cp in font.getBestCmap():
    if cp < 0x0250 or 0x2000 <= cp < 0x2070 or 0x3000 <= cp < 0x3040 or 0xFF00 <= cp <= 0xFFEF:
        keep.append(cp); continue
    try:
        chr(cp).encode('gb2312'); keep.append(cp)
    except UnicodeEncodeError:
        pass
opts = subset.Options()
opts.layout_features = ['*']
opts.name_IDs = ['*']
opts.name_languages = ['*']
opts.notdef_outline = True
opts.retain_gids = False
s = subset.Subsetter(opts)
s.populate(unicodes=keep)
s.subset(font)
font.save(dst)
print(len(keep))
