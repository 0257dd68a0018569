"""The key and certificate that sign Studio's Content Credentials.

On first start Studio makes, in ``<data dir>/c2pa/``, a small certificate authority of its own
("Studio local CA") and a signing certificate issued by it (ES256, P-256), because C2PA validators
refuse a signing certificate that signs itself. Both are self-made: a verifier sees that the
signature and the hashes are sound (the file was not changed after Studio wrote it), but it does not
know who "Studio local CA" is, so it reports the signer as untrusted unless it is told to trust
``ca.pem``. An organisation that has its own C2PA certificate passes it with ``--c2pa-cert`` (the
PEM chain, signing certificate first) and ``--c2pa-key`` (its private key, PEM).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from pathlib import Path

from ..errors import InvalidInput
from ..files import atomic_write_bytes

CERT_FILE = "cert.pem"  # the signing certificate, then the CA's: the chain C2PA embeds
KEY_FILE = "key.pem"  # the signing key (PKCS#8 PEM, readable by its owner only)
CA_FILE = "ca.pem"  # Studio's own CA, for a verifier that chooses to trust this studio
YEARS = 10


@dataclasses.dataclass(frozen=True)
class Identity:
    """What signs: the PEM chain, the PEM key, the C2PA algorithm name, and where they came from."""

    chain_pem: bytes
    key_pem: bytes
    alg: str
    folder: Path | None  # the data folder's c2pa/ when Studio made them; None for --c2pa-cert
    ca_pem: bytes = b""

    @property
    def self_made(self) -> bool:
        return self.folder is not None


def _name(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Studio (self-made, not a public CA)")])


def _key_usage(sign: bool):
    from cryptography import x509

    return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=not sign, crl_sign=not sign,
                         encipher_only=False, decipher_only=False)


def make_identity() -> tuple[bytes, bytes, bytes]:
    """A new CA and a signing certificate issued by it: ``(chain_pem, key_pem, ca_pem)``.

    The signing certificate has what C2PA asks of one: not a CA, digitalSignature key usage, an
    extended key usage (emailProtection), subject and authority key identifiers.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=365 * YEARS)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Studio local CA")).issuer_name(_name("Studio local CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_key_usage(sign=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(_name("Studio content credentials")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(sign=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_pem = ca.public_bytes(pem)
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return leaf.public_bytes(pem) + ca_pem, key_pem, ca_pem


def load_or_create(data_dir: Path) -> Identity:
    """The identity in ``data_dir/c2pa/``, made there on first start."""
    folder = Path(data_dir) / "c2pa"
    cert, key, ca = folder / CERT_FILE, folder / KEY_FILE, folder / CA_FILE
    if not (cert.is_file() and key.is_file()):
        chain_pem, key_pem, ca_pem = make_identity()
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(ca, ca_pem)
        atomic_write_bytes(cert, chain_pem)
        atomic_write_bytes(key, key_pem)
        os.chmod(key, 0o600)
    return Identity(cert.read_bytes(), key.read_bytes(), "ES256", folder, ca.read_bytes() if ca.is_file() else b"")


def load_given(cert_path: Path, key_path: Path) -> Identity:
    """The organisation's own certificate chain and key (``--c2pa-cert``, ``--c2pa-key``).

    Raises:
        InvalidInput: a file is missing or is not a PEM certificate / private key of a kind C2PA signs with.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        chain_pem = Path(cert_path).read_bytes()
        first = x509.load_pem_x509_certificates(chain_pem)[0]
    except (OSError, ValueError) as exc:
        raise InvalidInput("--c2pa-cert", "must be a PEM certificate chain file ({e}).", e=type(exc).__name__) from None
    try:
        key_pem = Path(key_path).read_bytes()
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InvalidInput("--c2pa-key", "must be an unencrypted PEM private key file ({e}).", e=type(exc).__name__) \
            from None
    if first.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) \
            != key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise InvalidInput("--c2pa-key", "does not belong to the first certificate of --c2pa-cert.")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = {256: "ES256", 384: "ES384", 521: "ES512"}.get(key.curve.key_size)
    elif isinstance(key, rsa.RSAPrivateKey):
        alg = "PS256"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        alg = "ED25519"
    else:
        alg = None
    if alg is None:
        raise InvalidInput("--c2pa-key", "must be an EC (P-256, P-384, P-521), RSA or Ed25519 key.")
    return Identity(chain_pem, key_pem, alg, None)
