"""The emulator's rejection registry: every provider's rules (``Provider.rejection_rules``), applied in order.

Each rule carries its source (a documentation link or the text of an error the real API returned) and
lives in its provider's module; this module only applies them and lists them.
"""

from __future__ import annotations

from typing import Any

from harness.providers import PREFIXES, get_provider
from harness.providers._base import Provider, ReceivedRequest
from harness.providers._rejections import Rejection, RejectionRule


def rejection_for(prefix: str, provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    """The first of ``provider``'s rules that ``body`` breaks, or None."""
    for rule in provider.rejection_rules:
        rejection = rule.check(provider, body, received)
        if rejection is not None:
            return Rejection(rejection.status, rejection.message, rejection.param, rule.name)
    return None


def registry() -> dict[str, tuple[RejectionRule, ...]]:
    """Every spec's rules, by prefix: what the documentation page lists."""
    return {prefix: get_provider(prefix).rejection_rules for prefix in PREFIXES}
