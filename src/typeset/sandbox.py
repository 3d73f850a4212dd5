"""The resource sandbox: which files the renderer may read, and which links a PDF may carry.

A manuscript is untrusted input (it may come from anyone, pasted from anywhere), and so is
any raw HTML or CSS inside it. The renderer therefore reads nothing but:

- files inside the allowed folders (the manuscript's own folder, styles/, fonts/,
  templates/, and the folder of a style sheet given on the command line), after resolving
  `..` and symbolic links, so a link that points out of the project is refused;
- `data:` URLs, which carry their bytes inside the document.

Everything else — `file://` URLs or paths outside those folders, `http(s)://`, `ftp://`,
any other scheme — is refused without being opened, and becomes a finding that names the
reference and, when it can be found, the line of the manuscript that wrote it. All of
WeasyPrint's reads (images, style sheets, `@import`, `@font-face`, `<link>`, SVG
images, attachments) go through `Sandbox.fetcher()`; WeasyPrint has no other way to open
a URL.

Links are not fetched, but a link in a PDF is something the reader may click. After
layout, `Sandbox.filter_links()` keeps links to the web (http, https), to mail (mailto,
tel) and inside the document (#anchor); every other link target — a local file inside or
outside the project, `javascript:`, `data:` … — is removed, its text stays, and a finding
says so. A link to a file outside the project is an error, like any other reference that
leaves it; a link to a file inside is a warning (it would only work on the machine that
built the PDF, and would write that machine's paths into the PDF).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .errors import Finding

RULE_OUTSIDE = 'resource-outside-project'
RULE_LINK = 'link-removed'
RULE_MISSING = 'resource-missing'
LINK_SCHEMES = {'http', 'https', 'mailto', 'tel'}
NETWORK_SCHEMES = {'http', 'https', 'ftp', 'ftps', 'ws', 'wss', 'gopher'}


class Refused(ValueError):
    """Raised inside the fetcher; WeasyPrint catches it and leaves the resource out."""


@dataclass
class Sandbox:
    """Which files the renderer may read; every refused reference becomes a finding.

    `source_path`/`source_text`, when given, let a finding point at the line of the
    manuscript that wrote the reference."""
    roots: list[Path]
    refused: list[Finding] = field(default_factory=list)
    source_path: Path | None = None
    source_text: str | None = None
    # Files the project itself names (the fonts of fonts/manifest.toml): allowed wherever
    # their symlinks lead, so fonts/ may link to licensed fonts installed elsewhere.
    files: list[Path] = field(default_factory=list)

    def __post_init__(self):
        self.files = {real for real in (_resolved(f) for f in self.files) if real is not None}
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
        return real.is_file() and (real in self.files or any(real.is_relative_to(root) for root in self.roots))

    def path_of(self, url: str) -> Path | None:
        """The local path a `file:` URL names (None for another scheme or a remote host)."""
        parts = urlsplit(url)
        if parts.scheme.lower() != 'file' or parts.netloc not in ('', 'localhost'):
            return None
        return Path(url2pathname(parts.path))

    def check(self, url: str) -> Path:
        """The real path to read for `url`, or `Refused` (recorded as a finding)."""
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
        if not self.allows(path):
            if not _exists(path) and self._inside_lexically(path):
                self.refuse(url, 'no such file', rule=RULE_MISSING, what='cannot load')
            elif self._inside_lexically(path) and _exists(path):
                self.refuse(url, f'a symbolic link that leads outside the project (to {_real(path)})')
            else:
                self.refuse(url, "outside the project (only the manuscript's folder, styles/, "
                                 'fonts/ and templates/ can be read)')
            raise Refused(f'refused: {url}')
        return path.resolve(strict=True)

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
                real = sandbox.check(url)
                return URLFetcherResponse(real.as_uri(), real.read_bytes())

            def local_path(self, url):
                # For fonts, which fontconfig reads in place (cjk/patches.py): the
                # same check as fetch, without reading the file.
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
                kept.append(link)
            page.links = kept

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
            self.refuse(target, f'only http, https, mailto and tel links are kept; the text is kept',
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
