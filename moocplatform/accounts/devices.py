"""A short, readable name for the device behind a User-Agent header ("Firefox on Linux"), shown in the list of
signed-in sessions so people recognise their own. Only a label: nothing is decided from it."""
from __future__ import annotations

import re

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\bFirefox/|\bFxiOS/")),
    ("Chrome", re.compile(r"\bChrome/|\bCriOS/|\bChromium/")),
    ("Safari", re.compile(r"\bSafari/")),
)
_SYSTEMS = (
    ("iOS", re.compile(r"\biPhone\b|\biPad\b|\biPod\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMacintosh\b|\bMac OS X\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
)
MAX_LABEL_LENGTH = 80


def device_label(user_agent: str | None) -> str:
    """"Firefox on Linux", "Safari on iOS", "Chrome", "Windows", or "Unknown device"."""
    text = (user_agent or "")[:512]
    browser = next((name for name, pattern in _BROWSERS if pattern.search(text)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(text)), None)
    label = f"{browser} on {system}" if browser and system else browser or system or "Unknown device"
    return label[:MAX_LABEL_LENGTH]
