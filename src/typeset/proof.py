"""Proof copies: the clean PDF's pages with line numbers, a 校样 watermark and a header.

Everything added is drawn as vector outlines (glyph outlines from fonts/, filled paths),
never as text: the text layer of a proof copy is exactly that of the clean PDF, so what a
proofreader copies, searches or extracts is the document itself. The line numbers are
those of `typeset check` (`checks.pdfread`): 第N页 第M行 in a finding is the number
printed beside the line. `marks=True` adds crop marks and 3 mm bleed (TrimBox,
BleedBox and a larger MediaBox).

pypdf appends the drawings to each page's content; the clean PDF is read, never changed.
"""
from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from .checks import pdf_rules
from .checks.pdfread import MM, read_pdf

FONTS_DIR = Path(__file__).resolve().parents[2] / 'fonts'
OUTLINE_FONT = FONTS_DIR / 'FandolHei-Regular.otf'
BLEED = 3 * MM
SLUG = 12 * MM          # room outside the bleed for the crop marks
MARK_LENGTH = 6 * MM


class _PDFPathPen(BasePen):
    """Glyph outlines → PDF path operators, scaled and placed."""

    def __init__(self, glyphset, scale: float, dx: float, dy: float):
        super().__init__(glyphset)
        self.ops: list[str] = []
        self.s, self.dx, self.dy = scale, dx, dy

    def _p(self, pt):
        return f'{pt[0] * self.s + self.dx:.3f} {pt[1] * self.s + self.dy:.3f}'

    def _moveTo(self, pt):
        self.ops.append(f'{self._p(pt)} m')

    def _lineTo(self, pt):
        self.ops.append(f'{self._p(pt)} l')

    def _curveToOne(self, p1, p2, p3):
        self.ops.append(f'{self._p(p1)} {self._p(p2)} {self._p(p3)} c')

    def _closePath(self):
        self.ops.append('h')


@functools.lru_cache(maxsize=2)
def _font(path: str):
    font = TTFont(path, lazy=True)
    return font, font.getGlyphSet(), font.getBestCmap(), font['hmtx'], font['head'].unitsPerEm


def text_width(text: str, size: float, font_path: Path = OUTLINE_FONT) -> float:
    font, glyphs, cmap, hmtx, upem = _font(str(font_path))
    return sum(hmtx[cmap[ord(c)]][0] for c in text if ord(c) in cmap) * size / upem


def outline(text: str, x: float, y: float, size: float, font_path: Path = OUTLINE_FONT) -> str:
    """PDF path operators drawing `text` with its baseline at (x, y), in PDF user space."""
    ops = _outline_at_origin(text, size, str(font_path))
    return f'q 1 0 0 1 {x:.3f} {y:.3f} cm\n{ops}\nQ' if ops else ''


@functools.lru_cache(maxsize=4096)
def _outline_at_origin(text: str, size: float, font_path: str) -> str:
    # Drawing a glyph through fontTools' pen is slow (a proof copy draws some 700 line
    # numbers, mostly the same 1–22): each text is drawn once and placed with `cm`.
    font, glyphs, cmap, hmtx, upem = _font(font_path)
    scale = size / upem
    ops = []
    x = 0.0
    for c in text:
        name = cmap.get(ord(c))
        if name is None:
            x += size / 2
            continue
        pen = _PDFPathPen(glyphs, scale, x, 0.0)
        glyphs[name].draw(pen)
        ops.extend(pen.ops)
        x += hmtx[name][0] * scale
    return '\n'.join(ops) + ('\nf' if ops else '')


GIT_OBJECT = re.compile(r'[0-9a-f]{40}(?:[0-9a-f]{24})?')
GIT_REF = re.compile(r'refs/[A-Za-z0-9._/-]+')
MAX_GIT_FILE = 4096
MAX_PACKED_REFS = 4 * 1024 * 1024


