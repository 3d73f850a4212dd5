"""Front matter: the YAML block that opens a manuscript, checked against a schema.

Every key a manuscript may use is declared once, in `KEYS`, with what kind of value it
holds and what it means; an unknown key is an input error that lists the known ones, and
a value of the wrong kind is an error naming its line. Document elements (the 公文's 版头
and 版记, a newspaper's 报眉) are declared here as data and set by the templates and
styles; no Python knows their layout.

Values are checked before anything uses them, so a YAML alias bomb (a list of lists of …
referring to each other) is refused before it is expanded.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import yaml

from .errors import InputError

SCALAR = (str, int, float, bool, datetime.date)
MAX_FRONT_MATTER_CHARS = 16 * 1024


@dataclass(frozen=True)
class Key:
    name: str
    kind: str            # one of KINDS
    help: str
    choices: tuple = ()
    aliases: tuple = ()  # other names accepted for the key (e.g. its Chinese name)


def _scalar(value) -> bool:
    return value is None or isinstance(value, SCALAR)


def _text(key: Key, value) -> str | None:
    if _scalar(value):
        return None
    return f'{key.name} must be text, not a {"list" if isinstance(value, list) else "mapping"}'


def _lines(key: Key, value) -> str | None:
    if _scalar(value) or (isinstance(value, list) and all(isinstance(v, SCALAR) for v in value)):
        return None
    return f'{key.name} must be text or a list of lines of text'


def _choice(key: Key, value) -> str | None:
    if value is None or value in key.choices:
        return None
    return f'{key.name} must be one of {", ".join(map(str, key.choices))}, not {value!r}'


def _attachments(key: Key, value) -> str | None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if _scalar(item):
            continue
        if isinstance(item, dict) and set(item) <= {'title', 'file'} and 'title' in item \
                and all(_scalar(v) for v in item.values()):
            continue
        return f'{key.name} must be a list of titles, or of {{title: …, file: …}}'
    return None


def folio_none(value) -> bool:
    """`page_numbers: none` (or 无, or false): no page numbers."""
    return value is False or value in ('none', '无')


def _folio(key: Key, value) -> str | None:
    """A page number as it should read on page 1 of 6: `— 1 —`, `第1页`, `1/6`, or none."""
    if value is None or folio_none(value):
        return None
    text = str(value)
    numbers = re.findall(r'\d+', text)
    if isinstance(value, SCALAR) and 1 <= len(numbers) <= 2 and len(text) <= 24 \
            and not any(c < ' ' or c == '\x7f' for c in text):
        return None
    return (f'{key.name} must show page 1 (of 6) as it should be printed, e.g. "— 1 —", "第1页", '
            f'"1/6", or be none, not {value!r}')


def _rules(key: Key, value) -> str | None:
    if value is None or isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, SCALAR)
                                       for k, v in value.items()):
        return None
    return f'{key.name} must be a mapping of rule names to on/off, e.g. {{paragraph-end: off}}'


def _count(key: Key, value) -> str | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1000):
        return None
    return f'{key.name} must be a whole number from 1 to 999, not {value!r}'


def _date(key: Key, value) -> str | None:
    if value is None or parse_date(value) is not None:
        return None
    return f'{key.name} must be a date such as 2026-01-20 or 2026年1月20日, not {value!r}'


_DATE = re.compile(r'\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?\s*')


def parse_date(value) -> datetime.date | None:
    """A date as YAML gives it (2026-01-20) or as it is written (2026年1月20日, 2026/1/20)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    m = _DATE.fullmatch(str(value))
    if not m:
        return None
    try:
        return datetime.date(*map(int, m.groups()))
    except ValueError:
        return None


KINDS = {'text': _text, 'lines': _lines, 'choice': _choice, 'rules': _rules,
         'attachments': _attachments, 'count': _count, 'date': _date, 'folio': _folio}

