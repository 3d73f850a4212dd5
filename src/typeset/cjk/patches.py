"""The speed patches to WeasyPrint: waste taken out of every build, output unchanged.

Each patch is a row of ``PATCHES``: the WeasyPrint module and attribute it replaces,
and a function that makes the replacement from the original. ``install()`` checks the
WeasyPrint version and that every target exists (failing loudly otherwise), then
replaces them; ``uninstall()`` puts the originals back. None of them changes a byte of
the PDF (tests/test_speed_features.py builds with and without them and compares) except
the one marked ``same_bytes=False``, which makes it smaller and draws the same pages.
One row is not about speed: IMAGE_NAMES (image_names.py) keeps the build's folders out
of the PDF; a build puts it back whatever else was taken out.

``import_weasyprint()`` is the one change that cannot be a row: it speeds up WeasyPrint's
own import, so it must run before it.
"""
from __future__ import annotations

import contextlib
import contextvars
import importlib
import itertools
import io
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

SUPPORTED = ((70,), (71,))  # >=70,<71, as pinned in pyproject.toml


def import_weasyprint():
    """`import weasyprint`, without the 0.14–0.32 s of `ctypes.util.find_library` and the
    0.1–0.15 s of cffi parsing WeasyPrint's C declarations.

    WeasyPrint's ``_dlopen`` (``text/ffi.py``) tries several names per library; for each
    miss cffi calls ``ctypes.util.find_library``, which runs ``ldconfig``, ``gcc`` and
    ``ld`` (22 lookups, 16 misses, for 7 libraries). With the lookup answering "not
    found", the same libraries load under their sonames (``libpango-1.0.so.0``…), which
    the list also holds. On a system where only the lookup finds them, the import is
    simply done again the slow way. The declarations come parsed (see `_declared_ffi`).
    """
    if 'weasyprint' in sys.modules:
        return sys.modules['weasyprint']
    import ctypes.util
    import gc
    import warnings
    lookup = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    # Nothing imported is garbage: collecting during the import only costs (~10 %), and
    # so would the first collection after it, over every object the import made. They
    # are frozen instead (as the warm renderer freezes everything before its first build).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for declared in (True, False):
            try:
                # _dlopen prints an installation hint before it gives up; not ours to show here.
                with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), \
                        _declarations_parsed(declared), imported_when_used(IMPORTED_WHEN_USED):
                    warnings.filterwarnings('ignore', message='No fonts configured')
                    import weasyprint.text.ffi  # noqa: F401
                break
            except _OtherDeclarations:
                _forget_weasyprint()  # then with cffi parsing them, as WeasyPrint does
            except OSError:
                _forget_weasyprint()
                break
    finally:
        ctypes.util.find_library = lookup
    try:
        with warnings.catch_warnings(), imported_when_used(IMPORTED_WHEN_USED):
            # Expected: the configuration is empty on purpose, fonts come from @font-face.
            warnings.filterwarnings('ignore', message='No fonts configured')
            import weasyprint
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    return weasyprint


# What ``pdf/fonts.py`` imports and a build with HarfBuzz-Subset never runs: fontTools'
# subsetter (WeasyPrint's fallback without it) and the variable-font instancer, with the
# names it takes from them. Importing them is 0.045 s, a tenth of a fresh build's imports.
IMPORTED_WHEN_USED = {'fontTools.subset': (), 'fontTools.varLib.instancer': ('instantiateVariableFont',)}


class _ImportedWhenUsed(types.ModuleType):
    """Stands for a module until something of it is used, then imports it."""

    def __getattr__(self, attribute):
        if attribute.startswith('__'):  # the import system asking (__path__ …): not a use
            raise AttributeError(attribute)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


