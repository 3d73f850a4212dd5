"""Side doors (issue 14): the ways into the machine that do not go through the renderer's
fetcher — git run by --proof, Jinja's loader, the race between check and read,
attachments, output paths, slow inputs, the trusted root, exit codes, paths in the PDF.
One test (or a few) per numbered item of the issue; each attack test failed on the code
before the fix. Every test builds real documents and reads the PDF back.
"""
from __future__ import annotations

import base64
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import typeset
from typeset import cli
from typeset.errors import InputError
from test_safety import pdf_everything, pdf_text, png
from conftest import CORPUS

TYPESET = Path(sys.executable).parent / 'typeset'
GIT = shutil.which('git')


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')
    return path


def one_line_error(result, rc: int = 2) -> str:
    """The CLI's promise: exit code `rc`, one line on stderr, no traceback."""
    err = result.stderr
    assert result.exit_code == rc, (result.exit_code, err, result.output)
    assert 'Traceback' not in err + result.output and 'internal error' not in err, err
    lines = [ln for ln in err.splitlines() if ln.startswith('error:')]
    assert len(lines) == 1, err
    return lines[0]


# -- 1. --proof runs no program the manuscript's folder controls --------------------------

@pytest.mark.skipif(GIT is None, reason='git is needed to make the hostile repository')
def test_1_proof_never_runs_git_of_the_manuscript_folder(tmp_path):
    """An unpacked zip with a .git whose core.fsmonitor is a command: --proof used to run
    `git describe` there, which ran the command. Now the revision is read from .git's
    files and the proof header still gets it."""
    repo = tmp_path / 'unpacked'
    src = write(repo / 'ms.md', '# 通知\n\n正文。\n')
    env = {**os.environ, 'GIT_CONFIG_GLOBAL': '/dev/null', 'GIT_CONFIG_NOSYSTEM': '1'}
    git = lambda *a: subprocess.run([GIT, '-C', str(repo), *a], check=True, capture_output=True, env=env)  # noqa: E731
    git('init', '-q')
    git('add', 'ms.md')
    git('-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-qm', 'x')
    marker = tmp_path / 'COMMAND-RAN'
    hook = write(repo / 'hook.sh', f'#!/bin/sh\ntouch {marker}\necho\n')
    hook.chmod(0o755)
    git('config', 'core.fsmonitor', str(hook))
    write(src, '# 通知\n\n正文，改过。\n')  # dirty: git describe --dirty consults the fsmonitor

    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(repo / 'ms.pdf'), '--proof'])
    assert result.exit_code == 0, result.output + result.stderr
    assert (repo / 'ms.proof.pdf').is_file()
    assert not marker.exists(), 'the manuscript folder ran a command'

    from typeset.proof import git_revision
    head = subprocess.run([GIT, '-C', str(repo), 'rev-parse', 'HEAD'], capture_output=True, text=True,
                          env={**env, 'GIT_OPTIONAL_LOCKS': '0'}).stdout.strip()
    marker.unlink(missing_ok=True)
    assert git_revision(repo) == head[:12] and not marker.exists()


def _fake_repo(git: Path, commit: str = 'a' * 40) -> None:
    write(git / 'HEAD', 'ref: refs/heads/main\n')
    write(git / 'refs' / 'heads' / 'main', commit + '\n')


def test_7_git_revision_reads_only_the_manuscripts_folder(tmp_path):
    """The proof header's revision reader walked every parent up to / and followed
    gitdir:/commondir anywhere: a .git above the manuscript, or one a pointer names
    elsewhere, gave its commit (and its files were read)."""
    from typeset.proof import git_revision
    outer = tmp_path / 'outer'
    _fake_repo(outer / '.git', 'b' * 40)
    inside = outer / 'ms'
    inside.mkdir()
    assert git_revision(inside) is None          # the parent's .git is not the manuscript's

    elsewhere = tmp_path / 'elsewhere'
    _fake_repo(elsewhere / '.git', 'c' * 40)
    pointed = tmp_path / 'pointed'
    write(pointed / '.git', f'gitdir: {elsewhere / ".git"}\n')
    assert git_revision(pointed) is None         # gitdir: out of the folder

    worktree = tmp_path / 'wt'
    write(worktree / '.git' / 'HEAD', 'ref: refs/heads/main\n')
    write(worktree / '.git' / 'commondir', str(elsewhere / '.git') + '\n')
    assert git_revision(worktree) is None        # commondir out of the folder

    own = tmp_path / 'own'
    _fake_repo(own / '.git', 'd' * 40)
    assert git_revision(own) == 'd' * 12


