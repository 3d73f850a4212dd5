"""The warm renderer: what one build pays for once, kept for the next.

A `Renderer` holds the imported and patched WeasyPrint, one fontconfig configuration
with the fonts of `fonts/` registered in place, and the parsed style sheets. `build` uses
the process's renderer once; `watch` and batch workers keep it, so a rebuild pays only
for reading, layout and writing. A build's result does not depend on what was built
before it in the same process: a document that brings fonts of its own (raw HTML with
@font-face) gets them in a configuration that is dropped after its build.
"""
from __future__ import annotations

import gc

_shared = None

# A build makes millions of small objects and few cycles; collecting the young generation
# every 700 allocations, and the old ones as often as Python's defaults do, walks the
# growing box tree again and again (2.05 s of a 700-page build). The objects of the
# imports are frozen once: never garbage, never scanned again.
GC_THRESHOLD = (50_000, 50, 100)


class Renderer:
    """Lays out HTML with the style sheets, keeping fonts and parsed styles between calls."""

    def __init__(self):
        from . import cjk
        from .render import isolate_fonts
        isolate_fonts()
        self.weasyprint = cjk.weasyprint
        cjk.install()
        self.font_config = None
        self._sheets: dict[tuple[str, str], object] = {}
        self._clean_fonts: set[str] = set()
        self.builds = 0
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)

    @classmethod
    def shared(cls) -> 'Renderer':
        """The process's renderer, made on first use."""
        global _shared
        if _shared is None:
            _shared = cls()
        return _shared

    def layout(self, html: str, base_url, stylesheets, sandbox):
        """Lay out `html` with `stylesheets`, (css text, base path) pairs, reading
        through `sandbox`. Returns WeasyPrint's HTML and its rendered document, ready to
        write."""
        from .render import isolate_fonts
        isolate_fonts()
        if self.font_config is None:
            self.font_config = self.weasyprint.text.fonts.FontConfiguration()
        fetcher = sandbox.fetcher()
        css = [self._sheet(text, path, fetcher, sandbox) for text, path in stylesheets]
        # Only this build's sheets are kept: a style edited in watch is parsed anew.
        used = {(text, path.as_uri()) for text, path in stylesheets}
        self._sheets = {key: sheet for key, sheet in self._sheets.items() if key in used}
        document = self.weasyprint.HTML(string=html, base_url=base_url.as_uri() + '/',
                                        url_fetcher=fetcher)
        try:
            return document, document.render(stylesheets=css, font_config=self.font_config)
        finally:
            self.builds += 1
            self._forget_foreign_fonts()

    def _sheet(self, text: str, path, fetcher, sandbox):
        key = (text, path.as_uri())
        sheet = self._sheets.get(key)
        if sheet is not None:
            return sheet
        refused, fonts = len(sandbox.refused), _fonts_of(self.font_config)
        sheet = self.weasyprint.CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher,
                                    font_config=self.font_config)
        # A sheet the sandbox refused something in is parsed again each time, so that
        # each build reports the refusal itself.
        if len(sandbox.refused) == refused:
            self._sheets[key] = sheet
            self._clean_fonts |= _fonts_of(self.font_config) - fonts
        return sheet

    def _forget_foreign_fonts(self) -> None:
        """Drop the configuration when this build added fonts the kept sheets did not."""
        config = self.font_config
        if config is None:
            return
        if config._folder is not None or _fonts_of(config) - self._clean_fonts:
            self.font_config = None
            self._sheets.clear()
            self._clean_fonts = set()


def _fonts_of(config) -> set[str]:
    return set(config.__dict__.get('_typeset_local_fonts', ()))
