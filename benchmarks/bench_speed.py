"""Issue 13's figures, each as a ratio against Typst measured in the same run.

    .venv/bin/python benchmarks/bench_speed.py                  # seed, watch, 100×, check, size, batch
    .venv/bin/python benchmarks/bench_speed.py --big            # also 500× (minutes)
    .venv/bin/python benchmarks/bench_speed.py --baseline DIR   # also an older typeset (a checkout
                                                                # of it in DIR), for old → new
    .venv/bin/python benchmarks/bench_speed.py --only seed,size --json

What is timed (wall clock; every build a separate process unless said otherwise):

* seed: `typeset build source/report.md` against Typst compiling the same document
  (benchmarks/typst/report.typ, generated from it), interleaved, median of --runs.
* watch: a `typeset watch` session on a copy of the seed; a one-character edit (one Han
  character replaced by another the document already has) is saved and the time taken
  until watch reports the new PDF written, median of --runs edits, against Typst's
  whole-process compile. An older typeset without watch is given its in-process
  rebuild (`typeset.build` twice, the second timed).
* N× seed: the seed's body N times under its title (N = 100, and 500 with --big), both
  tools, once each; wall time and peak memory (wait4's rusage of the process); the growth
  exponent from 100× to 500× is log(t500/t100)/log(5).
* check at 100×: `typeset check` against `typeset build`, time and peak memory.
* size: the seed's PDF against Typst's.
* batch: 16 copies of the seed in one `typeset build FOLDER/` against 16 `typeset build`
  processes one after another (as a shell loop runs them), and Typst's 16 processes.

typeset's modules are byte-compiled first, as an installed package's are (`bytecode`);
--no-bytecode removes the .pyc files instead, so that every process compiles them.

Machine load changes every figure; ratios measured together are what to compare.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
PYTHON = str(PROJECT / '.venv' / 'bin' / 'python') if (PROJECT / '.venv' / 'bin' / 'python').exists() else sys.executable
SEED = PROJECT / 'source' / 'report.md'
EDIT = ('推进', '推动')  # replaced back and forth: both are in the seed already

sys.path.insert(0, str(HERE / 'typst'))
import make_typ  # noqa: E402

ENV = {**os.environ, 'SOURCE_DATE_EPOCH': '1700000000'}


class Tool:
    """How to run one typeset (this checkout, or an older one in `root`) and Typst."""

    def __init__(self, root: Path | None = None):
        self.root = root
        self.env = dict(ENV)
        if root is not None:
            self.env['PYTHONPATH'] = str(root / 'src')
        bytecode((root or PROJECT) / 'src', BYTECODE)

    def typeset(self, *args) -> list[str]:
        return [PYTHON, '-c', 'from typeset.cli import main; main()', *map(str, args)]

    @staticmethod
    def typst(typ: Path, pdf: Path) -> list[str]:
        return [PYTHON, str(HERE / 'typst' / 'compile.py'), str(typ), str(pdf)]


BYTECODE = True  # --no-bytecode: typeset's modules compiled from source in every process


def bytecode(src: Path, compiled: bool) -> None:
    """Write the .pyc files of typeset's modules, and its compiled page templates, as a
    user's first build writes them (pip compiles site-packages at install time; Typst's
    package and every dependency here have theirs). Not when PYTHONDONTWRITEBYTECODE is
    set, as it is in the sessions that run these benchmarks: each measured process would
    then compile typeset's 60 modules and its templates from source, ~0.2 s of CPU that
    no user pays after the first build. With `compiled` False they are removed instead,
    to measure that case."""
    if compiled:
        env = {**ENV, 'PYTHONPATH': str(src)}
        env.pop('PYTHONDONTWRITEBYTECODE', None)
        subprocess.run([PYTHON, '-m', 'compileall', '-q', str(src)], check=True,
                       stdout=subprocess.DEVNULL)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([PYTHON, '-c', 'import sys, typeset; typeset.build(sys.argv[1], sys.argv[2])',
                            str(SEED), str(Path(tmp) / 'seed.pdf')], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        for cache in src.rglob('__pycache__'):
            shutil.rmtree(cache)


def run(cmd, cwd=PROJECT, env=ENV, ok=(0, 1)) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system) of one process.
    On a shared machine CPU seconds move less with the load than wall seconds."""
    # Output to files, not pipes: a full pipe would stop the process (check's findings).
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out_file, stderr=err_file)
        _, status, rusage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        sys.exit(f'failed ({code}): {" ".join(map(str, cmd))}\n{out.decode()[-800:]}{err.decode()[-800:]}')
    return seconds, rusage.ru_maxrss // 1024, rusage.ru_utime + rusage.ru_stime


