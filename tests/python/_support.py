"""Helpers of the Python binding's tests (compiling C against the public
headers, checking VfError messages).

The C-compiled checks (enum values, struct layouts) need the public
headers and the build's generated version.h: they are taken from
$VFABRIC_INCLUDE_DIRS (os.pathsep-separated; ctest sets it) or else from
this source tree's include/ and the build tree that holds the library.
The compiler is $CC or cc.
"""

import os
import pathlib
import shutil
import subprocess

import pytest

import vfabric
from vfabric import _lib

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
BINDING_DIR = SOURCE_DIR / "bindings" / "python"


def include_dirs():
    """Directories holding vfabric/vfabric.h and vfabric/version.h."""
    env = os.environ.get("VFABRIC_INCLUDE_DIRS")
    if env:
        return [pathlib.Path(d) for d in env.split(os.pathsep) if d]
    dirs = [SOURCE_DIR / "include"]
    libpath = pathlib.Path(os.path.realpath(_lib.library_path))
    for parent in libpath.parents:
        if (parent / "include" / "vfabric" / "version.h").is_file():
            dirs.append(parent / "include")
            break
    return dirs


def compiler():
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.fail("no C compiler %r: the ABI checks need one" % cc)
    return cc


def compile_c(tmp_dir, name, source, extra=()):
    """Compiles source into tmp_dir/name with the public headers on the
    include path; returns the output path. Fails the test with the
    compiler's output on error."""
    dirs = include_dirs()
    if not any((d / "vfabric" / "version.h").is_file() for d in dirs):
        pytest.fail("vfabric/version.h not found in %s: set "
                    "VFABRIC_INCLUDE_DIRS to the source and build include "
                    "directories" % [str(d) for d in dirs])
    src = pathlib.Path(tmp_dir) / (name + ".c")
    src.write_text(source)
    out = pathlib.Path(tmp_dir) / name
    cmd = [compiler(), "-std=c11", "-Wall", "-Wextra", "-Werror"]
    cmd += ["-I%s" % d for d in dirs]
    cmd += [str(src), "-o", str(out)] + list(extra)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail("compiling %s failed:\n%s\n%s"
                    % (name, " ".join(cmd), proc.stderr))
    return out


def run_c(tmp_dir, name, source):
    """Compiles and runs a C program; returns its stdout lines as a dict
    of "key value" pairs."""
    exe = compile_c(tmp_dir, name, source)
    proc = subprocess.run([str(exe)], capture_output=True, text=True,
                          check=True)
    values = {}
    for line in proc.stdout.splitlines():
        key, _, value = line.partition(" ")
        values[key] = value
    return values


def raises(errno_code, *values):
    """Context manager: expects VfError(errno_code) whose message contains
    every one of values."""
    return _Raises(errno_code, values)


class _Raises:
    def __init__(self, errno_code, values):
        self.errno = errno_code
        self.values = values
        self.exc = None

    def __enter__(self):
        return self

    def __exit__(self, typ, exc, tb):
        if exc is None:
            pytest.fail("no VfError (expected errno %d)" % self.errno)
        if not isinstance(exc, vfabric.VfError):
            return False
        assert exc.errno == self.errno, \
            "errno %d (%s), expected %d" % (exc.errno, exc, self.errno)
        for v in self.values:
            assert str(v) in str(exc), \
                "message %r does not name %r" % (str(exc), v)
        self.exc = exc
        return True