def _calls_into(module: str, name: str):
    def function(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    return function


@contextlib.contextmanager
def imported_when_used(modules: dict[str, tuple[str, ...]]):
    """While the block runs, each of `modules` that is not imported yet is a stand-in
    that imports the real module when something of it is first used; functions the block
    takes from it by name (``from m import f``) are given as ones that call the real one.
    Afterwards an import gets the real module."""
    standing = {}
    for module, names in modules.items():
        if module not in sys.modules:
            standing[module] = sys.modules[module] = _ImportedWhenUsed(module)
            for name in names:
                setattr(standing[module], name, _calls_into(module, name))
    try:
        yield
    finally:
        for module, stand_in in standing.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]


def _forget_weasyprint():
    for name in [m for m in sys.modules if m == 'weasyprint' or m.startswith('weasyprint.')]:
        del sys.modules[name]


class _OtherDeclarations(Exception):
    """WeasyPrint declares other C functions or types than cdecl.py was made from."""


def cdef_digest(csource: str) -> str:
    import hashlib
    return hashlib.blake2b(csource.encode(), digest_size=16).hexdigest()


def _declared_ffi():
    """A cffi FFI made from cdecl.py, the declarations of ``weasyprint/text/ffi.py``
    parsed ahead of time (tools/make_cdecl.py), or None when it cannot be made.

    cffi's in-line mode parses them with pycparser at every import (0.04 s), and parses
    again every C type WeasyPrint names in a string (``ffi.new('hb_codepoint_t[586]')``,
    22 on the seed, 0.1 s: each beside a typedef of every declared type). The out-of-line
    FFI holds the same declarations as data and reads type names in C. Its `cdef` only
    checks that WeasyPrint's declarations are the ones cdecl.py was made from."""
    try:
        import _cffi_backend

        from . import cdecl

        class DeclaredFFI(_cffi_backend.FFI):
            def cdef(self, csource, *args, **kwargs):
                if args or kwargs or cdef_digest(csource) != cdecl.DIGEST:
                    raise _OtherDeclarations
        return DeclaredFFI(cdecl.NAME, **cdecl.ARGS)
    except Exception:  # another cffi (the data's format) or no cdecl.py: parse as usual
        return None


@contextlib.contextmanager
def _declarations_parsed(declared: bool):
    """While WeasyPrint's ffi module runs: its ``cffi.FFI()`` is the declared FFI."""
    import cffi
    made = _declared_ffi() if declared else None
    if made is None:
        yield
        return
    real = cffi.FFI
    handed = []

    def FFI(*args, **kwargs):  # noqa: N802  (stands for the class)
        if handed or args or kwargs:
            return real(*args, **kwargs)
        handed.append(made)
        return made
    cffi.FFI = FFI
    try:
        yield
    finally:
        cffi.FFI = real


def _version_tuple(version):
    import re
    return tuple(int(part) for part in re.findall(r'\d+', version)[:3])


def check_version(version=None):
    """Refuse a WeasyPrint outside the range every patch of typeset.cjk was tested on."""
    from . import UnsupportedWeasyPrint
    version = version or import_weasyprint().__version__
    low, high = SUPPORTED
    if not (low <= _version_tuple(version) < high):
        raise UnsupportedWeasyPrint(
            f'typeset.cjk patches WeasyPrint internals and is tested with '
            f'WeasyPrint >=70,<71; found {version}. Install a 70.x release.')


@dataclass(frozen=True)
class Patch:
    """Replace `attribute` of `module` (``Class.method`` for a method) by `make(original)`."""
    module: str
    attribute: str
    make: Callable
    why: str
    same_bytes: bool = True  # False: changes the PDF (smaller), not just the time

    def owner_and_name(self):
        owner = importlib.import_module(self.module)
        *path, name = self.attribute.split('.')
        for part in path:
            owner = getattr(owner, part)
        return owner, name

    def original(self):
        owner, name = self.owner_and_name()
        if not hasattr(owner, name):
            from . import UnsupportedWeasyPrint
            raise UnsupportedWeasyPrint(
                f'typeset.cjk.patches: {self.module}.{self.attribute} is not in this '
                'WeasyPrint; the patches were written for 70.x')
        return owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)


# -- the page-style scan (issue 13, item 3) -------------------------------------------