def test_7_git_revision_not_in_a_shared_folder(tmp_path, monkeypatch):
    from typeset.proof import git_revision
    monkeypatch.setenv('TMPDIR', str(tmp_path))
    _fake_repo(tmp_path / '.git')
    assert git_revision(tmp_path) is None


# -- 2. templates are read by the sandbox's rules ------------------------------------------

@pytest.mark.parametrize('name', ['leak', 'leak.html'])
def test_2_template_include_cannot_follow_a_symlink_out(tmp_path, name):
    """A style's template with {% include "leak" %}, leak → an outside file, used to put
    that file's text in the PDF with rc 0. Now it is an input error and no PDF has it."""
    secret = write(tmp_path / 'outside' / 'secret.txt', 'LEAKED-BY-TEMPLATE\n')
    style = tmp_path / 'style'
    write(style / 'evil.css', 'body { font-size: 12pt; }\n')
    write(style / 'evil.html', '{% extends "page.html" %}{% block body %}'
          f'<p>{{% include "{name}" %}}</p>{{{{ body }}}}{{% endblock %}}\n')
    (style / name).symlink_to(secret)
    src = write(tmp_path / 'doc' / 'doc.md', '正文。\n')
    out = tmp_path / 'doc' / 'doc.pdf'
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(out), '--style', str(style / 'evil.css')])
    line = one_line_error(result)
    assert 'refused' in line and name in line
    assert not out.exists() or b'LEAKED-BY-TEMPLATE' not in pdf_everything(out)


def test_2_templates_inside_the_style_still_load(tmp_path):
    style = tmp_path / 'style'
    write(style / 'own.css', 'body { font-size: 12pt; }\n')
    write(style / 'own.html', '{% extends "page.html" %}{% block body %}'
          '{% include "part.html" %}{{ body }}{% endblock %}\n')
    write(style / 'part.html', '<p>模板片段</p>\n')
    out = tmp_path / 'doc.pdf'
    result = typeset.build(write(tmp_path / 'doc' / 'doc.md', '正文。\n'), out, style=str(style / 'own.css'))
    assert not result.errors and '模板片段' in pdf_text(out)


# -- 3. what was checked is what is read ----------------------------------------------------

def test_3_a_link_swapped_after_the_check_is_not_followed(tmp_path, monkeypatch):
    """The race, made certain: the link is swapped to an outside file right after the
    sandbox first resolves it. The old code resolved it again to read it and embedded
    the outside file; now the file is opened once, without following links."""
    doc = tmp_path / 'doc'
    write(doc / 'inside.css', 'body::after { content: "INSIDE-OK"; }\n')
    leak = write(tmp_path / 'outside' / 'leak.css', 'body::after { content: "LEAKED-RACE"; }\n')
    link = doc / 'flip.css'
    link.symlink_to(doc / 'inside.css')
    src = write(doc / 'doc.md', '<style>@import url("flip.css");</style>\n\n正文。\n')

    real_resolve = Path.resolve
    swapped = []

    def resolve(self, strict=False):
        out = real_resolve(self, strict=strict)
        if self.name == 'flip.css' and not swapped:
            swapped.append(self)
            link.unlink()
            link.symlink_to(leak)
        return out

    monkeypatch.setattr(Path, 'resolve', resolve)
    result = typeset.build(src, tmp_path / 'doc.pdf')
    monkeypatch.undo()
    assert swapped
    assert b'LEAKED-RACE' not in pdf_everything(result.output)
    assert 'LEAKED' not in pdf_text(result.output)


