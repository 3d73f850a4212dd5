"""Source rules: each fixture plants one mistake; the rule id and the line are asserted.
A clean fixture, source/report.md and the raw seed (one paragraph cut in two) guard
against noise."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from typeset.checks import rule_settings
from typeset.checks.source_rules import RULE_IDS, lint
from typeset.errors import InputError
from typeset.source import read_source

FIXTURES = ROOT / 'tests' / 'fixtures' / 'check'


def findings(path):
    source = read_source(path)
    disabled, severity = rule_settings(source.meta, source.path)
    return lint(source, disabled, severity)


@pytest.mark.parametrize('rule, line, col', [
    ('halfwidth-punct', 1, 8),
    ('unpaired-mark', 3, 3),
    ('doubled-mark', 5, 6),
    ('space-between-han', 3, 6),
    ('paragraph-end', 3, 23),
    ('fullwidth-alnum', 3, 9),
    ('ellipsis-form', 3, 3),
    ('dash-form', 5, 3),
    ('mixed-width', 5, 6),
])
def test_each_rule_finds_its_planted_mistake(rule, line, col):
    found = findings(FIXTURES / f'{rule}.md')
    assert [(f.rule, f.line, f.col) for f in found] == [(rule, line, col)]
    assert found[0].where() == f'{FIXTURES / (rule + ".md")}:{line}:{col}'


def test_every_rule_has_a_fixture():
    assert {p.stem for p in FIXTURES.glob('*.md')} >= set(RULE_IDS)


def test_clean_fixture_gives_nothing():
    assert findings(FIXTURES / 'clean.md') == []


def test_report_gives_no_source_findings():
    assert findings(ROOT / 'source' / 'report.md') == []


def test_seed_gives_exactly_the_cut_paragraph():
    found = findings(FIXTURES / 'seed.txt')
    assert [(f.rule, f.line) for f in found] == [('paragraph-end', 25)]
    lines = (FIXTURES / 'seed.txt').read_text(encoding='utf-8').split('\n')
    assert lines[24].endswith('农业品牌建') and lines[26].startswith('设、职工')


def test_rules_switched_off_in_front_matter():
    assert findings(FIXTURES / 'switched-off.md') == []


def test_unknown_rule_in_front_matter_is_an_input_error(tmp_path):
    src = tmp_path / 'doc.md'
    src.write_text('---\nchecks:\n  no-such-rule: off\n---\n\n正文。\n', encoding='utf-8')
    with pytest.raises(InputError) as e:
        findings(src)
    assert e.value.line == 3


def test_markup_code_and_urls_are_not_text(tmp_path):
    src = tmp_path / 'doc.md'
    src.write_text('见 `a,b` 与 [链接](https://x.cn/a,b) 说明。\n\n```\n中文,中文\n```\n\n**加粗。**正文继续。\n',
                   encoding='utf-8')
    assert findings(src) == []


def _cli(*args):
    return subprocess.run([sys.executable, '-c', 'from typeset.cli import main; main()', *args],
                          capture_output=True, text=True,
                          cwd=ROOT)


def test_cli_source_only_json_and_exit_codes():
    done = _cli('check', str(FIXTURES / 'seed.txt'), '--source-only', '--format', 'json')
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data['summary']['errors'] == 1
    assert data['findings'][0]['rule'] == 'paragraph-end' and data['findings'][0]['line'] == 25
    assert _cli('check', str(FIXTURES / 'clean.md'), '--source-only').returncode == 0
    assert _cli('check', str(FIXTURES / 'missing.md'), '--source-only').returncode == 2
