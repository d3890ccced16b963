# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tag and manifest attributes of one emulated ACR, kept in one JSON file per repository (distribution itself has none).

Distribution holds the truth about which tags exist and what they point at; this store adds what ACR shows on top:
createdTime, lastUpdateTime and the changeable attributes (writeEnabled false = a locked tag).
"""

import json
import os
import urllib.parse

from .responses import iso_now

DEFAULT_ATTRIBUTES = {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True}


def repo_file(directory, repo):
    """The file of one repository's state in `directory` (the name quoted: one flat file per repository)."""
    return os.path.join(directory, urllib.parse.quote(repo, safe="") + ".json")


class RepoState:
    """State the stand-in keeps beside distribution's storage, one JSON file per repository in `directory`, written through
    at every change (tests read the files). `repos` maps a repository to its state.

    One file per registry made every write rewrite the whole registry's state: a first mirror of N images wrote O(N^2)
    bytes (5,000 images: ~100 ms of JSON encoding per import on the event loop at the end). Per repository, a write costs the
    size of that repository's state."""

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.repos = {}
        for name in os.listdir(directory):
            if name.endswith(".json"):
                with open(os.path.join(directory, name), encoding="utf-8") as handle:
                    self.repos[urllib.parse.unquote(name[:-len(".json")])] = json.load(handle)

    def save(self, repo):
        # json.dumps without indent uses the C encoder (json.dump never does).
        path = repo_file(self.directory, repo)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(self.repos.get(repo, {}), sort_keys=True, separators=(",", ":")))
        os.replace(tmp, path)

    def clear(self):
        """Forget every repository (a reset): the in-memory state and its files."""
        self.repos = {}
        for name in os.listdir(self.directory):
            if name.endswith(".json"):
                os.remove(os.path.join(self.directory, name))


class TagStore(RepoState):
    """Per repository: {"tags": {tag: entry}, "manifests": {digest: entry}}."""

    def _section(self, repo, name):
        return self.repos.setdefault(repo, {"tags": {}, "manifests": {}})[name]

    def tag(self, repo, tag):
        return self.repos.get(repo, {}).get("tags", {}).get(tag)

    def observe_tag(self, repo, tag, digest, save=True):
        """Record what storage says a tag points at; a new tag or a moved one gets a fresh lastUpdateTime."""
        entry = self.tag(repo, tag)
        now = iso_now()
        if entry is None:
            entry = {"createdTime": now, "lastUpdateTime": now, "digest": digest, "changeableAttributes": dict(DEFAULT_ATTRIBUTES)}
            self._section(repo, "tags")[tag] = entry
            self.observe_manifest(repo, digest, save=False)
            if save:
                self.save(repo)
        elif entry.get("digest") != digest:
            entry["digest"] = digest
            entry["lastUpdateTime"] = now
            self.observe_manifest(repo, digest, save=False)
            if save:
                self.save(repo)
        return entry

    def write_tag(self, repo, tag, digest):
        """A push or an import wrote the tag (even with the same digest: lastUpdateTime moves)."""
        entry = self.observe_tag(repo, tag, digest, save=False)
        entry["lastUpdateTime"] = iso_now()
        self.save(repo)
        return entry

    def forget_tag(self, repo, tag):
        if self.repos.get(repo, {}).get("tags", {}).pop(tag, None) is not None:
            self.save(repo)

    def forget_manifest(self, repo, digest):
        if self.repos.get(repo, {}).get("manifests", {}).pop(digest, None) is not None:
            self.save(repo)

    def set_tag_attributes(self, repo, tag, changes):
        entry = self.tag(repo, tag)
        entry["changeableAttributes"].update(changes)
        self.save(repo)
        return entry

    def is_locked(self, repo, tag):
        entry = self.tag(repo, tag)
        return bool(entry) and not entry["changeableAttributes"].get("writeEnabled", True)

    def manifest(self, repo, digest):
        return self.repos.get(repo, {}).get("manifests", {}).get(digest)

    def observe_manifest(self, repo, digest, save=True):
        entry = self.manifest(repo, digest)
        if entry is None:
            now = iso_now()
            entry = {"createdTime": now, "lastUpdateTime": now, "changeableAttributes": dict(DEFAULT_ATTRIBUTES)}
            self._section(repo, "manifests")[digest] = entry
            if save:
                self.save(repo)
        return entry
