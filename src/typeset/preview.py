"""Page images: PNG pages of a built PDF (pdftoppm, from poppler-utils which setup.sh
installs) and a contact sheet of all pages on one image (Pillow).

Preview writes into a folder it may share with the user's files (`-o .`), so it keeps a
list of the images it made there (`.typeset-preview`) and never removes or replaces a
file that is not on it: an image of the same name it did not make stops the preview
with an error that says so. The PDF it builds lives in a temporary folder removed after
every run, and the build's findings are the caller's to print."""
from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

MANIFEST = '.typeset-preview'

THUMB_WIDTH = 240
GAP = 16


@dataclass
class PreviewResult:
    pdf: Path
    pages: list[Path]
    sheet: Path
    build: object = None   # the pipeline's BuildResult, when preview built the PDF


def default_outdir(source_path: Path) -> Path:
    from .pipeline import default_output
    return default_output(source_path).parent / 'preview'


def preview(source='source/report.md', outdir=None, *, dpi: int = 100, style=None, pdf=None) -> PreviewResult:
    """Build `source` (unless `pdf` is given) and write page images and a contact sheet."""
    from . import pipeline
    source = Path(source)
    outdir = Path(outdir) if outdir else default_outdir(source)
    tmp = Path(tempfile.mkdtemp(prefix='typeset-preview-'))
    try:
        built = None
        if pdf is None:
            built = pipeline.build(source, tmp / (source.stem + '.pdf'), style=style)
            pdf = built.output
        pdf = Path(pdf)
        pages = render_pages(pdf, outdir, dpi=dpi, stem=pdf.stem, inputs=[source, pdf])
        sheet = contact_sheet(pages, outdir / f'{pdf.stem}-sheet.png', owned=_Owned(outdir))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return PreviewResult(pdf, pages, sheet, built)


class _Owned:
    """The images preview made in a folder, listed in the folder's MANIFEST."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / MANIFEST
        if os.path.lexists(self.path) and (self.path.is_symlink() or not self.path.is_file()):
            raise InputError(f'{MANIFEST} is not a file preview made (a link or a folder); '
                             'give a folder of its own (-o DIR)', self.path)
        try:
            names = self.path.read_text(encoding='utf-8').split('\n') if self.path.is_file() else []
        except (OSError, UnicodeDecodeError):
            names = []
        # Only names preview itself would choose: a planted list cannot make it delete others.
        self.names = {n for n in names if re.fullmatch(r'[^/\\]+-(\d+|sheet)\.png', n)}

    def may_write(self, name: str) -> bool:
        target = self.folder / name
        return (name in self.names and not target.is_symlink()) or not os.path.lexists(target)

    def claim(self, names) -> None:
        from .render import write_atomically
        self.names |= set(names)
        text = '\n'.join(sorted(self.names)) + '\n'
        write_atomically(self.path, lambda f: f.write(text.encode('utf-8')))


def render_pages(pdf: Path, outdir: Path, *, dpi: int, stem: str, inputs=()) -> list[Path]:
    exe = shutil.which('pdftoppm')
    if not exe:
        raise InputError('pdftoppm is missing: run ./setup.sh (or apt-get install poppler-utils)')
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f'cannot create the preview folder: {e.strerror}', outdir) from None
    owned = _Owned(outdir)
    work = Path(tempfile.mkdtemp(prefix='.typeset-preview-', dir=outdir))
    try:
        # Absolute paths: a name starting with "-" must never read as an option.
        done = subprocess.run([exe, '-r', str(dpi), '-png', str(Path(pdf).resolve()), str(work.resolve() / stem)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise InputError(f'pdftoppm failed: {done.stderr.strip()}', pdf)
        made = {p.name: int(p.stem.rsplit('-', 1)[1]) for p in work.iterdir()
                if re.fullmatch(rf'{re.escape(stem)}-\d+\.png', p.name)}
        # pdftoppm pads page numbers to the page count's width; the names stay its own.
        names = list(made) + [f'{stem}-sheet.png']
        for name in names:
            if not owned.may_write(name) or any(_same(outdir / name, p) for p in inputs):
                raise InputError(f'preview would replace {name}, which it did not make; '
                                 'give a folder of its own (-o DIR)', outdir / name)
        stale = [n for n in owned.names if re.fullmatch(rf'{re.escape(stem)}-\d+\.png', n) and n not in made]
        owned.claim(names)
        for name in stale:
            (outdir / name).unlink(missing_ok=True)
        owned.names -= set(stale)
        owned.claim([])
        for name in made:
            os.replace(work / name, outdir / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pages = [outdir / name for name in made]
    return sorted(pages, key=lambda p: made[p.name])


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def contact_sheet(pages: list[Path], target: Path, columns: int | None = None, owned: _Owned | None = None) -> Path:
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
    if owned is not None and not owned.may_write(target.name):
        raise InputError(f'preview would replace {target.name}, which it did not make; '
                         'give a folder of its own (-o DIR)', target)
    # Saved beside and moved into place: a link planted at the name is replaced, never followed.
    from .render import write_atomically
    write_atomically(target, lambda f: sheet.save(f, format='PNG'))
    return target
