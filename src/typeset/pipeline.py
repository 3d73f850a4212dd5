"""The pipeline: source → markup → assemble → render, and where its resources live.

Each stage is a module of its own; this one only strings them together and resolves the
project's data (styles/, templates/, fonts/).
"""
from __future__ import annotations

import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import assemble as assemble_stage
from . import elements
from . import fonts as font_stage
from . import markup as markup_stage
from .errors import Finding, InputError
from .sandbox import Unreadable, read_regular, shared_folder
from .source import Source, read_source

PROJECT_DIR = Path(__file__).resolve().parents[2]
STYLES_DIR = PROJECT_DIR / 'styles'
TEMPLATES_DIR = PROJECT_DIR / 'templates'
FONTS_DIR = PROJECT_DIR / 'fonts'
DEFAULT_STYLE = 'gongwen'
MAX_STYLE_BYTES = 4 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 16 * 1024 * 1024
NOTDEF_WARNING = re.compile(r'\.notdef glyph rendered for Unicode string unsupported by fonts: "(.)"')


@dataclass
class Style:
    name: str
    css_path: Path
    template_dirs: list[Path]
    template: str
    description: str

    @property
    def css(self) -> str:
        data = _read_style_file(self.css_path, MAX_STYLE_BYTES)
        try:
            return data.decode('utf-8')
        except UnicodeDecodeError as e:
            raise InputError(f'style sheet is not UTF-8 (byte 0x{e.object[e.start]:02x} at offset {e.start})',
                             self.css_path) from None

    @property
    def files(self) -> list[Path]:
        """What the style brings: its sheet and its own template (not the rest of its folder)."""
        own = self.css_path.with_suffix('.html')
        return [self.css_path] + ([own] if self.template == own.name else [])


def _read_style_file(path: Path, limit: int, head: bool = False) -> bytes:
    """A style sheet's bytes: a regular file (never a device or FIFO), size checked before
    anything is read."""
    try:
        real = Path(path).resolve(strict=True)
        # A style named in the front matter comes with the manuscript: no hard links either.
        return read_regular(real, [], files={real}, limit=limit, files_limit=limit, head=head,
                            files_links_ok=False)[1]
    except Unreadable as e:
        raise InputError(f'cannot read style sheet: {e.why}', path) from None
    except OSError as e:
        raise InputError(f'cannot read style sheet: {e.strerror}', path) from None


def _description(css_path: Path) -> str:
    try:
        head = _read_style_file(css_path, 2000, head=True).decode('utf-8', errors='ignore')
    except InputError:
        return '(unreadable: not a readable text file)'
    m = re.match(r'\s*/\*\s*(.*?)\s*(?:\n|\*/)', head, re.S)
    return m.group(1).strip() if m else ''


def styles_dirs() -> list[Path]:
    """Where styles are found by name: the folders of TYPESET_STYLES_PATH (separated by
    os.pathsep; a print office's house styles can live outside the project), then styles/."""
    extra = os.environ.get('TYPESET_STYLES_PATH', '')
    return [Path(p).resolve() for p in extra.split(os.pathsep) if p] + [STYLES_DIR]


def _style_sheets() -> dict[str, Path]:
    """Style name → its .css; the first folder of `styles_dirs()` that has the name wins."""
    found: dict[str, Path] = {}
    for folder in styles_dirs():
        for path in sorted(folder.glob('*.css')):
            found.setdefault(path.stem, path)
    return dict(sorted(found.items()))


def list_styles() -> list[Style]:
    return [resolve_style(name) for name in _style_sheets()]


