"""Draw the example seal of source/: a red ring, a star and text, in the shape of an
official seal but plainly a specimen (样章); and the example 签名章 of source/order.md, a
red frame round the signer's name marked 样章. No real seal is shipped.

    .venv/bin/python tools/draw_seal.py source/seal.png
    .venv/bin/python tools/draw_seal.py source/signature-seal.png 王明
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


def signature_seal(out: Path, name: str) -> None:
    """A 签名章 in the proportions the style sets it (30 × 15 mm): the name in a red frame."""
    width, height = 360, 180
    img = Image.new('RGBA', (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rectangle((6, 6, width - 7, height - 7), outline=RED, width=10)
    kai = ROOT / 'fonts' / 'FandolKai-Regular.otf'
    draw.text((width / 2, height * 0.44), name, font=ImageFont.truetype(str(kai), 104), fill=RED, anchor='mm')
    draw.text((width / 2, height * 0.82), '样章', font=ImageFont.truetype(str(kai), 26), fill=RED, anchor='mm')
    img.save(out, optimize=True)


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
    if len(sys.argv) > 2:
        signature_seal(Path(sys.argv[1]), sys.argv[2])
    else:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / 'source' / 'seal.png')
