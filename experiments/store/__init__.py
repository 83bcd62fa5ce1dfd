"""The results store: atomic and durable files, provenance, output folders and manifests.

Every experiment writes into its own folder. Four rules keep a folder trustworthy:

* **Atomic, durable files** (``files.py``). Each file is written to a temporary file in the same
  folder, flushed to the disk and moved into place with ``os.replace``, so a reader never sees
  half a file and a crash or power cut leaves the old file or the new one. A full disk is one
  line naming the file (:class:`DiskFull`).
* **Atomic folders, one writer** (``folders.py``). :func:`staged_output_dir` builds the results
  in a locked hidden staging folder beside the target and renames it into place only when
  everything is written; an error or Ctrl-C leaves the target untouched, and finished pieces stay
  in the staging folder so the same command resumes. A second command into the same folder is
  refused while the first runs.
* **Provenance everywhere** (``provenance.py``, ``figures.py``). :func:`provenance` records what
  produced a result (git commit and whether the tree was dirty, package versions, Python,
  platform, command line, time); the manifest and every figure carry it.
* **Manifests** (``manifest.py``) list every file with its SHA-256; one read back is untrusted
  input.

These helpers are shared by every ``cadresim`` command that writes results.
"""

from __future__ import annotations

from .figures import read_png_provenance, save_figure
from .files import (
    DiskFull,
    atomic_target,
    atomic_write_bytes,
    atomic_write_text,
    disk_full,
    durable,
    fsync_dir,
    is_disk_full,
    json_default,
    json_safe,
    read_parquet_metadata,
    sha256_file,
    to_json,
    write_csv_atomic,
    write_json_atomic,
    write_parquet_atomic,
)
from .folders import (
    check_output_dir,
    holds_finished_work,
    lock_file,
    lock_folder,
    publish_folder,
    remove_temp_files,
    staged_output_dir,
    staging_path,
)
from .manifest import MANIFEST_NAME, MANIFEST_SCHEMA, file_index, load_manifest, write_manifest
from .provenance import (
    TRACKED_PACKAGES,
    command_line,
    git_state,
    package_versions,
    provenance,
    utc_now,
)

__all__ = [
    "MANIFEST_NAME", "MANIFEST_SCHEMA", "TRACKED_PACKAGES", "DiskFull", "atomic_target",
    "atomic_write_bytes", "atomic_write_text", "check_output_dir", "command_line", "disk_full",
    "durable", "file_index", "fsync_dir", "git_state", "holds_finished_work", "is_disk_full",
    "json_default", "json_safe", "load_manifest", "lock_file", "lock_folder", "package_versions",
    "provenance", "publish_folder",
    "read_parquet_metadata", "read_png_provenance", "remove_temp_files", "save_figure",
    "sha256_file", "staged_output_dir", "staging_path", "to_json", "utc_now", "write_csv_atomic",
    "write_json_atomic", "write_manifest", "write_parquet_atomic",
]