def test_3_a_component_swapped_to_a_link_is_refused(tmp_path):
    """Opened component by component with O_NOFOLLOW: a folder on the way that became a
    symbolic link is not followed."""
    from typeset.sandbox import Unreadable, read_regular
    root = tmp_path / 'root'
    write(root / 'sub' / 'a.css', 'x')
    write(tmp_path / 'outside' / 'a.css', 'LEAK')
    real = (root / 'sub' / 'a.css').resolve()
    shutil.rmtree(root / 'sub')
    (root / 'sub').symlink_to(tmp_path / 'outside')
    with pytest.raises(Unreadable):
        read_regular(real, [root.resolve()])


# -- 4. attachments -----------------------------------------------------------------------

ATTACHING = '''---
title: 附件测试
{embed}---

[附件](.env){{: rel="attachment" }}，<a rel="attachment" href=".env">二</a>，<a rel="attachment" href="data:text/plain;base64,{data}">三</a>。

<link rel="attachment" href=".env">

正文。
'''


def _attaching(folder: Path, embed: str = '') -> Path:
    write(folder / '.env', 'SECRET-ENV-MARKER\n')
    write(folder / '附件1.txt', '附件一的内容ATTACHED-OK\n')
    data = base64.b64encode(b'DATA-URL-MARKER' * 1000).decode()
    return write(folder / 'doc.md', ATTACHING.format(embed=embed, data=data))


def test_4_nothing_is_attached_that_the_front_matter_does_not_list(tmp_path):
    """rel="attachment" on a Markdown link, <a>, <link>, and a data: URL used to embed
    the files silently; now each is an error finding and the PDF has no embedded file."""
    src = _attaching(tmp_path)
    result = typeset.build(src, tmp_path / 'doc.pdf')
    everything = pdf_everything(result.output)
    assert b'/EmbeddedFile' not in everything and PdfReader(result.output).attachments == {}
    for marker in (b'SECRET-ENV-MARKER', b'DATA-URL-MARKER'):
        assert marker not in everything
    refused = [f for f in result.errors if f.rule == 'attachment-refused']
    assert {f.extra['url'].split(':')[0] for f in refused} == {'file', 'data'} and len(refused) == 2
    assert all(f.line for f in refused)


def test_4_embed_attaches_by_name_reproducibly(tmp_path, monkeypatch):
    """`embed: [附件1.txt]` attaches that file (said in the build's notes); its dates come
    from SOURCE_DATE_EPOCH, so two builds a second apart give the same bytes."""
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1700000000')
    src = _attaching(tmp_path, 'embed: [附件1.txt]\n')
    first = typeset.build(src, tmp_path / 'a.pdf')
    time.sleep(1.1)
    second = typeset.build(src, tmp_path / 'b.pdf')
    assert first.output.read_bytes() == second.output.read_bytes()
    files = PdfReader(first.output).attachments
    # one file; pypdf lists it under its /UF name and again under WeasyPrint's /F spelling
    assert '附件1.txt' in files and all(c.startswith('附件一'.encode()) for v in files.values() for c in v)
    assert any('附件1.txt' in note for note in first.notes)
    everything = pdf_everything(first.output)
    assert b'SECRET-ENV-MARKER' not in everything and b'D:20231114' in everything
    # the links to .env are still refused, the link to the listed file is not
    assert {f.rule for f in first.errors} == {'attachment-refused'}


def test_4_embed_refuses_large_and_outside_files(tmp_path):
    doc = tmp_path / 'doc'
    write(tmp_path / 'secret.txt', 'x')
    with open(doc.mkdir() or doc / 'big.bin', 'wb') as f:
        f.truncate(17 * 1024 * 1024)
    for name, why in (('big.bin', 'larger than'), ('../secret.txt', "manuscript's folder"),
                      ('missing.txt', 'no such file')):
        src = write(doc / 'doc.md', f'---\nembed: ["{name}"]\n---\n正文。\n')
        with pytest.raises(InputError) as info:
            typeset.build(src, doc / 'doc.pdf')
        assert why in info.value.message and info.value.line == 2


