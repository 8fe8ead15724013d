/*
 * export.h - writing an exported document (an operating point, a
 * calibration map) to a file without ever leaving a half-written one.
 */
#ifndef SKEWTOP_EXPORT_H
#define SKEWTOP_EXPORT_H

#include <stddef.h>

#include <jansson.h>

#include "skewtop/common.h"

/*
 * Writes document as indented JSON followed by a newline to path,
 * atomically: the text goes to a new temporary file "PATH.tmp.XXXXXX" in
 * the same directory (mkstemp), which is flushed to disk (fsync) and then
 * renamed over path, and the directory is synced so the rename lasts.
 * Readers and crashes see either the old file or the complete new one.  A
 * crash before the rename can leave the temporary file behind, but never a
 * partial path.  Every failure after mkstemp removes the temporary file.
 *
 * The new file keeps the permission bits of the file it replaces.  A new
 * path gets 0666 minus the process umask, as open() would give it.  A path
 * that is a symbolic link is replaced by a regular file, and the link's
 * target is left alone.  document is only read.
 *
 * input_paths [input_count] are the files the run read (a NULL entry or
 * "-" for standard input is skipped).  Writing over one of them would
 * destroy the data, so a path that names the same file (same st_dev and
 * st_ino, so hard links and other spellings count) is rejected.  A path
 * that does not exist yet is fine.
 *
 * Fails with SK_ERR_INPUT, and a message naming the path, when path is
 * empty or one of the input files, or when the system rejects it for a
 * reason the user can fix: no such directory, permission denied, a
 * directory in the way, a read-only file system.  Fails with SK_ERR_IO for
 * any other failed write, sync or rename, and with SK_ERR_NOMEM.  When only
 * the final directory sync fails, the file is complete and in place, but
 * the status is still SK_ERR_IO.
 */
sk_status sk_export_write(const char *path, json_t *document,
                          const char *const *input_paths, size_t input_count,
                          sk_error *err);

#endif
