"""Kiln's Python kernel: runs cells in one persistent namespace, inside a bubblewrap sandbox.

Run as `/usr/bin/python3 -E -u kernel.py` (user site on: packages pip installs into the workspace load); python-session.ts is the other end.

Protocol: newline-delimited JSON. Requests arrive on stdin:
  {"type": "execute", "id": "1", "code": "...", "maxOutput": 1048576}
  {"type": "interrupt", "id": "1", "reason": "timeout" | "abort", "message": "..."}
Replies leave on the process's original stdout:
  {"type": "stdout" | "stderr", "id": "1", "text": "..."}   as the cell writes
  {"type": "result", "id": "1", "results": [{"text": ...} | {"png": ...}],
   "error": {"name", "value", "traceback"} | null, "truncated": bool}

Nothing the cell writes can pass for a reply. At start the kernel moves the original stdout to
a private descriptor and puts pipes on fds 1 and 2: print(), sys.__stdout__, os.write(1, ...)
and subprocesses all land in a pipe (or in the sys.stdout object below), and each piece reaches
the host only wrapped as the "text" of a stdout or stderr message, JSON-escaped, so a printed
line that looks like a result stays text. Requests come in on a private copy of stdin, and fd 0
becomes /dev/null: input() sees end of file instead of eating the next request. Code that
deliberately writes to the private descriptor can forge its own results, but it only deceives
its own caller, and the host ignores anything malformed or for another execution.

Startup stays light: the heavy modules (traceback, asyncio, matplotlib) load only when a cell
needs them.
"""

import ast
import codecs
import io
import json
import os
import queue
import select
import signal
import sys
import threading
import types
import warnings

KERNEL_FILE = __file__
CELL = "<cell>"
MAIN_THREAD = threading.get_ident()

PROTOCOL = os.dup(1)  # os.dup: not inherited by subprocesses
REQUESTS = os.dup(0)
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)


def _pipe_onto(fd):
    read, write = os.pipe()
    os.dup2(write, fd)  # inheritable: subprocesses write into the pipe too
    os.close(write)
    os.set_blocking(read, False)
    return read


OUT_PIPE = _pipe_onto(1)
ERR_PIPE = _pipe_onto(2)
SYNC_READ, SYNC_WRITE = os.pipe()

_lock = threading.Lock()  # one writer on PROTOCOL at a time, and the output count
_drained = threading.Event()
_requests = queue.SimpleQueue()
_interrupts = {}  # execution id -> interrupt request, set by the reader thread
_state = {"id": None, "in_cell": False, "deferred": None, "sent": 0, "cap": 0, "truncated": False}


def _send(message):
    data = (json.dumps(message) + "\n").encode()
    with _lock:
        try:
            while data:
                data = data[os.write(PROTOCOL, data) :]
        except OSError:
            os._exit(0)  # the host is gone


def _output(kind, text):
    with _lock:
        execution = _state["id"]
        if execution is None or not text:
            return  # between cells, say from a background thread: nobody is listening
        room = _state["cap"] - _state["sent"]
        if len(text) > room:
            text = text[: max(room, 0)]
            _state["truncated"] = True
        _state["sent"] += len(text)
    if text:
        _send({"type": kind, "id": execution, "text": text})


class _Stream(io.TextIOBase):
    """sys.stdout and sys.stderr: each write becomes one message at once, so output keeps its
    order across the two streams and reaches the host while the cell still runs."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, kind, fd):
        self._kind = kind
        self._fd = fd
        self._buffer = None
        self.name = f"<{kind}>"

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return self._fd

    @property
    def buffer(self):
        if self._buffer is None:
            self._buffer = open(self._fd, "wb", buffering=0, closefd=False)
        return self._buffer

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        _output(self._kind, text)
        deferred = _state["deferred"]
        if deferred is not None and threading.get_ident() == MAIN_THREAD:
            _state["deferred"] = None
            raise deferred
        return len(text)


class _Timeout(BaseException):
    """Raised into a cell past its time; a BaseException, so `except Exception` cannot keep it."""


_CRITICAL = {_send.__code__, _output.__code__}


def _on_interrupt(signum, frame):
    request = _interrupts.get(_state["id"])
    if request is None or not _state["in_cell"]:
        return
    del _interrupts[_state["id"]]
    kind = _Timeout if request.get("reason") == "timeout" else KeyboardInterrupt
    error = kind(request.get("message", ""))
    # Raising in the middle of a protocol write would leave half a line on the channel: wait
    # until the write is done (_Stream.write raises it then).
    while frame is not None:
        if frame.f_code in _CRITICAL:
            _state["deferred"] = error
            return
        frame = frame.f_back
    raise error


def _forward(fd, kind, decoder):
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not data:
            return
        _output(kind, decoder.decode(data))


def _reader():
    """Forwards what lands in the fd 1 and 2 pipes, takes requests, delivers interrupts."""
    decoders = {fd: codecs.getincrementaldecoder("utf-8")("replace") for fd in (OUT_PIPE, ERR_PIPE)}
    kinds = {OUT_PIPE: "stdout", ERR_PIPE: "stderr"}
    pending = bytearray()
    while True:
        ready, _, _ = select.select([REQUESTS, OUT_PIPE, ERR_PIPE, SYNC_READ], [], [])
        for fd in (OUT_PIPE, ERR_PIPE):
            if fd in ready:
                _forward(fd, kinds[fd], decoders[fd])
        if SYNC_READ in ready:
            os.read(SYNC_READ, 64)
            for fd in (OUT_PIPE, ERR_PIPE):
                _forward(fd, kinds[fd], decoders[fd])
            _drained.set()
        if REQUESTS in ready:
            data = os.read(REQUESTS, 1 << 20)
            if not data:
                os._exit(0)  # the host closed stdin: the session is over
            pending += data
            while (end := pending.find(b"\n")) >= 0:
                line = bytes(pending[:end])
                del pending[: end + 1]
                _request(line)


def _request(line):
    try:
        request = json.loads(line)
    except ValueError:
        return
    if request.get("type") == "execute":
        _requests.put(request)
    elif request.get("type") == "interrupt":
        _interrupts[request.get("id")] = request
        if _state["id"] == request.get("id"):
            signal.pthread_kill(MAIN_THREAD, signal.SIGINT)


def _compile(code):
    """The cell as statements plus, when it ends with an expression, that expression."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(code, CELL, "exec", flags | ast.PyCF_ONLY_AST, dont_inherit=True)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
        last = compile(last, CELL, "eval", flags, dont_inherit=True)
    return compile(tree, CELL, "exec", flags, dont_inherit=True), last