def _make_page_type_styles(original):
    """``layout/page.py`` ``set_page_type_computed_styles`` finds a page's margin boxes by
    scanning every cascaded style: the keys of all earlier pages stay there, so the scan
    grows with the page count (0.46 s at 700 pages, 10.6 s at 3,500). The keys a page
    type has are the ones ``add_page_declarations`` inserts for it, the dictionary's
    newest, so they are remembered per page type and visited in the same order."""

    def set_page_type_computed_styles(page_type, html, style_for):
        cascaded = style_for.get_cascaded_styles()
        known = style_for.__dict__.setdefault('_typeset_page_keys', {})
        before = len(cascaded)
        style_for.add_page_declarations(page_type)
        if page_type not in known:
            added = len(cascaded) - before
            newest = list(itertools.islice(reversed(cascaded), added))[::-1]
            known[page_type] = [pseudo for element, pseudo in newest
                                if pseudo and element == page_type]
        style_for.set_computed_styles(
            page_type, root=html.etree_element, parent=html.etree_element,
            base_url=html.base_url)
        for pseudo_type in known[page_type]:
            style_for.set_computed_styles(
                page_type, pseudo_type=pseudo_type, root=html.etree_element,
                parent=page_type, base_url=html.base_url)

    set_page_type_computed_styles.__wrapped__ = original
    return set_page_type_computed_styles


# -- scans over every page (issue 13, growth) ------------------------------------------

def _make_layout_fixed_boxes(original):
    """``layout/__init__.py`` ``layout_document`` asks, for each page, for the fixed boxes
    of all the others, and ``layout_fixed_boxes`` visits every one of those pages in
    Python: quadratic, 0.5 s at 700 pages and 13 s at 3,500, mostly pages without
    any. Only the pages that have fixed boxes are given to it, picked in C, in order."""
    import operator
    has_fixed_boxes = operator.attrgetter('fixed_boxes')

    def layout_fixed_boxes(context, pages, containing_page):
        return original(context, list(filter(has_fixed_boxes, pages)), containing_page)

    layout_fixed_boxes.__wrapped__ = original
    return layout_fixed_boxes


def _make_page_references(original):
    """``pydyf.PDF.page_references`` formats a reference to every page each time it is
    read, and WeasyPrint reads it once per bookmark (``pdf/anchors.py``
    ``add_outlines``): quadratic, as bookmarks grow with the pages. The same tuple is
    made once, and again only when a page has been added."""

    def page_references(self):
        kids = self.pages['Kids']
        kept = self.__dict__.get('_typeset_page_references')
        if kept is None or kept[0] is not kids or kept[1] != len(kids):
            kept = self._typeset_page_references = (kids, len(kids), original.fget(self))
        return kept[2]

    page_references.__wrapped__ = original
    return property(page_references)


# -- shrink-to-fit (issue 13, item 2) -------------------------------------------------

def _make_shrink_to_fit(original):
    """``layout/preferred.py`` ``shrink_to_fit`` is min(max(min-content, available),
    max-content). When max-content fits, that is max-content whatever the minimum is,
    and the minimum is the dear part: the CJK splitter called at every character, a
    Pango layout each (500 of 756 splitter calls on the seed)."""
    from weasyprint.layout import preferred

    def shrink_to_fit(context, box, available_content_width):
        widest = preferred.max_content_width(context, box, outer=False)
        if widest <= available_content_width:
            return widest
        return min(max(preferred.min_content_width(context, box, outer=False),
                       available_content_width), widest)

    shrink_to_fit.__wrapped__ = original
    return shrink_to_fit


# -- fonts not copied (issue 13, item 6) ----------------------------------------------

