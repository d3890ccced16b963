# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Select tags from a repository's tag list by policy (pure: no I/O).

A policy has up to four filters, all optional, applied in this order:

- ``regex``: keep tags that fully match one of these regular expressions (allow list);
- ``exclude``: drop tags that fully match one of these (deny list);
- ``semver``: keep tags that are versions inside a range such as ``>=1.25 <1.27`` (tags that are not versions
  are dropped by this filter);
- ``latest``: keep the newest N of what is left, by version order.

Versions are read from tags loosely, the way image tags are written: a leading ``v`` is tolerated, ``1.25`` is
1.25.0 and ``16`` is 16.0.0, leading zeros are tolerated (``22.04`` is 22.4.0), and anything after the first ``-``
is a pre-release (``1.25.3-rc.1``, but also ``1.25.3-alpine``: semver's grammar cannot tell a variant from a
pre-release). Tags with four numbers, dates written ``2024-01-05``-style aside, words (``latest``, ``stable``) are
not versions.

Ranges follow npm's node-semver: comparators (``>=``, ``<=``, ``>``, ``<``, ``=``) separated by spaces must all hold,
``||`` separates alternatives, ``~1.25`` and ``^1.25`` work as in npm, a partial version stands for its whole line
(``1.25`` is ``>=1.25.0 <1.26.0-0``, ``<=1.25`` includes 1.25.9, ``>1.25`` starts at 1.26.0) and ``*`` is any
version. As in npm, a pre-release (so also ``-alpine``) is in a range only when one comparator of the range names a
pre-release of the same major.minor.patch: ``>=1.25 <1.27`` selects 1.25.3, never 1.25.3-alpine nor 1.26.0-rc.1.

``latest: N`` ranks the tags that are left by version order (newest first; equal versions such as ``1.25`` and
``1.25.0``: the longer tag first, then by name) and keeps N. Tags that are not versions cannot be ranked: ``latest``
drops them and says so in the selection's notes. It does not order them by creation time, which would cost one manifest
and one config read per tag (Docker Hub counts manifest GETs against its pull limit). Pre-releases and variants are
ranked too: ``{regex: '.*-alpine', latest: 3}`` keeps the three newest alpine variants; add ``semver: '*'`` (or any
range) to rank released versions only.

