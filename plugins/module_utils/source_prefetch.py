# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Source digests read while Azure is still being reached.

Reading a source (one manifest HEAD) needs nothing from Azure, yet before the first destination tag can be read a
module run spends about a second importing azure-identity, getting an Entra token and finding the registry through
Resource Manager. Starting the source reads first hides that second behind them; on a run where everything is current
those reads are half of all requests.

Only plain sources are read ahead: not those with a tag policy (their tags are listed first), a platform or platforms (the index is
read by digest after the HEAD) or an ACR source that is imported by resource ID (its host is known only from Resource
Manager). The importer takes a read-ahead result where there is one and reads for itself otherwise, so a result is
exactly what the importer's own read would have been, errors included; entries naming the same source share one read.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.acrops.registry.plugins.module_utils import image_requests


class SourcePrefetch:
    """Manifest HEADs of plain sources, started early on a pool of their own."""

    def __init__(self, registry_client, workers):
        self._client = registry_client
        self._workers = max(1, workers)
        self._pool = None
        self._futures = {}

    @staticmethod
    def eligible(item, acr_suffix):
        """A validated image (image_requests.ImageRequest) whose source can be read before Azure is reached."""
        if item.policy is not None or item.reads_index or item.source_registry:
            return False
        return not image_requests.is_entra_acr_source(item, acr_suffix)

    def start(self, items, acr_suffix):
        """Start reading every eligible item's source; returns how many reads were started."""
        todo = {}
        for item in items:
            key = item.read_key
            if key in self._futures or key in todo or not self.eligible(item, acr_suffix):
                continue
            self._client.expect(item.source_host, item.source.repository, item.credentials)  # token requests cover many scopes
            todo[key] = item
        if todo:
            self._pool = self._pool or ThreadPoolExecutor(max_workers=min(self._workers, len(todo)), thread_name_prefix="source-read")
        for key, item in todo.items():
            self._futures[key] = self._pool.submit(self._client.manifest_info, item.source_host, item.source.repository, item.source.reference,
                                                   item.credentials)
        return len(todo)

    def take(self, request):
        """The read-ahead future for this request's source (manifest_info's result or exception), or None: read it yourself.
        Keyed by the request's read_key, as the importer reads it: entries of a run that name the same source share one read."""
        return self._futures.get(request.read_key)

    def close(self):
        """Stop reads nobody will take (the run failed before the batch): cancel what has not started, wait for the rest."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._futures.clear()
