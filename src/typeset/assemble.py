"""Assembly: HTML fragment + metadata → a whole HTML page, through Jinja templates.

Templates are data (`templates/`, or a house style's own `styles/<name>.html`); this
module only decides what they are given.
"""
from __future__ import annotations

import html as html_lib
import re
from itertools import accumulate
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from . import __version__
from .chars import break_allowed
from .errors import InputError, TypesetError
from .sandbox import RULE_MISSING, TEMPLATE_SUFFIXES, Unreadable, read_regular

# A page template is a few KB; a larger "template" is not one.
MAX_TEMPLATE_BYTES = 1024 * 1024


TITLE_BREAK = re.compile(r'(?<=[\u3400-\u9fff（）《》”])[ \u3000]+(?=[\u3400-\u9fff（《“])')


# Where a title may break (GB/T 9704 7.2.3: 回行时要做到词意完整，排列对称): the cost of a
# break before position i. Lower is better; a break between two arbitrary Han characters
# may split a word, so it costs most.
DOCUMENT_KINDS = '通知|意见|决定|报告|批复|办法|规定|通报|函|请示|公告|通告|纪要|方案|规划|条例|细则|决议|命令'


def _break_cost(text: str, i: int) -> float | None:
    prev, nxt = text[i - 1], text[i]
    if not break_allowed(prev, nxt):
        return None
    if prev.isascii() and nxt.isascii() and prev.isalnum() and nxt.isalnum():
        return None  # inside a Latin word or a number
    if prev in '、，；： \u3000':
        return 0
    if re.match(f'的(?:{DOCUMENT_KINDS})', text[i:]) or text[i:].startswith(('有关', '关于')):
        return 1
    if text[:i].endswith('关于'):
        return 1
    if nxt == '《' or prev == '》':
        return 2
    if prev in '会院部厅局委府' or prev in '和与及':
        return 3
    return 10


def _width(text: str) -> float:
    return sum(0.5 if c.isascii() else 1 for c in text)


def break_title_line(text: str, measure: int) -> list[str]:
    """Break a title line too long for `measure` (in characters of the title size) at the
    points a typesetter would choose: after 、，, around 关于, before 的通知 and the like,
    after the name of a body; balanced lengths; never inside a Latin word or a number."""
    n = len(text)
    if _width(text) <= measure or n < 2:
        return [text]
    costs = [None] + [_break_cost(text, i) for i in range(1, n)]
    # Width of text[a:b] is widths[b] - widths[a]; a line holds at most 2 × measure
    # characters (half-width ones), so only that many starts are tried: linear in n.
    widths = [0.0] + list(accumulate(0.5 if c.isascii() else 1 for c in text))
    reach = 2 * measure + 1
    best: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}  # position → (cost, breaks)
    for end in range(1, n + 1):
        if end < n and costs[end] is None:
            continue
        options = []
        for start in range(max(0, end - reach), end):
            if start not in best:
                continue
            width = widths[end] - widths[start]
            if width > measure:
                continue
            cost, breaks = best[start]
            slack = measure - width
            options.append((cost + (costs[end] if end < n else 0) + 5 + slack * slack / measure, start))
        if options:
            cost, start = min(options)
            best[end] = (cost, best[start][1] + [end])
    if n not in best:
        return [text]  # nothing fits: leave it to the renderer's own line breaking
    bounds = [0] + best[n][1]
    return [text[a:b].strip() for a, b in zip(bounds, bounds[1:])]


def break_title(lines, measure: int = 20) -> list:
    """Jinja filter over the title lines; lines with markup inside are left whole."""
    out = []
    for line in lines:
        if '<' in str(line):
            out.append(line)
            continue
        plain = html_lib.unescape(str(line))
        out.extend(Markup.escape(part) for part in break_title_line(plain, measure))
    return out


def _lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v).strip()]
    return [line for line in str(value).split('\n') if line.strip()]


def assemble(body_html: str, meta: dict, *, title_html: str | None, style_name: str,
             template_dirs: list[Path], template: str = 'page.html', elements: dict | None = None) -> str:
    """The page as HTML. `title_html` is the first <h1> of the body, used when the
    front matter gives no title; `elements` are the 公文's elements (`elements.py`)."""
    # Sandboxed: a house style's template may sit beside a manuscript from anyone, and a
    # plain Environment lets `{{ cycler.__init__.__globals__.os }}` run any command.
    env = SandboxedEnvironment(loader=ProjectLoader(template_dirs),
                               autoescape=True, keep_trailing_newline=True)
    env.filters['break_title'] = break_title
    if meta.get('title'):
        title_lines = [Markup.escape(t) for t in _lines(meta['title'])]
    elif title_html:
        # A space between two Chinese characters in a manuscript's title is where the
        # author breaks it (中共中央 国务院关于…): set each part on a line of its own.
        title_lines = [Markup(part) for part in TITLE_BREAK.split(title_html)]
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
            return text, str(path), lambda: True
        raise jinja2.TemplateNotFound(template)
