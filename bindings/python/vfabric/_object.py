"""What every vfabric object shares: handle ownership, the parent/children
tree, the per-fabric registry and the re-raising of callback errors.

Ownership rules (see fabric.h's "Lifetime" paragraph for the C side):

- Each Python object owns exactly one C handle, from vf_X_create() until
  its close() calls vf_X_destroy(). close() is idempotent; objects are
  context managers; ``__del__`` closes as a fallback.
- A child holds its parent (``port.subnet``), and a parent holds its
  children: the model is declarative, so dropping the last variable that
  names a port does not remove the port. Only close() removes.
- close() of a parent closes its children first (deepest first), then
  itself. Using a closed object raises VfError(ENOENT), like a C call on a
  removed object.
- Look-ups and iteration return the Python object that created the handle,
  found in the fabric's registry (handle address -> object); the binding
  never makes a second owner of a handle.

Callbacks (the log and the output callables): C calls them synchronously,
inside a binding call on their fabric. An exception cannot cross C, so
:func:`trampoline` stores the first one on the fabric and :func:`_guard`
re-raises it when the outermost binding call on that fabric returns. A
callback may read its own fabric's objects (property getters: ``port.name``,
``port.stats``) but must not call their methods or setters, which could
change the model under the call that runs the callback (RuntimeError);
other fabrics are fine.
"""

import errno
import functools
import inspect
import weakref

from ._lib import address
from .errors import VfError


def _attach(exc, pending):
    """Attaches a callback's exception to an exception in flight."""
    if exc is pending:
        return
    if exc.__context__ is None:
        exc.__context__ = pending
    if hasattr(exc, "add_note"):
        exc.add_note("while a callback of the fabric raised %r" % (pending,))


def trampoline(fabric, body):
    """The Python side of a C callback of ``fabric``: a function that calls
    ``body(fab, *c_args)`` with the fabric marked as inside a callback, and
    stores an exception ``body`` raises on the fabric (the first one
    wins) for :func:`_guard` to re-raise. Wrap the result in the
    callback's CFUNCTYPE and keep that on the fabric. The fabric is held
    weakly (``fab`` is None once it is gone), so that the callback kept on
    it makes no reference cycle."""
    ref = weakref.ref(fabric)

    def call(*args):
        fab = ref()
        if fab is not None:
            fab._in_callback += 1
        try:
            body(fab, *args)
        except BaseException as exc:  # re-raised after the binding call
            if fab is not None and fab._pending is None:
                fab._pending = exc
        finally:
            if fab is not None:
                fab._in_callback -= 1
    return call


def _guard(fn, read=False):
    """Wraps a public method: once the outermost binding call on a fabric
    returns, an exception one of that fabric's callbacks raised during it
    is re-raised (the call's own work is complete by then, so no object is
    half-registered). Inside a callback of the fabric only ``read``
    functions (property getters) may run."""
    @functools.wraps(fn)
    def call(self, *args, **kwargs):
        fab = self._fabric
        if fab._in_callback and not read:
            raise RuntimeError("vfabric: the fabric's callbacks (log, "
                               "output) must not call back into the fabric "
                               "(%s); they may only read properties"
                               % fn.__qualname__)
        fab._depth += 1
        try:
            result = fn(self, *args, **kwargs)
        except BaseException as exc:
            fab._depth -= 1
            if fab._depth == 0 and fab._pending is not None:
                pending, fab._pending = fab._pending, None
                _attach(exc, pending)
            raise
        fab._depth -= 1
        if fab._depth == 0 and fab._pending is not None:
            pending, fab._pending = fab._pending, None
            raise pending
        return result
    return call


class _Handle:
    """A C handle the Python object owns outright (a control connection, a
    worker): ``close()`` (safe twice), the context manager, and
    ``__del__`` as a fallback. Subclasses store the handle in
    ``self._handle`` and name its destroy function in ``_CLOSE``."""

    _CLOSE = None
    _handle = None

    def close(self):
        """Releases the handle; a second call does nothing."""
        handle, self._handle = self._handle, None
        if handle is not None:
            type(self)._CLOSE(handle)

    @property
    def closed(self):
        return self._handle is None

    def _live(self, what):
        if self._handle is None:
            raise VfError(errno.EBADF, "the %s is closed" % what)
        return self._handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


def _guard_class(cls):
    for name, value in list(vars(cls).items()):
        if name.startswith("_"):
            continue
        if isinstance(value, property):
            setattr(cls, name, property(
                _guard(value.fget, read=True) if value.fget else None,
                _guard(value.fset) if value.fset else None,
                None, value.__doc__))
        elif inspect.isfunction(value):
            setattr(cls, name, _guard(value))
    return cls


