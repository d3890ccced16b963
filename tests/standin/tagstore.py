# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tag and manifest attributes of one emulated ACR, kept in a JSON file (distribution itself has none).

Distribution holds the truth about which tags exist and what they point at; this store adds what ACR shows on top:
createdTime, lastUpdateTime and the changeable attributes (writeEnabled false = a locked tag).
"""

import json
import os

from .responses import iso_now

DEFAULT_ATTRIBUTES = {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True}


class JsonState:
    """State the stand-in keeps beside distribution's storage: `data`, loaded from `path` if it exists, saved atomically."""

    def __init__(self, path, empty):
        self.path = path
        self.data = empty
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                self.data = json.load(handle)

    def save(self):
        # json.dumps without indent uses the C encoder (json.dump never does): with thousands of tags (the benchmark holds
        # ~2,400) a pretty-printed save took ~150 ms of the event loop per tag write, which delayed every other request.
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(self.data, sort_keys=True, separators=(",", ":")))
        os.replace(tmp, self.path)


class TagStore(JsonState):
    def __init__(self, path):
        super().__init__(path, {"tags": {}, "manifests": {}})

    def tag(self, repo, tag):
        return self.data["tags"].get(repo, {}).get(tag)

    def observe_tag(self, repo, tag, digest, save=True):
        """Record what storage says a tag points at; a new tag or a moved one gets a fresh lastUpdateTime."""
        entry = self.tag(repo, tag)
        now = iso_now()
        if entry is None:
            entry = {"createdTime": now, "lastUpdateTime": now, "digest": digest, "changeableAttributes": dict(DEFAULT_ATTRIBUTES)}
            self.data["tags"].setdefault(repo, {})[tag] = entry
            self.observe_manifest(repo, digest, save=False)
            if save:
                self.save()
        elif entry.get("digest") != digest:
            entry["digest"] = digest
            entry["lastUpdateTime"] = now
            self.observe_manifest(repo, digest, save=False)
            if save:
                self.save()
        return entry

    def write_tag(self, repo, tag, digest):
        """A push or an import wrote the tag (even with the same digest: lastUpdateTime moves)."""
        entry = self.observe_tag(repo, tag, digest, save=False)
        entry["lastUpdateTime"] = iso_now()
        self.save()
        return entry

    def forget_tag(self, repo, tag):
        if self.data["tags"].get(repo, {}).pop(tag, None) is not None:
            self.save()

    def forget_manifest(self, repo, digest):
        if self.data["manifests"].get(repo, {}).pop(digest, None) is not None:
            self.save()

    def set_tag_attributes(self, repo, tag, changes):
        entry = self.tag(repo, tag)
        entry["changeableAttributes"].update(changes)
        self.save()
        return entry

    def is_locked(self, repo, tag):
        entry = self.tag(repo, tag)
        return bool(entry) and not entry["changeableAttributes"].get("writeEnabled", True)

    def manifest(self, repo, digest):
        return self.data["manifests"].get(repo, {}).get(digest)

    def observe_manifest(self, repo, digest, save=True):
        entry = self.manifest(repo, digest)
        if entry is None:
            now = iso_now()
            entry = {"createdTime": now, "lastUpdateTime": now, "changeableAttributes": dict(DEFAULT_ATTRIBUTES)}
            self.data["manifests"].setdefault(repo, {})[digest] = entry
            if save:
                self.save()
        return entry
