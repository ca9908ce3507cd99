/**
 * The Python half of `Python.initialize({ permissions: "deno" })` (see
 * `permissions.ts`): a PEP 578 audit hook that checks file, network,
 * subprocess, environment and `ctypes` operations against the Deno
 * permissions of the isolate that owns CPython. Internal.
 *
 * Run once, on the JS thread, with the GIL held, in a fresh namespace
 * holding `address`: the JS decision callback (C signature
 * `int (*)(int kind, const char* value)`: 1 granted, 0 not granted, -1 the
 * query threw). Nothing of the hook's state is put in `sys.modules`; `sys`
 * gets only the marker `sys._pyembed_permissions = True` (never read by the
 * hook). `ctypes` is imported and the callback wrapped before the hook is
 * installed; the library's own later `ctypes` use (threads, async) is
 * granted like any other by the `--allow-ffi` pyembed requires.
 *
 * How a decision is made: the hook turns the event's arguments into Deno
 * descriptors (kind and value: an absolute, lexically normalized path as
 * Deno resolves one, `host:port`, a command, a variable name), then
 * - a read under a directory of `sys.path` when the hook was installed
 *   (the stdlib, `lib-dynload`, `site-packages`, a virtualenv's) is granted
 *   without asking (writes there are not);
 * - a descriptor granted before is granted (a dict; grants only, cleared at
 *   50,000 entries; an `open()` of an absolute path with the mode and flags
 *   of an earlier granted one returns at the hook's first line);
 * - otherwise JS is asked: on the JS thread, directly (a `ctypes` call into
 *   a Deno callback, which runs `Deno.permissions.querySync` on this same
 *   thread; ctypes releases the GIL around it); on any other thread,
 *   through a helper thread that makes the same call (Deno runs a callback
 *   from another thread on the JS thread when its event loop is free and
 *   blocks the caller until then) while the asking thread waits at most
 *   `_pyembed_threads.timeout` seconds with the GIL released, then refuses.
 *
 * @module
 */

