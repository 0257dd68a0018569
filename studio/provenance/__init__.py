"""Provenance: what Studio made, said in the files themselves (issue #30).

* :mod:`.keys`: the signing key and certificate (made in the data folder on first start, or the
  organisation's own with ``--c2pa-cert``/``--c2pa-key``);
* :mod:`.credentials`: C2PA Content Credentials for any file c2pa supports (``sign_bytes``);
* :mod:`.xmp`: the IPTC digital source type in a picture's XMP;
* :mod:`.read`: a file's credentials read back (the Image tab's PNG-info reader, the tests);
* :mod:`.spans`: which characters of an article came from the model (the Library, the exports).

``--provenance full|metadata|off``: ``full`` signs and marks, ``metadata`` writes the XMP field and
the export disclosures but no signature, ``off`` writes none of it (nor the generation parameters).
"""
