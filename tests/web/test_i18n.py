"""Every page text exists in Chinese and in English, and every key a template uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import service.app  # noqa: F401  (imports every page module, which register their text)
from service.catalogue import MESSAGES, pick_lang, t

TEMPLATES = Path(service.app.__file__).parent / "web" / "templates"
HAN = re.compile(r"[\u4e00-\u9fff]")


# The language switch names the other language, in that language.
SHOWN_IN_THE_OTHER_LANGUAGE = {"lang.switch"}


def test_every_message_has_chinese_and_english():
    assert len(MESSAGES) > 50
    for key, (zh, en) in MESSAGES.items():
        assert zh.strip() and en.strip(), key
        if key in SHOWN_IN_THE_OTHER_LANGUAGE:
            continue
        assert HAN.search(zh), f"{key}: the Chinese text has no Chinese: {zh!r}"
        assert not HAN.search(en), f"{key}: the English text has Chinese in it: {en!r}"


def test_every_key_used_in_a_template_is_registered():
    used = set()
    for template in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"""_\(\s*["']([a-z0-9_.]+)["']""", template.read_text()))
    assert used, "no translated text found in the templates"
    # a key ending in "." is completed at run time (e.g. "category." ~ job.category)
    missing = sorted(
        k
        for k in used
        if (
            k not in MESSAGES if not k.endswith(".") else not any(m.startswith(k) for m in MESSAGES)
        )
    )
    assert missing == []


def test_chinese_is_the_default_and_a_choice_is_remembered():
    assert pick_lang(None, None) == "zh_CN"
    assert pick_lang("en", None) == "en"
    assert pick_lang(None, "en") == "en"
    assert pick_lang("fr", "xx") == "zh_CN"
    assert t("role.manager") == "经理" and t("role.manager", "en") == "Manager"