def _evaluate(code, namespace):
    value = eval(code, namespace)
    if code.co_flags & 0x80:  # CO_COROUTINE: the cell used top-level await
        import asyncio

        value = asyncio.run(value)
    return value


def _error(error, code, with_stack=True):
    if isinstance(error, _Timeout):
        shown = TimeoutError(*error.args)
        shown.__traceback__ = error.__traceback__
        error = shown
    try:
        import linecache
        import traceback

        linecache.cache[CELL] = (len(code), None, code.splitlines(True), CELL)
        report = traceback.TracebackException.from_exception(error)
        chain, seen = [report], set()
        while chain:
            part = chain.pop()
            if id(part) in seen:
                continue
            seen.add(id(part))
            # The kernel's own frames (the exec call, the interrupt handler) are noise to the user.
            part.stack[:] = [frame for frame in part.stack if frame.filename != KERNEL_FILE]
            chain.extend(link for link in (part.__cause__, part.__context__) if link is not None)
        if not with_stack:
            report.stack[:] = []
        traceback_text = "".join(report.format())
    except Exception:
        traceback_text = ""
    try:
        value = str(error)
    except Exception:
        value = "<exception str() failed>"
    return {"name": type(error).__name__, "value": value, "traceback": traceback_text}


def _figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    import base64

    images = []
    try:
        for number in plt.get_fignums():
            image = io.BytesIO()
            plt.figure(number).savefig(image, format="png")
            images.append({"png": base64.b64encode(image.getvalue()).decode("ascii")})
    except Exception as error:
        _output("stderr", f"Cannot render a figure: {type(error).__name__}: {error}\n")
    finally:
        plt.close("all")
    return images


def _user_site():
    """Puts the workspace's user site on the path once it exists: pip installs made after the
    kernel started (`pip install` in the terminal) are importable from the next cell on."""
    import site

    path = site.getusersitepackages()
    if path not in sys.path and os.path.isdir(path):
        site.addsitedir(path)
        import importlib

        importlib.invalidate_caches()


def _execute(request, namespace):
    code = request.get("code", "")
    _user_site()
    _state.update(id=request["id"], sent=0, cap=request.get("maxOutput", 1 << 20), truncated=False)
    results, error = [], None
    try:
        _state["in_cell"] = True
        if request["id"] in _interrupts:
            signal.pthread_kill(MAIN_THREAD, signal.SIGINT)
        try:
            body, last = _compile(code)
        except (SyntaxError, ValueError) as syntax:
            _state["in_cell"] = False
            error = _error(syntax, code, with_stack=False)
        else:
            _evaluate(body, namespace)
            if last is not None:
                value = _evaluate(last, namespace)
                if value is not None:
                    results.append({"text": repr(value)})
            _state["in_cell"] = False
    except BaseException as raised:
        _state["in_cell"] = False
        error = _error(raised, code)
    _state["deferred"] = None
    _interrupts.pop(request["id"], None)
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    results.extend(_figures())
    # Output of subprocesses may still sit in the fd pipes: let the reader drain them first.
    _drained.clear()
    os.write(SYNC_WRITE, b".")
    _drained.wait(2)
    with _lock:
        _state["id"] = None
        truncated = _state["truncated"]
    _send(
        {
            "type": "result",
            "id": request["id"],
            "results": results,
            "error": error,
            "truncated": truncated,
        }
    )


def _after_fork_in_child():
    # A forked child (multiprocessing) has no reader thread and must not write on the channel:
    # its output goes through the fd pipes, which the parent forwards.
    os.close(PROTOCOL)
    os.close(REQUESTS)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def main():
    # Agg's show() does nothing; newer matplotlib warns about it on every plt.show().
    warnings.filterwarnings("ignore", message=".*(non-interactive|non-GUI backend)")
    signal.signal(signal.SIGINT, _on_interrupt)
    os.register_at_fork(after_in_child=_after_fork_in_child)
    # The cell's namespace is a fresh __main__, so classes it defines pickle, and the kernel's
    # own names stay out of sight.
    user_main = types.ModuleType("__main__")
    sys.modules["__main__"] = user_main
    sys.path.insert(0, "")  # like Jupyter: modules in the working directory import
    sys.stdout = _Stream("stdout", 1)
    sys.stderr = _Stream("stderr", 2)
    threading.Thread(target=_reader, daemon=True).start()
    while True:
        request = _requests.get()
        try:
            _execute(request, user_main.__dict__)
        except BaseException as error:  # a kernel bug: still answer, or the host waits in vain
            _state["id"] = None
            failure = {"name": "KernelError", "value": repr(error), "traceback": ""}
            _send({"type": "result", "id": request.get("id"), "results": [], "error": failure})


main()