def _make_add_font_face(original):
    """``text/fonts.py`` ``FontConfiguration.add_font_face`` writes every @font-face
    font into a temporary folder for fontconfig: 58 MB a build here, and as much removed
    at exit. A font that is a local TrueType/OpenType file the sandbox allows is given
    to fontconfig where it is; everything else (woff, local(), other fetchers) goes to
    the original. The fontconfig rules are WeasyPrint's own, built by the same code."""

    def add_font_face(self, rule_descriptors, url_fetcher):
        local_path = getattr(url_fetcher, 'local_path', None)
        path = _local_font(rule_descriptors, local_path) if local_path else None
        if path is None:
            return original(self, rule_descriptors, url_fetcher)
        added = self.__dict__.setdefault('_typeset_local_fonts', set())
        key = str(rule_descriptors)
        if key in added:
            return None
        added.add(key)
        return _register(self, rule_descriptors, path)

    add_font_face.__wrapped__ = original
    return add_font_face


def _local_font(rule_descriptors, local_path) -> Path | None:
    """The real path of the first `src` of the rule, when it is a plain font file the
    fetcher allows; None to leave the rule to WeasyPrint."""
    for font_type, url in rule_descriptors.get('src', ()):
        if url is None or font_type == 'internal':
            continue
        if font_type != 'external' or not url.startswith('file:'):
            return None
        try:
            path = local_path(url)
        except Exception:  # refused by the sandbox: WeasyPrint's path reports it
            return None
        try:
            with open(path, 'rb') as f:
                magic = f.read(4)
        except OSError:
            return None
        # woff/woff2 must be decoded into a file first: WeasyPrint's way.
        return path if magic in (b'\x00\x01\x00\x00', b'OTTO', b'true', b'ttcf') else None
    return None


def _register(config, rule_descriptors, path: Path):
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2
    from weasyprint.text.fonts import LOGGER, PREFERRED_ENCODING
    xml = _fontconfig_rules(rule_descriptors, path.as_posix())
    fontconfig.FcConfigParseAndLoadFromMemory(config._config, xml, True)
    if fontconfig.FcConfigAppFontAddFile(config._config, path.as_posix().encode(PREFERRED_ENCODING)):
        return pangoft2.pango_fc_font_map_config_changed(ffi.cast('PangoFcFontMap *', config.font_map))
    LOGGER.warning('Font-face %r cannot be loaded', rule_descriptors['font_family'])
    return None


def _fontconfig_rules(rule_descriptors, font_file: str) -> bytes:
    """The fontconfig XML WeasyPrint 70 writes for a @font-face (``add_font_face``),
    naming `font_file` instead of its temporary copy."""
    from xml.etree.ElementTree import Element, SubElement, tostring

    from weasyprint.text.fonts import (FONTCONFIG_STRETCH, FONTCONFIG_STYLE,
                                       FONTCONFIG_WEIGHT, font_features)
    mode = 'assign_replace'
    root = Element('fontconfig')
    match = SubElement(root, 'match', target='scan')
    test = SubElement(match, 'test', name='file', compare='eq')
    SubElement(test, 'string').text = font_file
    edit = SubElement(match, 'edit', name='family', mode='prepend')
    SubElement(edit, 'string').text = rule_descriptors['font_family']
    for key, name, table, tag in (('font_style', 'slant', FONTCONFIG_STYLE, 'const'),
                                  ('font_weight', 'weight', FONTCONFIG_WEIGHT, 'int'),
                                  ('font_stretch', 'width', FONTCONFIG_STRETCH, 'const')):
        if key in rule_descriptors:
            edit = SubElement(match, 'edit', name=name, mode=mode)
            SubElement(edit, tag).text = str(table[rule_descriptors[key]])
    match = SubElement(root, 'match', target='font')
    test = SubElement(match, 'test', name='file', compare='eq')
    SubElement(test, 'string').text = font_file
    descriptors = {rules[0][0].replace('-', '_'): rules[0][1]
                   for rules in rule_descriptors.get('font_variant', [])}
    settings = rule_descriptors.get('font_feature_settings', 'normal')
    features = font_features(font_feature_settings=settings, **descriptors)
    if features:
        edit = SubElement(match, 'edit', name='fontfeatures', mode=mode)
        for key, value in features.items():
            SubElement(edit, 'string').text = f'{key} {value}'
    if unicode_ranges := rule_descriptors.get('unicode_range'):
        edit = SubElement(match, 'edit', name='charset', mode=mode)
        plus = SubElement(edit, 'plus')
        for unicode_range in unicode_ranges:
            range_ = SubElement(SubElement(plus, 'charset'), 'range')
            for value in (unicode_range.start, unicode_range.end):
                SubElement(range_, 'int').text = f'0x{value:x}'
    header = (b'<?xml version="1.0"?>',
              b'<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">')
    return b'\n'.join((*header, tostring(root, encoding='utf-8')))