# -- 5. output paths ----------------------------------------------------------------------

def test_5_output_never_replaces_a_fifo_device_or_link(tmp_path):
    """-o at a device or symbolic link used to replace it with a regular file."""
    src = write(tmp_path / 'doc.md', '正文。\n')
    fifo = tmp_path / 'fifo'
    os.mkfifo(fifo)
    target = write(tmp_path / 'target.txt', 'KEEP')
    link = tmp_path / 'link.pdf'
    link.symlink_to(target)
    for out in (fifo, link):
        result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(out)])
        assert 'not a regular file' in one_line_error(result)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink() and target.read_text() == 'KEEP'


def test_5_dash_writes_the_pdf_to_standard_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / 'doc.md', '正文。\n')
    result = CliRunner().invoke(cli.main, ['build', 'doc.md', '-o', '-'])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b'%PDF-') and not (tmp_path / '-').exists()


def test_5_preview_never_removes_or_replaces_files_it_did_not_make(tmp_path):
    """`preview report.md -o .` used to delete the manuscript folder's report-2.png."""
    src = write(tmp_path / 'report.md', '正文。\n')
    mine = {name: png(tmp_path / name, (0, 0, 200)).read_bytes() for name in ('report-1.png', 'report-2.png')}
    run = lambda: CliRunner().invoke(cli.main, ['preview', str(src), '-o', str(tmp_path), '--dpi', '20'])  # noqa: E731
    assert 'report-1.png' in one_line_error(run())
    (tmp_path / 'report-1.png').unlink()
    for _ in range(2):  # the second run replaces what the first made
        result = run()
        assert result.exit_code == 0, result.stderr
    assert (tmp_path / 'report-2.png').read_bytes() == mine['report-2.png']
    assert (tmp_path / 'report-1.png').is_file() and (tmp_path / 'report-sheet.png').is_file()


def test_5_preview_list_planted_as_a_link_is_not_followed(tmp_path):
    """The list of images preview made is never written through a link someone left."""
    victim = write(tmp_path / 'victim.txt', 'KEEP')
    (tmp_path / 'pv').mkdir()
    (tmp_path / 'pv' / '.typeset-preview').symlink_to(victim)
    src = write(tmp_path / 'report.md', '正文。\n')
    result = CliRunner().invoke(cli.main, ['preview', str(src), '-o', str(tmp_path / 'pv'), '--dpi', '20'])
    assert '.typeset-preview' in one_line_error(result) and victim.read_text() == 'KEEP'


def test_5_proof_never_overwrites_the_manuscript(tmp_path):
    """A manuscript named ms.proof.pdf used to be overwritten by --proof."""
    src = write(tmp_path / 'ms.proof.pdf', '正文。\n')
    before = src.read_bytes()
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(tmp_path / 'ms.pdf'), '--proof'])
    assert 'manuscript' in one_line_error(result)
    assert src.read_bytes() == before


# -- 6. inputs that are small but slow ----------------------------------------------------

SLOW = {
    'long title': ('---\ntitle: ' + '关于' * 1600 + '\n---\n正文。\n', 2, 'title'),
    'brackets': ('正文' + '[中' * 10000 + '。\n', 1, 'line of'),
    'brackets in lines': ('正文\n' + '[中' * 250 + '\n' + '[中' * 250 + '\n', 3, 'markup'),
    'keywords': ('---\nkeywords: [' + ','.join(f'k{i}' for i in range(100000)) + ']\n---\n正文。\n', 1,
                 'front matter'),
    'emphasis': ('正文' + '*a' * 40000 + '。\n', 1, 'line of'),
    'emphasis in lines': ('正文\n' + ('*a' * 100 + '\n') * 4, 5, 'markup'),
    'many paragraphs': (('正文\n' + '*a' * 140 + '\n\n') * 30, 37, 'markup'),
    'entities': ('正文\n\n' + '&#1' * 40000 + '\n', 3, 'line of'),
    'entities in lines': ('正文\n' + ('&#1' * 600 + '\n') * 2, 3, 'HTML tags'),
    'table columns': ('|' + '甲|' * 3000 + '\n|' + '-|' * 3000 + '\n', 1, 'columns'),
}


