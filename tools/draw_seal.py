"""Draw the example seal of source/: a red ring, a star and text, in the shape of an
official seal but plainly a specimen (样章). No real seal is shipped.

    .venv/bin/python tools/draw_seal.py source/seal.png
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
RED = (230, 0, 18, 235)
SIZE = 480            # pixels across; set 40 mm wide, about 300 dpi
RING = 14


def star(draw, cx, cy, r):
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.382
        a = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    draw.polygon(points, fill=RED)


def text_on_arc(img, text, font, radius, span_degrees):
    cx = cy = SIZE / 2
    n = len(text)
    for k, ch in enumerate(text):
        angle = -90 - span_degrees / 2 + span_degrees * (k + 0.5) / n
        glyph = Image.new('RGBA', (80, 80), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((40, 40), ch, font=font, fill=RED, anchor='mm')
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC)
        a = math.radians(angle)
        x, y = cx + radius * math.cos(a), cy + radius * math.sin(a)
        img.alpha_composite(glyph, (int(x - 40), int(y - 40)))


def main(out: Path) -> None:
    img = Image.new('RGBA', (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((RING / 2, RING / 2, SIZE - RING / 2, SIZE - RING / 2), outline=RED, width=RING)
    star(draw, SIZE / 2, SIZE / 2, 78)
    hei = ROOT / 'fonts' / 'FandolHei-Regular.otf'
    text_on_arc(img, '温岭市示例局样章', ImageFont.truetype(str(hei), 56), SIZE / 2 - 62, 220)
    ImageDraw.Draw(img).text((SIZE / 2, SIZE * 0.74), '示例专用', font=ImageFont.truetype(str(hei), 44),
                             fill=RED, anchor='mm')
    img.save(out, optimize=True)


if __name__ == '__main__':
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / 'source' / 'seal.png')
