"""Shared fixtures: documents are built once per session and read back from the PDF."""
from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

import typeset

ROOT = Path(__file__).resolve().parents[1]
# The shared seed and corpus stand beside the project; a clone made elsewhere (a CI
# checkout in /tmp) finds them where the workplace keeps them.
SHARED = next((p for p in (ROOT.parent / 'shared', Path('/work/shared')) if p.is_dir()),
              ROOT.parent / 'shared')
SEED = SHARED / 'seed' / '000_fc35c23ccbbbedf1.txt'
CORPUS = SHARED / 'corpus'
MM = 72 / 25.4
HAN = re.compile(r'[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]')


@pytest.fixture(scope='session')
def report_pdf(tmp_path_factory) -> Path:
    """source/report.md built with the default style."""
    out = tmp_path_factory.mktemp('report') / 'report.pdf'
    result = typeset.build(ROOT / 'source' / 'report.md', out)
    assert not result.errors, result.errors
    return out


def build_markdown(tmp_path: Path, text: str, name: str = 'doc.md', **kwargs) -> tuple[Path, typeset.BuildResult]:
    src = tmp_path / name
    src.write_text(text, encoding='utf-8')
    out = tmp_path / (src.stem + '.pdf')
    return out, typeset.build(src, out, **kwargs)


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return ''.join(ch['text'] for page in pdf.pages for ch in page.chars)


def without_space(text: str) -> str:
    return re.sub(r'\s+', '', text)
