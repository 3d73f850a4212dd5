"""The resource sandbox: which files the renderer may read, and which links a PDF may carry.

A manuscript is untrusted input (it may come from anyone, pasted from anywhere), and so is
any raw HTML or CSS inside it. The renderer therefore reads nothing but:

- regular files inside the allowed folders (the manuscript's own folder — unless that is
  a shared folder such as /, /tmp or a home folder —, styles/, fonts/ and templates/),
  after resolving `..` and symbolic links, so a link that points out of the project is
  refused; a file with more than one hard link is refused too, since a hard link to an
  outside file cannot be told apart from the file by its path;
- the files a style given by path brings: its CSS, its template and the style sheets
  beside it (never the rest of its folder);
- `data:` URLs, which carry their bytes inside the document.

A file is opened once, component by component without following symbolic links
(`O_NOFOLLOW`), checked on the open descriptor (regular file, size, links) and read from
that descriptor, so a link swapped between the check and the read cannot redirect it.

Everything else — `file://` URLs or paths outside those folders, `http(s)://`, `ftp://`,
any other scheme — is refused without being opened, and becomes a finding that names the
reference and, when it can be found, the line of the manuscript that wrote it. All of
WeasyPrint's reads (images, style sheets, `@import`, `@font-face`, `<link>`, SVG
images) go through `Sandbox.fetcher()`; WeasyPrint has no other way to open a URL.
Attachments are never fetched by WeasyPrint: the renderer drops every `rel=attachment`
and attaches only the files the front matter lists under `embed:` (`attachments()`).

Links are not fetched, but a link in a PDF is something the reader may click. After
layout, `Sandbox.filter_links()` keeps links to the web (http, https), to mail (mailto,
tel) and inside the document (#anchor); every other link target — a local file inside or
outside the project, `javascript:`, `data:` … — is removed, its text stays, and a finding
says so. A link to a file outside the project is an error, like any other reference that
leaves it; a link to a file inside is a warning (it would only work on the machine that
built the PDF, and would write that machine's paths into the PDF).
"""
from __future__ import annotations

import mimetypes
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .errors import Finding

RULE_OUTSIDE = 'resource-outside-project'
RULE_LINK = 'link-removed'
RULE_MISSING = 'resource-missing'
RULE_TOO_LARGE = 'resource-too-large'
RULE_ATTACHMENT = 'attachment-refused'
LINK_SCHEMES = {'http', 'https', 'mailto', 'tel'}
NETWORK_SCHEMES = {'http', 'https', 'ftp', 'ftps', 'ws', 'wss', 'gopher'}
# Larger than any image or style sheet a document needs; a font the project names may be
# larger (Noto Serif CJK is 25 MB), so `files` have their own bound.
MAX_RESOURCE_BYTES = 64 * 1024 * 1024
MAX_PROJECT_FILE_BYTES = 256 * 1024 * 1024
# What a style's folder may give besides the style itself: sheets it imports, and the
# images and fonts a house style uses; never other kinds of file lying there.
STYLE_SHEET_SUFFIXES = ('.css', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp',
                        '.otf', '.ttf', '.woff', '.woff2')
TEMPLATE_SUFFIXES = ('.html',)


class Refused(ValueError):
    """Raised inside the fetcher; WeasyPrint catches it and leaves the resource out."""


class Unreadable(OSError):
    """A file that may not or cannot be read; `why` says which, in the user's words."""

    def __init__(self, why: str, rule: str = RULE_OUTSIDE, what: str = 'refused to load'):
        super().__init__(why)
        self.why, self.rule, self.what = why, rule, what


# The project's own fonts (fonts/), the only files fontconfig may open by name.
PROJECT_FONTS = Path(__file__).resolve().parents[2] / 'fonts'

