"""The glyphs of a PDF, read from its pages' content streams.

`typeset check` reads back PDFs that WeasyPrint wrote: text objects of `Tm`, `Tf` and `TJ`
with hex glyph strings, and paths, colours and images it has no use for. pdfminer
interprets every operator with a general PostScript tokenizer and builds an object for
every path and glyph: 70 % of verifying a 700-page document. Here a regular expression
splits the stream, only the operators that move text are interpreted, and each glyph
becomes the few numbers the rules use.

What is not ours to reinterpret stays pdfminer's: the document, its cross-reference and
object streams, the fonts (widths, descent, ToUnicode) and the arithmetic. Each glyph's
box is computed with pdfminer's own expressions in pdfminer's order (`LTChar`,
`render_string_horizontal`), so the numbers are the same floats pdfminer gives. A page
with anything this reader does not know (a literal or inline-dictionary operand, an inline
image, a vertical font, an unknown font name) is read by pdfminer instead.

Text inside form XObjects is not read: pdfminer puts it into a figure, and the caller
takes the page's own characters only.
"""
from __future__ import annotations

import os
import pickle
import re
from dataclasses import dataclass

from .pdfread import Glyph, _strip_subset

# One token of a content stream: an array of glyph strings and offsets (as TJ takes
# it), a number, a name, a hex string or an operator. Anything else (a literal string,
# a dictionary, a nested array) does not match and hands the page to pdfminer.
_TOKEN = re.compile(rb'''
    \s+|%[^\r\n]*
  | \[(?P<array>[^\[\]()<>]*(?:<[0-9A-Fa-f\s]*>[^\[\]()<>]*)*)\]
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+))
  | /(?P<name>[^\s/\[\]<>(){}%#]*)(?=[\s/\[\]<>(){}%]|$)
  | <(?P<hex>[0-9A-Fa-f\s]*)>(?!>)
  | (?P<op>[A-Za-z'"][A-Za-z0-9'"*]*)(?=[\s/\[\]<>(){}%]|$)
''', re.X)
# An element of a TJ array: a hex string, a number, or (anything else) a reason to stop.
_ELEMENT = re.compile(rb'<([0-9A-Fa-f\s]*)>|([+-]?(?:\d+\.?\d*|\.\d+))|(\S)')


class Unread(Exception):
    """Content this reader does not interpret: the page goes to pdfminer."""


@dataclass
class PageGlyphs:
    width: float
    height: float
    glyphs: list[Glyph]   # in drawing order; white space left out


# A document this long is read by two processes when a core is idle: the first pages
# here (handed on to the line finder as they are read), the rest in a forked child. The
# child's share is the larger: the pages read here are also set in lines here while the
# child reads. (700 pages: 6.4 s → ~4.8 s with a core free; with none, the child's second
# parse of the document and its pickling only add ~0.9 s of CPU, hence the load test.)
PARALLEL_PAGES = 60
HERE_SHARE = 0.45