Why a small parser here rather than a library: PyPI ``packaging`` implements PEP 440, not semver (it reads
``1.25.3-alpine`` as a post-release and has no npm ranges), and the semver packages on PyPI either lack npm's range
grammar and pre-release rule or are not kept up; image tags also need the loose reading above, which none offers.
"""

from __future__ import annotations

import re
from collections import namedtuple

POLICY_KEYS = ("regex", "exclude", "semver", "latest")
MAX_PATTERN_LENGTH = 1024
MAX_LATEST = 10000

_NUMBER = r"[0-9]+"
_IDENT = r"[0-9A-Za-z-]+"
_PRERELEASE = r"%s(?:\.%s)*" % (_IDENT, _IDENT)
# A tag read as a version: v?MAJOR[.MINOR[.PATCH]][-PRERELEASE]. No build metadata: '+' is not allowed in tags.
_TAG_VERSION = re.compile(r"[vV]?(%s)(?:\.(%s)(?:\.(%s))?)?(?:-(%s))?" % (_NUMBER, _NUMBER, _NUMBER, _PRERELEASE))
# A version inside a range: parts may be x, X or * (wildcards); build metadata is accepted and ignored.
_X = r"[0-9]+|[xX*]"
_RANGE_VERSION = re.compile(r"[vV]?(%s)(?:\.(%s)(?:\.(%s))?)?(?:-(%s))?(?:\+%s)?" % (_X, _X, _X, _PRERELEASE, _PRERELEASE))
_COMPARATOR = re.compile(r"\s*(>=|<=|~>|>|<|=|~|\^)?\s*([^\s<>=~^]+)")


class PolicyError(ValueError):
    """A tag policy that cannot work (message fit for users: it says what to write)."""


class Version(namedtuple("Version", "major minor patch prerelease parts")):
    """A version read from a tag or a range. prerelease: a tuple of str/int identifiers (empty: a release);
    parts: how many of major.minor.patch were written (1-3)."""

    __slots__ = ()

    @property
    def key(self):
        """Semver precedence as a sortable tuple: a release ranks above its pre-releases; numeric identifiers rank below
        alphanumeric ones and compare as numbers; a longer identifier list ranks above its prefix."""
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    @property
    def core(self):
        return (self.major, self.minor, self.patch)

    def __str__(self):
        text = "%d.%d.%d" % self.core
        return text + ("-" + ".".join(str(p) for p in self.prerelease) if self.prerelease else "")


def _identifiers(text):
    if not text:
        return ()
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


def parse_tag(tag):
    """The Version a tag stands for, or None when the tag is not a version."""
    if not isinstance(tag, str):
        return None
    match = _TAG_VERSION.fullmatch(tag)
    if not match:
        return None
    major, minor, patch, pre = match.groups()
    parts = 1 + (minor is not None) + (patch is not None)
    return Version(int(major), int(minor or 0), int(patch or 0), _identifiers(pre), parts)


# ---- ranges ----------------------------------------------------------------------------------------------------
# One primitive comparison: op in (">=", "<=", ">", "<", "="); version a Version; names_prerelease: the user wrote a
# pre-release here (synthetic bounds such as <1.26.0-0 do not count, as in npm).
Comparison = namedtuple("Comparison", "op version names_prerelease")
_LOWEST = (0,)  # the lowest pre-release: 1.26.0-0 sorts before every 1.26.0-anything


def _v(major, minor, patch, pre=()):
    return Version(major, minor, patch, tuple(pre), 3)


def _range_version(text, whole):
    match = _RANGE_VERSION.fullmatch(text)
    if not match:
        raise PolicyError("semver range %r: %r is not a version (write e.g. '1.25', '1.25.3', 'v2' or '1.x')" % (whole, text))
    parts = list(match.groups()[:3])
    pre = _identifiers(match.group(4))
    # '1.x.3' is nonsense: once a part is a wildcard (or missing), the rest must be too.
    numbers = []
    for part in parts:
        if part is None or part in ("x", "X", "*"):
            break
        numbers.append(int(part))
    if any(p not in (None, "x", "X", "*") for p in parts[len(numbers):]):
        raise PolicyError("semver range %r: %r has a number after a wildcard; write e.g. '1.x' or '1.25.x'" % (whole, text))
    if pre and len(numbers) < 3:
        numbers += [0] * (3 - len(numbers))  # '1.25-rc.1' is 1.25.0-rc.1
    return numbers, pre


def _desugar(op, text, whole):
    """One written comparator -> primitive comparisons (npm's rules for partial versions, ~ and ^)."""
    numbers, pre = _range_version(text, whole)
    named = bool(pre)
    count = len(numbers)
    major, minor, patch = (numbers + [0, 0, 0])[:3]
    if op in ("~>",):
        op = "~"
    if count == 0:  # '*', 'x', '>=x' ...
        if op in ("<", ">"):
            return [Comparison("<", _v(0, 0, 0, _LOWEST), False)]  # nothing: npm's '<*' and '>*'
        return [Comparison(">=", _v(0, 0, 0), False)]
    full = _v(major, minor, patch, pre)
    if count == 3:
        if op in (None, "="):
            return [Comparison("=", full, named)]
        if op == "~":
            return [Comparison(">=", full, named), Comparison("<", _v(major, minor + 1, 0, _LOWEST), False)]
        if op == "^":
            if major:
                upper = _v(major + 1, 0, 0, _LOWEST)
            elif minor:
                upper = _v(0, minor + 1, 0, _LOWEST)
            else:
                upper = _v(0, 0, patch + 1, _LOWEST)
            return [Comparison(">=", full, named), Comparison("<", upper, False)]
        return [Comparison(op, full, named)]
    # A partial version: a whole line (1 -> 1.x.x, 1.25 -> 1.25.x).
    low = _v(major, minor if count > 1 else 0, 0)
    if count == 1:
        next_line = _v(major + 1, 0, 0, _LOWEST)
    else:
        next_line = _v(major, minor + 1, 0, _LOWEST)
    if op in (None, "=", "~"):
        return [Comparison(">=", low, False), Comparison("<", next_line, False)]
    if op == "^":
        if major or count == 1:
            upper = _v(major + 1, 0, 0, _LOWEST)
        else:
            upper = _v(0, minor + 1, 0, _LOWEST)
        return [Comparison(">=", low, False), Comparison("<", upper, False)]
    if op == ">=":
        return [Comparison(">=", low, False)]
    if op == "<":
        return [Comparison("<", _v(low.major, low.minor, 0, _LOWEST), False)]
    if op == ">":
        return [Comparison(">=", _v(next_line.major, next_line.minor, 0), False)]
    # "<="
    return [Comparison("<", next_line, False)]


class Range:
    """A parsed semver range: alternatives (||) of comparator sets (all must hold)."""

    def __init__(self, text):
        if not isinstance(text, str) or not text.strip():
            raise PolicyError("semver range is empty: write one, e.g. '>=1.25 <1.27', '~1.25', '^16' or '*'")
        if len(text) > MAX_PATTERN_LENGTH:
            raise PolicyError("semver range is %d characters long: no range needs more than %d" % (len(text), MAX_PATTERN_LENGTH))
        self.text = text
        self.sets = []
        for alternative in text.split("||"):
            alternative = alternative.strip()
            if not alternative:
                raise PolicyError("semver range %r has an empty alternative around '||': write e.g. '~1.25 || ~1.27'" % text)
            if re.search(r"\s-\s", alternative):
                raise PolicyError("semver range %r: hyphen ranges ('1.2 - 1.4') are not supported; write '>=1.2 <=1.4'" % text)
            comparisons = []
            position = 0
            while position < len(alternative):
                match = _COMPARATOR.match(alternative, position)
                if not match:
                    raise PolicyError("semver range %r: %r is not a comparator with a version (write e.g. '>=1.25 <1.27')"
                                      % (text, alternative[position:].strip()))
                comparisons.extend(_desugar(match.group(1), match.group(2), text))
                position = match.end()
            self.sets.append(tuple(comparisons))

    def __repr__(self):
        return "Range(%r)" % self.text

    def contains(self, version):
        """Whether a Version is in the range (npm's rule for pre-releases applies)."""
        return any(_satisfies(version, comparisons) for comparisons in self.sets)


def _compare(op, left, right):
    if op == "=":
        return left == right
    if op == ">=":
        return left >= right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left < right


def _satisfies(version, comparisons):
    key = version.key
    if not all(_compare(c.op, key, c.version.key) for c in comparisons):
        return False
    if version.prerelease:
        # npm: a pre-release only matches when the range names a pre-release of the same major.minor.patch.
        return any(c.names_prerelease and c.version.core == version.core for c in comparisons)
    return True


# ---- policy ----------------------------------------------------------------------------------------------------
class TagPolicy(namedtuple("TagPolicy", "regex exclude semver latest")):
    """regex/exclude: tuples of compiled patterns; semver: a Range or None; latest: int or None."""

    __slots__ = ()

    def describe(self):
        """The policy as written (for results and messages)."""
        out = describe_patterns(self.regex, self.exclude)
        if self.semver is not None:
            out["semver"] = self.semver.text
        if self.latest is not None:
            out["latest"] = self.latest
        return out


def describe_patterns(regex, exclude):
    """regex/exclude filters as written: {'regex': [...], 'exclude': [...]}, each key only when it has patterns."""
    out = {}
    if regex:
        out["regex"] = [p.pattern for p in regex]
    if exclude:
        out["exclude"] = [p.pattern for p in exclude]
    return out


def _patterns(value, key):
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not values:
        raise PolicyError("%s must be a regular expression or a non-empty list of them, e.g. '1\\.25\\.[0-9]+'" % key)
    compiled = []
    for item in values:
        if not isinstance(item, str) or not item:
            raise PolicyError("%s must be a regular expression or a list of them (strings), got %r" % (key, item))
        if len(item) > MAX_PATTERN_LENGTH:
            raise PolicyError("%s is %d characters long: write a regular expression of at most %d" % (key, len(item), MAX_PATTERN_LENGTH))
        try:
            compiled.append(re.compile(item))
        except re.error as exc:
            raise PolicyError("%s %r is not a valid regular expression (%s): check the escaping, e.g. '1\\.25\\..*'" % (key, item, exc)) from None
    return tuple(compiled)


def parse_policy(spec):
    """A policy mapping ({regex, exclude, semver, latest}) -> TagPolicy. Raises PolicyError with what to write."""
    if not isinstance(spec, dict):
        raise PolicyError("a tag policy must be a mapping with regex, exclude, semver and/or latest")
    unknown = sorted(k for k in spec if k not in POLICY_KEYS and spec[k] is not None)
    if unknown:
        raise PolicyError("unknown tag policy keys %s: use %s" % (", ".join(unknown), ", ".join(POLICY_KEYS)))
    if all(spec.get(k) is None for k in POLICY_KEYS):
        raise PolicyError("the tag policy is empty: give at least one of regex, exclude, semver or latest")
    latest = spec.get("latest")
    if latest is not None:
        if isinstance(latest, bool) or not isinstance(latest, int):
            if isinstance(latest, str) and latest.strip().isdigit():
                latest = int(latest.strip())
            else:
                raise PolicyError("latest must be a whole number of tags, e.g. latest: 5")
        if not 1 <= latest <= MAX_LATEST:
            raise PolicyError("latest must be at least 1 (and at most %d), e.g. latest: 5" % MAX_LATEST)
    semver = spec.get("semver")
    if semver is not None and not isinstance(semver, str):
        raise PolicyError("semver must be a range written as a string, e.g. '>=1.25 <1.27' (quote it in YAML)")
    return TagPolicy(_patterns(spec.get("regex"), "regex"), _patterns(spec.get("exclude"), "exclude"),
                     Range(semver) if semver is not None else None, latest)


# selected: the tags kept, newest version first, then tags that are not versions by name.
# stages: (filter, tags left after it) in order; notes: what the user should know (e.g. tags latest could not rank).
Selection = namedtuple("Selection", "selected listed stages notes")


def _order(tags):
    """Versions newest first (equal versions: longer tag first, then by name), then tags that are not versions, by name."""
    versions = sorted(((parse_tag(t), t) for t in tags if parse_tag(t) is not None),
                      key=lambda pair: (pair[0].key, pair[0].parts, len(pair[1]), pair[1]), reverse=True)
    others = sorted(t for t in tags if parse_tag(t) is None)
    return [t for dummy, t in versions] + others


def select(policy, tags):
    """Apply a TagPolicy to a list of tags -> Selection."""
    tags = list(dict.fromkeys(t for t in tags if isinstance(t, str)))
    stages, notes = [], []
    left = tags
    if policy.regex:
        left = [t for t in left if any(p.fullmatch(t) for p in policy.regex)]
        stages.append(("regex", len(left)))
    if policy.exclude:
        left = [t for t in left if not any(p.fullmatch(t) for p in policy.exclude)]
        stages.append(("exclude", len(left)))
    if policy.semver is not None:
        versions = [(t, parse_tag(t)) for t in left]
        kept = [t for t, v in versions if v is not None and policy.semver.contains(v)]
        skipped_pre = [t for t, v in versions if v is not None and v.prerelease and t not in kept
                       and policy.semver.contains(Version(v.major, v.minor, v.patch, (), v.parts))]
        if skipped_pre and not kept:
            notes.append("the range %r names no pre-release, so %d tag(s) with a '-suffix' in it were left out (e.g. %s): semver reads "
                         "'-alpine' or '-rc.1' as a pre-release; to mirror variants use regex and latest without semver"
                         % (policy.semver.text, len(skipped_pre), ", ".join(skipped_pre[:3])))
        left = kept
        stages.append(("semver", len(left)))
    if policy.latest is not None:
        unranked = [t for t in left if parse_tag(t) is None]
        if unranked:
            notes.append("latest ranks versions only: %d tag(s) that are not versions were left out (%s)"
                         % (len(unranked), ", ".join(sorted(unranked)[:5]) + (", ..." if len(unranked) > 5 else "")))
        left = [t for t in _order(left) if parse_tag(t) is not None][:policy.latest]
        stages.append(("latest", len(left)))
    return Selection(_order(left), len(tags), tuple(stages), tuple(notes))


def explain_empty(policy, selection):
    """Why a policy selected nothing, for the warning."""
    if not selection.listed:
        return "the source repository has no tags"
    steps = ", ".join("%s left %d" % (name, count) for name, count in selection.stages)
    return "none of the %d tags passed (%s)%s" % (selection.listed, steps, ("; " + "; ".join(selection.notes)) if selection.notes else "")
