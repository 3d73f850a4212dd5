"""Scale: build a very large manuscript (default 5 MB, about 1,500 pages) and report
wall time, peak memory and the outcome.

    .venv/bin/python benchmarks/scale.py              # 5 MB
    .venv/bin/python benchmarks/scale.py --mb 0.5     # a quick look
    .venv/bin/python benchmarks/scale.py --keep DIR   # keep the manuscript and PDF

The manuscript is made from the paragraphs of source/report.md, repeated under numbered
official headings (一、 （一） 1.) until it reaches the size, so the page count is what a
real report of that length would give. The build runs in a child process (the same code
path as `typeset build`) so its peak RSS is measured alone, from wait4's rusage.

Not part of the test suite: it takes minutes. Record its numbers in the issue.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CN_NUM = '一二三四五六七八九十'


def cn(n: int) -> str:
    """1..99 in Chinese numerals (enough for heading numbers)."""
    if n <= 10:
        return CN_NUM[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens - 1] if tens > 1 else '') + '十' + (CN_NUM[ones - 1] if ones else '')


def paragraphs() -> list[str]:
    text = (ROOT / 'source' / 'report.md').read_text(encoding='utf-8')
    text = re.sub(r'\A---\n.*?\n---\n', '', text, flags=re.S)
    return [p.strip() for p in text.split('\n\n')
            if p.strip() and not p.lstrip().startswith(('#', '-', '>', '|', '<'))]


def manuscript(size: int) -> str:
    paras = paragraphs()
    out = ['---\ntitle: 规模测试报告\nparagraphs: blank\n---\n']
    total, i, chapter = 0, 0, 0
    while total < size:
        chapter += 1
        block = [f'## {cn((chapter - 1) % 99 + 1)}、第{chapter}部分\n']
        for section in range(1, 5):
            block.append(f'### （{cn(section)}）第{chapter}.{section}节\n')
            for _ in range(6):
                block.append(paras[i % len(paras)] + '\n')
                i += 1
        chunk = '\n'.join(block) + '\n'
        out.append(chunk)
        total += len(chunk.encode('utf-8'))
    return '\n'.join(out)


CHILD = r'''
import json, sys, time
import typeset
t = time.perf_counter()
try:
    r = typeset.build(sys.argv[1], sys.argv[2])
    print(json.dumps({"ok": True, "pages": r.pages, "findings": len(r.findings),
                      "seconds": time.perf_counter() - t}))
except typeset.InputError as e:
    print(json.dumps({"ok": False, "error": str(e), "seconds": time.perf_counter() - t}))
'''


def run(mb: float, keep: Path | None) -> dict:
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix='typeset-scale-'))
    (work / 'source').mkdir(parents=True, exist_ok=True)
    src = work / 'source' / 'scale.md'
    src.write_text(manuscript(int(mb * 1024 * 1024)), encoding='utf-8')
    out = work / 'output' / 'scale.pdf'
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, '-c', CHILD, str(src), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    # wait4 gives this child's own rusage (peak RSS) — not the sum of every child.
    _, status, rusage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    exit_code = os.waitstatus_to_exitcode(status)
    try:
        child = json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        child = {'ok': False, 'error': (stderr.strip().splitlines() or ['(no output)'])[-1]}
    result = {
        'manuscript_bytes': src.stat().st_size,
        'manuscript_chars': len(src.read_text(encoding='utf-8')),
        'exit_code': exit_code,
        'wall_seconds': round(wall, 1),
        'peak_rss_mb': round(rusage.ru_maxrss / 1024),  # Linux: kilobytes
        'pdf_bytes': out.stat().st_size if out.exists() else None,
        **child,
    }
    if not keep:
        for p in sorted(work.rglob('*'), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        work.rmdir()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mb', type=float, default=5.0, help='manuscript size in MB (default 5)')
    ap.add_argument('--keep', type=Path, help='build in this folder and keep the files')
    args = ap.parse_args()
    result = run(args.mb, args.keep)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == '__main__':
    main()
