"""Temporal beyond loopback is reached with mutual TLS (DONDOC_TEMPORAL_TLS_*): the
client is configured from the environment, and half a client certificate is refused
with a clear message rather than silently connecting in plain text."""
from __future__ import annotations

import pytest

from config.settings import load_settings
from services.temporal_client import tls_config


def settings_with(tmp_path, **files):
    env = {"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_TEMPORAL_ADDRESS": "temporal.noi-bo.gov.vn:7233"}
    for name, text in files.items():
        path = tmp_path / f"{name}.pem"
        path.write_text(text)
        env[f"DONDOC_TEMPORAL_TLS_{name.upper()}"] = str(path)
    return load_settings(env)


def test_loopback_without_tls_settings_stays_plain(tmp_path):
    assert tls_config(load_settings({"DONDOC_DATA_DIR": str(tmp_path)})) is False


def test_mutual_tls_from_the_environment(tmp_path):
    tls = tls_config(settings_with(tmp_path, ca="CA PEM", cert="CERT PEM", key="KEY PEM"))
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (b"CA PEM", b"CERT PEM", b"KEY PEM")


def test_server_name_alone_turns_tls_on(tmp_path):
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_TEMPORAL_TLS_SERVER_NAME": "temporal.gov.vn"})
    assert tls_config(settings).domain == "temporal.gov.vn"


def test_a_certificate_without_its_key_is_refused(tmp_path):
    with pytest.raises(ValueError, match="DONDOC_TEMPORAL_TLS_KEY"):
        tls_config(settings_with(tmp_path, cert="CERT PEM"))
