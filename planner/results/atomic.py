"""Outputs that appear whole under their final name, and never replace a file they were not asked to.

Every command that writes (``solve`` run directories, ``export``, ``curve``, ``map``, ``pareto``,
``sweep``, ``alternatives``, ``sensitivity``, ``evaluate``) writes to a hidden temporary sibling
(``.<name>.partial-<pid>``) and then *claims* the final name with one atomic system call:

* ``renameat2(RENAME_NOREPLACE)`` (Linux >= 3.15; files and directories): the rename fails with
  ``EEXIST`` if anything appeared at the final name since the ``--out`` check;
* where the file system does not support it: a hard link (``link(2)`` never replaces) then
  ``unlink`` of the temporary name for a file; for a directory, ``mkdir`` of the final name (an
  exclusive claim) and a rename onto that empty directory.

So of two processes writing to one ``--out`` exactly one wins; the other gets ``InputError``
(exit 2) and leaves nothing. ``overwrite=True`` (``--overwrite``, and files a command regenerates
inside a run directory, e.g. ``map.png``) replaces with ``rename(2)``, still atomically. A write
refused by the disk (full, read-only, forbidden) is :func:`planner.errors.disk_error`'s message;
the temporary files are removed on every path, Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from planner.errors import InputError, disk_error

AT_FDCWD = -100
RENAME_NOREPLACE = 1
_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP)


def _renameat2() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """libc's ``renameat2`` (glibc >= 2.28), or None where there is none (musl, macOS)."""
    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_RENAMEAT2 = _renameat2()


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` atomically, raising FileExistsError if ``dst`` exists (a dangling
    symlink or an empty directory included)."""
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(AT_FDCWD, os.fsencode(src), AT_FDCWD, os.fsencode(dst), RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in _UNSUPPORTED:
            raise (
                OSError(code, os.strerror(code), str(dst))
                if code != errno.EEXIST
                else FileExistsError(code, os.strerror(code), str(dst))
            )
    if not src.is_dir():
        os.link(src, dst)  # FileExistsError if dst exists: link(2) never replaces
        os.unlink(src)
        return
    os.mkdir(dst)  # the exclusive claim of the name
    try:
        os.rename(src, dst)  # onto our own empty directory
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):  # filled by someone else meanwhile: theirs
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst)) from None
        with suppress(OSError):
            os.rmdir(dst)
        raise


def partial_name(final: Path, keep_suffix: bool = False) -> Path:
    """The hidden temporary sibling an output is written to: ``.<name>.partial-<pid>`` (a folder), or
    ``.<stem>.partial-<pid><suffix>`` (``keep_suffix``: a file, for writers that read the format
    from the suffix)."""
    if keep_suffix:
        return final.with_name(f".{final.stem}.partial-{os.getpid()}{final.suffix}")
    return final.with_name(f".{final.name}.partial-{os.getpid()}")


def write_failed(exc: OSError, final: Path, label: str) -> InputError:
    """The InputError for a write that failed: the disk's condition by name, else the OS's words."""
    return disk_error(exc, final) or InputError(f"{label} {final}: cannot write: {exc.strerror or exc}")


def claim(tmp: Path, final: Path, overwrite: bool = False, label: str = "--out") -> None:
    """Give the finished ``tmp`` the name ``final``: atomically, and (unless ``overwrite``) only if
    nothing is there. Raises InputError (exit 2) when ``final`` exists or the disk refuses."""
    try:
        if overwrite and not tmp.is_dir():
            os.replace(tmp, final)
        else:
            rename_noreplace(tmp, final)
    except FileExistsError:
        raise InputError(
            f"{label} {final}: already exists (another process created it meanwhile); "
            "an existing file or folder is never replaced"
            + (" without --overwrite" if label == "--out" else "")
        ) from None
    except OSError as exc:
        raise write_failed(exc, final, label) from None


def _remove(path: Path) -> None:
    """Remove a temporary file or folder, whatever is left of it."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink()


@contextmanager
def new_files(finals: Sequence[Path], overwrite: bool = False, label: str = "--out") -> Iterator[list[Path]]:
    """Yield the temporary paths to write ``finals`` to; when the block ends, claim them all.

    All or nothing: if one claim fails (the name was taken meanwhile, the disk refused), the files
    of this group already claimed are removed again (unless they replaced others: ``overwrite``),
    and every temporary file is removed on every path. OSError in the block becomes an InputError
    naming the disk's condition (:func:`write_failed`).
    """
    finals = [Path(f) for f in finals]
    tmps = [partial_name(f, keep_suffix=True) for f in finals]
    for tmp in tmps:
        _remove(tmp)  # a stale one of an earlier process with this pid
    claimed: list[Path] = []
    current = finals[0] if finals else Path()
    try:
        yield tmps
        for tmp, final in zip(tmps, finals, strict=True):
            current = final
            claim(tmp, final, overwrite, label)
            claimed.append(final)
    except OSError as exc:
        _unclaim(claimed, overwrite)
        named = Path(exc.filename) if isinstance(exc.filename, (str, Path)) else None
        raise write_failed(exc, dict(zip(tmps, finals, strict=True)).get(named, current), label) from None
    except BaseException:
        _unclaim(claimed, overwrite)
        raise
    finally:
        for tmp in tmps:
            _remove(tmp)


def _unclaim(claimed: list[Path], overwrite: bool) -> None:
    """Remove the files of a group that were claimed before a later one failed (all or nothing)."""
    if overwrite:
        return  # they replaced files that are gone; keeping the new ones is the lesser loss
    for final in claimed:
        _remove(final)
