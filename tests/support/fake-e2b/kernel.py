# The Python kernel behind the fake code interpreter: one cell per line of JSON on stdin
# ({"code": ...}), its output as the code interpreter's messages, one JSON line each, on the
# original stdout, each cell ending with {"type": "end_of_execution"}. As in Jupyter, variables
# live from cell to cell, printed output comes as it is written (a line at a time), the value
# of a last expression is the main result (text from repr, png from _repr_png_), display()
# adds results, and an exception is the cell's error.
import ast
import base64
import json
import os
import sys
import traceback

protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)  # what subprocesses print stays out of the protocol, as with Jupyter
execution_count = 0


def send(message):
    protocol.write(json.dumps(message) + "\n")
    protocol.flush()


class Stream:
    def __init__(self, name):
        self.name = name
        self.pending = ""

    def write(self, text):
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            send({"type": self.name, "text": line + "\n"})
        return len(text)

    def flush(self):
        if self.pending:
            send({"type": self.name, "text": self.pending})
            self.pending = ""

    def isatty(self):
        return False


def result(value, is_main_result):
    message = {"type": "result", "text": repr(value), "is_main_result": is_main_result}
    if hasattr(value, "_repr_png_"):
        message["png"] = base64.b64encode(value._repr_png_()).decode()
    send(message)


def display(value):
    sys.stdout.flush()
    result(value, False)


namespace = {"__name__": "__main__", "display": display}
sys.stdout = Stream("stdout")
sys.stderr = Stream("stderr")

for request in sys.stdin:
    cell = json.loads(request)
    execution_count += 1
    try:
        tree = ast.parse(cell["code"], "<cell>", "exec")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), namespace)
        value = None
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
        sys.stdout.flush()
        sys.stderr.flush()
        if value is not None:
            result(value, True)
    except BaseException as error:  # noqa: BLE001 - a cell's error of any kind is its result
        sys.stdout.flush()
        sys.stderr.flush()
        send(
            {
                "type": "error",
                "name": type(error).__name__,
                "value": str(error),
                "traceback": "".join(traceback.format_exception(error)),
            }
        )
    send({"type": "number_of_executions", "execution_count": execution_count})
    send({"type": "end_of_execution"})