# -- compression kept between builds (warm rebuilds) ----------------------------------

# Deflated streams of at least this size are remembered, by the digest of their bytes,
# up to DEFLATED_KEPT bytes in all: the subset fonts, which a one-character edit seldom
# changes. zlib level 9 (pydyf's) takes 0.1 s a build on the seed's fonts.
DEFLATE_REMEMBER = 16 * 1024
DEFLATED_KEPT = 64 * 1024 * 1024
_deflated: dict[bytes, bytes] = {}


def _deflate(data: bytes) -> bytes:
    import hashlib
    import zlib
    key = hashlib.blake2b(data, digest_size=20).digest() if len(data) >= DEFLATE_REMEMBER else None
    if key is not None and key in _deflated:
        _deflated[key] = _deflated.pop(key)  # most recently used last
        return _deflated[key]
    compressor = zlib.compressobj(level=9)
    deflated = compressor.compress(data) + compressor.flush()
    if key is not None:
        _deflated[key] = deflated
        while sum(map(len, _deflated.values())) > DEFLATED_KEPT:
            del _deflated[next(iter(_deflated))]
    return deflated


def _make_stream_data(original):
    """``pydyf.Stream.data`` (WeasyPrint's PDF writer) deflates every stream at level 9
    each time. The same bytes give the same deflated bytes, so a warm renderer
    remembers the big ones (see DEFLATE_REMEMBER); the rest is pydyf's own code."""
    import pydyf

    def data(self):
        extra = pydyf.Dictionary(self.extra.copy())
        deflated = self.__dict__.get('_typeset_deflated')  # a page drawn once
        stream = deflated or b'\n'.join(pydyf._to_bytes(item) for item in self.stream)
        if self.compress:
            extra['Filter'] = '/FlateDecode'
            stream = deflated or _deflate(stream)
        extra['Length'] = len(stream)
        return b'\n'.join((extra.data, b'stream', stream, b'endstream'))

    data.__wrapped__ = original
    return property(data)


# -- pages drawn once (issue 13, memory) ----------------------------------------------

_painting_once = contextvars.ContextVar('typeset_painting_once', default=False)


@contextlib.contextmanager
def painting_once():
    """Inside it, ``write_pdf`` draws each page for the last time: its boxes are dropped
    and its content stream is deflated as soon as it is drawn (see _make_page_paint).
    Only for a document written once, without PDF tags or a PDF variant (they read the
    boxes and the streams again after the pages are drawn)."""
    token = _painting_once.set(True)
    try:
        yield
    finally:
        _painting_once.reset(token)


def _make_page_paint(original):
    """``document.py`` ``Page.paint`` draws a page from its box tree, which WeasyPrint
    keeps for every page until the whole PDF is written, beside every page's drawing
    operators, undeflated: 0.45 MiB a page at its peak, 1.4 GB for 3,500 pages. Painting
    once, each page's boxes go once drawn, and its operators are kept as the deflated
    bytes ``Stream.data`` would write (the same bytes, made earlier)."""
    import pydyf

    def paint(self, stream, scale=1):
        original(self, stream, scale)
        if not _painting_once.get():
            return
        self._page_box = None
        deflates_early = _originals.get(STREAM_DATA) is not None
        if deflates_early and stream.compress and not stream.__dict__.get('_typeset_deflated'):
            stream._typeset_deflated = _deflate(
                b'\n'.join(pydyf._to_bytes(item) for item in stream.stream))
            stream.stream = []

    paint.__wrapped__ = original
    return paint


# -- font subsets kept between builds (warm rebuilds) ---------------------------------

