"""Page images: PNG pages of a built PDF (pdftoppm, from poppler-utils which setup.sh
installs) and a contact sheet of all pages on one image (Pillow)."""
from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

THUMB_WIDTH = 240
GAP = 16


@dataclass
class PreviewResult:
    pdf: Path
    pages: list[Path]
    sheet: Path


def default_outdir(source_path: Path) -> Path:
    from .pipeline import default_output
    return default_output(source_path).parent / 'preview'


def preview(source='source/report.md', outdir=None, *, dpi: int = 100, style=None, pdf=None) -> PreviewResult:
    """Build `source` (unless `pdf` is given) and write page images and a contact sheet."""
    from . import pipeline
    source = Path(source)
    outdir = Path(outdir) if outdir else default_outdir(source)
    if pdf is None:
        import tempfile
        tmp = Path(tempfile.mkdtemp(prefix='typeset-preview-'))
        pdf = pipeline.build(source, tmp / (source.stem + '.pdf'), style=style).output
    pdf = Path(pdf)
    pages = render_pages(pdf, outdir, dpi=dpi, stem=pdf.stem)
    sheet = contact_sheet(pages, outdir / f'{pdf.stem}-sheet.png')
    return PreviewResult(pdf, pages, sheet)


def render_pages(pdf: Path, outdir: Path, *, dpi: int, stem: str) -> list[Path]:
    exe = shutil.which('pdftoppm')
    if not exe:
        raise InputError('pdftoppm is missing: run ./setup.sh (or apt-get install poppler-utils)')
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f'cannot create the preview folder: {e.strerror}', outdir) from None
    for old in outdir.glob(f'{stem}-*.png'):
        if re.fullmatch(rf'{re.escape(stem)}-\d+\.png', old.name):
            old.unlink()
    done = subprocess.run([exe, '-r', str(dpi), '-png', str(pdf), str(outdir / stem)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise InputError(f'pdftoppm failed: {done.stderr.strip()}', pdf)
    pages = [p for p in outdir.glob(f'{stem}-*.png') if re.fullmatch(rf'{re.escape(stem)}-\d+\.png', p.name)]
    return sorted(pages, key=lambda p: int(p.stem.rsplit('-', 1)[1]))


def contact_sheet(pages: list[Path], target: Path, columns: int | None = None) -> Path:
    """All pages side by side, in reading order, each labelled with its number."""
    from PIL import Image, ImageDraw
    if not pages:
        raise InputError('no pages to put on a contact sheet')
    thumbs = []
    for p in pages:
        with Image.open(p) as im:
            h = round(im.height * THUMB_WIDTH / im.width)
            thumbs.append(im.convert('RGB').resize((THUMB_WIDTH, h)))
    columns = columns or min(len(thumbs), max(2, math.ceil(math.sqrt(len(thumbs) * 1.5))))
    rows = math.ceil(len(thumbs) / columns)
    th = max(t.height for t in thumbs)
    label = 14
    sheet = Image.new('RGB', (GAP + columns * (THUMB_WIDTH + GAP), GAP + rows * (th + label + GAP)), (200, 200, 200))
    draw = ImageDraw.Draw(sheet)
    for k, t in enumerate(thumbs):
        r, c = divmod(k, columns)
        x, y = GAP + c * (THUMB_WIDTH + GAP), GAP + r * (th + label + GAP)
        sheet.paste(t, (x, y))
        draw.rectangle([x - 1, y - 1, x + t.width, y + t.height], outline=(120, 120, 120))
        draw.text((x + THUMB_WIDTH // 2 - 6, y + t.height + 2), str(k + 1), fill=(0, 0, 0))
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target)
    return target
