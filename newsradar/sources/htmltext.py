"""Plain text out of an HTML fragment (feed entry content): scripts and styles dropped, block
elements become paragraph breaks. Feed HTML is hostile; nothing of its markup survives."""

from __future__ import annotations

import html

from lxml import etree
from lxml import html as lxml_html

_DROP = {"script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "math",
         "head", "form", "button", "select", "textarea"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
          "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "dd", "dt",
          "hr", "aside", "main", "nav"}


def html_to_text(fragment: str | None) -> str:
    """Paragraph text of an HTML fragment; plain text passes through with entities decoded."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return html.unescape(fragment)
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return html.unescape(fragment)
    parts: list[str] = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower().split("}")[-1]
        if tag in _DROP or not isinstance(element.tag, str):
            if element.tail:
                parts.append(element.tail)
            return
        block = tag in _BLOCK
        if block:
            parts.append("\n")
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
        if block:
            parts.append("\n")
        if element.tail:
            parts.append(element.tail)

    walk(root)
    return "".join(parts)
