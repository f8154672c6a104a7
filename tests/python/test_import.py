"""Loading: `import vfabric` with the build tree's library, and clear
ImportErrors for a missing, wrong-version or incomplete library."""

import os
import pathlib
import subprocess
import sys

import pytest

import vfabric
from vfabric import _lib

from _support import BINDING_DIR, SOURCE_DIR, compile_c


def _python(code, library):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(BINDING_DIR)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if library is None:
        env.pop("VFABRIC_LIBRARY", None)
    else:
        env["VFABRIC_LIBRARY"] = str(library)
    return subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, timeout=60)


def _library_paths():
    """The library as given, and its SONAME link next to it."""
    given = pathlib.Path(_lib.library_path)
    paths = [given]
    soname = given.parent / _lib.DEFAULT_LIBRARY
    if soname.exists() and soname != given:
        paths.append(soname)
    return paths


@pytest.mark.parametrize("library", _library_paths(), ids=str)
def test_import_with_build_tree_library(library):
    proc = _python("import vfabric, sys; f = vfabric.Fabric(); "
                   "c = f.create_cell(); f.close(); "
                   "print(vfabric.version(), vfabric.library_path)",
                   library)
    assert proc.returncode == 0, proc.stderr
    version, path = proc.stdout.split()
    assert version == vfabric.version()
    assert path == str(library)


def test_import_by_soname_without_the_variable():
    """Without VFABRIC_LIBRARY the binding loads libvfabric.so.0 through
    the dynamic linker's search path."""
    libdir = pathlib.Path(os.path.realpath(_lib.library_path)).parent
    if not (libdir / _lib.DEFAULT_LIBRARY).exists():
        pytest.skip("no %s next to the library" % _lib.DEFAULT_LIBRARY)
    env_code = ("import os, vfabric; "
                "print(vfabric.library_path, vfabric.version())")
    old = os.environ.get("LD_LIBRARY_PATH")
    os.environ["LD_LIBRARY_PATH"] = str(libdir) + (":" + old if old else "")
    try:
        proc = _python(env_code, None)
    finally:
        if old is None:
            del os.environ["LD_LIBRARY_PATH"]
        else:
            os.environ["LD_LIBRARY_PATH"] = old
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [_lib.DEFAULT_LIBRARY, vfabric.version()]


def test_objects_left_open_at_exit_are_cleaned_up_quietly():
    code = ("import vfabric\n"
            "f = vfabric.Fabric(log=lambda l, m: None, log_level=3)\n"
            "c = f.create_cell()\n"
            "p = c.create_subnet().create_port('vm1')\n"
            "c.create_router().attach(p.subnet)\n"
            "keep = [f, c, p]\n")
    proc = _python(code, _lib.library_path)
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_loaded_from_the_environment_variable():
    assert os.environ.get("VFABRIC_LIBRARY"), \
        "run the tests with VFABRIC_LIBRARY=<build>/lib/libvfabric.so.0"
    assert _lib.library_path == os.environ["VFABRIC_LIBRARY"]


def test_missing_library_is_an_import_error(tmp_path):
    proc = _python("import vfabric", tmp_path / "nonexistent.so.0")
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr
    assert "nonexistent.so.0" in proc.stderr
    assert "VFABRIC_LIBRARY" in proc.stderr


def _fake_library(tmp_path, name, version_hex, extra=""):
    src = ("unsigned int vf_version(void);\n"
           "unsigned int vf_version(void) { return %#x; }\n%s"
           % (version_hex, extra))
    return compile_c(tmp_path, name + ".so", src,
                     extra=["-shared", "-fPIC"])


@pytest.mark.parametrize("version_hex,text", [
    (0x010000, "1.0.0"),   # another ABI major
    (0x000005, "0.0.5"),   # too old a minor
])
def test_wrong_version_is_an_import_error(tmp_path, version_hex, text):
    lib = _fake_library(tmp_path, "libfake", version_hex)
    proc = _python("import vfabric", lib)
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr
    assert "libvfabric %s" % text in proc.stderr
    assert "needs libvfabric %d.%d" % (_lib.REQUIRED_MAJOR,
                                       _lib.REQUIRED_MINOR) in proc.stderr


def test_missing_symbol_is_an_import_error(tmp_path):
    lib = _fake_library(tmp_path, "libpartial",
                        (_lib.REQUIRED_MAJOR << 16) |
                        (_lib.REQUIRED_MINOR << 8))
    proc = _python("import vfabric", lib)
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr
    assert "lacks vf_" in proc.stderr
    assert "needs libvfabric %d.%d" % (_lib.REQUIRED_MAJOR,
                                       _lib.REQUIRED_MINOR) in proc.stderr


