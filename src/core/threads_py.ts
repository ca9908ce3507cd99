/**
 * The Python half of calls from Python threads other than the JS thread
 * (see `threads.ts`): the module `_pyembed_threads`, installed once per
 * process when pyembed initializes CPython. Internal.
 *
 * How a TypeScript function object is built (by `src/function/pyfunction.ts`,
 * through `new_self`): a `PyCFunction` whose `self` holds the function's
 * table id, and, made on its first call in threaded mode, an inner one:
 * - the exposed one, whose `self` is a `TypeScriptFunction` module (so Python
 *   shows `<built-in function name>`) and whose `PyMethodDef.ml_meth` this
 *   module switches: Deno's trampoline while no other Python thread can run
 *   ("direct mode", the same-thread fast path, no cost), or CPython's own
 *   `PyObject_Vectorcall` (3.11+) / `_PyObject_MakeTpCall` (3.8) /
 *   `PyObject_Call` (3.9, 3.10, where functions use `METH_VARARGS`) while one
 *   can ("threaded mode"). In
 *   threaded mode the call reaches `TypeScriptFunction.__call__`, all C: a
 *   property whose getter is `operator.attrgetter('_pyembed_impl.impl')`,
 *   where `_pyembed_impl` is a `_thread._local`: on the JS thread `impl` is
 *   the inner function, on any other thread a closure calling `_foreign`;
 * - the inner one (`_inner`, made with ctypes' `PyCFunction_NewEx` on the
 *   isolate's one shared `inner_def`), on a plain module holding the id (no
 *   reference cycle), always Deno's inner trampoline (which reads the id from
 *   its `self`), called only on the JS thread.
 *
 * `_foreign` never waits for the JS thread while holding the GIL: it queues
 * the call, wakes the pump thread, and waits on a lock (GIL released) for at
 * most `timeout` seconds. The pump thread calls the JS drain callback through
 * a `ctypes.CFUNCTYPE` pointer (ctypes releases the GIL around a foreign
 * call); Deno runs that callback on the JS thread once its event loop is
 * free, and `drain` runs the queued calls there, with the GIL, through the
 * inner function.
 *
 * Threaded mode lasts while `_count > 0`: a thread started through `_thread`
 * (hence `threading`, `concurrent.futures`) counts from just before it starts
 * until its function returns; async jobs count while they run (`enter` /
 * `leave`, called by the JS side).
 *
 * @module
 */

