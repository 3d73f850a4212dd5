"""Batch builds: many manuscripts in one invocation, on every core.

`typeset build a.md b.md …` or `typeset build source/` hands the manuscripts to a pool
of worker processes; each worker makes its warm renderer once (imports, fonts, parsed
styles) and keeps it for every manuscript it is given. Each manuscript goes to its
default output, exactly as a single `typeset build` would place it and with the same
bytes; one failure does not stop the others.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import EXIT_FINDINGS, EXIT_OK, InputError, TypesetError



@dataclass
class Outcome:
    """What became of one manuscript: the build's result, or the error that stopped it."""
    source: Path
    exit_code: int
    result: object = None      # pipeline.BuildResult
    error: str | None = None
    proof: Path | None = None


def manuscript_suffixes() -> set[str]:
    from .readers import BY_SUFFIX
    return {'.md', '.markdown'} | set(BY_SUFFIX)


def manuscripts(arguments) -> list[Path]:
    """The manuscripts the arguments name: files as given, folders by their manuscripts
    (sorted, not recursing). Each manuscript once, in order."""
    found: list[Path] = []
    suffixes = manuscript_suffixes()
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith('.'))
            if not inside:
                raise InputError('no manuscripts in this folder (.md, .txt …)', path)
            found.extend(inside)
        else:
            found.append(path)
    unique, seen = [], set()
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def build_one(source: Path, style=None, proof: bool = False, marks: bool = False) -> Outcome:
    """Build one manuscript (in a worker); every error becomes the outcome's."""
    from . import pipeline
    try:
        result = pipeline.build(source, None, style=style)
        outcome = Outcome(source, EXIT_FINDINGS if result.errors else EXIT_OK, result)
        if proof:
            from . import proof as proof_stage
            outcome.proof = proof_stage.make_proof(result.output, source, style=style, marks=marks).path
        return outcome
    except TypesetError as e:
        return Outcome(source, e.exit_code, error=str(e))
    except Exception as e:  # a bug of ours: said in one line, the others go on
        return Outcome(source, EXIT_FINDINGS, error=f'internal error: {type(e).__name__}: {e}')


def _warm_worker() -> None:
    from .warm import Renderer
    Renderer.shared()


def run(sources: list[Path], *, style=None, proof: bool = False, marks: bool = False,
        jobs: int | None = None, done: Callable[[Outcome], None] = lambda o: None) -> list[Outcome]:
    """Build every source on `jobs` workers (default: one per core); calls `done` as each
    finishes and returns the outcomes in the order of `sources`."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(sources)))
    outputs = {}
    for source in sources:  # two manuscripts of one name in one folder would overwrite
        from .pipeline import default_output
        target = default_output(source).resolve()
        if target in outputs:
            raise InputError(f'{source} and {outputs[target]} would both be written to {target}; '
                             'build them separately with -o')
        outputs[target] = source
    if jobs == 1:
        outcomes = []
        for source in sources:
            outcomes.append(build_one(source, style, proof, marks))
            done(outcomes[-1])
        return outcomes
    # fork: the workers start with typeset already imported; WeasyPrint is imported in
    # each worker, never in this process, so no library state is forked half-made.
    context = multiprocessing.get_context('fork' if os.name == 'posix' else 'spawn')
    results: dict[Path, Outcome] = {}
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_warm_worker) as pool:
        futures = {pool.submit(build_one, s, style, proof, marks): s for s in sources}
        for future in as_completed(futures):
            source = futures[future]
            try:
                outcome = future.result()
            except Exception as e:  # a worker that died (out of memory, a crash in C)
                outcome = Outcome(source, EXIT_FINDINGS, error=f'the build process died: {e}')
            results[source] = outcome
            done(outcome)
    return [results[s] for s in sources]


def worst(outcomes: list[Outcome]) -> int:
    return max((o.exit_code for o in outcomes), default=EXIT_OK)
