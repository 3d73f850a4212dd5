"""Errors and findings shared by every stage.

One policy for the whole tool: a problem with the user's input is an `InputError` that
names the file and the line; the CLI prints it on one line and exits 2. Problems found in
a document that did build are `Finding`s, which the CLI prints and counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict


# The exit codes of every command, single build, batch or watch rebuild alike.
EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class TypesetError(Exception):
    """Base of every error the tool raises on purpose."""
    exit_code = EXIT_FINDINGS


class InputError(TypesetError):
    """The input cannot be used: names where, so the user can go and fix it."""
    exit_code = EXIT_INPUT

    def __init__(self, message: str, path=None, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.col = col

    def __str__(self) -> str:
        where = self.path or ''
        if where and self.line:
            where += f':{self.line}'
            if self.col:
                where += f':{self.col}'
        return f'{where}: {self.message}' if where else self.message


@dataclass
class Finding:
    """One thing a proofreader should look at.

    `line`/`col` point into the source file; `page`/`page_line` into the PDF, counted
    the way the proof copy numbers its lines (body lines of the page, from 1).
    """
    rule: str
    severity: str  # 'error' | 'warning' | 'info'
    message: str
    path: str | None = None
    line: int | None = None
    col: int | None = None
    page: int | None = None
    page_line: int | None = None
    column: int | None = None
    paragraph: int | None = None   # 第N段 of a Word manuscript
    extra: dict = field(default_factory=dict)

    def where(self) -> str:
        parts = []
        if self.path:
            loc = self.path
            if self.paragraph:
                loc += f' 第{self.paragraph}段'
            elif self.line:
                loc += f':{self.line}'
                if self.col:
                    loc += f':{self.col}'
            parts.append(loc)
        if self.page:
            pdf = f'第{self.page}页'
            if self.column:
                pdf += f' 第{self.column}栏'
            if self.page_line:
                pdf += f' 第{self.page_line}行'
            parts.append(pdf)
        return ' '.join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f'{where}: {self.severity}: {self.message} [{self.rule}]' if where else \
            f'{self.severity}: {self.message} [{self.rule}]'

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, {})}