def test_not_libvfabric_is_an_import_error(tmp_path):
    lib = compile_c(tmp_path, "libother.so", "int other(void);\n"
                    "int other(void) { return 0; }\n",
                    extra=["-shared", "-fPIC"])
    proc = _python("import vfabric", lib)
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr and "vf_version" in proc.stderr


def test_every_exported_function_has_a_prototype():
    """The prototype table covers the whole ABI of the version script."""
    text = (SOURCE_DIR / "lib" / "vfabric.map").read_text()
    exported = {line.strip().rstrip(";") for line in text.splitlines()
                if line.strip().startswith("vf_")}
    table = {row[0] for row in _lib.FUNCTIONS}
    assert exported == table


def _c_type(text):
    """The ctypes type the binding must use for a C type of the headers."""
    text = " ".join(text.replace("*", " * ").split())
    text = text.replace("const ", "")
    simple = {
        "int": _lib.c_int, "unsigned int": _lib.c_uint, "void": None,
        "size_t": _lib.c_size_t, "uint32_t": _lib.c_uint32,
        "uint64_t": _lib.c_uint64, "bool": _lib.c_bool,
        "char *": _lib.c_char_p, "void *": _lib.c_void_p,
        "vf_mac": _lib.Mac, "vf_ipv4_prefix": _lib.Prefix,
        "vf_log_fn": _lib.LOG_FN, "vf_output_fn": _lib.OUTPUT_FN,
        "vf_gossip_event_fn": _lib.GOSSIP_EVENT_FN,
        "vf_location_event_fn": _lib.LOCATION_EVENT_FN,
        # an out-parameter string the caller frees (vf_trace): a c_void_p,
        # because a c_char_p result is copied and its pointer lost
        "char * *": _lib.POINTER(_lib.c_void_p),
    }
    if text in simple:
        return simple[text]
    handles = {"vf_fabric": _lib.FabricP, "vf_cell": _lib.CellP,
               "vf_subnet": _lib.SubnetP, "vf_router": _lib.RouterP,
               "vf_port": _lib.PortP, "vf_secgroup": _lib.SecGroupP,
               "vf_policy": _lib.PolicyP, "vf_worker": _lib.WorkerP,
               "vf_ctl": _lib.CtlP}
    base, _, stars = text.partition(" *")
    if base in handles:
        t = handles[base]
        return _lib.POINTER(t) if stars.strip() == "*" else t
    if text.endswith(" *"):
        inner = text[:-2]
        if inner in _lib.STRUCTS:
            return _lib.POINTER(_lib.STRUCTS[inner])
        return _lib.POINTER(_c_type(inner))
    if text in ("vf_wire_mode", "vf_verdict", "vf_subnet_kind",
                "vf_dhcp_mode", "vf_direction", "vf_log_level",
                "vf_drop_reason", "vf_gossip_status"):
        return _lib.c_enum
    raise AssertionError("unmapped C type %r" % text)


def _declarations():
    """name -> (return type, [parameter types]) from the public headers."""
    import re
    decls = {}
    for header in sorted((SOURCE_DIR / "include" / "vfabric")
                         .rglob("*.h")):
        text = re.sub(r"/\*.*?\*/", "", header.read_text(), flags=re.S)
        for m in re.finditer(r"VF_API\s+([^;(]*?)\b(vf_\w+)\s*\(([^)]*)\)"
                             r"\s*;", text):
            ret, name, params = m.groups()
            types = []
            if params.strip() != "void":
                for p in params.split(","):
                    p = " ".join(p.replace("*", " * ").split())
                    types.append(p.rsplit(" ", 1)[0])  # drop the name
            decls[name] = (ret.strip(), types)
    return decls


def test_prototypes_match_the_headers():
    """Every table row has the C declaration's types, and every function
    returning int (0 or -errno) has the raising errcheck."""
    decls = _declarations()
    assert set(decls) == {row[0] for row in _lib.FUNCTIONS}
    for name, argtypes, restype, errcheck in _lib.FUNCTIONS:
        ret, params = decls[name]
        assert restype is _c_type(ret), name
        assert len(argtypes) == len(params), name
        for i, (have, c) in enumerate(zip(argtypes, params)):
            assert have is _c_type(c), "%s parameter %d (%s)" % (name, i, c)
        if name == "vf_datapath_error":
            # it returns the -errno it is given: a datapath passes it on,
            # so raising on it would defeat its purpose
            assert errcheck is None, name
        elif name == "vf_fabric_timeout_ms":
            # -1 is "no timer", not an error
            assert errcheck is _lib._check_timeout, name
        elif ret == "int":
            assert errcheck is _lib._check, name
        else:
            assert errcheck is None, name


def test_verror_is_an_oserror():
    exc = vfabric.VfError(22, "bad thing", "vf_x")
    assert isinstance(exc, OSError)
    assert exc.errno == 22 and exc.strerror == "bad thing"
    assert exc.function == "vf_x"
    import pickle
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is vfabric.VfError and again.errno == 22