def resolve_style(name_or_path: str | os.PathLike | None, source_path: Path | None = None,
                  describe: bool = True) -> Style:
    """A style is a name in styles/ or a path to a .css file (with an optional .html
    template of the same stem beside it)."""
    value = str(name_or_path or DEFAULT_STYLE)
    if len(value) > 1024 or '\0' in value:
        raise InputError(f'style name or path too long or not a name: {value[:60]!r}…')
    if value.endswith('.css') or os.sep in value or '/' in value:
        css_path = Path(value)
        try:
            if not css_path.is_absolute() and source_path is not None and not css_path.exists():
                css_path = source_path.parent / css_path
            found = css_path.is_file()
        except OSError as e:
            raise InputError(f'style sheet cannot be used: {e.strerror}', str(css_path)[:200]) from None
        if not found:
            raise InputError('style sheet not found (or not a regular file)', css_path)
    else:
        sheets = _style_sheets()
        css_path = sheets.get(value)
        if css_path is None:
            raise InputError(f'unknown style {value!r}; available: {", ".join(sheets)}')
    css_path = css_path.resolve()
    template_dirs = [css_path.parent, TEMPLATES_DIR]
    # The style's own template: beside its sheet, or in templates/ under its name.
    own = css_path.with_suffix('.html')
    found = own.is_file() or (TEMPLATES_DIR / own.name).is_file()
    return Style(css_path.stem, css_path, template_dirs,
                 own.name if found else 'page.html', _description(css_path) if describe else '')


@dataclass
class Prepared:
    """Everything the renderer needs, before rendering: a pure function of the input."""
    source: Source
    style: Style
    html: str
    fonts: list[font_stage.FontSpec]
    findings: list[Finding] = field(default_factory=list)


def _position(source: Source, char: str) -> tuple[int, int]:
    for n, line in enumerate(source.text.split('\n'), 1):
        col = line.find(char)
        if col >= 0:
            return n, col + 1
    return 1, 1


def prepare(source_path, *, style=None, source: Source | None = None) -> Prepared:
    """Read, convert and assemble a manuscript into HTML (no rendering). `source`: the
    manuscript already read (by `check`), so it is not read and decoded again."""
    source = source if source is not None else read_source(source_path)
    style_obj = resolve_style_of(source, style)
    specs = font_stage.load_manifest(FONTS_DIR)
    findings: list[Finding] = list(source.findings)
    body = source.body
    meta = dict(source.meta)
    # A character no configured font has is set as 〓 (the typesetter's mark for a
    # missing sort) and reported, rather than drawn as tofu or from a system font.
    missing = font_stage.uncovered(body + ''.join(map(str, _flatten(meta.get('title')))), specs)
    for ch in sorted(missing):
        line, col = _position(source, ch)
        findings.append(Finding(
            'glyph-missing', 'error',
            f'{ch} U+{ord(ch):04X} {unicodedata.name(ch, "")} is in no configured font; set as {font_stage.GETA}',
            path=str(source.path), line=line, col=col, extra={'char': ch}))
    if missing:
        table = {ord(c): font_stage.GETA for c in missing}
        body = body.translate(table)
        if meta.get('title'):
            meta['title'] = [str(t).translate(table) for t in _flatten(meta['title'])]
    body, odd = _without_control_characters(source, body)
    findings += odd
    fragment = markup_stage.to_html(body)
    title_html = None
    if not meta.get('title'):
        title_html, fragment = markup_stage.split_title(fragment)
    # A style that sets the 公文's elements takes the body without the attachments written
    # in it (gongwen.body) and sets those on pages of their own; any other has the whole.
    main, in_body = markup_stage.split_attachments(fragment)
    attached = elements.attachments(meta, source.path, source.meta_line('attachments'), markup_stage.to_html)
    attached += elements.body_attachments(in_body, len(attached))
    html = assemble_stage.assemble(fragment, meta, title_html=title_html, style_name=style_obj.name,
                                   template_dirs=style_obj.template_dirs, template=style_obj.template,
                                   elements=elements.template_values(meta, attached, main),
                                   fonts=specs)
    return Prepared(source, style_obj, html, specs, findings)


CONTROL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]')
BAD_REFERENCE = re.compile(r'&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));')


def _without_control_characters(source: Source, body: str) -> tuple[str, list[Finding]]:
    """Control characters, U+2028/2029 and lone surrogates set nothing a reader can see:
    each is left out and said on its line (WeasyPrint would draw a .notdef box)."""
    found = {}
    for n, line in enumerate(source.text.split('\n'), 1):
        for m in CONTROL.finditer(line):
            found.setdefault(m.group(), (n, m.start() + 1))
    findings = [Finding('control-character', 'warning',
                        f'U+{ord(ch):04X} {unicodedata.name(ch, "a control character or half of a UTF-16 pair")} '
                        'cannot be set; it is left out', path=str(source.path), line=line, col=col,
                        extra={'char': ch}) for ch, (line, col) in found.items()]
    return CONTROL.sub('', body), findings


