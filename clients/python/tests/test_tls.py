"""TLS against agentd's own TLS port: the client's ssl_context / server_hostname options,
pushes and pipelining over one TLS connection, hostname checks, and mutual TLS where the
client certificate names the agent (certificates made by scripts/integration/tls/make-certs.sh)."""

import asyncio
import os
import shutil
import ssl
import subprocess
import threading

import pytest

from agentd_client import AgentdError, AsyncClient, Client, ConnectionLost

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make test certificates")

MAKE_CERTS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "integration", "tls", "make-certs.sh")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("pki"))
    subprocess.run(["bash", MAKE_CERTS, d, "alice", "bob"], check=True, capture_output=True)
    return d


def client_context(pki, name=None):
    ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
    if name:
        ctx.load_cert_chain(os.path.join(pki, "client-%s.pem" % name), os.path.join(pki, "client-%s-key.pem" % name))
    return ctx


@pytest.fixture
def tls_agentd(agentd_factory, pki):
    return agentd_factory({"AGENTD_TLS_CERT_FILE": os.path.join(pki, "server.pem"),
                           "AGENTD_TLS_KEY_FILE": os.path.join(pki, "server-key.pem")})


def test_sync_client_over_tls(tls_agentd, pki):
    ctx = client_context(pki)
    with Client("127.0.0.1", tls_agentd.port, agent_id="alice", ssl_context=ctx, server_hostname="localhost") as a:
        assert a.server_info["agent_id"] == "alice"
        with Client("127.0.0.1", tls_agentd.port, agent_id="bob", ssl_context=ctx, server_hostname="localhost") as b:
            b.subscribe()
            a.send("bob", {"secret": 42})
            m = b.next_message(5)
            assert m["content"] == {"secret": 42}
            assert b.ack([m["message_id"]]) == 1


def test_tls_under_concurrent_reads_and_writes(tls_agentd, pki):
    """Pushes stream in while four threads pipeline sends on the same TLS connection."""
    ctx = client_context(pki)
    with Client("127.0.0.1", tls_agentd.port, agent_id="loop", ssl_context=ctx, server_hostname="localhost") as c:
        c.subscribe(prefetch=1000)
        blob = "x" * 5000

        def sender(n):
            futs = [c.submit("send", message={"to_agent": "loop", "message_type": "status_update",
                                              "content": {"n": n, "i": i, "blob": blob}}) for i in range(50)]
            for f in futs:
                assert f.result(20)["message_id"]

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        seen = set()
        while len(seen) < 200:
            m = c.next_message(10)
            assert m is not None, "only %d of 200 pushed" % len(seen)
            assert m["content"]["blob"] == blob
            seen.add((m["content"]["n"], m["content"]["i"]))
            c.submit("ack", message_ids=[m["message_id"]])
        for t in threads:
            t.join(20)
        assert c.stats()["queues"]["sent_total"] == 200


def test_certificate_is_checked_against_server_hostname(tls_agentd, pki):
    ctx = client_context(pki)
    with pytest.raises(ConnectionLost) as e:
        Client("127.0.0.1", tls_agentd.port, agent_id="alice", ssl_context=ctx, server_hostname="not-localhost",
               connect_timeout=3, reconnect=False).connect()
    assert "certificate" in str(e.value).lower() or "hostname" in str(e.value).lower()
    with pytest.raises(ConnectionLost):  # default trust store: the test CA is not in it
        Client("127.0.0.1", tls_agentd.port, tls=True, server_hostname="localhost", connect_timeout=3,
               reconnect=False).connect()


def test_async_client_over_tls(tls_agentd, pki):
    ctx = client_context(pki)

    async def main():
        async with AsyncClient("127.0.0.1", tls_agentd.port, agent_id="alice", ssl_context=ctx,
                               server_hostname="localhost") as a:
            assert (await a.send("alice", {"n": 1})).message_id
            (m,) = await a.fetch(wait_ms=2000)
            assert m["content"] == {"n": 1}

    asyncio.run(asyncio.wait_for(main(), 30))


def test_mutual_tls_certificate_names_the_agent(agentd_factory, pki):
    agentd = agentd_factory({"AGENTD_TLS_CERT_FILE": os.path.join(pki, "server.pem"),
                             "AGENTD_TLS_KEY_FILE": os.path.join(pki, "server-key.pem"),
                             "AGENTD_TLS_CA_FILE": os.path.join(pki, "ca.pem"),
                             "AGENTD_TLS_REQUIRE_CLIENT_CERT": "true"})
    with Client("127.0.0.1", agentd.port, agent_id="alice", ssl_context=client_context(pki, "alice"),
                server_hostname="localhost", reconnect=False) as a:
        assert a.ping()
    with pytest.raises(AgentdError) as e:
        Client("127.0.0.1", agentd.port, agent_id="bob", ssl_context=client_context(pki, "alice"),
               server_hostname="localhost", reconnect=False, connect_timeout=3).connect()
    assert e.value.code == "unauthenticated"
    assert "names agent alice, not bob" in str(e.value)