def seed_copy(folder: Path, times: int = 1) -> Path:
    """The seed, or its body `times` over under one title, as folder/source/seed.md."""
    text = SEED.read_text(encoding='utf-8')
    if times > 1:
        head, sep, body = text.partition('\n---\n')
        text = head + sep + '\n'.join([body] * times)
    (folder / 'source').mkdir(parents=True, exist_ok=True)
    path = folder / 'source' / 'seed.md'
    path.write_text(text, encoding='utf-8')
    return path


def bench_seed(tmp: Path, tools: dict, runs: int) -> dict:
    src = seed_copy(tmp / 'seed')
    typ = make_typ.generate(src, tmp / 'seed.typ')
    commands = {name: tool.typeset('build', src, '-o', tmp / f'seed-{name}.pdf')
                for name, tool in tools.items()}
    commands['typst'] = Tool.typst(typ, tmp / 'seed-typst.pdf')
    for name, cmd in commands.items():  # warm-up: page cache, .pyc files
        run(cmd, env=_env(tools, name))
    samples = {name: [] for name in commands}
    cpu = {name: [] for name in commands}
    for i in range(runs):
        order = list(commands) if i % 2 == 0 else list(commands)[::-1]
        for name in order:
            wall, _, seconds = run(commands[name], env=_env(tools, name))
            samples[name].append(wall)
            cpu[name].append(seconds)
    out = {name: statistics.median(s) for name, s in samples.items()}
    out['cpu'] = {name: statistics.median(s) for name, s in cpu.items()}
    out['pdf_bytes'] = {name: (tmp / f'seed-{name}.pdf').stat().st_size for name in commands}
    return out


def _env(tools, name):
    return tools[name].env if name in tools else ENV


def bench_watch(tmp: Path, tools: dict, runs: int, typst_seconds: float) -> dict:
    out = {'typst_whole_process': typst_seconds}
    for name, tool in tools.items():
        if tool.root is not None and not (tool.root / 'src' / 'typeset' / 'watcher.py').exists():
            out[name] = _in_process_rebuild(tmp, tool, runs)
            out[name + '_what'] = 'typeset.build twice in one process (no watch)'
        else:
            out[name] = _watch_rebuild(tmp / f'watch-{name}', tool, runs)
            out[name + '_what'] = 'watch: save to new PDF'
    return out


