"""The installed python-snap7 still has every internal qml-s7 relies on.

qml-s7 touches python-snap7 below its public API in two modules only: the client side in
qml_s7/link/snap7_client.py and the server side in qml_s7/simulator/server.py. Each lists what
it relies on; an upgrade that renames or drops one of them fails here, not in a plant.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
import snap7

from qml_s7.link import snap7_client
from qml_s7.simulator import server


def resolve(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(("owner", "name"), snap7_client.CONTRACT + server.CONTRACT)
def test_each_method_relied_on_exists(owner, name):
    cls = resolve(owner)
    assert callable(getattr(cls, name, None)), f"python-snap7 {snap7.__version__}: {owner}.{name}"


@pytest.mark.parametrize(("owner", "name"), snap7_client.INSTANCE_CONTRACT)
def test_each_attribute_relied_on_exists(owner, name):
    cls = resolve(owner)
    instance = cls("127.0.0.1") if "Connection" in owner else cls()
    assert hasattr(instance, name), f"python-snap7 {snap7.__version__}: {owner}().{name}"


@pytest.mark.parametrize(("owner", "name", "parameters"), server.SIGNATURES)
def test_the_server_methods_overridden_take_the_same_parameters(owner, name, parameters):
    method = getattr(resolve(owner), name)
    assert list(inspect.signature(method).parameters)[1:] == list(parameters)


def test_the_version_is_one_this_contract_was_checked_against():
    major, minor = (int(part) for part in snap7.__version__.split(".")[:2])
    assert (major, minor) >= (3, 3) and major == 3


def test_a_renumbered_request_is_the_one_python_snap7_would_build():
    client, twin = snap7.Client(), snap7.Client()  # the twin builds every request afresh
    specs = [(0x84, 1, 0, 4), (0x83, 0, 10, 2), (0x81, 0, 7, 1)]
    client.protocol.sequence = twin.protocol.sequence = 0xFFFD  # across the wrap-around
    request = snap7_client.build_multi_read(client, specs)
    assert request == twin.protocol.build_multi_read_request(specs)
    for _ in range(4):
        request = snap7_client.renumber(client, request)
        assert request == twin.protocol.build_multi_read_request(specs)
        assert client.protocol.sequence == twin.protocol.sequence  # what answers are checked by