def git_revision(folder: Path) -> str | None:
    """The commit of the git repository whose `.git` is in `folder`, for the proof header.

    Read from the repository's files (HEAD, the ref it names, packed-refs), never by
    running git: a manuscript folder may bring a `.git` whose configuration
    (core.fsmonitor, hooks, aliases) runs any command when git is run there. So there is
    no "-dirty" mark: telling it would mean reading the index and the work tree as git.
    Only the manuscript's folder is trusted (never a shared one, never its parents), and
    no `gitdir:`/`commondir` pointer or symbolic link may lead out of it."""
    from .sandbox import shared_folder
    root = Path(folder).resolve()
    if shared_folder(root):
        return None
    git = _git_dir(root)
    if git is None:
        return None
    head = _git_file(git / 'HEAD', root)
    if head is None:
        return None
    common = git
    pointer = _git_file(git / 'commondir', root)  # a worktree keeps its refs in the main repository
    if pointer:
        common = (git / pointer).resolve()
        if not common.is_relative_to(root):
            return None
    for _ in range(5):  # HEAD → refs/heads/x → (a symbolic ref once more, at most)
        if GIT_OBJECT.fullmatch(head):
            return head[:12]
        m = re.fullmatch(r'ref:\s*(\S+)', head)
        if not m or not GIT_REF.fullmatch(m.group(1)) or '..' in m.group(1):
            return None
        ref = m.group(1)
        head = _git_file(git / ref, root) or _git_file(common / ref, root) or _packed_ref(common, ref, root)
        if head is None:
            return None
    return None


def _git_dir(root: Path) -> Path | None:
    dot = root / '.git'
    if dot.is_symlink():
        return None
    if dot.is_dir():
        return dot
    m = re.fullmatch(r'gitdir:\s*(.+)', _git_file(dot, root) or '')
    git = (root / m.group(1)).resolve() if m else None
    return git if git is not None and git.is_relative_to(root) and git.is_dir() else None


def _git_file(path: Path, root: Path, limit: int = MAX_GIT_FILE) -> str | None:
    """A small git file's first line: a regular file inside `root` only, bounded, never a
    FIFO or device."""
    from .sandbox import Unreadable, read_regular
    try:
        data = read_regular(path, [root], limit=limit)[1]
    except (Unreadable, OSError, RuntimeError):
        return None
    text = data.decode('utf-8', errors='replace').strip()
    return text.split('\n', 1)[0].strip() if text else None


def _packed_ref(common: Path, ref: str, root: Path) -> str | None:
    from .sandbox import Unreadable, read_regular
    try:
        data = read_regular(common / 'packed-refs', [root], limit=MAX_PACKED_REFS)[1]
    except (Unreadable, OSError, RuntimeError):
        return None
    for line in data.decode('utf-8', errors='replace').splitlines():
        parts = line.split(' ')
        if len(parts) == 2 and parts[1] == ref and GIT_OBJECT.fullmatch(parts[0]):
            return parts[0]
    return None


def _watermark(width: float, height: float) -> str:
    size = 150.0
    text = '校样'
    w = text_width(text, size)
    # rotated 45° about the page centre, light grey under the text
    import math
    c, s = math.cos(math.pi / 4), math.sin(math.pi / 4)
    cx, cy = width / 2, height / 2
    return (f'q 0.9 g {c:.5f} {s:.5f} {-s:.5f} {c:.5f} {cx:.3f} {cy:.3f} cm\n'
            + outline(text, -w / 2, -size * 0.35, size) + '\nQ')


def _crop_marks(x0: float, y0: float, x1: float, y1: float) -> str:
    ops = ['q 0 G 0.25 w']
    off, ln = BLEED, MARK_LENGTH
    for x, dx in ((x0, -1), (x1, 1)):
        for y, dy in ((y0, -1), (y1, 1)):
            # a horizontal and a vertical mark at each corner, starting outside the bleed
            ops.append(f'{x + dx * off:.3f} {y:.3f} m {x + dx * (off + ln):.3f} {y:.3f} l S')
            ops.append(f'{x:.3f} {y + dy * off:.3f} m {x:.3f} {y + dy * (off + ln):.3f} l S')
    ops.append('Q')
    return '\n'.join(ops)


def proof_path(pdf: Path) -> Path:
    return pdf.with_name(pdf.stem + '.proof.pdf')


@dataclass
class ProofCopy:
    path: Path
    labels: list[tuple[int, int, float]]   # (page, line number, baseline from the top, pt) as drawn


