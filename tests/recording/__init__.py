"""Tests of cassette redaction, scanning, import and the ``harness`` command.

The credentials below are made up here, at run time, from a seeded generator: shaped like real ones so
the scanner must report them, but no provider ever issued them, and no key-shaped literal sits in the
source for a secret scanner to trip on.
"""

from __future__ import annotations

import random
import string

_ALPHABET = string.ascii_letters + string.digits


def shaped(prefix: str, length: int, *, seed: int) -> str:
    """``prefix`` and ``length`` random-looking characters: a credential's shape, not a credential."""
    generator = random.Random(seed)
    return prefix + "".join(generator.choice(_ALPHABET) for _ in range(length))


OPENAI_LIKE = shaped("sk-" + "proj-", 48, seed=1)
ANTHROPIC_LIKE = shaped("sk-" + "ant-api03-", 80, seed=2)
GOOGLE_LIKE = shaped("AI" + "za", 35, seed=3)
OAUTH_LIKE = shaped("ya" + "29.", 60, seed=4)
JWT_LIKE = ".".join(shaped("ey" + "J", 30, seed=5 + i) for i in range(2)) + "." + shaped("", 43, seed=7)
OPAQUE_TOKEN = shaped("", 40, seed=8)
