"""File writes that never leave half a file behind and never touch a file that is already right."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def staging_dir(parent: Path, prefix: str) -> Path:
    """A fresh hidden folder in ``parent`` with ordinary permissions (``make_folder``: once
    renamed into place as the site, an owner-only folder would hide it from a web server running
    as another user)."""
    folder = staging_path(parent, prefix)
    make_folder(folder)
    return folder


def staging_path(parent: Path, prefix: str) -> Path:
    """A fresh hidden folder name in ``parent`` that no other run picks, not yet created.

    For work that may turn out to be unnecessary (an unchanged study): the folder is made by
    ``make_folder`` only once the work is known to be needed, so ``parent`` is not touched
    otherwise, and the caller can still remove it whatever happened in between.
    """
    return parent / f"{prefix}{secrets.token_hex(8)}"


def make_folder(path: Path) -> None:
    """Create ``path`` (not its parents) with the mode of any new folder under the umask."""
    path.mkdir()
    path.chmod(0o777 & ~_umask())


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; True if written.

    Unchanged files keep their bytes and their mtime, so re-running on an unchanged study
    rewrites nothing. A write goes to a temporary sibling first and is renamed into place.
    """
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, data, public=True)
    return True


def replace_atomically(path: Path, data: bytes, public: bool = False) -> None:
    """Write ``data`` to a hidden temporary sibling of ``path``, then rename it over ``path``: a
    reader (another run, a web server) sees the old file or the new one, never half of one.

    ``public``: the file gets the mode of any new file under the umask (mkstemp's 0600 would
    hide a page from a web server running as another user); otherwise it stays private."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        if public:
            os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def swap_in(staging: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``staging`` with two renames (same file system).

    Between the renames ``target`` is briefly absent, but never half-built.
    """
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old)
