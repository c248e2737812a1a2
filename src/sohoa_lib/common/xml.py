"""XML building with lxml: qualified names and child elements in one namespace."""

from __future__ import annotations

from lxml import etree


class Namespace:
    """Element names of one XML namespace: `ns.q("file")` and `ns.el(parent, "file", text, ID=…)`."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def q(self, name: str) -> str:
        """The Clark-notation name `{uri}name` lxml expects."""
        return f"{{{self.uri}}}{name}"

    def el(
        self, parent: etree._Element, name: str, text: str | None = None, **attrib: str
    ) -> etree._Element:
        """A new child of `parent` in this namespace, with its text and attributes."""
        node = etree.SubElement(parent, self.q(name), attrib)
        node.text = text
        return node
