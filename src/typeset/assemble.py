"""Assembly: HTML fragment + metadata → a whole HTML page, through Jinja templates.

Templates are data (`templates/`, or a house style's own `styles/<name>.html`); this
module only decides what they are given.
"""
from __future__ import annotations

import functools
import html as html_lib
import os
import re
import sys
import tempfile
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from . import __version__
from .chars import HAN_RANGES
from .elements import written_date
from .errors import InputError, TypesetError
from .fonts import FontSpec, family_specs, text_width
from .frontmatter import parse_date
from .sandbox import RULE_MISSING, TEMPLATE_SUFFIXES, Unreadable, read_regular
from .titles import break_title_line

# A page template is a few KB; a larger "template" is not one.
MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_BROKEN_TITLE_LINES = 5


@functools.cache
def title_break():
    # Compiled when first needed (a title written as the body's first heading): its two
    # classes of every Han character take Python's regex compiler 3-6 ms.
    return re.compile(f'(?<=[{HAN_RANGES}（）《》”])[ \u3000]+(?=[{HAN_RANGES}（《“])')


def title_filter(fonts: list[FontSpec]):
    """The `break_title` filter: a style's template gives the title's measure (in em of
    the title size) and the font-family list and weight its style sets the title in."""
    def break_title(lines, measure: float = 20, families=('Noto Serif CJK SC',), weight: int = 700) -> list:
        faces = family_specs(fonts, families, weight)
        width = functools.lru_cache(maxsize=None)(lambda s: text_width(s, faces))
        out = []
        for line in lines:
            if '<' in str(line):  # markup inside: left whole
                out.append(line)
                continue
            plain = html_lib.unescape(str(line))
            if len(plain) > MAX_BROKEN_TITLE_LINES * measure:
                # The breaker weighs every arrangement of lines, which grows exponentially
                # with their number (160 characters took 73 s): a title this long is set by
                # the renderer's own line breaking.
                out.append(Markup.escape(plain))
                continue
            out.extend(Markup.escape(part) for part in break_title_line(plain, measure, width))
        return out
    return break_title


WEEKDAYS = '一二三四五六日'


def weekday(value) -> str:
    """The weekday of a date, as a 报眉 prints it: 星期二."""
    date = parse_date(value) if value is not None else None
    return f'星期{WEEKDAYS[date.weekday()]}' if date else ''


def css_string(value) -> str:
    """A value as a CSS string literal, for a template that hands front matter to the
    style (string-set): quotes, backslashes and control characters escaped, so that no
    value can end the string and write CSS of its own."""
    text = '' if value is None else str(value)
    return '"' + ''.join(f'\\{ord(c):x} ' if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7f else c
                         for c in text) + '"'


def _lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v).strip()]
    return [line for line in str(value).split('\n') if line.strip()]


@functools.lru_cache(maxsize=8)
def _environment(template_dirs: tuple[str, ...]) -> SandboxedEnvironment:
    """One environment per set of template folders, kept: it keeps the compiled templates
    (compiling page.html is 25 ms of a warm rebuild); ProjectLoader says when a template's
    file changed, so it is compiled again."""
    # Sandboxed: a house style's template may sit beside a manuscript from anyone, and a
    # plain Environment lets `{{ cycler.__init__.__globals__.os }}` run any command.
    env = SandboxedEnvironment(loader=ProjectLoader([Path(d) for d in template_dirs]),
                               autoescape=True, keep_trailing_newline=True, auto_reload=True,
                               bytecode_cache=CompiledTemplates())
    env.filters['cn_date'] = written_date   # 2026-01-20 → 2026年1月20日, as GB/T 9704 writes it
    env.filters['css_string'] = css_string
    env.filters['weekday'] = weekday
    return env


def assemble(body_html: str, meta: dict, *, title_html: str | None, style_name: str,
             template_dirs: list[Path], template: str = 'page.html', elements: dict | None = None,
             fonts: list[FontSpec] = ()) -> str:
    """The page as HTML. `title_html` is the first <h1> of the body, used when the
    front matter gives no title; `elements` are the 公文's elements (`elements.py`)."""
    env = _environment(tuple(str(d) for d in template_dirs))
    env.filters['break_title'] = title_filter(list(fonts))  # this build's fonts
    if meta.get('title'):
        title_lines = [Markup.escape(t) for t in _lines(meta['title'])]
    elif title_html:
        # A space between two Chinese characters in a manuscript's title is where the
        # author breaks it (中共中央 国务院关于…): set each part on a line of its own.
        title_lines = [Markup(part) for part in title_break().split(title_html)]
    else:
        title_lines = []
    title_text = ''.join(re.sub(r'<[^>]+>', '', str(t)) for t in title_lines)
    title_text = html_lib.unescape(title_text)
    keywords = meta.get('keywords')
    if isinstance(keywords, (list, tuple)):
        keywords = ', '.join(map(str, keywords))
    try:
        return env.get_template(template).render(
            lang=meta.get('lang', 'zh-CN'),
            title_lines=title_lines,
            title_text=title_text,
            subtitle_lines=_lines(meta.get('subtitle')),
            kicker_lines=_lines(meta.get('kicker')),
            byline_lines=_lines(meta.get('byline')),
            author=meta.get('author'),
            date=str(meta['date']) if meta.get('date') else None,
            keywords=keywords,
            version=__version__,
            style_name=style_name,
            body=Markup(body_html),
            meta=meta,
            gongwen=elements or {},
        )
    except TypesetError:
        raise
    except jinja2.TemplateSyntaxError as e:
        raise InputError(f'template error: {e.message}', e.filename, e.lineno) from None
    except SecurityError as e:
        raise InputError(f'the template tried something unsafe and was stopped: {e}',
                         template_dirs[0] / template) from None
    except jinja2.TemplateNotFound as e:
        path, line = _template_position(e.__traceback__)
        raise InputError(f'template error: no template named {e.name!r}', path or template_dirs[0] / template,
                         line) from None
    except Exception as e:  # noqa: BLE001  a template is input: undefined names, 1/0, bad filters
        path, line = _template_position(e.__traceback__)
        raise InputError(f'template error: {type(e).__name__}: {str(e)[:200]}',
                         path or template_dirs[0] / template, line) from None


