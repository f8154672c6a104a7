"""The binding's one exception type.

Every libvfabric call that returns ``int`` reports failure as ``-errno``;
the binding turns that into :class:`VfError`, whose ``errno`` is the
positive code (compare with the :mod:`errno` module) and whose message is
the library's detailed, thread-local ``vf_last_error()`` text, which names
the offending value (falling back to ``vf_strerror()``).
"""

__all__ = ["VfError"]


class VfError(OSError):
    """A libvfabric call failed.

    ``VfError(errno, message, function=None)``. It is an :class:`OSError`,
    so ``exc.errno`` and ``exc.strerror`` work as usual; ``exc.function``
    names the C function that failed (None when the binding itself
    refused, e.g. an operation on a closed object).
    """

    def __init__(self, errno, message, function=None):
        super().__init__(errno, message)
        self.function = function

    def __reduce__(self):
        return (type(self), (self.errno, self.strerror, self.function))
