"""Rendering: HTML + style → PDF with WeasyPrint, inside a sandbox, written atomically.

The renderer sees only the fonts of `fonts/` (FONTCONFIG_FILE points at an empty
configuration), fetches only files inside the allowed folders, and never replaces the
previous PDF until the new one is complete.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .errors import Finding, InputError

EMPTY_FONTCONFIG = Path(__file__).resolve().parents[2] / 'fonts' / 'fonts.conf'


def isolate_fonts(fontconfig_file: Path = EMPTY_FONTCONFIG) -> None:
    """Make the machine's own fonts and fontconfig rules invisible to the renderer.

    WeasyPrint builds a fresh fontconfig configuration for every document from
    FONTCONFIG_FILE, so setting it before each render is enough, even if WeasyPrint
    was imported earlier.
    """
    os.environ['FONTCONFIG_FILE'] = str(fontconfig_file)
    os.environ.pop('FONTCONFIG_PATH', None)


def harfbuzz_subset_available() -> bool:
    """Without libharfbuzz-subset WeasyPrint subsets CJK fonts with fontTools, ~50× slower."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


@dataclass
class Sandbox:
    """Which files the renderer may read; every refused reference becomes a finding."""
    roots: list[Path]
    refused: list[Finding] = field(default_factory=list)

    def allows(self, path: Path) -> bool:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        return any(real.is_relative_to(root) for root in self.roots)

    def refuse(self, url: str, why: str) -> None:
        if not any(f.extra.get('url') == url for f in self.refused):
            self.refused.append(Finding('resource-outside-project', 'error',
                                        f'refused to load {url}: {why}', extra={'url': url}))

    def fetcher(self):
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        sandbox = self

        class SandboxFetcher(URLFetcher):
            def fetch(self, url, headers=None):
                scheme = urlsplit(url).scheme.lower()
                if scheme == 'data':
                    return super().fetch(url, headers)
                if scheme != 'file':
                    sandbox.refuse(url, 'only files inside the project can be used, never the network')
                    raise ValueError(f'refused: {url}')
                path = Path(url2pathname(unquote(urlsplit(url).path)))
                if not sandbox.allows(path):
                    sandbox.refuse(url, 'outside the project')
                    raise ValueError(f'refused: {url}')
                real = path.resolve()
                return URLFetcherResponse(real.as_uri(), real.read_bytes())

        return SandboxFetcher(allowed_protocols=None)


@dataclass
class RenderResult:
    pages: int
    seconds: float
    warnings: list[str]


class _CollectWarnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def render_pdf(html: str, *, base_url: Path, stylesheets: list[tuple[str, Path]],
               output: Path, sandbox: Sandbox, metadata_date: str | None = None) -> RenderResult:
    """Lay out and write the PDF atomically. `stylesheets` are (css text, base path) pairs."""
    isolate_fonts()
    with warnings.catch_warnings():
        # Expected: the configuration is empty on purpose, fonts come from @font-face.
        warnings.filterwarnings('ignore', message='No fonts configured')
        import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    try:  # TODO(cjk): import unconditionally once the layout layer lands
        from . import cjk
        cjk.install()
    except (ImportError, AttributeError):
        pass

    start = time.perf_counter()
    fetcher = sandbox.fetcher()
    font_config = FontConfiguration()
    handler = _CollectWarnings()
    logger = logging.getLogger('weasyprint')
    logger.addHandler(handler)
    previous_level = logger.level
    logger.setLevel(logging.WARNING)
    # WeasyPrint prints its warnings itself; ours go through the result instead.
    propagate = logger.propagate
    logger.propagate = False
    try:
        document = weasyprint.HTML(string=html, base_url=base_url.as_uri() + '/',
                                   url_fetcher=fetcher)
        css = [weasyprint.CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher,
                              font_config=font_config) for text, path in stylesheets]
        rendered = document.render(stylesheets=css, font_config=font_config)
        pages = len(rendered.pages)
        # A stable identifier (from the content, not the clock) keeps builds byte-identical.
        identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
        write_atomically(output, lambda f: rendered.write_pdf(f, pdf_identifier=identifier))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
        logger.propagate = propagate
    return RenderResult(pages, time.perf_counter() - start, handler.messages)


def write_atomically(target: Path, write) -> None:
    """Write to a temporary file beside `target`, then move it into place.

    Whatever happens before the move (an exception, Ctrl-C, a full disk), the previous
    file is untouched and the temporary one is removed.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f'cannot create the output folder: {e.strerror}', target.parent) from None
    fd, tmp = tempfile.mkstemp(prefix=f'.{target.name}.', suffix='.part', dir=target.parent)
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