def _template_position(tb) -> tuple[str | None, int | None]:
    """The template file and line a Jinja error happened on (Jinja rewrites its traceback
    so that template code has frames of its own)."""
    where = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(TEMPLATE_SUFFIXES):
            where = (name, tb.tb_lineno)
        tb = tb.tb_next
    return where


# The project's own template folders: what they hold is as trusted as typeset's code.
PROJECT_TEMPLATE_DIRS = tuple(Path(__file__).resolve().parents[2] / name for name in ('templates', 'styles'))
COMPILED_TEMPLATES = Path(__file__).resolve().parent / '__pycache__' / 'templates'


class CompiledTemplates(jinja2.BytecodeCache):
    """The project's own templates (templates/, styles/), compiled once and kept where
    Python keeps typeset's compiled modules, as Python does: parsing the page templates
    and generating their code is 0.03 s of every fresh build. Kept code is used only while
    the template reads the same (Jinja checks the source's digest) and was compiled by the
    same Jinja, Python and environment (part of the key). Compiled code runs outside the
    sandbox, so it is kept only in typeset's own folder, never beside a template; and a
    template from elsewhere (a style beside a manuscript) is compiled every time, nothing
    of it kept. Nothing is written when Python writes no bytecode (PYTHONDONTWRITEBYTECODE)."""

    def get_bucket(self, environment, name, filename, source):
        trusted = filename is not None and any(Path(filename).resolve().is_relative_to(folder)
                                               for folder in PROJECT_TEMPLATE_DIRS)
        setting = (type(environment).__name__, environment.sandboxed, environment.autoescape,
                   environment.keep_trailing_newline, environment.trim_blocks,
                   environment.lstrip_blocks, environment.optimized, environment.newline_sequence,
                   tuple(sorted(environment.extensions)), jinja2.__version__)
        key = self.get_cache_key(f'{name}|{setting!r}', filename)
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        bucket.trusted = trusted
        if trusted:
            self.load_bytecode(bucket)
        return bucket

    def set_bucket(self, bucket):
        if bucket.trusted and not sys.dont_write_bytecode:
            self.dump_bytecode(bucket)

    def load_bytecode(self, bucket):
        try:
            with open(COMPILED_TEMPLATES / f'{bucket.key}.jinja', 'rb') as f:
                bucket.load_bytecode(f)
        except FileNotFoundError:
            pass
        except Exception:  # damaged or from another Python: compiled again
            bucket.reset()

    def dump_bytecode(self, bucket):
        # Written beside and renamed: two builds at once never read half a file.
        try:
            COMPILED_TEMPLATES.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=COMPILED_TEMPLATES, suffix='.part')
        except OSError:  # a read-only installation: compiled each time, as before
            return
        try:
            with os.fdopen(fd, 'wb') as f:
                bucket.write_bytecode(f)
            os.replace(tmp, COMPILED_TEMPLATES / f'{bucket.key}.jinja')
        except OSError:
            os.unlink(tmp)


class ProjectLoader(jinja2.BaseLoader):
    """Templates from `folders`, read the way the renderer reads any file: a real path
    inside the folder (a symbolic link out of it is refused), a regular file, opened once
    without following links, at most MAX_TEMPLATE_BYTES, named *.html."""

    def __init__(self, folders):
        self.folders = [Path(f) for f in folders]

    def get_source(self, environment, template):
        pieces = split_template_path(template)  # refuses `..`
        if not template.endswith(TEMPLATE_SUFFIXES):
            raise InputError(f'template {template!r} refused: templates are *.html files')
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            try:
                root = folder.resolve(strict=True)
                _, data = read_regular(path, [root], limit=MAX_TEMPLATE_BYTES)
            except FileNotFoundError:
                continue
            except Unreadable as e:
                if e.rule == RULE_MISSING:
                    continue
                why = ('it leads outside its folder (a symbolic link?)' if e.why == 'outside' else e.why)
                raise InputError(f'template {template!r} refused: {why}', path) from None
            try:
                text = data.decode('utf-8')
            except UnicodeDecodeError as e:
                raise InputError(f'template is not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})',
                                 path) from None
            return text, str(path), functools.partial(_unchanged, path, root, data)
        raise jinja2.TemplateNotFound(template)


def _unchanged(path: Path, root: Path, data: bytes) -> bool:
    """Whether the template file still holds `data` (a kept environment asks before using
    its compiled template), read with the same care as the first time."""
    try:
        return read_regular(path, [root], limit=MAX_TEMPLATE_BYTES)[1] == data
    except (OSError, Unreadable):
        return False