def line_numbers(lines, area, left: float, top: float) -> tuple[list[str], list[tuple[int, int, float]]]:
    """The numbers `typeset check` gives the body lines of a page, as outlines in the margin
    (beside each column on a page set in columns); `top` is the page's top edge in PDF
    user space. Returns the drawing and (page, number, baseline) of each number drawn."""
    ops = ['q 0.15 0.3 0.75 rg']
    labels = []
    for ln in lines.body:
        if ln.number is None or any(o is not ln and o.column == ln.column and o.number == ln.number
                                    and o.x0 < ln.x0 for o in lines.body):
            continue
        label = str(ln.number)
        if ln.column and lines.columns:
            # in the gutter before its column, small
            s = 5.0
            x = left + min(lines.columns[ln.column - 1][0], ln.x0) - 0.6 * MM - text_width(label, s)
        else:
            s = 8.0
            x = left + area[0] - 3 * MM - text_width(label, s)
        ops.append(outline(label, x, top - ln.base, s))
        labels.append((lines.number, ln.number, ln.base))
    ops.append('Q')
    return ops, labels


def overlay(writer, page, under: str, over: str) -> None:
    """Draw `under` before the page's own content and `over` after it: the page's content
    streams are kept as they are, so its text layer is untouched."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject
    streams = []
    for data in (under, over):
        s = DecodedStreamObject()
        s.set_data(data.encode('latin-1'))
        streams.append(writer._add_object(s))
    contents = page.get('/Contents')
    existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    page[NameObject('/Contents')] = ArrayObject([streams[0], *existing, streams[1]])


def _build_moment() -> datetime.datetime:
    """SOURCE_DATE_EPOCH when set (same source, same proof bytes), else the clock."""
    from .render import source_date_epoch
    epoch = source_date_epoch()
    if epoch is None:
        return datetime.datetime.now()
    return datetime.datetime.strptime(epoch, '%Y-%m-%dT%H:%M:%SZ')


def make_proof(pdf, source, *, style=None, marks: bool = False, output=None,
               now: datetime.datetime | None = None) -> ProofCopy:
    """Write the proof copy of `pdf` (built from `source`)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject, RectangleObject

    from . import pipeline
    from .render import refuse_overwriting, write_atomically
    pdf = Path(pdf)
    source = Path(source)
    prepared_style = pipeline.prepare(source, style=style).style
    layout = pdf_rules.probe_layout(prepared_style)
    pages = read_pdf(pdf, areas=layout.area, columns=layout.columns)
    if now is None:
        now = _build_moment()
    rev = git_revision(source.resolve().parent)
    header = f'校样  {source}  {now:%Y-%m-%d %H:%M}' + (f'  git {rev}' if rev else '')

    labels: list[tuple[int, int, float]] = []
    reader = PdfReader(str(pdf))
    writer = PdfWriter(clone_from=reader)
    for page, lines in zip(writer.pages, pages):
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        left = float(box.left)
        bottom = float(box.bottom)
        area = layout.area(lines.number)
        under = _watermark(width, height)
        over, drawn = line_numbers(lines, area, left, bottom + height)
        labels += drawn
        over.append('q 0.35 g')
        over.append(outline(header, left + area[0], bottom + height - area[1] + 6 * MM, 8.0))
        over.append('Q')
        overlay(writer, page, f'q\n{under}\nQ\nq\n', '\nQ\n' + '\n'.join(over) + '\n')
        if marks:
            x0, y0, x1, y1 = left, bottom, left + width, bottom + height
            s = DecodedStreamObject()
            s.set_data(('\n' + _crop_marks(x0, y0, x1, y1) + '\n').encode('latin-1'))
            page[NameObject('/Contents')].append(writer._add_object(s))
            page.trimbox = RectangleObject([x0, y0, x1, y1])
            page.bleedbox = RectangleObject([x0 - BLEED, y0 - BLEED, x1 + BLEED, y1 + BLEED])
            page.mediabox = RectangleObject([x0 - BLEED - SLUG, y0 - BLEED - SLUG,
                                             x1 + BLEED + SLUG, y1 + BLEED + SLUG])
            page.cropbox = page.mediabox
    target = Path(output) if output else proof_path(pdf)
    refuse_overwriting(target, [(source, 'the manuscript'), (pdf, 'the PDF')])
    write_atomically(target, writer.write)
    return ProofCopy(target, labels)
