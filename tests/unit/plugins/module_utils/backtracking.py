# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A step counter for regular expressions: how much work a backtracking engine (Python's sre) does on an input.

sre has no step counter and timing it flakes on a loaded machine, so the work is counted on a model: the pattern's own
parse tree (re._parser), walked the way sre walks it (greedy repeats tried longest first, alternatives in order, every
failure backtracked, nothing memoized). A pattern that backtracks catastrophically shows it here as a count that grows
with the input's length far past linear. Supports what reference.py's patterns use: literals, classes, groups,
alternation and greedy repeats.
"""

from __future__ import annotations

import sys
import threading
try:
    from re import _constants as C, _parser as P  # pylint: disable=no-name-in-module  # Python 3.11+
except ImportError:  # Python < 3.11: the same modules under their old names
    import sre_constants as C  # pylint: disable=deprecated-module
    import sre_parse as P  # pylint: disable=deprecated-module


class Exhausted(Exception):
    """More steps than the budget: the count is past linear, the model stops there instead of running for years."""


def _char_test(items):
    """A class ([...]) as a predicate on one character code."""
    negate, codes, ranges = False, set(), []
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            codes.add(av)
        elif op is C.RANGE:
            ranges.append(av)
        else:
            raise NotImplementedError("class item %s" % op)
    return lambda code: (code in codes or any(low <= code <= high for low, high in ranges)) != negate


def _compile(items, count, text):
    """The parse tree of a sequence as a matcher m(pos, then): then(end) is called for each way the sequence matches from
    pos, in sre's order, until one returns a truthy value. count() is called once per step."""
    matchers = []
    for op, av in items:
        if op is C.LITERAL:
            matchers.append(_single(lambda code, av=av: code == av, text, count))
        elif op is C.IN:
            matchers.append(_single(_char_test(av), text, count))
        elif op is C.SUBPATTERN:
            matchers.append(_compile(list(av[3]), count, text))
        elif op is C.BRANCH:
            matchers.append(_branch([_compile(list(alternative), count, text) for alternative in av[1]], count))
        elif op is C.MAX_REPEAT:
            matchers.append(_repeat(av[0], av[1], _compile(list(av[2]), count, text), count))
        else:
            raise NotImplementedError("pattern item %s" % op)

    def sequence(pos, then, index=0):
        if index == len(matchers):
            return then(pos)
        return matchers[index](pos, lambda end: sequence(end, then, index + 1))
    return sequence


def _single(test, text, count):
    def single(pos, then):
        count()
        return pos < len(text) and test(ord(text[pos])) and then(pos + 1)
    return single


def _branch(alternatives, count):
    def branch(pos, then):
        count()
        for alternative in alternatives:
            found = alternative(pos, then)
            if found:
                return found
        return False
    return branch


def _repeat(low, high, body, count):
    def repeat(pos, then, done=0):
        count()
        if high is C.MAXREPEAT or done < high:  # greedy: one more first, then backtrack
            found = body(pos, lambda end: end != pos and repeat(end, then, done + 1))
            if found:
                return found
        return then(pos) if done >= low else False
    return repeat


def steps_to_match(pattern, text, method, budget):
    """Run `pattern` on `text` (method: fullmatch, match or search) as sre would; (matched, steps). Raises Exhausted past
    `budget` steps. The walk recurses once per step: it runs on a thread of its own with a deep stack."""
    steps = [0]

    def count():
        steps[0] += 1
        if steps[0] > budget:
            raise Exhausted(steps[0])

    matcher = _compile(list(P.parse(pattern.pattern, pattern.flags)), count, text)
    end_ok = (lambda end: end == len(text)) if method == "fullmatch" else (lambda end: True)

    def run():
        return any(matcher(start, end_ok) for start in (range(len(text) + 1) if method == "search" else (0,)))

    outcome = []

    def worker():
        try:
            outcome.append(run())
        except BaseException as exc:  # pylint: disable=broad-exception-caught  # handed to the caller's thread
            outcome.append(exc)

    limit = sys.getrecursionlimit()
    size = threading.stack_size(512 * 1024 * 1024)
    sys.setrecursionlimit(1_000_000)
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
        threading.stack_size(size)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return bool(outcome[0]), steps[0]
