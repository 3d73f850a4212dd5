"""Page fill (撑满版心): every page but the last ends on the type area's last grid row.

WeasyPrint ends a page early when what follows cannot stand at its foot: a heading
with its first lines (``break-after: avoid``), a paragraph's last line alone at the next
page's head (``widows``), its first line alone at this page's foot (``orphans``).  Those
Chinese rules stay.  A typesetter then makes a paragraph on the page one line longer
(拉行) so that the page runs full, through the same costs the paragraph breaker uses:
never a loose line or a 孤字 to do it.

Wraps ``make_page`` (weasyprint/layout/page.py): a page that ends short of the last
row, and is neither the last page nor followed by a forced break, is laid out once
more with the cheapest paragraphs on it set one line longer (one per empty row).  The
second layout is kept only if it ends lower; otherwise the first stands.
"""
import copy

from weasyprint.formatting_structure import boxes

from . import breaker, linebreak

# A row counts as empty when this much of a line pitch is left below the last line.
EMPTY_ROW = 0.9


ATTEMPTS = 3     # layouts of a short page tried at most, besides the first
# Off only to time the layout without it (benchmarks/bench_breaker.py).
ENABLED = True


def wrap_make_page(original):
    def make_page(context, root_box, page_type, resume_at, page_number, page_state):
        result = _make_page(context, root_box, page_type, resume_at, page_number, page_state)
        linebreak.forget_finished(context, result[0])
        _forget_line_ends(result[0])
        return result

    def _make_page(context, root_box, page_type, resume_at, page_number, page_state):
        if not ENABLED:
            return original(context, root_box, page_type, resume_at, page_number, page_state)
        before = _snapshot(context, page_state)
        result = original(context, root_box, page_type, resume_at, page_number, page_state)
        page, resume, next_page = result
        if resume is None or next_page['break'] != 'any' or next_page['page']:
            return result
        short = short_rows(page)
        if not short:
            return result
        looseness = breaker.current.looseness
        kept = dict(looseness)
        best = (short, result, _snapshot(context, page_state), kept)
        for hints in _attempts(page, short):
            looseness.clear()
            looseness.update(kept)
            looseness.update(hints)
            _restore(context, page_state, before)
            result = original(context, root_box, page_type, resume_at, page_number, page_state)
            rows = short_rows(result[0])
            if result[1] is not None and rows < best[0]:
                best = (rows, result, _snapshot(context, page_state), dict(looseness))
            if not best[0]:
                break
        rows, result, state, chosen = best
        looseness.clear()
        looseness.update(chosen)
        _restore(context, page_state, state)
        if rows < short:
            breaker.current.filled += 1
        return result
    return make_page


def _forget_line_ends(page):
    """Where each line of a finished page ended in the box tree (``LineBox.resume_at``,
    nested dictionaries) is read only while the page is laid out: the page's own
    ``resume_at`` is kept by WeasyPrint apart. Dropped, 8 KB a page less to hold."""
    stack = [page]
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.LineBox):
            box.resume_at = None
        else:
            stack.extend(getattr(box, 'children', ()))


def _snapshot(context, page_state):
    return (copy.deepcopy(page_state), dict(context.broken_out_of_flow),
            len(context.rendered_notes),
            {name: dict(values) for name, values in context.running_elements.items()})


def _restore(context, page_state, saved):
    state, out_of_flow, notes, running = saved
    state = copy.deepcopy(state)
    for mine, theirs in zip(page_state, state):
        if isinstance(mine, dict):
            mine.clear()
            mine.update(theirs)
        elif isinstance(mine, list):
            mine[:] = theirs
    context.broken_out_of_flow = dict(out_of_flow)
    del context.rendered_notes[notes:]
    context.running_elements.clear()
    context.running_elements.update({name: dict(v) for name, v in running.items()})


def _lines(box, out, images=None):
    if isinstance(box, boxes.LineBox):
        out.append(box)
        return out
    if isinstance(box, boxes.ReplacedBox) and images is not None:
        images.append(box)
    for child in getattr(box, 'children', ()):
        if child.is_in_normal_flow():
            _lines(child, out, images)
    return out


