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
from . import fonts as font_stage
from . import markup as markup_stage
from .errors import Finding, InputError
from .source import Source, read_source

PROJECT_DIR = Path(__file__).resolve().parents[2]
STYLES_DIR = PROJECT_DIR / 'styles'
TEMPLATES_DIR = PROJECT_DIR / 'templates'
FONTS_DIR = PROJECT_DIR / 'fonts'
DEFAULT_STYLE = 'gongwen'
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
        try:
            return self.css_path.read_text(encoding='utf-8')
        except UnicodeDecodeError as e:
            raise InputError(f'style sheet is not UTF-8 (byte 0x{e.object[e.start]:02x} at offset {e.start})',
                             self.css_path) from None
        except OSError as e:
            raise InputError(f'cannot read style sheet: {e.strerror}', self.css_path) from None


def _description(css_path: Path) -> str:
    try:
        head = css_path.read_text(encoding='utf-8')[:2000]
    except (OSError, UnicodeDecodeError):
        return '(unreadable: not a UTF-8 text file)'
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


def resolve_style(name_or_path: str | os.PathLike | None, source_path: Path | None = None) -> Style:
    """A style is a name in styles/ or a path to a .css file (with an optional .html
    template of the same stem beside it)."""
    value = str(name_or_path or DEFAULT_STYLE)
    if value.endswith('.css') or os.sep in value or '/' in value:
        css_path = Path(value)
        if not css_path.is_absolute() and source_path is not None and not css_path.exists():
            css_path = source_path.parent / css_path
        if not css_path.is_file():
            raise InputError('style sheet not found', css_path)
    else:
        sheets = _style_sheets()
        css_path = sheets.get(value)
        if css_path is None:
            raise InputError(f'unknown style {value!r}; available: {", ".join(sheets)}')
    css_path = css_path.resolve()
    template_dirs = [css_path.parent, TEMPLATES_DIR]
    own = css_path.with_suffix('.html')
    return Style(css_path.stem, css_path, template_dirs,
                 own.name if own.is_file() else 'page.html', _description(css_path))


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


def prepare(source_path, *, style=None) -> Prepared:
    """Read, convert and assemble a manuscript into HTML (no rendering)."""
    source = read_source(source_path)
    style_obj = _resolve_style_of(source, style)
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
    fragment = markup_stage.to_html(body)
    title_html = None
    if not meta.get('title'):
        title_html, fragment = markup_stage.split_title(fragment)
    html = assemble_stage.assemble(fragment, meta, title_html=title_html, style_name=style_obj.name,
                                   template_dirs=style_obj.template_dirs, template=style_obj.template)
    return Prepared(source, style_obj, html, specs, findings)


def _resolve_style_of(source: Source, style) -> Style:
    """The style given on the command line (trusted, like any option), else the one the
    front matter names: errors point at its line, and, since a manuscript may come from
    anyone, it must be in styles/ or beside the manuscript (a style brings a template)."""
    if style or not source.meta.get('style'):
        return resolve_style(style, source.path)
    value = str(source.meta['style'])
    line = source.meta_line('style')
    try:
        style_obj = resolve_style(value, source.path)
    except InputError as e:
        message = f'{e.message}: {e.path}' if e.path else e.message
        raise InputError(message, source.path, line) from None
    allowed = [source.path.resolve().parent] + [folder.resolve() for folder in styles_dirs()]
    if not any(style_obj.css_path.is_relative_to(folder) for folder in allowed):
        raise InputError(f'style {value!r} is outside the project: a style named in the front matter '
                         'must be in styles/ or beside the manuscript (use --style for others)',
                         source.path, line)
    return style_obj


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

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == 'error']


def default_output(source_path: Path) -> Path:
    """source/report.md → output/report.pdf, beside the source folder."""
    source_path = Path(source_path)
    base = source_path.parent.parent if source_path.parent.name == 'source' else source_path.parent
    return base / 'output' / (source_path.stem + '.pdf')


def build(source_path='source/report.md', output=None, *, style=None, extra_css: str = '') -> BuildResult:
    """Build a manuscript into a PDF. Raises `InputError` for input that cannot be used;
    returns findings (missing glyphs, refused resources) for a build that ran."""
    from . import render
    start = time.perf_counter()
    source_path = Path(source_path)
    try:
        prepared = prepare(source_path, style=style)
    except RecursionError:  # Markdown and the tree walks recurse; layout is caught in render
        raise InputError(render.NESTED_TOO_DEEPLY, source_path) from None
    output = Path(output) if output else default_output(source_path)
    sandbox = render.Sandbox(roots=[source_path.resolve().parent, STYLES_DIR.resolve(),
                                    FONTS_DIR.resolve(), TEMPLATES_DIR.resolve(),
                                    prepared.style.css_path.parent],
                             source_path=prepared.source.path, source_text=prepared.source.text,
                             files=[spec.file for spec in prepared.fonts])
    sheets = [(font_stage.font_face_css(prepared.fonts), FONTS_DIR),
              (prepared.style.css, prepared.style.css_path)]
    if extra_css:
        sheets.append((extra_css, prepared.style.css_path))
    result = render.render_pdf(prepared.html, base_url=source_path.resolve().parent,
                               stylesheets=sheets, output=output, sandbox=sandbox)
    warnings = list(result.warnings)
    if not render.harfbuzz_subset_available():
        warnings.insert(0, 'libharfbuzz-subset0 is missing: fonts are subset with fontTools, '
                           'about 50 times slower (run ./setup.sh, or apt-get install libharfbuzz-subset0)')
    findings = prepared.findings + sandbox.refused
    prepared.source.place(findings)
    # The net under the coverage check: anything the template or the style added
    # (generated content, list markers) that no font has, as WeasyPrint saw it.
    for warning in list(warnings):
        m = NOTDEF_WARNING.search(warning)
        if m:
            warnings.remove(warning)
            ch = m.group(1)
            findings.append(Finding('glyph-missing', 'error',
                                    f'{ch} U+{ord(ch):04X} {unicodedata.name(ch, "")} (added by the style or template) '
                                    'is in no configured font', path=str(source_path), extra={'char': ch}))
    return BuildResult(output, result.pages, time.perf_counter() - start, findings,
                       warnings, prepared.source.notes)
