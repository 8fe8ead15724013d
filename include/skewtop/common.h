/*
 * common.h - status codes and error messages shared by every module.
 *
 * Core functions return an sk_status and, on failure, write a message for
 * the user into a caller-owned sk_error.  Nothing in the core prints, exits
 * or aborts: main() decides how to show the message and which exit status
 * to use (sk_status_exit_code).
 */
#ifndef SKEWTOP_COMMON_H
#define SKEWTOP_COMMON_H

#include <stddef.h>

typedef enum {
    SK_OK = 0,
    SK_ERR_INPUT,   /* invalid usage or input: the user can fix it (exit 2) */
    SK_ERR_NOMEM,   /* an allocation failed (exit 1) */
    SK_ERR_IO,      /* a read or write failed for a reason other than input (exit 1) */
    SK_ERR_NUMERIC, /* a computation failed: a GSL status, NaN, divergence (exit 1) */
    SK_ERR_INTERNAL /* a broken invariant inside skewtop (exit 1) */
} sk_status;

/* Maximum length of an error message, including the terminating NUL. */
#define SK_ERROR_MAX 1024

typedef struct {
    char message[SK_ERROR_MAX]; /* one or more sentences for the user; "" when unset */
} sk_error;

/* Formats a message into err (when err is not NULL) and returns status, so
 * that a failing function can end with `return sk_error_set(err, ...)`. */
sk_status sk_error_set(sk_error *err, sk_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Maps a status to the process exit status: 0, 2 for SK_ERR_INPUT, else 1. */
int sk_status_exit_code(sk_status status);

/* Allocation helpers that return NULL on overflow of count * size. */
void *sk_calloc(size_t count, size_t size);
void *sk_reallocarray(void *ptr, size_t count, size_t size);

/* Creates a pipe whose ends are non-blocking and closed on exec, for
 * waking a poll() loop.  Fails with SK_ERR_IO and a message. */
sk_status sk_pipe_open(int fds[2], sk_error *err);

/* Returns a malloc'ed copy of s, or NULL when s is NULL or memory runs out. */
char *sk_strdup(const char *s);

#endif
