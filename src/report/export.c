/*
 * export.c - atomic JSON file writes: temporary file, fsync, rename.
 *
 * rename() within one directory replaces the target in one step on POSIX
 * file systems, so the file at path is always either the old one or the
 * complete new one.  The temporary file is synced before the rename, or a
 * crash right after it could leave an empty file under the new name on
 * file systems that reorder metadata and data writes.
 */
#include "skewtop/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Suffix of the temporary file; mkstemp replaces the six X. */
#define TEMP_SUFFIX ".tmp.XXXXXX"
/* Permission bits of a new export before the umask: those of a file that a
 * shell redirection or fopen(path, "w") creates. */
#define NEW_FILE_MODE 0666
/* Umask assumed when /proc cannot be read: the strictest usual one, so the
 * export is never more readable than the user allows. */
#define FALLBACK_UMASK 0077

/* Returns true when errno value e is a problem with the path that the user
 * can fix by choosing another one. */
static bool is_path_error(int e)
{
    return e == ENOENT || e == ENOTDIR || e == EACCES || e == EPERM || e == EROFS ||
           e == EISDIR || e == ENAMETOOLONG || e == ELOOP;
}

static sk_status path_error(sk_error *err, int e, const char *path, const char *step)
{
    sk_status status = is_path_error(e) ? SK_ERR_INPUT : SK_ERR_IO;
    return sk_error_set(err, status, "cannot write the export to '%s': %s failed: %s.%s",
                        path, step, strerror(e),
                        status == SK_ERR_INPUT ? " Check the path or choose another one." : "");
}

static sk_status check_not_input(const char *path, const char *const *inputs, size_t count,
                                 sk_error *err)
{
    struct stat target;
    if (stat(path, &target) != 0)
        return SK_OK;   /* a new file cannot be an input; other errors show up later */

    for (size_t i = 0; i < count; i++) {
        struct stat input;
        if (inputs[i] == NULL || strcmp(inputs[i], "-") == 0)
            continue;
        if (stat(inputs[i], &input) == 0 && input.st_dev == target.st_dev &&
            input.st_ino == target.st_ino) {
            return sk_error_set(err, SK_ERR_INPUT,
                                "cannot write the export to '%s': it is the input file '%s', "
                                "which would be overwritten. Choose another output path.",
                                path, inputs[i]);
        }
    }
    return SK_OK;
}

/* Returns the umask of the process from /proc/self/status (Linux 4.7 and
 * later), which, unlike umask(2), reads it without changing it, so other
 * threads creating files at the same time are unaffected. */
static mode_t process_umask(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL)
        return FALLBACK_UMASK;
    char line[256];
    unsigned mask = FALLBACK_UMASK;
    while (fgets(line, sizeof line, status) != NULL) {
        if (sscanf(line, "Umask: %o", &mask) == 1)
            break;
    }
    fclose(status);
    return (mode_t)(mask & 0777);
}

static mode_t export_mode(const char *path)
{
    struct stat existing;
    if (stat(path, &existing) == 0 && S_ISREG(existing.st_mode))
        return existing.st_mode & 0777;
    return NEW_FILE_MODE & ~process_umask();
}

/* Writes all of text to fd; returns 0, or -1 with errno set. */
static int write_all(int fd, const char *text, size_t size)
{
    while (size > 0) {
        ssize_t written = write(fd, text, size);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        text += written;
        size -= (size_t)written;
    }
    return 0;
}

/* Syncs the directory that contains path so the rename survives a power loss.
 * File systems that cannot sync a directory (EINVAL) count as success. */
static int sync_directory(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (slash == NULL)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL) {
        errno = ENOMEM;
        return -1;
    }

    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    if (fd < 0)
        return -1;
    int result = fsync(fd);
    int saved = errno;
    close(fd);
    if (result != 0 && saved == EINVAL)
        result = 0;
    errno = saved;
    return result;
}

/* Writes text into the open temporary file fd, sets its mode and syncs it. */
static sk_status fill_temporary(int fd, const char *text, mode_t mode, const char *path,
                                sk_error *err)
{
    if (fchmod(fd, mode) != 0)
        return path_error(err, errno, path, "setting the file mode");
    if (write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0)
        return path_error(err, errno, path, "writing");
    if (fsync(fd) != 0)
        return path_error(err, errno, path, "syncing to disk");
    return SK_OK;
}

sk_status sk_export_write(const char *path, json_t *document, const char *const *input_paths,
                          size_t input_count, sk_error *err)
{
    if (path == NULL || path[0] == '\0')
        return sk_error_set(err, SK_ERR_INPUT, "the export path is empty; give a file name.");
    if (document == NULL)
        return sk_error_set(err, SK_ERR_INTERNAL, "no document to export to '%s'", path);
    sk_status status = check_not_input(path, input_paths, input_count, err);
    if (status != SK_OK)
        return status;

    char *text = json_dumps(document, JSON_INDENT(2) | JSON_ENCODE_ANY);
    size_t temp_size = strlen(path) + sizeof TEMP_SUFFIX;
    char *temp = malloc(temp_size);
    if (text == NULL || temp == NULL) {
        status = sk_error_set(err, SK_ERR_NOMEM, "out of memory formatting the export for '%s'",
                              path);
        goto done;
    }
    snprintf(temp, temp_size, "%s" TEMP_SUFFIX, path);

    mode_t mode = export_mode(path);
    int fd = mkstemp(temp);
    if (fd < 0) {
        status = path_error(err, errno, path, "creating a temporary file beside it");
        goto done;
    }
    status = fill_temporary(fd, text, mode, path, err);
    int closed = close(fd);
    if (status == SK_OK && closed != 0)
        status = path_error(err, errno, path, "closing");
    if (status == SK_OK && rename(temp, path) != 0)
        status = path_error(err, errno, path, "replacing it");
    if (status != SK_OK) {
        unlink(temp);
        goto done;
    }

    if (sync_directory(path) != 0) {
        status = sk_error_set(err, SK_ERR_IO,
                              "wrote the export to '%s', but syncing its directory failed: %s. "
                              "The file may be lost if the system loses power now.",
                              path, strerror(errno));
    }

done:
    free(temp);
    free(text);
    return status;
}
