"""Files written whole or not at all, and files from strangers read within a cap.

A crash at any moment leaves either the old file or the new one; a file someone sent is read
without following links, blocking on FIFOs or reading past its cap.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import stat
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, rename it into place.

    Readers see the old content or the new, never a part: ``os.replace`` is atomic on POSIX and
    Windows. A process killed before the rename leaves a ``.<name>.*.tmp`` file and ``path``
    untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name created with mode 0o666 (not mkstemp, whose files are 0600): the file gets
    # the permissions the user's umask gives.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(folder: Path) -> None:
    # The rename lives in the directory entry; without this a power cut can lose it on ext4.
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


#: The largest model file the suite reads (a submitted SB3 zip, hashed, copied or loaded).
MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024


class UnsafeFileError(ValueError):
    """A file that is not a plain regular file within its size limit; the message says which."""


# Read in pieces, so a file is never held twice and a lying size is caught while reading.
_CHUNK_BYTES = 1 << 20


def _open_regular(path: Path) -> int:
    """A descriptor on ``path`` if it is a regular file, opened without following a symlink.

    ``O_NONBLOCK`` keeps a FIFO from blocking the open until a writer comes; the ``fstat`` on
    the opened descriptor (not a ``stat`` of the name) leaves no window for a swap between the
    check and the read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise UnsafeFileError(f"{path}: is a symbolic link; give the file itself") from None
        raise UnsafeFileError(f"{path}: cannot open it ({error.strerror})") from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise UnsafeFileError(f"{path}: not a regular file (a directory, FIFO or device)")
    return descriptor


def read_regular_file(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refusing links, FIFOs, devices and over ``limit``.

    At most ``limit + 1`` bytes are ever read, whatever the file claims its size is.
    """
    path = Path(path)
    descriptor = _open_regular(path)
    try:
        size = os.fstat(descriptor).st_size
        if size > limit:
            raise UnsafeFileError(f"{path}: {size:,} bytes, more than the {limit:,} allowed")
        pieces, total = [], 0
        while True:
            piece = os.read(descriptor, min(_CHUNK_BYTES, limit + 1 - total))
            if not piece:
                break
            pieces.append(piece)
            total += len(piece)
            if total > limit:
                raise UnsafeFileError(f"{path}: more than the {limit:,} bytes allowed")
        return b"".join(pieces)
    finally:
        os.close(descriptor)


def sha256_of_file(path: Path | str, limit: int) -> str:
    """The hex sha256 of the regular file ``path``, read in chunks (same refusals as above)."""
    path = Path(path)
    descriptor = _open_regular(path)
    digest = hashlib.sha256()
    total = 0
    try:
        while piece := os.read(descriptor, _CHUNK_BYTES):
            total += len(piece)
            if total > limit:
                raise UnsafeFileError(f"{path}: more than the {limit:,} bytes allowed")
            digest.update(piece)
    finally:
        os.close(descriptor)
    return digest.hexdigest()


def copy_regular_file(source: Path | str, destination: Path | str, limit: int) -> str:
    """Copy the regular file ``source`` to a new file ``destination``, in chunks; its sha256.

    The same refusals as :func:`read_regular_file` (links, FIFOs, devices, over ``limit``); a
    refused copy leaves no file at ``destination``.
    """
    source, destination = Path(source), Path(destination)
    descriptor = _open_regular(source)
    digest = hashlib.sha256()
    total = 0
    try:
        with destination.open("xb") as out:
            while piece := os.read(descriptor, _CHUNK_BYTES):
                total += len(piece)
                if total > limit:
                    raise UnsafeFileError(f"{source}: more than the {limit:,} bytes allowed")
                digest.update(piece)
                out.write(piece)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    finally:
        os.close(descriptor)
    return digest.hexdigest()