def short_rows(page):
    """Grid rows left empty under the page's last line of text (0 when the grid is not
    strict: page fill is for the 公文 grid only)."""
    images = []
    lines = [ln for ln in _lines(page.children[0], [], images) if ln.height > 0]
    strict = [leaf for ln in lines for leaf in _text_leaves(ln)
              if getattr(leaf, '_cjk_para', None) is not None]
    if not lines or not strict or not _strict_grid(strict[0]):
        return 0
    pitch = max(set(ln.height for ln in lines), key=[ln.height for ln in lines].count)
    bottom = page.content_box_y() + page.height
    # an image below the last line ends the page where it ends
    last = max([ln.position_y + ln.height for ln in lines]
               + [im.position_y + im.margin_height() for im in images])
    return int((bottom - last) / pitch + (1 - EMPTY_ROW))


def _strict_grid(leaf):
    from .settings import settings_for
    return settings_for(leaf.style).strict_grid


def _text_leaves(box):
    for child in getattr(box, 'children', ()):
        if isinstance(child, boxes.TextBox):
            yield child
        else:
            yield from _text_leaves(child)


def _attempts(page, rows):
    """Ways to fill the page, best first, at most ATTEMPTS: {paragraph text: lines}.

    One line more on each of the ``rows`` cheapest paragraphs begun on the page (拉行); one line less on the cheapest (缩行: what follows may then fit, a
    heading with its lines or a paragraph kept whole by widows/orphans); the next
    cheapest one line more."""
    longer, shorter, inner = candidates(page.children[0])
    tried = []
    if longer:
        tried.append(dict((text, count) for _, text, count in longer[:rows]))
    if shorter:
        tried.append({shorter[0][1]: shorter[0][2]})
    for one in inner[:1]:
        # a run of text inside a paragraph (bold lead sentences between): its line more
        # may or may not make the paragraph's; the layout will tell
        tried.append(dict((text, count) for _, text, count in longer[:rows - 1] + [one]))
    if len(longer) > rows:
        tried.append(dict((text, count) for _, text, count in longer[rows:2 * rows]))
    return tried[:ATTEMPTS]


def candidates(root, whole=False, limit=breaker.COST_GUZI):
    """Paragraphs begun in `root` (a page's root box, a newspaper column), (extra cost,
    text, lines) for one line more and for one line less, cheapest first; never a 孤字
    or a loose line, nor a change dearer than `limit`. With `whole`, only paragraphs
    that also end in it."""
    seen = {}
    for line in _lines(root, []):
        for leaf in _text_leaves(line):
            para = getattr(leaf, '_cjk_para', None)
            place = getattr(leaf, '_cjk_line', None)
            if para is None or place is None or not place[2]:
                continue
            seen.setdefault(para[0], (para, set()))[1].add(place[0])
    longer, shorter, inner = [], [], []
    for text, (para, indices) in seen.items():
        _, metrics, first, measure, paragraph_end, gaps, count, cost = para
        if 0 not in indices or (whole and count - 1 not in indices):
            continue    # begun on the page before, which stands as it is
        # A paragraph split at the foot takes part too: when widows held its tail
        # back, a line more lets one more line stay on this page.
        # a run followed by other boxes on its last line: they may absorb the line
        ways = ((count + 1, longer), (count - 1, shorter)) if paragraph_end else (
            (count + 1, inner),)
        for wanted, out in ways:
            if wanted < 2:
                continue
            lines = breaker.break_paragraph_into(metrics, wanted, first, measure,
                                                 paragraph_end, gaps)
            if lines is None or any(line.guzi for line in lines):
                continue
            extra = sum(line.cost for line in lines) - cost
            if extra < limit:
                out.append((extra, text, wanted))
    longer.sort()
    shorter.sort()
    inner.sort()
    return longer, shorter, inner
