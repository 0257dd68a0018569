"""DOCX custom document properties (``docProps/custom.xml``), which python-docx does not write: the
provenance of an export (issue #30), shown by Word under File > Properties > Custom."""

from __future__ import annotations

from xml.sax.saxutils import escape

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the format id every custom property carries


def custom_properties_xml(props: dict[str, str]) -> bytes:
    items = "".join(f'<property fmtid="{_FMTID}" pid="{i}" name="{escape(name, {chr(34): "&quot;"})}">'
                    f"<vt:lpwstr>{escape(str(value))}</vt:lpwstr></property>"
                    for i, (name, value) in enumerate(props.items(), start=2))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f"{items}</Properties>").encode()


def set_custom_properties(doc, props: dict[str, str]) -> None:
    """Give the python-docx ``doc`` a custom-properties part holding ``props`` (text values)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    package = doc.part.package
    part = Part(PackURI("/docProps/custom.xml"), CONTENT_TYPE, custom_properties_xml(props), package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)
