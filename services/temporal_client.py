"""The one way dondoc connects to Temporal as a client (command line, web, import),
with mutual TLS when the cluster asks for it.

DONDOC_TEMPORAL_TLS_CA (the server's CA, PEM), DONDOC_TEMPORAL_TLS_CERT and
DONDOC_TEMPORAL_TLS_KEY (this client's certificate and key, PEM) and
DONDOC_TEMPORAL_TLS_SERVER_NAME (when the address is not the certificate's name):
with any of them set, the connection is TLS; with a certificate, it is mutual.
"""
from __future__ import annotations

from pathlib import Path

from services.type_hints import install as install_type_hints


def tls_config(settings):
    """temporalio's TLSConfig for these settings, or False for plain gRPC (loopback)."""
    from temporalio.service import TLSConfig

    names = ("temporal_tls_ca", "temporal_tls_cert", "temporal_tls_key", "temporal_tls_server_name")
    if not any(getattr(settings, n, "") for n in names):
        return False
    if bool(settings.temporal_tls_cert) != bool(settings.temporal_tls_key):
        raise ValueError("DONDOC_TEMPORAL_TLS_CERT và DONDOC_TEMPORAL_TLS_KEY phải được đặt cùng nhau.")

    def read(path: str) -> bytes | None:
        return Path(path).read_bytes() if path else None

    return TLSConfig(server_root_ca_cert=read(settings.temporal_tls_ca), client_cert=read(settings.temporal_tls_cert),
                     client_private_key=read(settings.temporal_tls_key),
                     domain=settings.temporal_tls_server_name or None)


async def connect(settings):
    """A Temporal client for these settings (address, namespace, TLS)."""
    from temporalio.client import Client

    install_type_hints()  # what the client decodes (query and update answers) too
    return await Client.connect(settings.temporal_address, namespace=settings.namespace, tls=tls_config(settings))