def pages_of(path):
    """The glyphs of each page, page by page."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    with open(path, 'rb') as f:
        pages = list(PDFPage.create_pages(PDFDocument(PDFParser(f))))
        split, child = len(pages), None
        if len(pages) >= PARALLEL_PAGES and _spare_core() and hasattr(os, 'fork'):
            split = int(len(pages) * HERE_SHARE)
            child = _Child(path, split)
        try:
            reader = _Reader()
            for page in pages[:split]:
                yield reader.read(page)
            if child is not None:
                yield from child.pages()
        finally:
            if child is not None:
                child.stop()


def _spare_core() -> bool:
    """A core that nothing else is using (this process takes one), and a process that
    can be forked safely (no other Python thread holding a lock the child would need)."""
    import threading
    if threading.active_count() > 1:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        return False
    return cores > 1 and load < cores - 0.5


class _Reader:
    """Pages of one document, its fonts kept from page to page."""

    def __init__(self):
        from pdfminer.pdfinterp import PDFResourceManager
        self.resources = PDFResourceManager(caching=True)
        self.fonts: dict[int, _Font] = {}     # by pdfminer font, which the resource manager keeps
        self.fallback = None

    def read(self, page) -> PageGlyphs:
        from pdfminer.pdfinterp import PDFPageInterpreter
        try:
            interpreter = PDFPageInterpreter(self.resources, None)
            interpreter.init_resources(page.resources)
            glyphs = _Page(page, interpreter.fontmap, self.fonts).read()
        except Unread:
            self.fallback = self.fallback or _Pdfminer(self.resources)
            glyphs = self.fallback.read(page)
        x0, y0, x1, y1 = page.cropbox
        return PageGlyphs(x1 - x0, y1 - y0, glyphs)


class _Child:
    """Pages `start`… of the PDF at `path`, read by a forked process and sent back as
    tuples (a Glyph pickles at several times the cost)."""

    def __init__(self, path, start: int):
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:   # the child: read, send, and leave without the parent's cleanup
            os.close(read_end)
            status = 1
            try:
                with os.fdopen(write_end, 'wb') as out:
                    pickle.dump(_read_from(path, start), out, protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self.pipe = os.fdopen(read_end, 'rb')
        self.done = False

    def pages(self):
        try:
            pages = pickle.load(self.pipe)
        except EOFError:
            pages = None
        self.pipe.close()
        _, status = os.waitpid(self.pid, 0)
        self.done = True
        if pages is None or status != 0:
            raise RuntimeError('the second process reading the PDF failed')
        for width, height, glyphs in pages:
            yield PageGlyphs(width, height, [Glyph(*g) for g in glyphs])

    def stop(self):
        """The child of a reading left off (an error, or the caller stopped early)."""
        if self.done:
            return
        import signal
        self.pipe.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _read_from(path, start: int) -> list:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    with open(path, 'rb') as f:
        reader = _Reader()
        out = []
        for k, page in enumerate(PDFPage.create_pages(PDFDocument(PDFParser(f)))):
            if k >= start:
                p = reader.read(page)
                out.append((p.width, p.height, [(g.text, g.x0, g.x1, g.base, g.size, g.font, g.top, g.bottom)
                                                for g in p.glyphs]))
        return out


class _Pdfminer:
    """pdfminer's own interpreter, for a page this reader leaves alone."""

    def __init__(self, resources):
        from pdfminer.converter import PDFPageAggregator
        from pdfminer.pdfinterp import PDFPageInterpreter
        self.device = PDFPageAggregator(resources, laparams=None)
        self.interpreter = PDFPageInterpreter(resources, self.device)

    def read(self, page) -> list[Glyph]:
        from pdfminer.layout import LTChar
        x0, y0, x1, y1 = page.cropbox
        height = y1 - y0
        self.interpreter.process_page(page)
        chars = []
        for obj in self.device.get_result():
            if isinstance(obj, LTChar):
                name = obj.fontname
                if isinstance(name, bytes):
                    name = name.decode('latin-1')
                chars.append({'text': obj.get_text(), 'x0': obj.x0 - x0, 'x1': obj.x1 - x0,
                              'top': height - (obj.y1 - y0), 'bottom': height - (obj.y0 - y0),
                              'size': obj.size, 'fontname': name,
                              'matrix': (*obj.matrix[:5], obj.matrix[5] - y0)})
        return glyphs_of(chars, height)


def glyphs_of(chars: list[dict], height) -> list[Glyph]:
    """Glyph records of characters as pdfplumber gives them (text, x0, x1, top, bottom,
    size, fontname, matrix), white space left out."""
    glyphs = []
    height = float(height)
    for ch in chars:
        if not ch['text'].strip():
            continue
        m = ch.get('matrix')
        base = height - m[5] if m else ch['bottom']
        glyphs.append(Glyph(ch['text'], float(ch['x0']), float(ch['x1']), float(base),
                            float(ch['size']), _strip_subset(ch.get('fontname', '')),
                            float(ch['top']), float(ch['bottom'])))
    return glyphs


class _Font:
    """What the glyph boxes need of a pdfminer font, looked up once per glyph id."""

    def __init__(self, font):
        if font.is_vertical():
            raise Unread('vertical font')
        self.font = font
        name = font.fontname
        self.name = _strip_subset(name.decode('latin-1') if isinstance(name, bytes) else name)
        self.descent = font.get_descent()
        self.multibyte = font.is_multibyte()
        self.glyphs: dict[int, tuple[str, float, bool]] = {}

    def glyph(self, cid: int) -> tuple[str, float, bool]:
        """Text, advance (text space units), and whether it is more than white space."""
        from pdfminer.pdffont import PDFUnicodeNotDefined
        try:
            text = self.font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f'(cid:{cid})'
        found = self.glyphs[cid] = (text, self.font.char_width(cid), bool(text.strip()))
        return found


