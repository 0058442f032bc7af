"""A self-contained HTML copy of a Markdown report: images embedded, no server needed."""

import base64
import re
from pathlib import Path

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; }
th { background: #f3f3f3; }
img { max-width: 100%; }
code { background: #f3f3f3; padding: 0 0.2em; }
"""


def _embed_images(html: str, base: Path, images: dict[Path, bytes]) -> str:
    def inline(match: re.Match) -> str:
        path = base / match.group(1)
        if path not in images and not path.is_file():
            return match.group(0)
        data = base64.b64encode(images[path] if path in images else path.read_bytes()).decode("ascii")
        return f'src="data:image/png;base64,{data}"'

    return re.sub(r'src="([^"]+\.png)"', inline, html)


def to_html(markdown_text: str, base: Path, title: str, images: dict[Path, bytes] | None = None) -> str:
    """`markdown_text` (image links relative to `base`) as one standalone HTML page; an
    image in `images` (not yet written) is taken from there, the others from disk."""
    import markdown

    body = markdown.markdown(markdown_text, extensions=["tables"])
    head = f"<meta charset='utf-8'><title>{title}</title><style>{STYLE}</style>"
    return _embed_images(
        f"<!doctype html>\n<html><head>{head}</head>\n<body>\n{body}\n</body></html>\n", base, images or {}
    )