def _locate_char(source: Source, ch: str) -> tuple[int | None, int | None]:
    """Where the manuscript wrote `ch`, or a character reference that becomes it (an
    invalid one like &#xD800; becomes U+FFFD)."""
    for n, line in enumerate(source.text.split('\n'), 1):
        if ch in line:
            return n, line.index(ch) + 1
        for m in BAD_REFERENCE.finditer(line):
            value = int(m.group(1), 16) if m.group(1) else int(m.group(2))
            invalid = value == 0 or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF
            if (ch == '\ufffd' and invalid) or (not invalid and chr(value) == ch):
                return n, m.start() + 1
    return None, None


def resolve_style_of(source: Source, style) -> Style:
    """The style given on the command line (trusted, like any option), else the one the
    front matter names: errors point at its line, and, since a manuscript may come from
    anyone, it must be in styles/ or beside the manuscript (a style brings a template)."""
    if style or not source.meta.get('style'):
        return resolve_style(style, source.path)
    value = str(source.meta['style'])
    line = source.meta_line('style')
    try:
        style_obj = resolve_style(value, source.path, describe=False)
    except InputError as e:
        message = f'{e.message}: {e.path}' if e.path else e.message
        raise InputError(message, source.path, line) from None
    if not any(style_obj.css_path.is_relative_to(folder) for folder in manuscript_roots(source.path)[:1]
               + [folder.resolve() for folder in styles_dirs()]):
        raise InputError(f'style {value!r} is outside the project: a style named in the front matter '
                         'must be in styles/ or beside the manuscript (use --style for others)',
                         source.path, line)
    return style_obj


def manuscript_roots(source_path: Path) -> list[Path]:
    """The manuscript's folder, where its images and style sheets are, unless it is a
    shared folder (/, /tmp, /etc, a home folder …): a manuscript lying there does not
    make the whole folder readable."""
    folder = Path(source_path).resolve().parent
    return [] if shared_folder(folder) else [folder]


def _flatten(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass
class BuildResult:
    output: Path
    pages: int
    seconds: float
    findings: list[Finding]
    warnings: list[str]
    notes: list[str]
    attachments: list[str] = field(default_factory=list)
    composition: object = None   # cjk.breaker.Composition of the layout
    # What was rendered, for `check` to verify against without preparing it again.
    prepared: Prepared | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == 'error']


def default_output(source_path: Path) -> Path:
    """source/report.md → output/report.pdf, beside the source folder."""
    source_path = Path(source_path)
    base = source_path.parent.parent if source_path.parent.name == 'source' else source_path.parent
    return base / 'output' / (source_path.stem + '.pdf')


