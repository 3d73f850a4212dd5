"""`typeset watch`: a resident build that follows the manuscript as it is edited.

One process keeps the warm renderer (fonts, parsed styles, the imported code), so a
rebuild after a save pays only for reading, layout and writing. It watches the
manuscript's folder (images and attachments are there; only the manuscript when it lies in
a shared folder such as ~ or /tmp), the style's folder and
templates/, and rebuilds on every change there that is not its own output. A failed
rebuild leaves the last good PDF where it was (writes are atomic) and says why.

watchfiles (Rust's notify, inotify on Linux) is used rather than polling: a save is
seen within milliseconds, and nothing is read while nothing changes.
"""
from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import pipeline
from .errors import EXIT_FINDINGS, EXIT_OK, InputError, TypesetError
from .sandbox import shared_folder

# After the first change, wait this long for the rest of a save (an editor writes a
# temporary file and renames it, microseconds apart) before building: milliseconds.
# watchfiles looks for changes once a step and yields after a step without new ones, so
# a save is built 1–2 steps after it happens: 5–10 ms here (20 ms steps: 20–40 ms, a
# fifth of a rebuild of the seed). Idle, a step costs a wake-up and nothing else.
SETTLE_MS = 5
GROUP_MS = 400
# How often the watcher wakes while nothing changes (to see a stop request).
IDLE_MS = 200


@dataclass
class Rebuild:
    """One build of the watch loop: `result` when it ran, `error` when it could not."""
    changed: list[Path] = field(default_factory=list)
    result: pipeline.BuildResult | None = None
    error: str | None = None
    exit_code: int = 0
    preview: Path | None = None
    seconds: float = 0.0


def watched_folders(source: Path, style: str | None) -> list[Path]:
    """The folders (or files) whose files a build of `source` may read. A folder is
    watched only when it is trusted, never a shared one (~, /tmp): of a manuscript lying
    there the build reads nothing beside it, so only the manuscript itself is watched,
    and of a style there only its sheet."""
    manuscript = source.resolve()
    folders = [*(pipeline.manuscript_roots(manuscript) or [manuscript]), pipeline.TEMPLATES_DIR.resolve()]
    try:
        from .source import read_source
        css = pipeline.resolve_style_of(read_source(source), style).css_path.resolve()
        folders.append(css if shared_folder(css.parent) else css.parent)
    except (TypesetError, OSError):
        folders.append(pipeline.STYLES_DIR.resolve())
    unique = []
    for folder in folders:
        if folder not in unique and not any(folder.is_relative_to(u) for u in unique):
            unique.append(folder)
    return unique


class _Relevant:
    """A watchfiles filter: every change except the build's own output and editors' litter."""

    def __init__(self, output: Path, preview_dir: Path | None, source_dir: Path):
        self.output = output.resolve()
        self.ignored_dirs = [d.resolve() for d in (output.parent, preview_dir) if d is not None
                             and d.resolve() != source_dir]

    def __call__(self, change, path: str) -> bool:
        p = Path(path)
        if p.name.startswith('.') or p.name.endswith('~') or p.suffix in ('.swp', '.swx', '.part'):
            return False
        if p == self.output or any(p.is_relative_to(d) for d in self.ignored_dirs):
            return False
        return True


def build_once(source: Path, output: Path | None, style: str | None, preview: bool,
               changed=()) -> Rebuild:
    """One build, as `typeset build` does it; errors become the Rebuild's `error`."""
    start = time.perf_counter()
    rebuild = Rebuild(sorted(Path(c) for c in changed))
    try:
        rebuild.result = pipeline.build(source, output, style=style)
        rebuild.exit_code = EXIT_FINDINGS if rebuild.result.errors else EXIT_OK
        if preview:
            from . import preview as preview_stage
            pages = preview_stage.preview(source, pdf=rebuild.result.output)
            rebuild.preview = pages.sheet
    except TypesetError as e:
        rebuild.error, rebuild.exit_code = str(e), e.exit_code
    except Exception as e:  # a bug of ours must not end the session; the PDF stays
        rebuild.error, rebuild.exit_code = f'internal error: {type(e).__name__}: {e}', EXIT_FINDINGS
    rebuild.seconds = time.perf_counter() - start
    return rebuild


def watch(source, output=None, *, style=None, preview: bool = False,
          report: Callable[[Rebuild], None] = lambda r: None,
          stop: threading.Event | None = None) -> int:
    """Build `source`, then again on every relevant change, until Ctrl-C or `stop` is set.
    Calls `report` after each build. Returns the exit code of the last build."""
    import watchfiles
    source = Path(source)
    if not source.is_file():
        raise InputError('manuscript not found', source)
    target = Path(output) if output else pipeline.default_output(source)
    preview_dir = None
    if preview:
        from .preview import default_outdir
        preview_dir = default_outdir(source)
    relevant = _Relevant(target, preview_dir, source.resolve().parent)
    last = read = None
    try:
        while stop is None or not stop.is_set():
            folders = watched_folders(source, style)
            # The watcher runs before the first build (it yields an empty set once it is
            # watching), so a save made while a build runs is never missed. A save made
            # while the watch starts again (below) is told by the files' stamps.
            for changes in watchfiles.watch(*folders, watch_filter=relevant, stop_event=stop,
                                            debounce=GROUP_MS, step=SETTLE_MS,
                                            rust_timeout=IDLE_MS, yield_on_timeout=True,
                                            raise_interrupt=True):
                if not changes and last is not None and _stamps(source, folders) == read:
                    continue
                read = _stamps(source, folders)
                last = build_once(source, output, style, preview, [p for _, p in changes])
                report(last)
                # Collected now, while the author reads: the collector would otherwise run
                # in the middle of one rebuild in four, 0.04–0.06 s over the box tree.
                gc.collect()
                if watched_folders(source, style) != folders:
                    break  # the front matter named another style: watch its folder
                if any(f.is_file() for f in folders):
                    break  # a file watched alone: an editor's save replaces it, watch the new one
            else:
                break  # stopped
    except KeyboardInterrupt:
        pass
    return last.exit_code if last else 0


def _stamps(source: Path, folders: list[Path]) -> dict:
    """Inode, time and size of the manuscript and of each file watched alone: what a build
    read, to tell a save made between two watches (an editor's rename, a new style)."""
    stamps = {}
    for path in [source, *(f for f in folders if f.is_file())]:
        try:
            st = path.stat()
            stamps[path] = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            stamps[path] = None
    return stamps