class _Object:
    """Base of Fabric, Cell, Subnet, Router, Port, SecGroup and Policy."""

    _KIND = "object"
    _DESTROY = None  # the vf_X_destroy function, set by each subclass
    _NAME = None  # the vf_X_name getter, set by each subclass
    _ID = None  # the vf_X_id getter, for the objects that have an id

    def __init__(self, *args, **kwargs):
        raise TypeError("vfabric.%s objects are made by their parent's "
                        "create_*() method" % type(self).__name__)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _guard_class(cls)

    @classmethod
    def _from_handle(cls, handle, parent):
        """The Python owner of a handle vf_X_create() just returned; on
        failure the handle is destroyed, so nothing is half-created."""
        try:
            obj = cls.__new__(cls)
            obj._adopt(handle, parent, dec(cls._NAME(handle)))
        except BaseException:
            cls._DESTROY(handle)
            raise
        return obj

    def _adopt(self, handle, parent, label):
        """Takes ownership of a freshly created handle: registers it with
        the fabric and the parent."""
        self._handle = handle
        self._addr = address(handle)
        self._parent = parent
        self._kids = {}
        self._label = label
        if parent is not None:
            self._fabric = parent._fabric
            parent._kids[self._addr] = self
        self._fabric._objects[self._addr] = self

    @property
    def _h(self):
        """The live handle, or VfError(ENOENT) once closed."""
        handle = self._handle
        if handle is None:
            raise VfError(errno.ENOENT, "%s is closed" % self._describe())
        return handle

    def _describe(self):
        return "%s %r" % (self._KIND, self._label)

    def _wrap(self, handle):
        """The Python object of a handle the library returned (None for
        NULL)."""
        return self._fabric._lookup(handle)

    def _close(self):
        handle = getattr(self, "_handle", None)
        if handle is None:
            return
        for kid in reversed(list(self._kids.values())):
            kid._close()
        self._forget()
        self._DESTROY(handle)

    def _forget(self):
        """Marks the object closed after the library removed it by itself
        (a port migrated away)."""
        self._handle = None
        self._fabric._objects.pop(self._addr, None)
        if self._parent is not None:
            self._parent._kids.pop(self._addr, None)

    @property
    def fabric(self):
        """The fabric this object belongs to."""
        return self._fabric

    @property
    def name(self):
        """The name (vf_X_name)."""
        return dec(type(self)._NAME(self._h))

    @property
    def id(self):
        """The id (vf_X_id); routers and fabrics have none."""
        if self._ID is None:
            raise AttributeError("vfabric.%s has no id" % type(self).__name__)
        return type(self)._ID(self._h)

    @property
    def closed(self):
        """True once close() has run (on this object or an ancestor)."""
        return self._handle is None

    def close(self):
        """Removes the object and everything below it (their Python objects
        are closed too), and releases the handles. Safe to call again."""
        self._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        fab = getattr(self, "_fabric", None)
        if fab is None or getattr(self, "_handle", None) is None:
            return
        saved = fab._pending
        try:
            self._close()
        except Exception:
            pass
        fab._pending = saved

    def __repr__(self):
        if getattr(self, "_handle", None) is None:
            return "<vfabric.%s %r closed>" % (type(self).__name__,
                                               getattr(self, "_label", None))
        return "<vfabric.%s %r>" % (type(self).__name__, self._label)


_guard_class(_Object)


def lookup_key(key, what):
    """Splits a look-up key: ("id", int) or ("name", bytes)."""
    if isinstance(key, bool):
        raise TypeError("%s: expected an id (int) or a name (str)" % what)
    if isinstance(key, int):
        return "id", key
    if isinstance(key, str):
        return "name", key.encode("utf-8")
    raise TypeError("%s: expected an id (int) or a name (str), not %s"
                    % (what, type(key).__name__))


def enc(text, what):
    """A str argument as bytes for C (None stays NULL)."""
    if text is None:
        return None
    if isinstance(text, str):
        return text.encode("utf-8")
    if isinstance(text, bytes):
        return text
    raise TypeError("%s: expected str, not %s" % (what, type(text).__name__))


def dec(raw):
    """A borrowed const char * (already copied by ctypes) as str."""
    if raw is None:
        return None
    return raw.decode("utf-8", "surrogateescape")


def u32(value, what):
    """An integer argument for a uint32_t parameter."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s: expected int, not %s"
                        % (what, type(value).__name__))
    if not 0 <= value <= 0xffffffff:
        raise VfError(errno.EINVAL, "%s: %d is out of range" % (what, value))
    return value