def _stored_file(font):
    """The font file a Font holds now, without reading it out of HarfBuzz (see
    _make_font): what a subset replaces."""
    return font.__dict__.get('_file_content', font.__dict__.get('file_content'))



SUBSETS_KEPT = 64
_subsets: dict[tuple, tuple] = {}


def _make_harfbuzz_subset(original):
    """``pdf/fonts.py`` ``Font._harfbuzz_subset`` subsets each font again every build
    (0.05 s on the seed). The subset is a function of the HarfBuzz face, the glyph set
    and the flags, so a warm renderer keeps it. The cache holds a reference to the face,
    so while an entry lives its address cannot be reused by another font."""
    from weasyprint.text.ffi import ffi, harfbuzz

    def _harfbuzz_subset(self, to_unicode, hinting):
        address = int(ffi.cast('uintptr_t', self.hb_face))
        key = (address, tuple(sorted(to_unicode)), bool(hinting), bool(self.missing))
        kept = _subsets.pop(key, None)
        if kept is not None:
            _subsets[key] = kept  # most recently used last
            self.file_content = kept[1]
            return None
        before = _stored_file(self)
        original(self, to_unicode, hinting)
        if _stored_file(self) is not before:  # subset made (on failure WeasyPrint warned)
            face = ffi.gc(harfbuzz.hb_face_reference(self.hb_face), harfbuzz.hb_face_destroy)
            _subsets[key] = (face, self.file_content)
            while len(_subsets) > SUBSETS_KEPT:
                del _subsets[next(iter(_subsets))]
        return None

    _harfbuzz_subset.__wrapped__ = original
    return _harfbuzz_subset


# -- font files read only when embedded whole ----------------------------------------

_UNREAD = object()


def _make_font(original):
    """``pdf/fonts.py`` ``Font.__init__`` copies the whole font file out of HarfBuzz
    (``get_hb_object_data``: 58 MB for the seed's fonts, 0.02 s and as many page faults
    every build, warm or not), and the subset replaces it before anything reads it. Here
    the file is copied when it is first read: only for a font embedded whole (no glyph
    subset made, a variable or colour font). ``pdf/stream.py`` makes the fonts."""
    from weasyprint.pdf import fonts

    class Font(original):
        def __init__(self, pango_font, description, font_size):
            read, fonts.get_hb_object_data = fonts.get_hb_object_data, lambda *args: _UNREAD
            try:
                original.__init__(self, pango_font, description, font_size)
            finally:
                fonts.get_hb_object_data = read

        @property
        def file_content(self):
            data = self.__dict__.get('_file_content', _UNREAD)
            if data is _UNREAD:
                # The face lives as long as the font configuration, which the document holds.
                data = self.__dict__['_file_content'] = fonts.get_hb_object_data(self.hb_face)
            return data

        @file_content.setter
        def file_content(self, data):
            self.__dict__['_file_content'] = data

    Font.__wrapped__ = original
    Font.__qualname__ = Font.__name__ = original.__name__
    return Font


# -- fonts embedded as bare CFF (issue 13, PDF size) ----------------------------------

_bare: dict[bytes, bytes | None] = {}