@pytest.mark.parametrize('case', list(SLOW))
def test_6_slow_inputs_end_with_a_one_line_error(tmp_path, case):
    """Each took from 30 s to minutes (title breaking was n³, Markdown quadratic in [,
    YAML and WeasyPrint slow on 100,000 keywords); now each is refused before those
    stages, naming the line. (The 60 s timeout only keeps the old code from hanging the
    suite; the refusal itself is immediate.)"""
    text, line, words = SLOW[case]
    src = write(tmp_path / 'slow.md', text)
    try:
        done = subprocess.run([TYPESET, 'build', str(src), '-o', str(tmp_path / 'slow.pdf')],
                              capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f'{case}: still running after 60 s')
    assert done.returncode == 2 and 'Traceback' not in done.stderr
    assert done.stderr.startswith(f'error: {src}:{line}:') and words in done.stderr, done.stderr


def test_6_a_long_manuscript_with_ordinary_emphasis_is_read(tmp_path):
    """The markup bound grows with the manuscript: 1,500 paragraphs of 300 characters with
    four bold phrases each (Σ markup² = 384,000) were refused like an attack (500 seeds,
    a 5 MB report); dense markup in a short file still is (the SLOW cases above)."""
    from typeset.source import read_source
    paragraph = ''.join(f'**要点{i}**' + '正文' * 30 for i in range(4)) + '。'
    long_one = write(tmp_path / 'long.md', '正文\n\n' + '\n\n'.join([paragraph] * 1500) + '\n')
    assert len(read_source(long_one).text) > 384_000
    dense = write(tmp_path / 'dense.md', '正文\n\n' + '\n\n'.join([paragraph * 5] * 1500) + '\n')
    with pytest.raises(InputError, match='too much markup'):
        read_source(dense)


