"""Routes that can match without any text hit, narrowed cheaply per mention.

Such routes (e.g. `{all: [{min_followers: 250000}, {network: reddit}]}`)
would otherwise be evaluated for every mention. Their necessary conditions
(followers at least N, one of these networks) are sorted into per-network
tables, so a small account on another network costs one bisect.
"""
from __future__ import annotations

from bisect import bisect_right

from bot.routing.compiler import CompiledRoute
from bot.types import Mention

_Table = tuple[list[int], dict[int, tuple[int, ...]]]


class UntriggeredRoutes:
    def __init__(self, routes: list[CompiledRoute]) -> None:
        untriggered = [r for r in routes if r.triggers is None]
        self.count = len(untriggered)
        # Below this many followers no untriggered route can match at all.
        self.lowest = min((r.min_followers for r in untriggered), default=float("inf"))
        networks: set[str] = set()
        for r in untriggered:
            networks.update(r.networks or ())
        self._by_network = {
            n: self._table([r for r in untriggered if r.networks is None or n in r.networks]) for n in networks
        }
        self._other_networks = self._table([r for r in untriggered if r.networks is None])

    @staticmethod
    def _table(routes: list[CompiledRoute]) -> _Table:
        """Thresholds ascending, and for each place a bisect can land, the
        routes open at that place in config order."""
        ordered = sorted(routes, key=lambda r: r.min_followers)
        thresholds = [r.min_followers for r in ordered]
        open_at = {0: ()}
        for k in range(1, len(ordered) + 1):
            if k == len(ordered) or thresholds[k - 1] != thresholds[k]:
                open_at[k] = tuple(sorted(r.index for r in ordered[:k]))
        return thresholds, open_at

    def for_mention(self, mention: Mention) -> tuple[int, ...]:
        """Indexes (ascending) of the untriggered routes this mention could match."""
        thresholds, open_at = self._by_network.get(mention.network, self._other_networks)
        return open_at[bisect_right(thresholds, mention.author.followers)]