def _make_build_fonts_dictionary(original):
    """``pdf/fonts.py`` ``build_fonts_dictionary`` embeds each subset as OpenType with a
    slot for every glyph ID up to the highest used; afterwards each such font file is
    replaced by the bare CID-keyed CFF of the glyphs drawn (see embed.py): the seed's PDF
    from 504 KB to below Typst's 455 KB, pages drawn identically. Kept between builds
    by the digest of the font file and the glyph set, like the deflated streams."""
    import hashlib

    import pydyf

    from .embed import bare_cff

    def build_fonts_dictionary(pdf, fonts, compress, subset, options):
        result = original(pdf, fonts, compress, subset, options)
        if not subset:
            return result
        if any(font.used_in_forms for font in fonts.values()):
            return result  # widths of the whole font are written: leave it whole
        # As the original groups them: one file per font hash, the first font's.
        groups: dict[str, list] = {}
        for font in fonts.values():
            groups.setdefault(font.hash, []).append(font)
        glyphs = {id(group[0].file_content): set().union(*(f.to_unicode for f in group))
                  for group in groups.values()}
        for stream in pdf.objects:
            if not (isinstance(stream, pydyf.Stream) and stream.extra.get('Subtype') == '/OpenType'
                    and len(stream.stream) == 1 and id(stream.stream[0]) in glyphs):
                continue
            file = stream.stream[0]
            used = sorted(glyphs[id(file)])
            key = hashlib.blake2b(file + repr(used).encode(), digest_size=20).digest()
            if key not in _bare:
                _bare[key] = bare_cff(file, used)
                while len(_bare) > SUBSETS_KEPT:
                    del _bare[next(iter(_bare))]
            if _bare[key] is not None:
                stream.stream = [_bare[key]]
                stream.extra['Subtype'] = '/CIDFontType0C'
        return result

    build_fonts_dictionary.__wrapped__ = original
    return build_fonts_dictionary


def _make_image_md5(original):
    from .image_names import relative_md5
    return relative_md5(original)


# Not a speed patch: same bytes wherever the project is built (security, see image_names.py).
IMAGE_NAMES = Patch('weasyprint.images', 'md5', _make_image_md5,
                    'images named relative to the build\'s folders, not by their absolute path')

STREAM_DATA = Patch('pydyf', 'Stream.data', _make_stream_data,
                    'big deflated streams (the subset fonts) remembered between builds; '
                    'a page drawn once written as deflated then')

PATCHES = [
    IMAGE_NAMES,
    Patch('weasyprint.layout.page', 'set_page_type_computed_styles', _make_page_type_styles,
          'margin boxes found without scanning every page of the document'),
    Patch('weasyprint.layout', 'layout_fixed_boxes', _make_layout_fixed_boxes,
          'fixed boxes looked for only on the pages that have some'),
    Patch('pydyf', 'PDF.page_references', _make_page_references,
          'the references to the pages made once, not once per bookmark'),
    # shrink_to_fit is imported by name into each layout module that calls it.
    *(Patch(f'weasyprint.layout.{module}', 'shrink_to_fit', _make_shrink_to_fit,
            'no min-content width when the max-content width fits')
      for module in ('preferred', 'inline', 'float', 'absolute')),
    Patch('weasyprint.text.fonts', 'FontConfiguration.add_font_face', _make_add_font_face,
          'local fonts given to fontconfig in place, not copied'),
    Patch('weasyprint.pdf.stream', 'Font', _make_font,
          'a font file copied out of HarfBuzz only when it is embedded whole'),
    Patch('weasyprint.pdf.fonts', 'Font._harfbuzz_subset', _make_harfbuzz_subset,
          'font subsets remembered between builds'),
    Patch('weasyprint.pdf', 'build_fonts_dictionary', _make_build_fonts_dictionary,
          'fonts embedded as bare CFF of the glyphs drawn', same_bytes=False),
    Patch('weasyprint.document', 'Page.paint', _make_page_paint,
          'a page written once: its boxes dropped and its operators deflated once drawn'),
    STREAM_DATA,
]

_originals: dict[Patch, object] = {}


def install(which: Callable[[Patch], bool] = lambda patch: True) -> None:
    """Check the version and every target, then patch (idempotent); `which` selects the
    patches to install (default: all)."""
    check_version()
    originals = {patch: patch.original() for patch in PATCHES  # all targets, before any change
                 if patch not in _originals and which(patch)}
    for patch, original in originals.items():
        owner, name = patch.owner_and_name()
        setattr(owner, name, patch.make(original))
    _originals.update(originals)


def uninstall(which: Callable[[Patch], bool] = lambda patch: True) -> None:
    """Put WeasyPrint's own functions back (those of the patches `which` selects)."""
    for patch, original in list(_originals.items()):
        if which(patch):
            owner, name = patch.owner_and_name()
            setattr(owner, name, original)
            del _originals[patch]


def installed() -> bool:
    return len(_originals) == len(PATCHES)
