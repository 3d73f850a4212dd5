"""Rendering: HTML + style → PDF with WeasyPrint, inside a sandbox, written atomically.

The renderer sees only the fonts of `fonts/` (FONTCONFIG_FILE points at an empty
configuration), fetches only files inside the allowed folders, and never replaces the
previous PDF until the new one is complete.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import InputError
from .sandbox import Sandbox  # noqa: F401  (re-exported: render.Sandbox is the pipeline's name for it)

NESTED_TOO_DEEPLY = ('nested too deeply to typeset (lists, quotes, emphasis or HTML elements '
                     'inside one another); flatten the nesting')

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
class RenderResult:
    pages: int
    seconds: float
    warnings: list[str]
    composition: object = None   # cjk.breaker.Composition: what the paragraph breaker did


class _CollectWarnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def render_pdf(html: str, *, base_url: Path, stylesheets: list[tuple[str, Path]],
               output: Path, sandbox: Sandbox, metadata_date: str | None = None) -> RenderResult:
    """Lay out and write the PDF atomically. `stylesheets` are (css text, base path) pairs."""
    if sandbox.source_path is not None and _same_file(output, sandbox.source_path):
        raise InputError('the PDF would overwrite the manuscript itself; give another output', output)
    isolate_fonts()
    with warnings.catch_warnings():
        # Expected: the configuration is empty on purpose, fonts come from @font-face.
        warnings.filterwarnings('ignore', message='No fonts configured')
        import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from . import cjk
    cjk.install()
    composition = cjk.breaker.begin()

    start = time.perf_counter()
    # Dates only from SOURCE_DATE_EPOCH, never from the clock: same source, same bytes.
    epoch = source_date_epoch()
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
        sandbox.filter_links(rendered)
        if epoch is not None:
            rendered.metadata.created = rendered.metadata.modified = epoch
        # A stable identifier (from the content, not the clock) keeps builds byte-identical.
        identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
        write_atomically(output, lambda f: rendered.write_pdf(f, pdf_identifier=identifier))
    except RecursionError:
        raise InputError(NESTED_TOO_DEEPLY, sandbox.source_path) from None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
        logger.propagate = propagate
    refused = [f.extra['url'] for f in sandbox.refused if 'url' in f.extra]
    messages = [m for m in handler.messages if not any(url in m for url in refused)]
    return RenderResult(pages, time.perf_counter() - start, messages, composition)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError):
        return False


def source_date_epoch() -> str | None:
    """SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/) as a
    W3C date for the PDF's CreationDate and ModDate, or None when it is not set."""
    value = os.environ.get('SOURCE_DATE_EPOCH', '').strip()
    if not value:
        return None
    try:
        moment = datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise InputError(f'SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {value!r}') from None
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def write_atomically(target: Path, write) -> None:
    """Write to a temporary file beside `target`, then move it into place.

    Whatever happens before the move (an exception, Ctrl-C, a full disk), the previous
    file is untouched and the temporary one is removed. The temporary file is in the
    target's own folder (so the move is an atomic rename on one file system) and has a
    unique name (so two builds at once never write into each other's file).
    """
    target = Path(target)
    if target.is_dir():
        raise InputError('the output is a folder; give a .pdf file name', target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f'.{target.name}.', suffix='.part', dir=target.parent)
    except OSError as e:
        raise InputError(f'cannot write into the output folder: {e.strerror}', target.parent) from None
    try:
        try:
            with os.fdopen(fd, 'wb') as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o666 & ~_UMASK)
            os.replace(tmp, target)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                           errno.EISDIR, errno.EFBIG, errno.EIO):
                raise InputError(f'cannot write the PDF: {e.strerror}; the previous file is unchanged',
                                 target) from None
            raise
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)


def _read_umask() -> int:
    # Read once, at import: os.umask() can only be read by setting it, which is not
    # safe while another thread creates files.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (a crash right after the build keeps the new PDF)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
