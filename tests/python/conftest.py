"""Shared fixtures of the Python binding's tests.

Run with Debian's interpreter (it has pytest):

    PYTHONPATH=bindings/python VFABRIC_LIBRARY=build/lib/libvfabric.so.0 \\
        /usr/bin/python3 -m pytest -q tests/python
"""

import gc

import pytest

import vfabric


@pytest.fixture
def fabric():
    """A rewrite-mode fabric, closed after the test."""
    with vfabric.Fabric(host_name="hv1") as fab:
        yield fab
    gc.collect()


@pytest.fixture
def vxfabric():
    """A vxlan-mode fabric, closed after the test."""
    with vfabric.Fabric(host_name="hv1",
                        wire_mode=vfabric.WireMode.VXLAN) as fab:
        yield fab
    gc.collect()


@pytest.fixture
def cell(fabric):
    """Cell 1 of the rewrite-mode fabric."""
    return fabric.create_cell(id=1, name="blue", owner="acme")


@pytest.fixture
def subnet(cell):
    """Subnet 1 of cell 1: 10.1.1.0/24."""
    return cell.create_subnet(name="web")