SYSTEM_FOLDERS = {'etc', 'usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'boot', 'dev', 'proc', 'sys', 'run'}


def shared_folder(folder: Path) -> bool:
    """Folders that hold other people's or the system's files: a manuscript lying there
    does not make them a project (a manuscript in /etc must not embed /etc/passwd)."""
    folder = Path(folder)
    shared = {'/', '/tmp', '/var/tmp', '/dev/shm', '/home', '/root', '/var', '/srv', '/opt', '/mnt', '/media',
              str(Path.home()), os.environ.get('TMPDIR', '/tmp'), os.environ.get('HOME', '/')}
    if any(folder == Path(p) or folder == _resolved(p) for p in shared):
        return True
    return len(folder.parts) >= 2 and folder.parts[1] in SYSTEM_FOLDERS


def read_regular(path: Path, roots, *, files=(), limit: int = MAX_RESOURCE_BYTES,
                 files_limit: int = MAX_PROJECT_FILE_BYTES, suffixes: dict | None = None,
                 head: bool = False, files_links_ok: bool = True,
                 content: bool = True) -> tuple[Path, bytes]:
    """The real path and the bytes of `path`, if it may be read; else `Unreadable`.

    The real path is found once; the file is then opened from its root one component at a
    time, none of them followed if it is a symbolic link, and checked and read on that
    one descriptor: what was checked is what is read. `files` are single files allowed
    wherever they are (the project's fonts, a style's own sheet); `suffixes` maps a
    folder to the only suffixes that may be read in it (a style's folder: its sheets);
    `head` reads the first `limit` bytes of a larger file instead of refusing it;
    `content` False checks the file the same way and reads nothing (bytes b'')."""
    try:
        real = Path(path).resolve(strict=True)
    except FileNotFoundError:
        raise Unreadable('no such file', RULE_MISSING, 'cannot load') from None
    except (OSError, RuntimeError, ValueError):
        raise Unreadable('cannot be resolved (a symbolic link loop or a name too long)') from None
    if real in files:
        fd = _open(str(real), None, final=True)
        return real, _read_checked(fd, limit=files_limit, links_ok=files_links_ok, head=head,
                                   content=content)
    root = next((r for r in roots if real.is_relative_to(r)), None)
    if root is None:
        for folder, allowed in (suffixes or {}).items():
            if real.parent == folder and real.suffix.lower() in allowed:
                root = folder
                break
    if root is None:
        raise Unreadable('outside')
    fd = _open_beneath(root, real.relative_to(root).parts)
    return real, _read_checked(fd, limit=limit, links_ok=False, head=head, content=content)


def _open(name: str, dir_fd, *, final: bool) -> int:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    # O_NONBLOCK: a FIFO put where a file was must not hang the build on open.
    flags |= os.O_NONBLOCK if final else os.O_DIRECTORY
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except OSError as e:
        if e.errno in (40, 20):  # ELOOP, ENOTDIR: a component became a symbolic link
            raise Unreadable('a symbolic link appeared while it was being read') from None
        if e.errno == 2:
            raise Unreadable('no such file', RULE_MISSING, 'cannot load') from None
        raise Unreadable(f'cannot be read: {e.strerror}') from None


def _open_beneath(root: Path, parts) -> int:
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            next_fd = _open(part, fd, final=last)
            os.close(fd)
            fd = next_fd
        if not parts:
            raise Unreadable('a folder, not a file')
        return fd
    except BaseException:
        os.close(fd)
        raise


def _read_checked(fd: int, *, limit: int, links_ok: bool, head: bool = False,
                  content: bool = True) -> bytes:
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable('not a regular file (a folder, device, pipe or socket)')
        if st.st_nlink > 1 and not links_ok:
            raise Unreadable(f'the file has {st.st_nlink} hard links, and a hard link may lead '
                             'to a file outside the project; copy the file instead')
        if st.st_size > limit and not head:
            raise Unreadable(f'{st.st_size // (1024 * 1024)} MB, larger than the '
                             f'{limit // (1024 * 1024)} MB a file may have', RULE_TOO_LARGE)
        if not content:
            return b''
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= limit:
            # One read for a whole file of the size fstat gave (fonts are tens of MB).
            chunk = os.read(fd, min(limit + 1 - size, max(st.st_size - size, 0) + (1 << 16)))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if head:
            return b''.join(chunks)[:limit]
        if size > limit:
            raise Unreadable(f'larger than the {limit // (1024 * 1024)} MB a file may have', RULE_TOO_LARGE)
        return b''.join(chunks)
    finally:
        os.close(fd)


@dataclass
class Sandbox:
    """Which files the renderer may read; every refused reference becomes a finding.

    `source_path`/`source_text`, when given, let a finding point at the line of the
    manuscript that wrote the reference."""
    roots: list[Path]
    refused: list[Finding] = field(default_factory=list)
    source_path: Path | None = None
    source_text: str | None = None
    # Files the project itself names (the fonts of fonts/manifest.toml, a style given by
    # path): allowed wherever their symlinks lead, so fonts/ may link to licensed fonts
    # installed elsewhere.
    files: list[Path] = field(default_factory=list)
    # Folders from which only files of some suffixes may be read: a style's own folder
    # gives its style sheets (`@import` beside it), not the rest of what lies there.
    style_dirs: list[Path] = field(default_factory=list)
    # Real paths of the files the front matter lists under `embed:` (attached to the PDF).
    embedded: list[Path] = field(default_factory=list)

    def __post_init__(self):
        self.files = {real for real in (_resolved(f) for f in self.files) if real is not None}
        self.embedded = {real for real in (_resolved(f) for f in self.embedded) if real is not None}
        self.style_dirs = {real: STYLE_SHEET_SUFFIXES for real in
                           (_resolved(d) for d in self.style_dirs) if real is not None}
        roots = []
        for root in self.roots:
            try:
                real = Path(root).resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if real not in roots:
                roots.append(real)
        self.roots = roots

    # -- files -----------------------------------------------------------------------

    def allows(self, path: Path) -> bool:
        """True for an existing regular file whose real path is inside a root."""
        try:
            real = Path(path).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return False
        return real.is_file() and (real in self.files or any(real.is_relative_to(root) for root in self.roots)
                                   or self.style_dirs.get(real.parent, ()) and
                                   real.suffix.lower() in self.style_dirs[real.parent])

    def path_of(self, url: str) -> Path | None:
        """The local path a `file:` URL names (None for another scheme or a remote host)."""
        parts = urlsplit(url)
        if parts.scheme.lower() != 'file' or parts.netloc not in ('', 'localhost'):
            return None
        return Path(url2pathname(parts.path))

    def read(self, url: str, content: bool = True) -> tuple[Path, bytes]:
        """The real path and bytes of `url`, or `Refused` (recorded as a finding);
        with `content` False only the checks, no bytes read (b'')."""
        scheme = urlsplit(url).scheme.lower()
        if scheme != 'file':
            why = ('the network is never used: only files inside the project can be read'
                   if scheme in NETWORK_SCHEMES else
                   f'{scheme or "this kind of"} URLs are not allowed: only files inside the project can be read')
            self.refuse(url, why)
            raise Refused(f'refused: {url}')
        path = self.path_of(url)
        if path is None:
            self.refuse(url, 'files on another machine are never read')
            raise Refused(f'refused: {url}')
        try:
            return read_regular(path, self.roots, files=self.files, suffixes=self.style_dirs,
                                content=content)
        except Unreadable as e:
            if e.why != 'outside':
                self.refuse(url, e.why, rule=e.rule, what=e.what)
            elif self._inside_lexically(path) and _exists(path):
                self.refuse(url, f'a symbolic link that leads outside the project (to {_real(path)})')
            else:
                self.refuse(url, "outside the project (only the manuscript's folder, styles/, "
                                 'fonts/ and templates/ can be read)' + self._shared_note())
            raise Refused(f'refused: {url}') from None

    def check(self, url: str) -> Path:
        """The real path `url` names, if it may be read (`read` is what the renderer uses).
        Nothing is read: the fonts fontconfig opens in place are tens of MB each."""
        return self.read(url, content=False)[0]

    def _shared_note(self) -> str:
        if self.source_path is not None and shared_folder(Path(self.source_path).resolve().parent):
            return (f'; the manuscript lies in {Path(self.source_path).resolve().parent}, a shared '
                    'folder, which is not trusted: give the manuscript a folder of its own')
        return ''

    def _inside_lexically(self, path: Path) -> bool:
        norm = Path(os.path.normpath(path))
        return any(norm.is_relative_to(root) for root in self.roots)

    def refuse(self, url: str, why: str, *, rule: str = RULE_OUTSIDE, severity: str = 'error',
               what: str = 'refused to load') -> None:
        if any(f.extra.get('url') == url and f.extra.get('what') == what for f in self.refused):
            return  # one finding per reference and kind, however often it is used
        places = self.locate(url)
        line, col = places[0] if places else (None, None)
        others = [str(n) for n, _ in places[1:6]] + (['…'] if len(places) > 6 else [])
        also = f' (also on line{"s" if len(others) > 1 else ""} {", ".join(others)})' if others else ''
        self.refused.append(Finding(
            rule, severity, f'{what} {_display(url)}: {why}{also}',
            path=str(self.source_path) if self.source_path and line else None,
            line=line, col=col, extra={'url': url, 'what': what}))

    def locate(self, url: str) -> list[tuple[int, int]]:
        """(line, column) of each manuscript line that most likely wrote `url`, first
        line first (best effort: the renderer only sees resolved URLs, so a relative
        reference is found by its file name)."""
        if not self.source_text:
            return []
        parts = urlsplit(url)
        strong, weak = [url, unquote(url)], []
        if parts.scheme.lower() == 'file':
            path = unquote(parts.path)
            strong.append(path)
            name = path.rstrip('/').rsplit('/', 1)[-1]
            if len(name) >= 3:
                weak.append(name)
        lines = self.source_text.split('\n')
        for needles in (strong, weak):
            found = []
            for n, text in enumerate(lines, 1):
                cols = [text.find(x) for x in needles if x and x in text]
                if cols:
                    found.append((n, min(cols) + 1))
            if found:
                return found
        return []

    def fetcher(self):
        """A WeasyPrint URL fetcher that reads only what `check` allows."""
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        sandbox = self

        class SandboxFetcher(URLFetcher):
            def fetch(self, url, headers=None):
                if urlsplit(url).scheme.lower() == 'data':
                    return super().fetch(url, headers)  # bytes inside the URL itself
                real, data = sandbox.read(url)
                # Without a type WeasyPrint ignores a <link rel="stylesheet"> ("text/plain").
                mime = mimetypes.guess_type(real.name)[0]
                return URLFetcherResponse(real.as_uri(), data,
                                          headers={'Content-Type': mime} if mime else None)

            def local_path(self, url):
                # For fonts, which fontconfig reads in place (cjk/patches.py), opening them
                # again by name after this check: only the project's own fonts/, where no
                # manuscript or style can put or swap a file. Any other font is read once
                # through fetch, like every file.
                named = Path(os.path.normpath(url2pathname(unquote(urlsplit(url).path))))
                if named.parent != PROJECT_FONTS:  # (fonts/ may link to licensed fonts)
                    raise Unreadable('not a font of the project: read through fetch')
                return sandbox.check(url)

        # Only data: may ever reach urllib; file: is read above, and nothing else is.
        return SandboxFetcher(allowed_protocols={'data'})

    # -- links -----------------------------------------------------------------------

    def filter_links(self, document) -> None:
        """Remove, from a laid-out WeasyPrint document, every link a PDF must not carry."""
        for page in document.pages:
            kept = []
            for link in page.links:
                link_type, target = link[0], link[1]
                if link_type == 'external' and not self._link_allowed(target):
                    continue
                if link_type == 'attachment':
                    self.refuse_attachment(target)
                    continue
                kept.append(link)
            page.links = kept

    def refuse_attachment(self, url: str) -> None:
        """A `rel=attachment` in the HTML attaches nothing by itself; a finding says so,
        unless the file is one the front matter lists under `embed:` (it is attached)."""
        path = self.path_of(url)
        if path is not None and _resolved(path) in self.embedded:
            return
        why = ('data: URLs are never attached' if url.lower().startswith('data:') else
               'only files listed under embed: in the front matter are attached to the PDF')
        self.refuse(url, why, rule=RULE_ATTACHMENT, what='did not attach')

    def _link_allowed(self, target: str) -> bool:
        scheme = urlsplit(target).scheme.lower()
        if scheme in LINK_SCHEMES:
            return True
        path = self.path_of(target)
        if path is not None and self.allows(path):
            self.refuse(target, 'a PDF cannot carry a local file, and the link would reveal this '
                        "machine's folders; the text is kept", rule=RULE_LINK, severity='warning',
                        what='removed the link to')
        elif path is not None:
            self.refuse(target, 'outside the project; the text is kept', what='removed the link to')
        else:
            self.refuse(target, 'only http, https, mailto and tel links are kept; the text is kept',
                        rule=RULE_LINK, severity='warning', what='removed the link to')
        return False


def _resolved(path) -> Path | None:
    try:
        return Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


def _real(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return '?'


def _display(url: str) -> str:
    if url.startswith('data:') and len(url) > 60:
        return url[:40] + '…'
    return url