/** The module's source. */
export const THREADS_SOURCE: string = String.raw`
import sys, _thread, types, operator, collections

_gi = _thread.get_ident
_lock = _thread.allocate_lock()
js_ident = None        # the JS thread's ident, set by the JS side
fast_ptr = 0           # Deno's trampoline, set by the JS side
drain_ptr = 0          # the JS drain callback, set by the JS side
inner_def = 0          # the PyMethodDef of inner functions (Deno's inner trampoline), set by the JS side
timeout = 10.0         # seconds a foreign call waits for the JS thread (< 0: forever)
closed = False         # the owning isolate ended
generation = 0         # bumped when another isolate takes CPython over
_defs = set()          # addresses of the exposed PyMethodDefs
_count = 0             # threads / async jobs that may run Python off the JS thread
_ctypes = None
slow_ptr = 0           # CPython's forwarder, found with ctypes when first needed
_pending = collections.deque()
_wake = _thread.allocate_lock()
_wake.acquire()        # locked: no work signalled
_pump_generation = -1

busy_message = None    # set by the JS side (formatted with name, seconds)
ended_message = None   # set by the JS side


# CPython's exported forwarder with the signature of a TypeScript function's
# PyMethodDef: (callable, args, nargs, kwnames) for METH_FASTCALL |
# METH_KEYWORDS, _PyObject_MakeTpCall on 3.8 and PyObject_Vectorcall from
# 3.11. 3.9 and 3.10 export neither in that shape (PyObject_Vectorcall is
# static inline there, _PyObject_MakeTpCall takes a thread state first), so
# there TypeScript functions use METH_VARARGS | METH_KEYWORDS, whose
# (callable, args, kwargs) is PyObject_Call's own signature.
_forwarder = ('_PyObject_MakeTpCall' if sys.version_info < (3, 9)
              else 'PyObject_Call' if sys.version_info < (3, 11) else 'PyObject_Vectorcall')
supported = True


_new_cfunction = None


def _load_ctypes():
    global _ctypes, slow_ptr, _new_cfunction
    if _ctypes is None:
        import ctypes
        slow_ptr = ctypes.cast(getattr(ctypes.pythonapi, _forwarder), ctypes.c_void_p).value
        f = ctypes.pythonapi.PyCFunction_NewEx
        f.restype = ctypes.py_object
        f.argtypes = [ctypes.c_void_p, ctypes.py_object, ctypes.py_object]
        _new_cfunction = f
        _ctypes = ctypes


def _write(ptr, addrs):
    if not addrs or not supported:
        return
    _load_ctypes()
    for a in addrs:
        _ctypes.c_void_p.from_address(a + 8).value = ptr


def _slow():
    _load_ctypes()
    return slow_ptr


def _mode_ptr():
    if not supported:
        return fast_ptr
    return _slow() if (_count > 0 or closed or not fast_ptr) else fast_ptr


def register(addr):
    with _lock:
        _defs.add(addr)
        p = _mode_ptr()
        if p != fast_ptr:
            _write(p, (addr,))


def unregister(*addrs):
    with _lock:
        for a in addrs:
            _defs.discard(a)


def enter():
    global _count
    with _lock:
        _count += 1
        if _count == 1 and _defs:
            _write(_slow(), _defs)


def leave():
    global _count
    with _lock:
        _count -= 1
        if _count == 0 and not closed and fast_ptr:
            _write(fast_ptr, _defs)


def threaded():
    return supported and _count > 0


def own(fast, drain, busy, ended, inner):
    """Called on the JS thread by the isolate that owns CPython."""
    global js_ident, fast_ptr, drain_ptr, busy_message, ended_message, inner_def
    with _lock:
        js_ident = _gi()
        fast_ptr = fast
        drain_ptr = drain
        inner_def = inner
        busy_message = busy
        ended_message = ended


def _wrap_start(orig):
    def start(function, *args, **kwargs):
        enter()
        def run(*a, **k):
            try:
                return function(*a, **k)
            finally:
                leave()
        try:
            return orig(run, *args, **kwargs)
        except BaseException:
            leave()
            raise
    start.__name__ = getattr(orig, '__name__', 'start_new_thread')
    start.__doc__ = getattr(orig, '__doc__', None)
    start.__wrapped__ = orig
    return start


_start_uncounted = _thread.start_new_thread
for _name in ('start_new_thread', 'start_new', 'start_joinable_thread'):
    _f = getattr(_thread, _name, None)
    if _f is not None:
        setattr(_thread, _name, _wrap_start(_f))
_threading = sys.modules.get('threading')
if _threading is not None:
    for _name in ('_start_new_thread', '_start_joinable_thread'):
        _f = getattr(_threading, _name, None)
        if _f is not None and not hasattr(_f, '__wrapped__'):
            setattr(_threading, _name, _wrap_start(_f))
del _name, _f, _threading


class _Impl(_thread._local):
    def __init__(self, inner, name):
        if _gi() == js_ident:
            self.impl = inner
        else:
            def impl(*args, **kwargs):
                return _foreign(inner, name, args, kwargs)
            self.impl = impl


def _inner(name, fid):
    """The inner function of TypeScript function fid: a PyCFunction on
    inner_def (always Deno's inner trampoline) whose self is a plain module holding
    the id (so no reference cycle)."""
    _load_ctypes()
    s = types.ModuleType(name)
    s.__dict__['__pyembed_function_id__'] = fid
    return _new_cfunction(inner_def, s, None)


class _LazyImpl:
    """The per-thread dispatch of a TypeScript function (and its inner
    function), made on its first call in threaded mode: a _thread._local
    costs about 1 us to make, and most functions never need one. A non-data
    descriptor: once made, the instance dict's entry is found first, at no
    extra cost per call."""
    def __get__(self, module, owner=None):
        if module is None:
            return self
        d = module.__dict__
        impl = d.get('_pyembed_impl')
        if impl is None:
            inner = _inner(module.__name__, d['__pyembed_function_id__'])
            impl = d.setdefault('_pyembed_impl', _Impl(inner, module.__name__))
        return impl


class TypeScriptFunction(types.ModuleType):
    """The self of a TypeScript function: holds its table id."""
    __call__ = property(operator.attrgetter('_pyembed_impl.impl'))
    _pyembed_impl = _LazyImpl()


def new_self(name, fid, addr):
    """The self of a new TypeScript function (table id fid), whose exposed
    PyMethodDef at addr is registered to follow the mode."""
    m = TypeScriptFunction(name)
    m.__dict__['__pyembed_function_id__'] = fid
    register(addr)
    return m


class _Request:
    __slots__ = ('inner', 'args', 'kwargs', 'done', 'started', 'cancelled', 'result', 'exc')


def _signal():
    try:
        _wake.release()
    except RuntimeError:
        pass  # already signalled


def _pump(gen, call):
    while True:
        _wake.acquire()
        if gen != generation or closed:
            _signal()  # pass the signal on to the current pump, if any
            return
        call()


def _start_pump():
    global _pump_generation
    if _pump_generation == generation:
        return
    _load_ctypes()
    call = _ctypes.CFUNCTYPE(None)(drain_ptr)
    _start_uncounted(_pump, (generation, call))
    _pump_generation = generation


def _foreign(inner, name, args, kwargs):
    if closed or not drain_ptr:
        raise RuntimeError(ended_message)
    req = _Request()
    req.inner = inner
    req.args = args
    req.kwargs = kwargs
    req.started = False
    req.cancelled = False
    req.result = None
    req.exc = None
    req.done = _thread.allocate_lock()
    req.done.acquire()
    with _lock:
        _pending.append(req)
        _start_pump()
    _signal()
    t = timeout
    if t < 0:
        req.done.acquire()
    elif not req.done.acquire(True, t):
        with _lock:
            if not req.started:
                req.cancelled = True
                try:
                    _pending.remove(req)
                except ValueError:
                    pass
                raise RuntimeError(busy_message.format(name=name, seconds=t))
        req.done.acquire()
    exc = req.exc
    if exc is not None:
        req.exc = None
        try:
            raise exc
        finally:
            exc = None
    return req.result


def drain():
    while True:
        with _lock:
            if not _pending:
                return
            req = _pending.popleft()
            if req.cancelled:
                continue
            req.started = True
        try:
            req.result = req.inner(*req.args, **req.kwargs)
        except BaseException as e:
            req.exc = e
        finally:
            req.done.release()


def _fail_pending():
    while _pending:
        req = _pending.popleft()
        req.exc = RuntimeError(ended_message)
        req.started = True
        req.done.release()


def close():
    global closed
    with _lock:
        closed = True
        if _defs:
            _write(_slow(), _defs)
        _fail_pending()
    _signal()


def reset():
    global closed, generation, js_ident, fast_ptr, drain_ptr
    with _lock:
        _defs.clear()
        _fail_pending()
        generation += 1
        closed = False
        js_ident = None
        fast_ptr = 0
        drain_ptr = 0
    _signal()
`;
