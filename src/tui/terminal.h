/*
 * terminal.h - terminal set-up and restoration for the screen (private to
 * src/tui).
 */
#ifndef SKEWTOP_TUI_TERMINAL_H
#define SKEWTOP_TUI_TERMINAL_H

#include <stdbool.h>

#include "skewtop/common.h"

/* Colour pairs, by role. */
enum {
    ROLE_DEFAULT = 0,
    ROLE_NEGATIVE,     /* negative class bars */
    ROLE_POSITIVE,     /* positive class bars */
    ROLE_TRAIN,        /* training loss */
    ROLE_VAL,          /* validation loss */
    ROLE_PRIOR,        /* prior-only loss line */
    ROLE_THRESHOLD,    /* threshold marker */
    ROLE_ERROR,        /* error findings */
    ROLE_WARNING,      /* warning findings */
    ROLE_TITLE,        /* title and status bars */
    ROLE_COUNT
};

typedef struct {
    bool utf8;          /* the locale's character set is UTF-8 */
    bool color;         /* colours are in use (terminal has them, NO_COLOR unset) */
    int signal_fd;      /* readable when SIGINT, SIGTERM or SIGHUP arrived */
    int input_fd;       /* the keyboard: standard input, or /dev/tty when
                           standard input carries data */
} sk_terminal;

/* Starts curses on the controlling terminal, installs the signal handlers
 * and the fatal-signal restorer.  Keys come from standard input, or from
 * /dev/tty when standard input is not a terminal (it carries data, as in
 * `... | skewtop inspect -`).  Fails with SK_ERR_INPUT when standard output
 * is not a terminal, no terminal can be opened for keys, or TERM is
 * unusable. */
sk_status sk_terminal_open(sk_terminal *terminal, sk_error *err);

/* Reads the number of a pending terminating signal, or returns 0. */
int sk_terminal_pending_signal(sk_terminal *terminal);

/* Ends curses and restores the terminal and the signal dispositions.
 * Safe to call more than once. */
void sk_terminal_close(sk_terminal *terminal);

/* Returns the curses attribute of a colour role (A_NORMAL without colour). */
int sk_terminal_attr(const sk_terminal *terminal, int role);

#endif
