"""HTTPS as Node's ``https`` module: :mod:`rillet.http` over TLS (the stdlib ``ssl``).

    from rillet import https

    server = https.create_server({"cert": "cert.pem", "key": "key.pem"}, handler)
    await server.listen(8443, "127.0.0.1")

    req = https.get("https://127.0.0.1:8443/", {"ca": open("cert.pem").read()})

``cert``, ``key`` and ``ca`` are PEM text or paths to PEM files. A client trusts the system's
roots unless given ``ca``; ``reject_unauthorized=False`` accepts any certificate and
``servername`` sets the name sent (SNI) and checked. A certificate that fails verification is
an ``'error'`` with Node's code (``DEPTH_ZERO_SELF_SIGNED_CERT``,
``ERR_TLS_CERT_ALTNAME_INVALID``...).
"""

from rillet.https._https import Agent, Server, create_server, get, global_agent, request

__all__ = ["Agent", "Server", "create_server", "get", "global_agent", "request"]