class _Page:
    """The text state of one page as pdfminer keeps it (PDFTextState and the CTM,
    saved by q and restored by Q), and the glyphs its text operators draw."""

    def __init__(self, page, fontmap, fonts: dict):
        self.page = page
        self.fontmap = fontmap
        self.fonts = fonts
        x0, y0, x1, y1 = page.mediabox
        rotate = page.rotate
        if rotate == 90:
            self.ctm = (0, -1, 1, 0, -y0, x1)
        elif rotate == 180:
            self.ctm = (-1, 0, 0, -1, x1, y1)
        elif rotate == 270:
            self.ctm = (0, 1, -1, 0, y1, -x0)
        else:
            self.ctm = (1, 0, 0, 1, -x0, -y0)
        self.font = None
        self.fontsize = 0
        self.charspace = 0
        self.wordspace = 0
        self.scaling = 100
        self.leading = 0
        self.rise = 0
        self.matrix = (1, 0, 0, 1, 0, 0)
        self.linematrix = (0, 0)
        self.stack = []
        self.glyphs: list[Glyph] = []

    def read(self) -> list[Glyph]:
        from pdfminer.pdftypes import list_value, stream_value
        streams = [stream_value(s) for s in list_value(self.page.contents)]
        data = b'\n'.join(s.get_data() for s in streams)
        cx0, cy0, cx1, cy1 = self.page.cropbox
        self.crop = (cx0, cy0, cy1 - cy0)
        self._run(data)
        return self.glyphs

    def _run(self, data: bytes) -> None:
        args: list = []
        pos, end = 0, len(data)
        match = _TOKEN.match
        while pos < end:
            m = match(data, pos)
            if m is None:
                raise Unread(f'token at {pos}')
            pos = m.end()
            kind = m.lastgroup
            if kind is None:
                continue
            value = m.group(kind)
            if kind == 'op':
                self._operator(value, args)
                args = []
            elif kind == 'number':
                args.append(float(value) if b'.' in value else int(value))
            elif kind == 'array':
                args.append(_array(value))
            elif kind == 'hex':
                args.append(_hex(value))
            else:
                try:
                    args.append(value.decode('utf-8'))
                except UnicodeDecodeError:
                    raise Unread('name') from None

    def _operator(self, op: bytes, args: list) -> None:
        handler = _OPERATORS.get(op)
        if handler is not None:
            count, method = handler
            if len(args) >= count:
                method(self, *args[len(args) - count:])
        elif op in (b'BI', b'ID', b'EI'):
            raise Unread('inline image')

    # --- the graphics state ---

    def q(self):
        self.stack.append((self.ctm, self.font, self.fontsize, self.charspace, self.wordspace,
                           self.scaling, self.leading, self.rise, self.matrix, self.linematrix))

    def Q(self):
        if self.stack:
            (self.ctm, self.font, self.fontsize, self.charspace, self.wordspace,
             self.scaling, self.leading, self.rise, self.matrix, self.linematrix) = self.stack.pop()

    def cm(self, a, b, c, d, e, f):
        from pdfminer.utils import mult_matrix
        self.ctm = mult_matrix(_floats(a, b, c, d, e, f), self.ctm)

    # --- the text state ---

    def BT(self):
        self.matrix = (1, 0, 0, 1, 0, 0)
        self.linematrix = (0, 0)

    def Tc(self, space):
        self.charspace = _float(space)

    def Tw(self, space):
        self.wordspace = _float(space)

    def Tz(self, scale):
        self.scaling = _float(scale)

    def TL(self, leading):
        self.leading = -_float(leading)

    def Tf(self, name, size):
        if not isinstance(name, str) or name not in self.fontmap:
            raise Unread(f'font {name!r}')
        font = self.fontmap[name]
        self.font = self.fonts.get(id(font)) or self.fonts.setdefault(id(font), _Font(font))
        self.fontsize = _float(size)

    def Ts(self, rise):
        self.rise = _float(rise)

    def Td(self, tx, ty):
        tx, ty = _float(tx), _float(ty)
        a, b, c, d, e, f = self.matrix
        self.matrix = (a, b, c, d, tx * a + ty * c + e, tx * b + ty * d + f)
        self.linematrix = (0, 0)

    def TD(self, tx, ty):
        self.Td(tx, ty)
        self.leading = _float(ty)

    def Tm(self, a, b, c, d, e, f):
        self.matrix = _floats(a, b, c, d, e, f)
        self.linematrix = (0, 0)

    def T_star(self):
        a, b, c, d, e, f = self.matrix
        self.matrix = (a, b, c, d, self.leading * c + e, self.leading * d + f)
        self.linematrix = (0, 0)

    def Tj(self, s):
        self.TJ([s])

    def quote(self, s):
        self.T_star()
        self.TJ([s])

    def double_quote(self, aw, ac, s):
        self.Tw(aw)
        self.Tc(ac)
        self.TJ([s])

    def TJ(self, seq):
        """pdfminer's render_string and render_string_horizontal, and LTChar's box."""
        from pdfminer.utils import mult_matrix
        font = self.font
        if font is None or not isinstance(seq, list):
            return
        matrix = mult_matrix(self.matrix, self.ctm)
        fontsize = self.fontsize
        scaling = self.scaling * 0.01
        charspace = self.charspace * scaling
        wordspace = 0 if font.multibyte else self.wordspace * scaling
        rise = self.rise
        dxscale = 0.001 * fontsize * scaling
        descent = font.descent * fontsize
        low, high = descent + rise, descent + rise + fontsize
        a, b, c, d, e, f = matrix
        upright = b == 0 and c == 0
        cx0, cy0, height = self.crop
        fheight = float(height)
        name = font.name
        glyphs, decode, glyph = font.glyphs, font.font.decode, font.glyph
        out = self.glyphs
        x, y = self.linematrix
        if upright:
            # Upright, a string's glyphs share their baseline, size, top and bottom: the
            # same floats (x * b adds a zero), made once and shared (-40 MB at 700 pages).
            tf = x * b + y * d + f
            gy0, gy1 = d * low + tf, d * high + tf
            if gy1 < gy0:
                gy0, gy1 = gy1, gy0
            base, size = fheight - (tf - cy0), gy1 - gy0
            top, bottom = height - (gy1 - cy0), height - (gy0 - cy0)
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
                continue
            for cid in decode(obj):
                if needcharspace:
                    x += charspace
                text, width, drawn = glyphs.get(cid) or glyph(cid)
                adv = width * fontsize * scaling
                if drawn and upright:
                    # b = c = 0: pdfminer's terms in b and c add zeros (exactly)
                    te = x * a + y * c + e
                    gx0, gx1 = te, a * adv + te
                    if gx1 < gx0:
                        gx0, gx1 = gx1, gx0
                    out.append(Glyph(text, gx0 - cx0, gx1 - cx0, base, size, name, top, bottom))
                elif drawn:
                    te, tf = x * a + y * c + e, x * b + y * d + f
                    # apply_matrix_rect of (0, low, adv, high), as pdfminer computes it
                    left1, bottom1 = a * 0 + c * low + te, b * 0 + d * low + tf
                    right1, bottom2 = a * adv + c * low + te, b * adv + d * low + tf
                    right2, top1 = a * adv + c * high + te, b * adv + d * high + tf
                    left2, top2 = a * 0 + c * high + te, b * 0 + d * high + tf
                    gx0, gx1 = min(left1, left2, right1, right2), max(left1, left2, right1, right2)
                    gy0, gy1 = min(bottom1, bottom2, top1, top2), max(bottom1, bottom2, top1, top2)
                    # as pdfread's Glyph: text, x0, x1, baseline, size, font, top, bottom
                    out.append(Glyph(text, gx0 - cx0, gx1 - cx0, fheight - (tf - cy0), gy1 - gy0, name,
                                     height - (gy1 - cy0), height - (gy0 - cy0)))
                x += adv
                if cid == 32 and wordspace:
                    x += wordspace
                needcharspace = True
        self.linematrix = (x, y)


