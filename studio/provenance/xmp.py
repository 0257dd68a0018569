"""IPTC/XMP digital source type for pictures: the field newsrooms and stock sites read.

A PNG carries XMP in an ``iTXt`` chunk named ``XML:com.adobe.xmp`` (Pillow reads it back as
``im.info["XML:com.adobe.xmp"]`` and ``im.getxmp()``; exiftool shows ``XMP-iptcExt:DigitalSourceType``).
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"  # made from nothing by a trained model
COMPOSITE_TRAINED = IPTC + "compositeWithTrainedAlgorithmicMedia"  # a writer's picture changed by a model
COMPOSITE_SYNTHETIC = IPTC + "compositeSynthetic"  # a writer's picture changed by a plain algorithm (OpenCV)
XMP_KEY = "XML:com.adobe.xmp"

_PACKET = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <Iptc4xmpExt:DigitalSourceType>{source_type}</Iptc4xmpExt:DigitalSourceType>
   <xmp:CreatorTool>{tool}</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def xmp_packet(source_type: str, creator_tool: str) -> str:
    """An XMP packet with the IPTC digital source type and the creator tool (Studio and the model)."""
    return _PACKET.format(source_type=escape(source_type), tool=escape(creator_tool))


def read_source_type(info: dict) -> str:
    """The digital source type in a picture's XMP (``im.info``), or ``""``."""
    packet = info.get(XMP_KEY) or info.get("xmp") or ""
    if isinstance(packet, bytes):
        packet = packet.decode("utf-8", "replace")
    m = re.search(r"DigitalSourceType(?:>|=\")\s*([^<\"]+)", str(packet))
    return m.group(1).strip() if m else ""


def short_name(source_type: str) -> str:
    """``trainedAlgorithmicMedia`` for the full IPTC address."""
    return source_type.rsplit("/", 1)[-1] if source_type else ""
