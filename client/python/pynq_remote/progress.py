"""Progress bars for long transfers, on a terminal only.

A bar (Debian's python3-tqdm) is drawn on stderr for work that takes about a second or more:
buffer transfers and file copies of :data:`MIN_BYTES` or more, and bitstream uploads. It is
drawn only when stderr is a terminal, so scripts, pipes and CI logs stay clean; without tqdm
installed nothing is drawn and nothing fails. ``PYNQ_REMOTE_PROGRESS=0`` turns bars off,
``=1`` draws them even when stderr is not a terminal.
"""

import os
import sys

MIN_BYTES = 16 * 1024 * 1024

try:  # optional: a missing tqdm means no bar, never an error
    from tqdm import tqdm as _tqdm
except ImportError:  # pragma: no cover - depends on the machine
    _tqdm = None


def enabled(stream=None):
    """Whether a bar would be drawn on ``stream`` (stderr by default)."""
    if _tqdm is None:
        return False
    setting = os.environ.get("PYNQ_REMOTE_PROGRESS", "").strip().lower()
    if setting in ("0", "no", "off", "false"):
        return False
    if setting in ("1", "yes", "on", "true"):
        return True
    stream = sys.stderr if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced by something without isatty
        return False


class Progress:
    """Counts bytes of one piece of work; draws a bar once it is known to be long.

    With ``total`` known, the bar appears at once when ``total >= min_bytes``; with ``total``
    None (a stream of unknown length), once ``min_bytes`` have passed. A context manager:
    the bar is closed on exit, also on an error.
    """

    def __init__(self, desc, total=None, min_bytes=MIN_BYTES):
        self._desc = desc
        self._total = total
        self._min = min_bytes
        self._done = 0
        self._bar = None
        self._on = enabled()
        if self._on and total is not None and total >= min_bytes:
            self._open()

    def _open(self):
        self._bar = _tqdm(total=self._total, desc=self._desc, unit="B", unit_scale=True,
                          unit_divisor=1024, file=sys.stderr, leave=False, dynamic_ncols=True)
        if self._done:
            self._bar.update(self._done)

    def update(self, nbytes):
        self._done += nbytes
        if self._bar is not None:
            self._bar.update(nbytes)
        elif self._on and self._total is None and self._done >= self._min:
            self._open()

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def wrap(self, chunks, size=len):
        """Yields ``chunks``, counting ``size(chunk)`` bytes after each is taken."""
        for chunk in chunks:
            yield chunk
            self.update(size(chunk))