# The keys, in the order `typeset` lists them. Each group is a part of the document.
KEYS: dict[str, Key] = {k.name: k for k in [
    # the document and its title block
    Key('title', 'lines', 'title, a string or a list of lines as they should be set'),
    Key('subtitle', 'lines', 'line(s) under the title, e.g. the date or the occasion'),
    Key('author', 'text', 'author or issuing body (PDF metadata)'),
    Key('date', 'date', '成文日期, the date the document is made: 2026-01-05 or 2026年1月5日; '
        'set as 2026年1月5日', aliases=('成文日期',)),
    Key('lang', 'text', 'language of the document, default zh-CN'),
    Key('keywords', 'lines', 'PDF keywords'),
    # the 公文's 版头 (GB/T 9704 7.2): above the red rule
    Key('format', 'choice', '公文 format: document (the default), letter (信函格式), order (命令格式) '
        'or minutes (纪要格式); the Chinese names are accepted too',
        choices=('document', 'letter', 'order', 'minutes', '文件', '信函', '命令', '令', '纪要'),
        aliases=('格式',)),
    Key('copy_no', 'text', '份号, the copy number (6 digits), top left', aliases=('份号',)),
    Key('classification', 'text', '密级和保密期限, e.g. 机密★1年', aliases=('密级',)),
    Key('urgency', 'text', '紧急程度, e.g. 特急 or 加急', aliases=('紧急程度',)),
    Key('issuer', 'lines', '发文机关: one organ, or a list for joint issue (联合行文), lead organ first',
        aliases=('发文机关',)),
    Key('issuer_mark', 'text', '发文机关标志 when it is not the organ\'s name, e.g. 温岭市人民政府文件',
        aliases=('发文机关标志',)),
    Key('doc_no', 'text', '发文字号, e.g. 温政发〔2026〕12号', aliases=('发文字号', '文号')),
    Key('signer', 'lines', '签发人 of an 上行文: one name or a list (a 令: who signs, typed where '
        'there is no 签名章)', aliases=('签发人',)),
    # the 主体 (GB/T 9704 7.3)
    Key('addressee', 'text', '主送机关, set flush left under the title', aliases=('主送机关', '主送')),
    Key('attachments', 'attachments', '附件说明: a list of titles, or of {title, file} where file is a '
        'manuscript beside this one, set as the attachment', aliases=('附件',)),
    Key('signature', 'lines', '发文机关署名: one organ or several (a 令: the 签发人\'s office in full)',
        aliases=('署名', '发文机关署名')),
    Key('seal', 'lines', '印章: an image (PNG, SVG) beside the manuscript, or one per organ '
        '(a 令: the 签名章)', aliases=('印章',)),
    Key('note', 'text', '附注, set in （） under the date', aliases=('附注',)),
    # 页码 (GB/T 9704 7.5)
    Key('page_numbers', 'folio', '页码 as page 1 (of 6) should read: "— 1 —" (the default), "第1页", '
        '"1/6" (the second number the page count), or none', aliases=('页码',)),
    Key('page_number_position', 'choice', '页码 outer (the default: 单页码居右、双页码居左, one '
        'character in) or centre', choices=('outer', 'centre', 'center', '外侧', '居中'),
        aliases=('页码位置',)),
    # 纪要格式 (GB/T 9704 10.3): who took part, listed after the body
    Key('present', 'lines', '纪要: 出席 (names, or one line of text)', aliases=('出席',)),
    Key('absent', 'lines', '纪要: 请假', aliases=('请假',)),
    Key('attending', 'lines', '纪要: 列席', aliases=('列席',)),
    # the 版记 (GB/T 9704 7.4)
    Key('cc', 'lines', '抄送机关: text, or a list of organs', aliases=('抄送', '抄送机关')),
    Key('printer', 'text', '印发机关', aliases=('印发机关',)),
    Key('print_date', 'date', '印发日期: 2026-01-06 or 2026年1月6日', aliases=('印发日期',)),
    # a newspaper page: the headline block around the title
    Key('kicker', 'lines', '引题, the line(s) above a newspaper headline', aliases=('引题',)),
    Key('byline', 'lines', '报告人 or 记者 line under a newspaper headline', aliases=('报告人',)),
    # a newspaper page: the 报眉 over every page
    Key('paper', 'text', '报名, the newspaper\'s name in the 报眉', aliases=('报名',)),
    Key('issue_date', 'date', '出版日期, e.g. 2026-01-20; the 报眉 adds the weekday',
        aliases=('出版日期',)),
    Key('page_no', 'count', '版次 of the first page; pages that continue count on',
        aliases=('版次',)),
    Key('section', 'text', '版名, e.g. 要闻 or 专版', aliases=('版名',)),
    Key('editor', 'text', '责任编辑', aliases=('责任编辑',)),
    Key('designer', 'text', '美编 (optional)', aliases=('美编',)),
    Key('proofreader', 'text', '校对', aliases=('校对',)),
    Key('column_rules', 'choice', '栏线 between newspaper columns: yes or no',
        choices=(True, False), aliases=('栏线',)),
    # how to read and set it
    Key('style', 'text', 'house style: a name in styles/ or a path to a .css file'),
    Key('paragraphs', 'choice', '"blank" (Markdown: blank lines separate paragraphs) or "lines" '
        '(every line is a paragraph)', choices=('blank', 'lines')),
    Key('embed', 'lines', 'files beside the manuscript to attach to the PDF, by name, e.g. [附件1.xlsx]; '
        'nothing else is ever attached'),
    Key('checks', 'rules', 'rules of `typeset check` to switch off, e.g. {paragraph-end: off}'),
]}

