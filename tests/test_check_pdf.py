"""PDF rules on real renderings: the text read back, fonts, flush lines, with 第N页 第M行."""
from __future__ import annotations

import pytest

from conftest import ROOT
from typeset.checks import check

FIXTURES = ROOT / 'tests' / 'fixtures' / 'check'


@pytest.fixture(scope='module')
def report_check(tmp_path_factory):
    return check(ROOT / 'source' / 'report.md', tmp_path_factory.mktemp('r') / 'report.pdf')


def test_report_has_no_errors(report_check):
    assert report_check.errors == [], [str(f) for f in report_check.errors]
    assert report_check.pages >= 1


def test_seed_full_check_gives_one_error_the_cut(tmp_path):
    result = check(FIXTURES / 'seed.txt', tmp_path / 'seed.pdf')
    assert [(f.rule, f.line) for f in result.errors] == [('paragraph-end', 25)]
    assert not [f for f in result.findings if f.rule == 'text-mismatch']


def test_clean_fixture_checks_clean(tmp_path):
    result = check(FIXTURES / 'clean.md', tmp_path / 'clean.pdf')
    assert result.errors == [], [str(f) for f in result.errors]


def test_a_character_the_body_font_lacks_is_named_with_its_font(tmp_path):
    src = tmp_path / 'fallback.md'
    # 勠 is outside GB 2312: FandolFang has no glyph, Noto Serif CJK SC draws it
    src.write_text('第一段正文。\n\n同心勠力，共同推进各项工作。\n', encoding='utf-8')
    result = check(src, tmp_path / 'fallback.pdf')
    fb = [f for f in result.findings if f.rule == 'font-fallback']
    assert len(fb) == 1
    f = fb[0]
    assert f.extra['char'] == '勠' and 'Noto Serif CJK SC' in f.message and 'FandolFang' in f.message
    assert (f.page, f.page_line) == (1, 2)


def test_ragged_style_gives_lines_not_flush_with_page_and_line(tmp_path):
    src = tmp_path / 'ragged.md'
    para = '各单位要充分认识做好安全生产工作的重要性，坚持安全第一、预防为主的方针，' * 4 + '切实落实。'
    src.write_text(f'# 标题\n\n{para}\n', encoding='utf-8')
    result = check(src, tmp_path / 'ragged.pdf', style=str(FIXTURES / 'ragged.css'))
    ragged = [f for f in result.findings if f.rule == 'line-not-flush']
    assert ragged, [str(f) for f in result.findings]
    # the title is line 1; every line of the paragraph but its last is short
    assert [(f.page, f.page_line) for f in ragged] == [(1, n) for n in range(2, 2 + len(ragged))]
    assert all('mm short of the right edge' in f.message for f in ragged)


def test_text_changed_in_the_pdf_is_located(tmp_path):
    """Break the PDF on purpose: verify it against a source that says something else."""
    from typeset import pipeline
    from typeset.checks import _verify, pdf_rules
    src = tmp_path / 'doc.md'
    src.write_text('第一段正文。\n\n第二段说的是原来的话。\n', encoding='utf-8')
    built = pipeline.build(src, tmp_path / 'doc.pdf')
    src.write_text('第一段正文。\n\n第二段说的是后来的话。\n', encoding='utf-8')
    prepared = pipeline.prepare(src)
    found, _ = _verify(built.output, prepared, pdf_rules.probe_layout(prepared.style), prepared.source)
    tm = [f for f in found if f.rule == 'text-mismatch']
    assert len(tm) == 1
    assert tm[0].message == '“后” of the source is “原” in the PDF'
    assert (tm[0].line, tm[0].page, tm[0].page_line) == (3, 1, 2)


def test_check_fetches_nothing_the_build_refused(tmp_path):
    """check reads computed styles with WeasyPrint too; a stylesheet outside the project
    that the build refused must not change what check expects (here: hide every p)."""
    (tmp_path / 'outside').mkdir()
    (tmp_path / 'outside' / 'evil.css').write_text('p { display: none }', encoding='utf-8')
    (tmp_path / 'doc').mkdir()
    src = tmp_path / 'doc' / 'd.md'
    src.write_text('# 标题\n\n<link rel="stylesheet" href="../outside/evil.css">\n\n正文在这里。\n', encoding='utf-8')
    import typeset
    result = typeset.check(src, tmp_path / 'doc' / 'd.pdf')
    rules = [f.rule for f in result.findings]
    assert 'resource-outside-project' in rules
    assert 'text-mismatch' not in rules, [str(f) for f in result.findings]


def test_the_builds_own_findings_are_graded_by_the_documents_checks(tmp_path):
    """A rule the build reports (here a missing image) may be graded or switched off in
    `checks:` like any other; it used to be an "unknown rule" error, and a grade was ignored."""
    src = tmp_path / 'doc.md'
    body = '\n\n正文。\n\n![图](missing.png)\n'
    src.write_text('---\nchecks:\n  resource-missing: warning\n---' + body, encoding='utf-8')
    missing = [f for f in check(src, tmp_path / 'a.pdf').findings if f.rule == 'resource-missing']
    assert missing and {f.severity for f in missing} == {'warning'}
    src.write_text('---\nchecks:\n  resource-missing: off\n  image-not-loaded: off\n---' + body,
                   encoding='utf-8')
    assert not [f for f in check(src, tmp_path / 'b.pdf').findings if f.rule == 'resource-missing']


def test_code_lines_may_start_with_a_colon(tmp_path):
    """The lines of a code block are the code's own (Vue's `:key=`, a line ending in `[`):
    the Chinese line-start and line-end rules are for running text, and corpus 10's code
    was reported as broken lines."""
    src = tmp_path / 'code.md'
    code = ['<li v-for="doc in docs"', '  :key="doc.id"', '  :class="[', "    'active'", '  ]">']
    src.write_text('正文。\n\n```\n' + '\n'.join(code) + '\n```\n', encoding='utf-8')
    findings = check(src, tmp_path / 'code.pdf').findings
    assert not [f for f in findings if f.rule in ('line-start', 'line-end')], findings
