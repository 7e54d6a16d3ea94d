"""Third-party noise stays out of the terminal; `shopagent -v` shows it in the debug log.

Two kinds of noise:
- C++ libraries that write straight to file descriptor 2: MediaPipe's graphs (TensorFlow Lite,
  absl) print "Created TensorFlow Lite XNNPACK delegate", "Feedback manager requires a model
  with a single signature..." and the like while a graph starts, from the graph's own threads.
  Python's sys.stderr never sees those lines, so `captured_stderr()` points fd 2 at a temporary
  file around the calls that start a graph, and logs what it caught at DEBUG on the
  "shopagent.thirdparty" logger. While it is in force every thread's fd 2 goes to that file,
  so it is held for a graph's start only, never around ordinary work.
- Python loggers of model libraries (transformers, diffusers, huggingface_hub, absl): at
  WARNING unless -v asks for more.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

THIRDPARTY = logging.getLogger("shopagent.thirdparty")
NOISY_LOGGERS = ("transformers", "diffusers", "huggingface_hub", "absl")
_fd2 = threading.RLock()  # one redirection at a time: fd 2 belongs to the whole process


@contextmanager
def captured_stderr(what: str) -> Iterator[None]:
    """Run the block with fd 2 pointed at a temporary file; log what was written there at DEBUG.

    what names the source in the log line, e.g. "MediaPipe pose graph". When fd 2 cannot be
    duplicated (no stderr at all) the block runs as it is.
    """
    with _fd2, tempfile.TemporaryFile() as sink:
        _flush()
        try:
            saved = os.dup(2)
        except OSError:
            saved = None
        if saved is not None:
            os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            if saved is not None:
                _flush()
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                caught = sink.read().decode("utf-8", errors="replace").strip()
                if caught:
                    THIRDPARTY.debug("%s wrote to stderr:\n%s", what, caught)


def _flush() -> None:
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):  # no stderr, or a closed one
        pass


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # noqa: ANN001 (StreamHandler.__init__ sets it)
        pass


def configure_logging(verbose: bool = False) -> None:
    """Logging for a command-line run: the model libraries at WARNING; with verbose, every
    logger at DEBUG to stderr, the noise `captured_stderr` caught included. Safe to call again."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _CurrentStderr)]
    if verbose:
        if not ours:
            handler = _CurrentStderr()
            handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        for name in ("PIL", "matplotlib"):  # their DEBUG is a dump of image chunks and font lookups
            logging.getLogger(name).setLevel(logging.INFO)
    elif ours:  # a verbose run before this one, in the same process
        for handler in ours:
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    if not verbose:  # transformers' "Loading weights" bars, read when the library is first imported
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