def build(source_path='source/report.md', output=None, *, style=None, extra_css: str = '',
          source: Source | None = None, renderer=None) -> BuildResult:
    """Build a manuscript into a PDF. Raises `InputError` for input that cannot be used;
    returns findings (missing glyphs, refused resources) for a build that ran. `source`:
    the manuscript already read from `source_path`; `renderer`: a warm.Renderer (default:
    the process's own, kept between builds)."""
    from . import render
    start = time.perf_counter()
    source_path = Path(source_path)
    try:
        prepared = prepare(source_path, style=style, source=source)
    except RecursionError:  # Markdown and the tree walks recurse; layout is caught in render
        raise InputError(render.NESTED_TOO_DEEPLY, source_path) from None
    output = Path(output) if output else default_output(source_path)
    sandbox = sandbox_for(prepared)
    attachments = embedded_files(prepared.source)
    sandbox.embedded = {a.path for a in attachments}
    sheets = [(font_stage.font_face_css(prepared.fonts), FONTS_DIR),
              (markup_stage.CSS, TEMPLATES_DIR),
              (prepared.style.css, prepared.style.css_path)]
    if extra_css:
        sheets.append((extra_css, prepared.style.css_path))
    result = render.render_pdf(prepared.html, base_url=source_path.resolve().parent,
                               stylesheets=sheets, output=output, sandbox=sandbox,
                               attachments=attachments, renderer=renderer)
    warnings = list(result.warnings)
    if not render.harfbuzz_subset_available():
        warnings.insert(0, 'libharfbuzz-subset0 is missing: fonts are subset with fontTools, '
                           'about 50 times slower (run ./setup.sh, or apt-get install libharfbuzz-subset0)')
    findings = prepared.findings + sandbox.refused + result.findings
    prepared.source.place(findings)
    # The net under the coverage check: anything the template or the style added
    # (generated content, list markers) that no font has, as WeasyPrint saw it.
    for warning in list(warnings):
        m = NOTDEF_WARNING.search(warning)
        if m:
            warnings.remove(warning)
            ch = m.group(1)
            line, col = _locate_char(prepared.source, ch)
            origin = '' if line else ' (added by the style or template)'
            findings.append(Finding('glyph-missing', 'error',
                                    f'{ch} U+{ord(ch):04X} {unicodedata.name(ch, "")}{origin} '
                                    'is in no configured font', path=str(source_path), line=line, col=col,
                                    extra={'char': ch}))
    notes = list(prepared.source.notes) + composition_notes(result.composition) + [
        f'attached {a.name} ({_size(len(a.data))}) to the PDF, as embed: lists it' for a in attachments]
    return BuildResult(output, result.pages, time.perf_counter() - start, findings,
                       warnings, notes, [a.name for a in attachments], result.composition,
                       prepared=prepared)


def sandbox_for(prepared: Prepared):
    """What the renderer of `prepared` may read: the roots, the fonts, the style's files."""
    from .sandbox import Sandbox
    return Sandbox(roots=manuscript_roots(prepared.source.path) + [STYLES_DIR.resolve(), FONTS_DIR.resolve(),
                                                                   TEMPLATES_DIR.resolve()],
                   source_path=prepared.source.path, source_text=prepared.source.text,
                   files=[spec.file for spec in prepared.fonts] + prepared.style.files,
                   style_dirs=[prepared.style.css_path.parent])


def embedded_files(source: Source) -> list:
    """The files the front matter lists under `embed:`, read like any resource: beside the
    manuscript, inside its folder, regular, not hard-linked, at most MAX_ATTACHMENT_BYTES.
    Nothing else is ever attached to the PDF."""
    from .render import Attachment
    line = source.meta_line('embed')
    roots = manuscript_roots(source.path)
    out = []
    for name in map(str, _flatten(source.meta.get('embed'))):
        path = source.path.resolve().parent / name
        if not name.strip() or Path(name).is_absolute() or '..' in Path(name).parts:
            raise InputError(f'embed: {name!r} must name a file in the manuscript\'s folder', source.path, line)
        try:
            real, data = read_regular(path, roots, limit=MAX_ATTACHMENT_BYTES)
        except Unreadable as e:
            why = ("outside the manuscript's folder" + ('' if roots else ', which is a shared folder and not trusted')
                   if e.why == 'outside' else e.why)
            raise InputError(f'embed: cannot attach {name!r}: {why}', source.path, line) from None
        out.append(Attachment(Path(name).name, data, real))
    return out


def _size(n: int) -> str:
    return f'{n / 1024 / 1024:.1f} MB' if n >= 1024 * 1024 else f'{max(1, round(n / 1024))} KB'


def composition_notes(composition) -> list[str]:
    """What the paragraph breaker could not do well, said on every build (never hidden):
    lines left to the greedy splitter, and loose lines or 孤字 no breaks avoid."""
    if composition is None:
        return []
    notes = []
    if composition.greedy:
        notes.append(f'{composition.greedy} line(s) set by the greedy splitter: a chunk that '
                     'cannot be broken is wider than the line')
    loose, guzi = composition.lines('loose'), composition.lines('guzi')
    if loose or guzi:
        notes.append(f'{len(loose)} loose line(s) and {len(guzi)} 孤字 that no line breaks avoid '
                     '(typeset check shows where)')
    return notes