def _watch_rebuild(folder: Path, tool: Tool, runs: int) -> float:
    import queue
    import threading
    src = seed_copy(folder)
    proc = subprocess.Popen(tool.typeset('watch', src), cwd=folder, env=tool.env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()
    samples = []
    try:
        lines.get(timeout=300)  # the first build
        text = src.read_text(encoding='utf-8')
        for i in range(runs + 1):
            old, new = EDIT if i % 2 == 0 else EDIT[::-1]
            text = text.replace(old, new, 1)
            start = time.perf_counter()
            src.write_text(text, encoding='utf-8')
            line = lines.get(timeout=300)
            if i:  # the first rebuild also pays for the first glyph subsets of new text
                samples.append(time.perf_counter() - start)
            if 'pages in' not in line:
                raise SystemExit(f'watch failed: {line}')
    finally:
        proc.send_signal(2)
        proc.wait(timeout=60)
    return statistics.median(samples)


def _in_process_rebuild(tmp: Path, tool: Tool, runs: int) -> float:
    src = seed_copy(tmp / 'rebuild')
    code = ('import sys, time, statistics, typeset\n'
            f'typeset.build({str(src)!r}, {str(tmp / "rebuild.pdf")!r})\n'
            'ts = []\n'
            f'for _ in range({runs}):\n'
            '    t = time.perf_counter()\n'
            f'    typeset.build({str(src)!r}, {str(tmp / "rebuild.pdf")!r})\n'
            '    ts.append(time.perf_counter() - t)\n'
            'print(statistics.median(ts))\n')
    done = subprocess.run([PYTHON, '-c', code], env=tool.env, capture_output=True, text=True, cwd=PROJECT)
    if done.returncode:
        raise SystemExit(done.stderr)
    return float(done.stdout.split()[-1])


def bench_scale(tmp: Path, tools: dict, times: int, check: bool) -> dict:
    folder = tmp / f'x{times}'
    src = seed_copy(folder, times)
    typ = make_typ.generate(src, folder / 'seed.typ')
    out = {}
    for name, tool in tools.items():
        out[name] = run(tool.typeset('build', src, '-o', folder / f'{name}.pdf'), env=tool.env)
        if check:
            out[name + '_check'] = run(tool.typeset('check', src, '-o', folder / f'{name}-check.pdf',
                                                    '--format', 'json'), env=tool.env)
    out['typst'] = run(Tool.typst(typ, folder / 'typst.pdf'))
    shutil.rmtree(folder, ignore_errors=True)
    return out


def bench_batch(tmp: Path, tools: dict, copies: int = 16) -> dict:
    folder = tmp / 'batch'
    for i in range(copies):
        seed_copy(folder)
        os.replace(folder / 'source' / 'seed.md', folder / 'source' / f'seed{i:02}.md')
    typ = make_typ.generate(SEED, tmp / 'batch.typ')
    out = {}
    for name, tool in tools.items():
        if tool.root is not None and not (tool.root / 'src' / 'typeset' / 'batch.py').exists():
            out[name + '_batch'] = out[name + '_batch_cpu'] = None  # no batch builds yet
        else:
            wall, _, cpu = run(tool.typeset('build', 'source/'), cwd=folder, env=tool.env)
            out[name + '_batch'], out[name + '_batch_cpu'] = wall, cpu
        runs = [run(tool.typeset('build', f'source/seed{i:02}.md'), cwd=folder, env=tool.env)
                for i in range(copies)]
        out[name + '_separate'] = sum(r[0] for r in runs)
        out[name + '_separate_cpu'] = sum(r[2] for r in runs)
    runs = [run(Tool.typst(typ, tmp / f'batch{i}.pdf')) for i in range(copies)]
    out['typst_separate'] = sum(r[0] for r in runs)
    out['typst_separate_cpu'] = sum(r[2] for r in runs)
    return out


def table(r: dict, names: list[str]) -> list[str]:
    """The issue's table: one row per figure, each tool's value and its ratio to Typst."""
    rows = [f"| | {' | '.join(names)} | Typst |", '|---' * (len(names) + 2) + '|']

    def row(label, values, typst, fmt):
        cells = [f'{fmt(v)} ({v / typst:.2f}×)' if v is not None else '—' for v in values]
        rows.append(f'| {label} | ' + ' | '.join(cells) + f' | {fmt(typst)} |')

    secs = lambda v: f'{v:.2f} s'  # noqa: E731
    if 'seed' in r:
        row('seed, whole process', [r['seed'][n] for n in names], r['seed']['typst'], secs)
        row('seed, whole process (CPU s)', [r['seed']['cpu'][n] for n in names], r['seed']['cpu']['typst'], secs)
        sizes = r['seed']['pdf_bytes']
        row('PDF of the seed', [sizes[n] for n in names], sizes['typst'], lambda v: f'{v:,} B')
    if 'watch' in r:
        row('rebuild after a one-character edit', [r['watch'][n] for n in names],
            r['watch']['typst_whole_process'], secs)
    for times in (100, 500):
        key = f'x{times}'
        if key in r:
            row(f'{times}× seed', [r[key][n][0] for n in names], r[key]['typst'][0], secs)
            row(f'{times}× seed (CPU s)', [r[key][n][2] for n in names], r[key]['typst'][2], secs)
            row(f'{times}× seed, peak memory', [r[key][n][1] for n in names], r[key]['typst'][1],
                lambda v: f'{v:,} MiB')
    if 'x100' in r and 'x500' in r:
        def exponent(n, k):
            return math.log(r['x500'][n][k] / r['x100'][n][k]) / math.log(5)
        rows.append('| growth 100×→500× (exponent: wall; CPU) | ' + ' | '.join(
            f"{exponent(n, 0):.2f}; {exponent(n, 2):.2f}" for n in names + ['typst']) + ' |')
    if 'x100' in r and f'{names[0]}_check' in r['x100']:
        rows.append('| check / build at 100× (wall; CPU; peak memory) | ' + ' | '.join(
            f"{r['x100'][n + '_check'][0] / r['x100'][n][0]:.2f}×; "
            f"{r['x100'][n + '_check'][2] / r['x100'][n][2]:.2f}×; "
            f"{r['x100'][n + '_check'][1] / r['x100'][n][1]:.2f}×"
            for n in names) + ' | |')
    if 'batch' in r:
        b = r['batch']
        def cell(n, cpu):
            batch, separate = b[n + '_batch' + cpu], b[n + '_separate' + cpu]
            typst = b['typst_separate' + cpu]
            if batch is None:
                return f'(no batch) 16 processes {separate:.1f} s ({separate / typst:.2f}× Typst\'s 16)'
            return (f'{batch:.1f} s vs {separate:.1f} s ({batch / separate:.2f}×; '
                    f"{batch / typst:.2f}× Typst's 16)")
        for label, cpu in (('wall', ''), ('CPU', '_cpu')):
            rows.append(f'| 16 seeds, one batch vs 16 processes ({label}) | '
                        + ' | '.join(cell(n, cpu) for n in names) + f" | {b['typst_separate' + cpu]:.1f} s |")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--big', action='store_true', help='also the 500× seed (minutes)')
    ap.add_argument('--baseline', type=Path, help='a checkout of an older typeset, measured as "old"')
    ap.add_argument('--only', help='comma-separated: seed,watch,x100,x500,size,batch')
    ap.add_argument('--json', action='store_true')
    ap.add_argument('--no-bytecode', action='store_true',
                    help="typeset's modules without .pyc files (compiled in every process)")
    args = ap.parse_args(argv)
    global BYTECODE
    BYTECODE = not args.no_bytecode
    only = set(args.only.split(',')) if args.only else {'seed', 'watch', 'x100', 'batch'} | ({'x500'} if args.big else set())
    tools = {'new': Tool()}
    if args.baseline:
        tools = {'old': Tool(args.baseline.resolve()), **tools}
    names = list(tools)
    r: dict = {}
    with tempfile.TemporaryDirectory(prefix='bench_speed.') as tmp:
        tmp = Path(tmp)
        if only & {'seed', 'watch', 'size'}:
            r['seed'] = bench_seed(tmp, tools, args.runs)
            print(f"seed: {r['seed']}", file=sys.stderr)
        if 'watch' in only:
            r['watch'] = bench_watch(tmp, tools, args.runs, r['seed']['typst'])
            print(f"watch: {r['watch']}", file=sys.stderr)
        if 'x100' in only:
            r['x100'] = bench_scale(tmp, tools, 100, check=True)
            print(f"x100: {r['x100']}", file=sys.stderr)
        if 'x500' in only:
            r['x500'] = bench_scale(tmp, tools, 500, check=False)
            print(f"x500: {r['x500']}", file=sys.stderr)
        if 'batch' in only:
            r['batch'] = bench_batch(tmp, tools)
            print(f"batch: {r['batch']}", file=sys.stderr)
    r['machine'] = {'cpus': os.cpu_count(), 'load': os.getloadavg()}
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print('\n'.join(table(r, names)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
