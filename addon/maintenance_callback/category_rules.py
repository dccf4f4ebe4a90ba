"""Default rule table proposing a callback category from a repair's wording.

Kept identical to the Huifang service's table (``service/domain/categories.py``);
``tests/addon/`` in the repository compares the two keyword lists. Plain Python, no Odoo
import, so the same matching can be read and tested on its own.
"""

import re

SAFETY = "safety"
LEAK = "leak"
GENERAL = "general"

# Safety comes first: "fire hydrant pipe leak" is a safety-facility repair before it is a leak.
DEFAULT_RULES = (
    (
        SAFETY,
        (
            "消防", "灭火", "烟感", "喷淋", "消火栓", "应急灯", "疏散", "电梯", "扶梯", "燃气",
            "煤气", "天然气", "门禁", "门锁", "防盗", "漏电", "配电", "电闸", "跳闸", "栏杆",
            "护栏", "监控", "避雷", "安全",
            "fire", "smoke", "sprinkler", "hydrant", "extinguisher", "emergency light",
            "elevator", "lift", "escalator", "gas", "access control", "door lock",
            "intercom", "electrical leak", "earth leakage", "circuit breaker", "breaker",
            "railing", "handrail", "cctv", "lightning", "safety",
        ),
    ),
    (
        LEAK,
        (
            "漏水", "渗水", "水管", "爆管", "滴水", "渗漏", "水龙头", "下水", "堵水", "防水",
            "水箱", "阀门",
            "leak", "seepage", "water pipe", "burst pipe", "pipe", "plumbing", "drip",
            "faucet", "tap", "waterproof", "valve",
        ),
    ),
)  # fmt: skip


def _compile(keywords):
    """Chinese keywords match anywhere; Latin ones match whole words (plural and -ing
    allowed), so "tap" does not fire on "tape" nor "lift" on "uplifting"."""
    parts = []
    for keyword in keywords:
        escaped = re.escape(keyword.casefold())
        if keyword.isascii():
            parts.append(rf"\b{escaped}(?:s|es|ing|ed|age)?\b")
        else:
            parts.append(escaped)
    return re.compile("|".join(parts) or r"(?!)")


_COMPILED = tuple((category, _compile(words)) for category, words in DEFAULT_RULES)


def categorize(*texts):
    """Return the category of the first rule any text matches, ``general`` when none does."""
    haystack = " ".join(t for t in texts if t).casefold()
    if not haystack:
        return GENERAL
    for category, pattern in _COMPILED:
        if pattern.search(haystack):
            return category
    return GENERAL