ALIASES = {alias: key.name for key in KEYS.values() for alias in key.aliases}


@dataclass
class FrontMatter:
    meta: dict               # values by the keys' own (English) names
    body_start: int          # index of the first line after the front matter
    lines: dict[str, int]    # key → line of the file (1-based) where it is written


def split(text: str, path) -> FrontMatter:
    """YAML between a first line `---` and a closing `---` or `...`."""
    lines = text.split('\n')
    if not lines or lines[0].strip() != '---':
        return FrontMatter({}, 0, {})
    for end in range(1, len(lines)):
        if lines[end].strip() in ('---', '...'):
            break
    else:
        raise InputError('front matter opened with --- on line 1 is never closed', path, 1)
    size = sum(len(line) + 1 for line in lines[1:end])
    if size > MAX_FRONT_MATTER_CHARS:
        # Refused before YAML reads it: the parser takes seconds over 100,000 keywords.
        raise InputError(f'front matter of {size:,} characters; at most {MAX_FRONT_MATTER_CHARS:,} '
                         'can be read', path, 1)
    try:
        raw = yaml.safe_load('\n'.join(lines[1:end])) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, 'problem_mark', None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(e, 'problem', None) or str(e).split('\n')[0]
        raise InputError(f'front matter is not valid YAML: {problem}', path, line) from None
    except (ValueError, OverflowError) as e:  # e.g. date: 2024-02-30, which YAML reads as a date
        raise InputError(f'front matter has a value that cannot be read: {e}', path,
                         _bad_date_line(lines, end)) from None
    if not isinstance(raw, dict):
        raise InputError('front matter must be a mapping of keys to values', path, 2)
    meta, where = {}, {}
    for written, value in raw.items():
        line = _key_line(lines, end, written)
        name = ALIASES.get(written, written)
        key = KEYS.get(name)
        if key is None:
            known = ', '.join(KEYS)
            raise InputError(f'unknown front matter key {written!r}; known keys: {known}', path, line)
        if name in meta:
            raise InputError(f'{written!r} sets {name!r} a second time', path, line)
        problem = KINDS[key.kind](key, value) or _not_text(key, value)
        if problem:
            raise InputError(problem, path, line)
        meta[name] = value
        where[name] = line
    return FrontMatter(meta, end + 1, where)


def _not_text(key: Key, value) -> str | None:
    """A lone surrogate (\\ud800 in a YAML string) is not a character: nothing can set,
    encode or search it."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and any('\ud800' <= c <= '\udfff' for c in item):
            bad = next(c for c in item if '\ud800' <= c <= '\udfff')
            return f'{key.name} contains U+{ord(bad):04X}, half of a UTF-16 pair, which is not a character'
    return None


def _bad_date_line(lines: list[str], end: int) -> int:
    for i in range(1, end):
        for m in re.finditer(r'\b(\d{4})-(\d{1,2})-(\d{1,2})\b', lines[i]):
            try:
                datetime.date(*map(int, m.groups()))
            except ValueError:
                return i + 1
    return 2


def _key_line(lines: list[str], end: int, key) -> int:
    for i in range(1, end):
        if re.match(rf'\s*["\']?{re.escape(str(key))}["\']?\s*:', lines[i]):
            return i + 1
    return 1