@pytest.mark.parametrize('style', ['gongwen', 'newspaper'])
def test_6_a_long_title_within_the_bound_still_builds(tmp_path, style):
    """A title of 160 characters (inside the 200 the front matter may have) took 73 s in
    the title breaker; past five lines the renderer breaks it."""
    src = write(tmp_path / 'doc.md', '---\ntitle: ' + '关于加强' * 40 + '\n---\n正文。\n')
    done = subprocess.run([TYPESET, 'build', str(src), '-o', str(tmp_path / 'doc.pdf'), '--style', style],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '关于加强' * 3 in pdf_text(tmp_path / 'doc.pdf')


def test_6_style_outside_is_refused_before_it_is_read(tmp_path):
    """A front-matter style pointing at a 1.5 GB sparse file outside the project used to
    be read into memory (3 GB) before being refused; a FIFO must not hang the build."""
    huge = tmp_path / 'elsewhere' / 'huge.css'
    huge.parent.mkdir()
    with open(huge, 'wb') as f:
        f.truncate(1536 * 1024 * 1024)
    os.mkfifo(tmp_path / 'elsewhere' / 'pipe.css')
    doc = tmp_path / 'doc'
    for style, rc in ((huge, 2), (tmp_path / 'elsewhere' / 'pipe.css', 2)):
        src = write(doc / 'doc.md', f'---\nstyle: {style}\n---\n正文。\n')
        done = subprocess.run([TYPESET, 'build', str(src), '-o', str(doc / 'doc.pdf')],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == rc and done.stderr.startswith(f'error: {src}:2:'), done.stderr
    # given on the command line (trusted), the huge sheet is refused by its size, unread
    src = write(doc / 'doc.md', '正文。\n')
    done = subprocess.run([TYPESET, 'build', str(src), '-o', str(doc / 'doc.pdf'), '--style', str(huge)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and 'MB' in done.stderr, done.stderr
    import resource  # the largest child so far: a build is a few hundred MB, the sheet 1.5 GB
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1_000_000


# -- 7. the trusted root ------------------------------------------------------------------

def test_7_a_shared_folder_is_not_a_project(tmp_path, monkeypatch):
    """A manuscript lying directly in TMPDIR (or /, /etc, a home folder) used to make that
    whole folder readable; now nothing beside it is read."""
    monkeypatch.setenv('TMPDIR', str(tmp_path))
    png(tmp_path / 'beside.png', (1, 2, 3))
    src = write(tmp_path / 'doc.md', '![图](beside.png)\n\n正文。\n')
    result = typeset.build(src, tmp_path / 'doc.pdf')
    assert b'/Subtype /Image' not in pdf_everything(result.output)
    finding = next(f for f in result.errors if 'beside.png' in f.message)
    assert 'shared folder' in finding.message and finding.line == 1


def test_7_a_style_brings_only_its_own_files(tmp_path):
    """--style /x/house.css used to make all of /x readable."""
    house = tmp_path / 'house'
    write(house / 'house.css', '@import url("more.css");\n')
    write(house / 'more.css', 'body::after { content: "STYLE-IMPORT-OK"; }\n')
    write(house / 'secret.txt', 'LEAKED-FROM-STYLE-FOLDER')
    write(tmp_path / 'other-secret.css', 'body::before { content: "LEAKED-BESIDE-STYLE"; }')
    src = write(tmp_path / 'doc' / 'doc.md', '<style>@import url("../house/secret.txt"); '
                '@import url("../house/../other-secret.css");</style>\n\n正文。\n')
    result = typeset.build(src, tmp_path / 'doc.pdf', style=str(house / 'house.css'))
    text, everything = pdf_text(result.output), pdf_everything(result.output)
    assert 'STYLE-IMPORT-OK' in text
    assert b'LEAKED' not in everything and 'LEAKED' not in text
    assert len([f for f in result.errors if f.rule == 'resource-outside-project']) == 2


def test_7_hard_links_are_refused(tmp_path):
    png(tmp_path / 'outside.png', (7, 8, 9))
    doc = tmp_path / 'doc'
    doc.mkdir()
    os.link(tmp_path / 'outside.png', doc / 'hard.png')
    result = typeset.build(write(doc / 'doc.md', '![图](hard.png)\n\n正文。\n'), tmp_path / 'doc.pdf')
    assert b'/Subtype /Image' not in pdf_everything(result.output)
    assert any('hard link' in f.message and f.line == 1 for f in result.errors)


# -- 8. exit codes, tracebacks, signals ---------------------------------------------------

def _page_template(folder: Path, body: str) -> str:
    write(folder / 'tpl.css', 'body { font-size: 12pt; }\n')
    write(folder / 'tpl.html', '{% extends "page.html" %}{% block body %}\n' + body + '\n{% endblock %}\n')
    return str(folder / 'tpl.css')


@pytest.mark.parametrize('case', ['bad date', 'missing template', 'undefined', 'division',
                                  'long output', 'long style', 'surrogate'])
def test_8_bad_input_is_one_line_and_exit_2(tmp_path, case):
    src = write(tmp_path / 'doc.md', '正文。\n')
    args = ['build', str(src), '-o', str(tmp_path / 'doc.pdf')]
    if case == 'bad date':
        write(src, '---\ndate: 2024-02-30\n---\n正文。\n')
    elif case == 'missing template':
        args += ['--style', _page_template(tmp_path / 's', '{% include "nothing.html" %}')]
    elif case == 'undefined':
        args += ['--style', _page_template(tmp_path / 's', '{{ nothing.at.all }}')]
    elif case == 'division':
        args += ['--style', _page_template(tmp_path / 's', '{{ 1 / 0 }}')]
    elif case == 'long output':
        args[3] = str(tmp_path / ('x' * 260 + '.pdf'))
    elif case == 'long style':
        args += ['--style', 'y' * 300 + '.css']
    elif case == 'surrogate':
        write(src, '---\ntitle: "\\ud800标题"\n---\n正文。\n')
        args[0] = 'check'
    line = one_line_error(CliRunner().invoke(cli.main, args))
    if case in ('bad date', 'surrogate'):
        assert line.startswith(f'error: {src}:2:')
    if case in ('missing template', 'undefined', 'division'):
        assert 'tpl.html:2:' in line


def _typeset_started(proc) -> bool:
    """True once typeset's own code runs in `proc` (it catches SIGTERM from its first
    import on): on a loaded machine the interpreter alone may take longer than `delay`."""
    try:
        status = Path(f'/proc/{proc.pid}/status').read_text()
    except OSError:
        return True
    caught = next((int(ln.split()[1], 16) for ln in status.splitlines() if ln.startswith('SigCgt:')), 0)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def _run_and_signal(args, signum, when, env=None):
    proc = subprocess.Popen([str(TYPESET), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    start = time.monotonic()
    while time.monotonic() - start < 30:
        if when(proc):
            break
        time.sleep(0.005)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.parametrize('delay', [0.1, 0.2, 0.35])
def test_8_ctrl_c_early_prints_no_traceback(tmp_path, delay):
    """Ctrl-C while the command loads (the first half second) used to print a
    KeyboardInterrupt traceback. Before Python runs any of typeset (~0.1 s, longer on a
    loaded machine) the interpreter's own startup is not ours: the signal waits for it,
    up to 0.3 s."""
    src = write(tmp_path / 'doc.md', '正文。\n')
    start = time.monotonic()
    rc, err = _run_and_signal(['build', str(src), '-o', str(tmp_path / 'doc.pdf')], signal.SIGINT,
                              lambda proc: time.monotonic() - start > delay and (
                                  _typeset_started(proc) or time.monotonic() - start > delay + 0.3))
    assert 'Traceback' not in err and 'KeyboardInterrupt' not in err, err
    assert rc in (0, 130, 1), (rc, err)  # 0 or 1 only if the build finished first


def test_8_sigterm_cleans_the_part_file_and_the_renderers_temporary_folder(tmp_path):
    tmp = tmp_path / 'tmp'
    tmp.mkdir()
    src = CORPUS / '02-jiangxi-gov-work-report-2026.md'
    if not src.is_file():
        pytest.skip('corpus not present')
    out = tmp_path / 'out' / 'doc.pdf'
    env = {**os.environ, 'TMPDIR': str(tmp)}
    # The signal comes inside the render: its folder is made (fonts of fonts/ are given to
    # fontconfig in place, so WeasyPrint's own weasyprint-* folder may never appear).
    seen = []

    def rendering(proc):
        if not seen and any(tmp.glob('typeset-render-*')):
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] > 0.3

    rc, err = _run_and_signal(['build', str(src), '-o', str(out)], signal.SIGTERM, rendering, env=env)
    assert seen, 'the render never started'
    assert 'Traceback' not in err, err
    assert rc == 130 and 'interrupted' in err, (rc, err)
    assert list(tmp.iterdir()) == [] and not out.exists()
    assert not list(out.parent.glob('*.part')) if out.parent.exists() else True


def test_8_preview_prints_findings_and_cleans_its_temporary_folder(tmp_path, monkeypatch):
    import tempfile
    tmp = tmp_path / 'tmp'
    tmp.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp))
    src = write(tmp_path / 'doc' / 'doc.md', '正文🐷。\n')
    result = CliRunner().invoke(cli.main, ['preview', str(src), '-o', str(tmp_path / 'pv'), '--dpi', '20'])
    assert result.exit_code == 1 and 'glyph-missing' in result.stderr, result.stderr
    assert list(tmp.iterdir()) == []


# -- 9. the same bytes wherever it is built -----------------------------------------------

def test_9_same_project_in_two_folders_gives_the_same_bytes(tmp_path, monkeypatch):
    """Image names used to carry an md5 of the image's absolute URL."""
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1700000000')
    outputs = []
    for where in ('one', 'another/deeper'):
        doc = tmp_path / where / 'project'
        doc.mkdir(parents=True)
        png(doc / 'figure.png', (10, 20, 30))
        src = write(doc / 'doc.md', '# 标题\n\n![图](figure.png)\n\n正文。\n')
        outputs.append(typeset.build(src, doc / 'doc.pdf').output.read_bytes())
    assert b'/Subtype /Image' in pdf_everything(tmp_path / 'one' / 'project' / 'doc.pdf')
    assert outputs[0] == outputs[1]


# -- 10. smaller things -------------------------------------------------------------------

def test_10_link_stylesheet_inside_is_applied(tmp_path):
    write(tmp_path / 'inside.css', 'body::after { content: "LINKED-CSS-OK"; }\n')
    src = write(tmp_path / 'doc.md', '<link rel="stylesheet" href="inside.css">\n\n正文。\n')
    result = typeset.build(src, tmp_path / 'doc.pdf')
    assert 'LINKED-CSS-OK' in pdf_text(result.output) and not result.findings


def _png_header_only(path: Path, width: int, height: int) -> Path:
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    ihdr = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0' * 64))
                     + chunk(b'IEND', b''))
    return path


def test_10_a_huge_image_is_a_finding_with_a_reason(tmp_path):
    """A 30000×30000 PNG was dropped with an empty-reason warning and exit 0."""
    _png_header_only(tmp_path / 'huge.png', 30000, 30000)
    src = write(tmp_path / 'doc.md', '正文。\n\n![大图](huge.png)\n')
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(tmp_path / 'doc.pdf')])
    assert result.exit_code == 1
    line = next(ln for ln in result.stderr.splitlines() if 'huge.png' in ln)
    assert f'{src}:3:' in line and 'too large' in line and '[image-not-loaded]' in line


