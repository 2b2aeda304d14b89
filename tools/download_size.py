"""What a pip install is about to download: `python tools/download_size.py REPORT.json`.

REPORT.json is pip's installation report (`pip install --dry-run --report FILE ...`).
Each package's size comes from its file (a local wheel) or its server's Content-Length;
packages already installed are not in the report. Prints one line, e.g.
"121 packages, 312 MB to download (torch 2.13.0+cpu: 190 MB)".
"""

import json
import os
import sys
import urllib.parse
import urllib.request


def size_of(url, timeout=10):
    """Bytes at `url` (file:// or http(s)://), or None when it cannot be told."""
    parts = urllib.parse.urlparse(url)
    if parts.scheme == "file":
        path = urllib.request.url2pathname(parts.path)
        return os.path.getsize(path) if os.path.isfile(path) else None
    if parts.scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout) as reply:
                length = reply.headers.get("Content-Length")
                return int(length) if length and length.isdigit() else None
        except (OSError, ValueError):
            return None
    return None


def summary(report):
    items = [i for i in report.get("install", []) if isinstance(i, dict)]
    sizes, unknown, torch = 0, 0, None
    for item in items:
        info = item.get("download_info") or {}
        if "dir_info" in info:  # this folder itself ("-e ."): nothing to download
            continue
        size = size_of(str(info.get("url", "")))
        if size is None:
            unknown += 1
            continue
        sizes += size
        metadata = item.get("metadata") or {}
        if metadata.get("name") == "torch":
            torch = f"torch {metadata.get('version')}: {size / 1e6:.0f} MB"
    line = f"{len(items)} package{'' if len(items) == 1 else 's'}, {sizes / 1e6:.0f} MB to download"
    if unknown:
        line += f" ({unknown} of unknown size)"
    if torch:
        line += f" ({torch})"
    return line


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        print(summary(json.load(file)))