/** The hook's source. */
export const PERMISSIONS_SOURCE: string = String.raw`
import sys, os, posixpath, errno, _thread, _socket, ctypes

_ask = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p)(int(address))
_js_ident = _thread.get_ident()
_threads = sys.modules.get('_pyembed_threads')
_start = getattr(_threads, '_start_uncounted', None) or _thread.start_new_thread
_gi = _thread.get_ident
_getcwd = os.getcwd
_normpath = posixpath.normpath
_fsdecode = os.fsdecode
_DirEntryType = os.DirEntry
timeout_default = 10.0
_AF_UNIX = getattr(_socket, 'AF_UNIX', None)
_family = _socket.socket.family.__get__
READ, WRITE, NET, RUN, ENV, FFI = range(6)
_NAMES = ('read', 'write', 'net', 'run', 'env', 'ffi')
_closed = False

_implied_exact = set()
_implied_prefixes = []
for _p in sys.path:
    if isinstance(_p, str) and _p.startswith('/'):
        _p = _normpath(_p)
        if _p != '/' and _p != '//':
            _implied_exact.add(_p)
            _implied_prefixes.append(_p + '/')
_implied_prefixes = tuple(_implied_prefixes)
implied = tuple(sorted(_implied_exact))

_granted = {}
_fast_open = set()
_resolved = {}
_looking_up = set()


def _refuse(kind, value, what):
    name = _NAMES[kind]
    if value is None:
        text = 'Requires %s access (%s), run again with --allow-%s' % (name, what, name)
    else:
        text = 'Requires %s access to "%s" (%s), run again with --allow-%s=%s' % (
            name, value, what, name, value)
    return PermissionError(errno.EACCES, text + ' (pyembed applies Deno permissions to Python)')


def _query_off_thread(kind, arg):
    box = []
    done = _thread.allocate_lock()
    done.acquire()
    def run():
        try:
            box.append(_ask(kind, arg))
        except BaseException:
            box.append(-1)
        finally:
            done.release()
    _start(run, ())
    t = getattr(_threads, 'timeout', timeout_default)
    ok = done.acquire() if t < 0 else done.acquire(True, t)
    return box[0] if ok and box else -2


def _check(kind, value, what):
    key = (kind, value)
    if key in _granted:
        return
    if kind == READ and value is not None and (
            value in _implied_exact or value.startswith(_implied_prefixes)):
        _granted[key] = True
        return
    if _closed:
        raise PermissionError(errno.EACCES, (
            'pyembed cannot ask Deno for %s access%s (%s): the Deno isolate that enabled permissions '
            'for Python has ended; only operations granted before stay allowed') % (
            _NAMES[kind], '' if value is None else ' to "%s"' % value, what))
    if value is not None and '\0' in value:
        raise _refuse(kind, value, what)  # C would see a shorter string than the operation
    arg = None if value is None else value.encode('utf-8', 'surrogateescape')
    state = _ask(kind, arg) if _gi() == _js_ident else _query_off_thread(kind, arg)
    if state == 1:
        if len(_granted) >= 50000:
            _granted.clear()
        _granted[key] = True
        return
    if state == -2:
        raise PermissionError(errno.EACCES, (
            'pyembed could not ask Deno for %s access%s (%s) from this thread: the JavaScript thread '
            'was not free within the time limit (it is busy in a synchronous call, perhaps waiting for '
            'this thread; run such Python code with the async API, or see setThreadCallTimeout)') % (
            _NAMES[kind], '' if value is None else ' to "%s"' % value, what))
    raise _refuse(kind, value, what)


def _text(p, what):
    """The text of a path argument, without running Python code the caller
    controls (a __fspath__ could answer differently to the check and to the
    operation)."""
    t = type(p)
    if t is str:
        return p
    if t is bytes:
        return _fsdecode(p)
    if isinstance(p, str):
        return str.__str__(p)
    if isinstance(p, bytes):
        return _fsdecode(bytes.__getitem__(p, slice(None)))
    if t is _DirEntryType:
        return _text(p.path, what)
    pl = sys.modules.get('pathlib')
    if pl is not None and t in (getattr(pl, 'PosixPath', None), getattr(pl, 'PurePosixPath', None)):
        return _text(t.__fspath__(p), what)
    raise PermissionError(errno.EACCES, (
        'pyembed cannot check a path given as a %s object (%s): pass a str, bytes, os.DirEntry or '
        'pathlib path' % (t.__name__, what)))


def _abs(p, what):
    s = _text(p, what)
    if not s.startswith('/'):
        s = _getcwd() + '/' + s
    return _normpath(s)


def _path(p, dir_fd, what):
    """A path's descriptor value, or None when it cannot be resolved
    (relative to a directory descriptor): then only the unscoped permission
    covers it."""
    if type(p) is int:
        return False  # an open file descriptor: already checked when opened
    if dir_fd is not None and dir_fd != -1:
        s = _text(p, what)
        if not s.startswith('/'):
            return None
    return _abs(p, what)


def _file(kinds, p, dir_fd, what):
    v = _path(p, dir_fd, what)
    if v is False:
        return
    for k in kinds:
        _check(k, v, what)


_R, _W, _RW = (READ,), (WRITE,), (READ, WRITE)
_ACC = os.O_ACCMODE
_WFLAGS = os.O_CREAT | os.O_TRUNC | os.O_APPEND


def on_open(args):
    path, mode, flags = args
    if type(path) is int:
        return
    fast = type(path) is str and path.startswith('/')
    if fast and args in _fast_open:
        return
    if mode is None:
        acc = flags & _ACC
        read = acc != os.O_WRONLY
        write = acc != os.O_RDONLY or (flags & _WFLAGS) != 0
    else:
        write = ('w' in mode or 'a' in mode or 'x' in mode or '+' in mode)
        read = 'r' in mode or '+' in mode
    v = _abs(path, 'open()')
    if read:
        _check(READ, v, 'open()')
    if write:
        _check(WRITE, v, 'open()')
    if fast:
        if len(_fast_open) >= 50000:
            _fast_open.clear()
        _fast_open.add(args)


def _dir_listing(what):
    def on(args):
        p = args[0]
        _file(_R, '.' if p is None else p, None, what)
    return on


def _write_one(what, dir_fd_index):
    def on(args):
        _file(_W, args[0], args[dir_fd_index] if dir_fd_index < len(args) else None, what)
    return on


def on_rename(args):
    src, dst, sfd, dfd = args
    _file(_RW, src, sfd, 'os.rename()')
    _file(_W, dst, dfd, 'os.rename()')


def on_link(args):
    src, dst, sfd, dfd = args
    _file(_RW, src, sfd, 'os.link()')
    _file(_RW, dst, dfd, 'os.link()')


def on_symlink(args):
    # Deno.symlink needs the unscoped permissions (a link can point anywhere)
    _check(READ, None, 'os.symlink()')
    _check(WRITE, None, 'os.symlink()')


def on_sqlite(args):
    db = _text(args[0], 'sqlite3.connect()')  # bytes: CPython encoded it first
    if db == ':memory:' or db == '':
        return
    if db.startswith('file:'):
        # a URI (uri=True): its path and options are not parsed here
        _check(READ, None, 'sqlite3.connect()')
        _check(WRITE, None, 'sqlite3.connect()')
        return
    _file(_RW, db, None, 'sqlite3.connect()')


def on_chdir(args):
    _file(_R, args[0], None, 'os.chdir()')


def _host(h):
    if type(h) is bytes:
        h = h.decode('ascii', 'surrogateescape')
    elif type(h) is not str:
        h = str.__str__(h) if isinstance(h, str) else None
    if h is None:
        return None
    if h == '' or h == '<any>':
        return '0.0.0.0'
    if h == '<broadcast>':
        return '255.255.255.255'
    return '[' + h + ']' if ':' in h else h


def _address(sock, addr, what):
    if _AF_UNIX is not None and _family(sock) == _AF_UNIX:
        if type(addr) in (str, bytes) and addr[:1] not in ('\0', b'\0'):
            _file(_RW, addr, None, what)
        else:  # an abstract name: no path Deno could check
            _check(READ, None, what)
            _check(WRITE, None, what)
        return
    if type(addr) is not tuple or len(addr) < 2:
        return  # not an IP address family (AF_NETLINK, AF_PACKET, ...): not a Deno descriptor
    host = _host(addr[0])
    port = addr[1]
    if host is None or type(port) is not int:
        _check(NET, None, what)
        return
    value = '%s:%d' % (host, port)
    if value in _resolved:
        return
    _check(NET, value, what)


def on_connect(args):
    _address(args[0], args[1], 'socket.connect()')


def on_bind(args):
    _address(args[0], args[1], 'socket.bind()')


def on_sendto(args):
    _address(args[0], args[1], 'socket.sendto()')


def on_getaddrinfo(args):
    host, port = args[0], args[1]
    if host is None:
        return  # the local host's own addresses: no lookup
    me = _gi()
    if me in _looking_up:
        return  # the check's own lookup, below
    h = _host(host)
    if h is None:
        _check(NET, None, 'socket.getaddrinfo()')
        return
    if type(port) in (str, bytes):
        try:
            port = int(port)
        except ValueError:
            try:
                port = _socket.getservbyname(port if type(port) is str else port.decode('ascii'))
            except (OSError, UnicodeDecodeError):
                port = None
    value = ('%s:%d' % (h, port)) if type(port) is int and port > 0 else h
    _check(NET, value, 'socket.getaddrinfo()')
    # Deno checks a connection by the name it was given: remember what the
    # granted name resolves to, so that connecting to those addresses (as
    # every Python client does after getaddrinfo) is the same grant.
    if type(port) is not int or port <= 0 or h.startswith('[') or h.replace('.', '').isdigit():
        return
    _looking_up.add(me)
    try:
        infos = _socket.getaddrinfo(host, port, args[2], args[3], args[4])
    except OSError:
        return
    finally:
        _looking_up.discard(me)
    if len(_resolved) >= 50000:
        _resolved.clear()
    for info in infos:
        sa = info[4]
        if type(sa) is tuple and len(sa) >= 2:
            _resolved['%s:%d' % (_host(sa[0]), sa[1])] = value


def on_gethostbyname(args):
    h = _host(args[0])
    _check(NET, h, 'socket.gethostbyname()')


_Environ = type(os.environ)
_LD = ('LD_', 'DYLD_')
_LDB = (b'LD_', b'DYLD_')


def _loader_variable(env):
    """The first LD_*/DYLD_* variable set (non-empty) in a child's
    environment (None: inherited from this process), else None; '?' for a
    mapping whose items() would run the caller's code."""
    if env is None or env is os.environ:
        items = dict.items(os.environ._data)
    elif type(env) is dict:
        items = dict.items(env)
    else:
        return '?'
    for k, v in items:
        if v and ((type(k) is str and k.startswith(_LD)) or (type(k) is bytes and k.startswith(_LDB))):
            return _fsdecode(k) if type(k) is bytes else k
    return None


def _command(p, env, what):
    # As Deno.Command: a loader variable in the child's environment needs the
    # unscoped --allow-run (it could inject code into an allowed command).
    v = _loader_variable(env)
    if v is not None:
        _check(RUN, None, '%s with %s in its environment' % (
            what, v if v != '?' else 'an environment given as a ' + type(env).__name__))
    if p is not None:
        _check(RUN, _text(p, what), what)


def on_popen(args):
    _command(args[0], args[3], 'subprocess.Popen()')


def on_system(args):
    _command('/bin/sh', None, 'os.system()')


def on_exec(args):
    _command(args[0], args[2], 'os.exec*()')


def on_posix_spawn(args):
    _command(args[0], args[2], 'os.posix_spawn()')


def on_spawn(args):
    _command(args[1], args[3], 'os.spawn*()')


def _var(k):
    return k.decode('utf-8', 'surrogateescape') if type(k) is bytes else _text(k, 'os.environ')


def on_putenv(args):
    _check(ENV, _var(args[0]), 'os.putenv()')


def on_unsetenv(args):
    _check(ENV, _var(args[0]), 'os.unsetenv()')


def on_dlopen(args):
    name = args[0]
    if name is None:
        _check(FFI, None, 'ctypes.dlopen()')
    else:
        s = _text(name, 'ctypes.dlopen()')
        _check(FFI, _abs(s, 'ctypes.dlopen()') if '/' in s else s, 'ctypes.dlopen()')


handlers = {
    'open': on_open,
    'os.listdir': _dir_listing('os.listdir()'),
    'os.scandir': _dir_listing('os.scandir()'),
    'os.chdir': on_chdir,
    'os.remove': _write_one('os.remove()', 1),
    'os.rmdir': _write_one('os.rmdir()', 1),
    'os.mkdir': _write_one('os.mkdir()', 2),
    'os.chmod': _write_one('os.chmod()', 2),
    'os.chown': _write_one('os.chown()', 3),
    'os.utime': _write_one('os.utime()', 3),
    'os.truncate': _write_one('os.truncate()', 99),
    'os.rename': on_rename,
    'os.link': on_link,
    'os.symlink': on_symlink,
    'socket.connect': on_connect,
    'socket.bind': on_bind,
    'socket.sendto': on_sendto,
    'socket.getaddrinfo': on_getaddrinfo,
    'socket.gethostbyname': on_gethostbyname,
    'socket.gethostbyaddr': on_gethostbyname,
    'subprocess.Popen': on_popen,
    'os.system': on_system,
    'os.exec': on_exec,
    'os.posix_spawn': on_posix_spawn,
    'os.spawn': on_spawn,
    'os.putenv': on_putenv,
    'os.unsetenv': on_unsetenv,
    'ctypes.dlopen': on_dlopen,
    'sqlite3.connect': on_sqlite,
}


def _make_hook(get, fast_open):
    def hook(event, args):
        # the hot path, inline: an open() of an absolute path allowed before
        # with the same mode and flags (about 90 ns here, against 370 ns
        # through on_open)
        if event == 'open' and type(args[0]) is str and args in fast_open:
            return
        h = get(event)
        if h is not None:
            try:
                h(args)
            except PermissionError:
                raise
            except Exception as e:
                # arguments this hook does not understand: refuse (fail closed)
                raise PermissionError(errno.EACCES, (
                    'pyembed could not check the operation %s against Deno permissions (%s: %s), so it '
                    'is refused' % (event, type(e).__name__, e))) from None
    return hook


def close():
    global _closed
    _closed = True


sys.addaudithook(_make_hook(handlers.get, _fast_open))
sys._pyembed_permissions = True
`;
