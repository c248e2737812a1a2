"""Where each part of an information package sits, and how its XML is read safely."""

from __future__ import annotations

from lxml import etree

REPRESENTATION = "rep1"
DC = "metadata/descriptive/dc.xml"
SOHOA = "metadata/descriptive/sohoa.xml"
PREMIS = "metadata/preservation/premis.xml"
SCHEMA = "schemas/sohoa.xsd"
README = "documentation/README.txt"
# Packages may come from anywhere (a backup, another unit): never fetch or expand what they name.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