def test_10_warnings_never_print_whole_data_urls(tmp_path):
    junk = base64.b64encode(os.urandom(300_000)).decode()
    src = write(tmp_path / 'doc.md', f'正文。\n\n<img src="data:image/png;base64,{junk}">\n')
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(tmp_path / 'doc.pdf')])
    assert 'Traceback' not in result.stderr
    assert max(len(ln) for ln in result.stderr.splitlines()) < 1000


@pytest.mark.parametrize('char, written', [('\u2028', '\u2028'), ('\x07', '\x07'), ('\ufffd', '&#xD800;')])
def test_10_odd_characters_in_the_body_are_reported_on_their_line(tmp_path, char, written):
    src = write(tmp_path / 'doc.md', f'第一行。\n\n正文{written}结束。\n')
    result = typeset.build(src, tmp_path / 'doc.pdf')
    odd = [f for f in result.findings if f.extra.get('char') == char or f.rule == 'control-character']
    assert odd and all(f.line == 3 and 'added by the style' not in f.message for f in odd), result.findings


def test_10_check_sees_text_an_imported_style_sheet_generates(tmp_path):
    """check's expected text used to ignore an @import'ed sheet inside the project, and
    reported the text it generates as a mismatch."""
    write(tmp_path / 'gen.css', 'main::after { content: "（附注）"; }\n')
    src = write(tmp_path / 'doc.md', '<style>@import url("gen.css");</style>\n\n第一段正文。\n\n第二段正文。\n')
    result = typeset.check(src, tmp_path / 'doc.pdf')
    assert '附注' in pdf_text(tmp_path / 'doc.pdf')
    assert not [f for f in result.findings if f.rule == 'text-mismatch'], result.findings