def _float(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    raise Unread(f'number expected, not {value!r}')


def _floats(*values) -> tuple:
    return tuple(_float(v) for v in values)


def _hex(digits: bytes) -> bytes:
    try:
        # fromhex skips whitespace between pairs; an odd digit count is refused
        return bytes.fromhex(digits.decode('ascii'))
    except ValueError:
        raise Unread('hex string') from None


def _array(body: bytes) -> list:
    out: list = []
    for digits, number, other in _ELEMENT.findall(body):
        if other:
            raise Unread('array element')
        if number:
            out.append(float(number) if b'.' in number else int(number))
        else:
            out.append(_hex(digits))
    return out


# Operator → (operand count, method). Operators not listed (paths, colours, images,
# marked content) change nothing the glyphs depend on; their operands are dropped.
_OPERATORS = {
    b'q': (0, _Page.q), b'Q': (0, _Page.Q), b'cm': (6, _Page.cm),
    b'BT': (0, _Page.BT), b'Tc': (1, _Page.Tc), b'Tw': (1, _Page.Tw), b'Tz': (1, _Page.Tz),
    b'TL': (1, _Page.TL), b'Tf': (2, _Page.Tf), b'Ts': (1, _Page.Ts), b'Td': (2, _Page.Td),
    b'TD': (2, _Page.TD), b'Tm': (6, _Page.Tm), b'T*': (0, _Page.T_star), b'TJ': (1, _Page.TJ),
    b'Tj': (1, _Page.Tj), b"'": (1, _Page.quote), b'"': (3, _Page.double_quote),
}
