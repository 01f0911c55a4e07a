"""A throwaway certificate authority and a real TLS server on 127.0.0.1, made at test time.

Lets tests check that a pinned connection still verifies the certificate against the URL's host
name (not the IP it dialled), without downloading anything or trusting the system CAs.
"""

from __future__ import annotations

import datetime
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers.threaded import free_port, serve


@dataclass(frozen=True)
class ThrowawayCA:
    """A CA certificate (PEM) and a leaf certificate + key for ``hostnames``, both as files."""

    ca_pem: str
    cert_file: Path
    key_file: Path

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts only this CA, with hostname checking on (the default)."""
        return ssl.create_default_context(cadata=self.ca_pem)


def make_ca(directory: Path, hostnames: list[str]) -> ThrowawayCA:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "actionforge test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hostnames]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file = directory / "leaf.pem"
    key_file = directory / "leaf.key"
    cert_file.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ThrowawayCA(ca_cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), cert_file, key_file)


@contextmanager
def serve_tls(app: Any, hostnames: list[str]) -> Iterator[tuple[int, ThrowawayCA]]:
    """Serve ``app`` over HTTPS on 127.0.0.1 with a certificate for ``hostnames``; yield (port, CA)."""
    with tempfile.TemporaryDirectory() as tmp:
        ca = make_ca(Path(tmp), hostnames)
        port = free_port()
        with serve(app, port, ssl_certfile=str(ca.cert_file), ssl_keyfile=str(ca.key_file)):
            yield port, ca
