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

import re
from dataclasses import dataclass

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
class PageChars:
    width: float
    height: float
    chars: list[dict]     # text, x0, x1, top, bottom, size, fontname, matrix (as pdfplumber names them)


def pages_of(path):
    """The characters of each page, in drawing order."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    with open(path, 'rb') as f:
        document = PDFDocument(PDFParser(f))
        resources = PDFResourceManager(caching=True)
        fallback = None
        fonts: dict[int, _Font] = {}     # by pdfminer font, which the resource manager keeps
        for page in PDFPage.create_pages(document):
            try:
                interpreter = PDFPageInterpreter(resources, None)
                interpreter.init_resources(page.resources)
                chars = _Page(page, interpreter.fontmap, fonts).read()
            except Unread:
                fallback = fallback or _Pdfminer(resources)
                chars = fallback.read(page)
            x0, y0, x1, y1 = page.cropbox
            yield PageChars(x1 - x0, y1 - y0, chars)


class _Pdfminer:
    """pdfminer's own interpreter, for a page this reader leaves alone."""

    def __init__(self, resources):
        from pdfminer.converter import PDFPageAggregator
        from pdfminer.pdfinterp import PDFPageInterpreter
        self.device = PDFPageAggregator(resources, laparams=None)
        self.interpreter = PDFPageInterpreter(resources, self.device)

    def read(self, page) -> list[dict]:
        from pdfminer.layout import LTChar
        x0, y0, x1, y1 = page.cropbox
        height = y1 - y0
        self.interpreter.process_page(page)
        chars = []
        for obj in self.device.get_result():
            if isinstance(obj, LTChar):
                chars.append(_record(obj.get_text(), obj.x0, obj.y0, obj.x1, obj.y1, obj.size,
                                     obj.fontname, obj.matrix, x0, y0, height))
        return chars


def _record(text, gx0, gy0, gx1, gy1, size, fontname, matrix, x0, y0, height) -> dict:
    if isinstance(fontname, bytes):
        fontname = fontname.decode('latin-1')
    return {'text': text, 'x0': gx0 - x0, 'x1': gx1 - x0,
            'top': height - (gy1 - y0), 'bottom': height - (gy0 - y0),
            'size': size, 'fontname': fontname, 'matrix': (*matrix[:5], matrix[5] - y0)}


class _Font:
    """What the glyph boxes need of a pdfminer font, looked up once per glyph id."""

    def __init__(self, font):
        if font.is_vertical():
            raise Unread('vertical font')
        self.font = font
        self.name = font.fontname
        self.descent = font.get_descent()
        self.multibyte = font.is_multibyte()
        self.glyphs: dict[int, tuple[str, float]] = {}

    def glyph(self, cid: int) -> tuple[str, float]:
        from pdfminer.pdffont import PDFUnicodeNotDefined
        try:
            text = self.font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f'(cid:{cid})'
        found = self.glyphs[cid] = (text, self.font.char_width(cid))
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
        self.chars: list[dict] = []

    def read(self) -> list[dict]:
        from pdfminer.pdftypes import list_value, stream_value
        streams = [stream_value(s) for s in list_value(self.page.contents)]
        data = b'\n'.join(s.get_data() for s in streams)
        cx0, cy0, cx1, cy1 = self.page.cropbox
        self.crop = (cx0, cy0, cy1 - cy0)
        self._run(data)
        return self.chars

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
        cx0, cy0, height = self.crop
        name = font.name
        if isinstance(name, bytes):
            name = name.decode('latin-1')
        glyphs, decode, glyph = font.glyphs, font.font.decode, font.glyph
        out = self.chars
        x, y = self.linematrix
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
                continue
            for cid in decode(obj):
                if needcharspace:
                    x += charspace
                text, width = glyphs.get(cid) or glyph(cid)
                te, tf = x * a + y * c + e, x * b + y * d + f
                adv = width * fontsize * scaling
                # apply_matrix_rect of (0, low, adv, high), as pdfminer computes it
                left1, bottom1 = a * 0 + c * low + te, b * 0 + d * low + tf
                right1, bottom2 = a * adv + c * low + te, b * adv + d * low + tf
                right2, top1 = a * adv + c * high + te, b * adv + d * high + tf
                left2, top2 = a * 0 + c * high + te, b * 0 + d * high + tf
                gx0, gy0 = min(left1, left2, right1, right2), min(bottom1, bottom2, top1, top2)
                gx1, gy1 = max(left1, left2, right1, right2), max(bottom1, bottom2, top1, top2)
                out.append({'text': text, 'x0': gx0 - cx0, 'x1': gx1 - cx0,
                            'top': height - (gy1 - cy0), 'bottom': height - (gy0 - cy0),
                            'size': gy1 - gy0, 'fontname': name,
                            'matrix': (a, b, c, d, te, tf - cy0)})
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
