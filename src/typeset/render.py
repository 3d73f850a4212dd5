"""Rendering: HTML + style → PDF with WeasyPrint, inside a sandbox, written atomically.

The renderer sees only the fonts of `fonts/` (FONTCONFIG_FILE points at a configuration
with no font directories and no substitutions), fetches only files inside the allowed
folders, and never replaces the previous PDF until the new one is complete.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
import stat
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin

from .errors import Finding, InputError
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
    findings: list[Finding] = field(default_factory=list)
    composition: object = None   # cjk.breaker.Composition: what the paragraph breaker did


@dataclass
class Attachment:
    """A file embedded in the PDF: only those the front matter lists under `embed:`."""
    name: str
    data: bytes
    path: Path | None = None


class _CollectWarnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


# An element of the page template that asks for the document to end on an even page.
LAST_PAGE_EVEN = 'data-last-page="even"'


def render_pdf(html: str, *, base_url: Path, stylesheets: list[tuple[str, Path]],
               output: Path, sandbox: Sandbox,
               attachments: list[Attachment] = (), renderer=None) -> RenderResult:
    """Lay out and write the PDF atomically. `stylesheets` are (css text, base path) pairs;
    `renderer` is the warm renderer to use (default: the process's, see warm.py)."""
    protected = ([(sandbox.source_path, 'the manuscript')] if sandbox.source_path else []) + \
        [(p, 'a file the build reads') for p in [*sandbox.files, *sandbox.embedded]]
    refuse_overwriting(output, protected)
    from .cjk import breaker
    from .warm import Renderer
    renderer = renderer or Renderer.shared()
    weasyprint = renderer.weasyprint
    composition = breaker.begin()

    start = time.perf_counter()
    # Dates only from SOURCE_DATE_EPOCH, never from the clock: same source, same bytes.
    epoch = source_date_epoch()
    handler = _CollectWarnings()
    logger = logging.getLogger('weasyprint')
    logger.addHandler(handler)
    previous_level = logger.level
    logger.setLevel(logging.WARNING)
    # WeasyPrint prints its warnings itself; ours go through the result instead.
    propagate = logger.propagate
    logger.propagate = False
    from .cjk import image_names
    # Folders in a fixed order (the manuscript's first), so the names do not depend on them.
    folders = [base_url, *sandbox.roots, *sorted({Path(p).parent for p in sandbox.files})]
    # WeasyPrint keeps a document's fonts in a temporary folder it removes only when the
    # configuration is collected (never after Ctrl-C or SIGTERM): every temporary file of
    # the render goes into a folder of ours, removed whatever happens.
    work = tempfile.mkdtemp(prefix='typeset-render-')
    previous_tempdir, tempfile.tempdir = tempfile.tempdir, work
    try:
        with warnings.catch_warnings(record=True) as caught, image_names.relative_to(folders):
            from PIL import Image
            warnings.simplefilter('always', Image.DecompressionBombWarning)
            document, rendered = renderer.layout(html, base_url, stylesheets, sandbox)
            if len(rendered.pages) % 2 and LAST_PAGE_EVEN in html:
                # A 公文 printed both sides ends on an even page (GB/T 9704 7.4); how the 版记
                # moves there is the style's business: it sees data-turn on the element. The
                # template's element closes the page, so the last occurrence is it, never text
                # of the manuscript that happens to read the same.
                head, _, tail = html.rpartition(LAST_PAGE_EVEN)
                document, rendered = renderer.layout(head + LAST_PAGE_EVEN + ' data-turn' + tail,
                                                     base_url, stylesheets, sandbox)
        pages = len(rendered.pages)
        sandbox.filter_links(rendered)
        # Attachments: only those listed under `embed:`, never what the HTML asks for.
        for url in _attachment_links(document.etree_element, base_url.as_uri() + '/'):
            sandbox.refuse_attachment(url)
        rendered.metadata.attachments = []
        if epoch is not None:
            rendered.metadata.created = rendered.metadata.modified = epoch
        embedded = _embedded(weasyprint, attachments, epoch)
        # A stable identifier (from the content, not the clock) keeps builds byte-identical.
        digest = hashlib.sha256(html.encode())
        for item in attachments:
            digest.update(item.name.encode() + b'\0' + hashlib.sha256(item.data).digest())
        identifier = digest.hexdigest()[:32].encode()
        from .cjk import patches
        with patches.painting_once():  # the pages are drawn once: their boxes go as they are
            write_atomically(output, lambda f: rendered.write_pdf(f, pdf_identifier=identifier,
                                                                  attachments=embedded))
    except RecursionError:
        raise InputError(NESTED_TOO_DEEPLY, sandbox.source_path) from None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
        logger.propagate = propagate
        tempfile.tempdir = previous_tempdir
        shutil.rmtree(work, ignore_errors=True)
    refused = [f.extra['url'] for f in sandbox.refused if 'url' in f.extra]
    messages = [m for m in handler.messages if not any(url in m for url in refused)]
    messages += [str(w.message) for w in caught if w.category.__name__ == 'DecompressionBombWarning']
    findings, messages = image_findings(messages, sandbox)
    return RenderResult(pages, time.perf_counter() - start, [shorten_urls(m) for m in messages], findings,
                        composition)


def _attachment_links(root, base: str) -> list[str]:
    """URLs of <link rel="attachment"> (and any other element with that link type)."""
    from weasyprint.html import element_has_link_type
    urls = []
    for element in root.iter():
        href = element.get('href') if isinstance(element.tag, str) else None
        if href is not None and element.tag != 'a' and element_has_link_type(element, 'attachment'):
            urls.append(urljoin(base, href.strip()))
    return urls


def _embedded(weasyprint, attachments, epoch: str | None) -> list:
    """WeasyPrint attachments with dates from SOURCE_DATE_EPOCH (else the epoch itself):
    its default is the clock, which would make every build's bytes differ."""
    moment = datetime.strptime(epoch, '%Y-%m-%dT%H:%M:%SZ') if epoch else datetime(1970, 1, 1)
    return [weasyprint.Attachment(string=item.data, name=item.name, created=moment, modified=moment)
            for item in attachments]


IMAGE_FAILED = re.compile(r"""Failed to load image at (?P<q>['"])(?P<url>.*?)(?P=q):\s*(?P<why>.*)""", re.S)
BOMB = re.compile(r'Image size \((\d+) pixels\) exceeds limit of (\d+) pixels')
TOO_LARGE = 'the image is too large to decode safely ({} pixels); scale it down'


def image_findings(messages: list[str], sandbox: Sandbox) -> tuple[list[Finding], list[str]]:
    """An image WeasyPrint could not use is a finding with a reason (it is left out of the
    page, which the reader would otherwise notice only in print); Pillow's warning about
    a very large image is said in our words."""
    findings, rest = [], []
    for message in messages:
        m = IMAGE_FAILED.match(message)
        bomb = BOMB.search(message)
        if m:
            url = m.group('url')
            why = m.group('why').strip() or _why_not_an_image(url, sandbox)
            if BOMB.search(why):
                why = TOO_LARGE.format(f'{int(BOMB.search(why).group(1)):,}')
            sandbox.refuse(url, why, rule='image-not-loaded', what='could not use the image')
            findings.append(sandbox.refused.pop())
        elif bomb:
            rest.append(f'an image of {int(bomb.group(1)):,} pixels is very large and slow to decode; '
                        'scale it down')
        else:
            rest.append(message)
    return findings, rest


def _why_not_an_image(url: str, sandbox: Sandbox) -> str:
    """WeasyPrint's message about an image it could not decode carries no reason."""
    from io import BytesIO

    from PIL import Image
    try:
        data = sandbox.read(url)[1] if url.startswith('file:') else b''
        with Image.open(BytesIO(data)) as im:
            pixels = im.width * im.height
    except Image.DecompressionBombError as e:
        m = BOMB.search(str(e))
        return TOO_LARGE.format(f'{int(m.group(1)):,}' if m else 'too many')
    except Exception:  # noqa: BLE001  not an image Pillow knows at all
        return 'not an image format that can be read (PNG, JPEG, GIF, WebP, SVG)'
    if Image.MAX_IMAGE_PIXELS and pixels > Image.MAX_IMAGE_PIXELS:
        return TOO_LARGE.format(f'{im.width} × {im.height} = {pixels:,}')
    return 'the image is damaged or cannot be decoded'


def shorten_urls(message: str) -> str:
    """A data: URL in a warning is shown by its start, never whole (it may be megabytes)."""
    return re.sub(r'data:[^\s"\')]{40,}', lambda m: m.group(0)[:40] + '…', message)


def refuse_overwriting(target: Path, protected: list[tuple[Path, str]]) -> None:
    """The same-file guard every command uses: an output may never be one of its inputs
    (`protected`: (path, what it is to the user))."""
    for path, role in protected:
        if _same_file(target, path):
            raise InputError(f'the output would overwrite {role} itself ({Path(path).name}); '
                             'give another output', target)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        return os.path.samefile(a, b)
    except (OSError, RuntimeError, ValueError):
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
    try:
        st = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        st = None  # the folder's own problem is said below
    except OSError as e:
        raise InputError(f'cannot write there: {e.strerror}', str(target)[:200]) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError('the output is a folder; give a .pdf file name', target)
    if st is not None and not stat.S_ISREG(st.st_mode):
        # Moving a file over /dev/null or a symbolic link would replace the device or the
        # link itself, not write "into" it.
        raise InputError('the output is not a regular file (a device, pipe, socket or symbolic link) '
                         'and is never replaced; give a file name, or - for standard output', target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f'.{target.name}.', suffix='.part', dir=target.parent)
    except OSError as e:
        raise InputError(f'cannot write into the output folder: {e.strerror}', str(target.parent)[:200]) from None
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
