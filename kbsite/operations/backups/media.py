"""
The uploaded files (original images, renditions, documents) as backups see them: in MEDIA_ROOT,
where a backup takes them from and a restore puts them back, or in a remote storage such as S3,
which keeps its own copies and which backups leave alone.
"""

import filecmp
import os
from pathlib import Path, PurePosixPath

from django.core.files.storage import FileSystemStorage

# A restore extracts the media into a work folder inside MEDIA_ROOT (the same file system, so
# moving the files into place is a rename); a backup taken meanwhile leaves such folders out.
RESTORE_WORK_PREFIX = ".omgkb-restore-"


def media_location(storage):
    """MEDIA_ROOT as the default storage sees it, or None when the files live elsewhere."""
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def storage_name(storage):
    cls = type(storage)
    name = f"{cls.__module__}.{cls.__qualname__}"
    bucket = getattr(storage, "bucket_name", None)
    return f"{name} (bucket {bucket})" if bucket else name


def files_to_archive(root, *, skip, warnings):
    """Every regular file under MEDIA_ROOT, as sorted (relative POSIX path, size) pairs."""
    if not root.is_dir():
        return []
    skip = {Path(path).absolute() for path in skip}
    found = []
    for folder, dirnames, filenames in os.walk(root):
        folder = Path(folder)
        dirnames[:] = sorted(
            name
            for name in dirnames
            if folder / name not in skip and not name.startswith(RESTORE_WORK_PREFIX)
        )
        for name in filenames:
            path = folder / name
            if path in skip:
                continue
            if path.is_symlink() or not path.is_file():
                warnings.append(f"Left out {path}: not a regular file.")
                continue
            found.append((path.relative_to(root).as_posix(), path.stat().st_size))
    return sorted(found)


def conflicting(media_root, name, staged):
    """Whether MEDIA_ROOT already holds something else where the archive puts `name`: an
    identical file is left as it is, anything else would be overwritten and stops the restore."""
    target = media_root / name
    for parent in PurePosixPath(name).parents:
        folder = media_root / parent
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return True
    if not target.exists() and not target.is_symlink():
        return False
    if target.is_symlink() or not target.is_file():
        return True
    return not filecmp.cmp(target, staged, shallow=False)
