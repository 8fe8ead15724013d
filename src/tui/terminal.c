/*
 * terminal.c - curses start-up and every way back to a usable terminal.
 *
 * Terminating signals (SIGINT, SIGTERM, SIGHUP) only write their number to
 * a self-pipe; the event loop reads it, leaves curses normally and lets
 * main() re-raise the signal.  Fatal signals (SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGABRT) cannot return to the loop, so their handler restores the
 * terminal with async-signal-safe calls only: it writes escape sequences
 * prepared at start-up and resets the saved termios, then re-raises the
 * signal with its default action.
 */
#include "terminal.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

/* Delay after ESC before curses decides it was a lone key, in ms: long
 * enough for escape sequences over SSH, short enough to feel instant. */
#define ESCAPE_DELAY_MS 25

static const int terminating_signals[] = { SIGINT, SIGTERM, SIGHUP };
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

/* State the signal handlers read.  Written before the handlers are
 * installed and not changed while they are. */
static int self_pipe[2] = { -1, -1 };
static struct termios saved_termios;
static bool have_termios;
static char restore_sequence[256];
static size_t restore_length;
static SCREEN *screen;
static FILE *screen_output;
static FILE *screen_input;       /* /dev/tty when standard input carries data */
static int input_fd = STDIN_FILENO;

static void on_terminating_signal(int signo)
{
    int saved_errno = errno;
    unsigned char byte = (unsigned char)signo;
    ssize_t written = write(self_pipe[1], &byte, 1);
    (void)written;
    errno = saved_errno;
}

static void on_fatal_signal(int signo)
{
    ssize_t written = write(STDOUT_FILENO, restore_sequence, restore_length);
    (void)written;
    if (have_termios)
        tcsetattr(input_fd, TCSANOW, &saved_termios);
    signal(signo, SIG_DFL);
    raise(signo);
}

/* Appends a terminfo capability to the restore sequence, if the terminal
 * has it. */
static void append_capability(const char *name)
{
    char *value = tigetstr((char *)name);
    if (value == NULL || value == (char *)-1)
        return;
    size_t length = strlen(value);
    if (restore_length + length < sizeof restore_sequence) {
        memcpy(restore_sequence + restore_length, value, length);
        restore_length += length;
    }
}

static void set_handler(int signo, void (*handler)(int))
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    sigaction(signo, &action, NULL);
}

static void init_colors(sk_terminal *terminal)
{
    const char *no_color = getenv("NO_COLOR");
    terminal->color = has_colors() && (no_color == NULL || no_color[0] == '\0');
    if (!terminal->color)
        return;

    start_color();
    use_default_colors();
    static const struct { int role; short fg; } palette[] = {
        { ROLE_NEGATIVE, COLOR_CYAN },  { ROLE_POSITIVE, COLOR_MAGENTA },
        { ROLE_TRAIN, COLOR_CYAN },     { ROLE_VAL, COLOR_YELLOW },
        { ROLE_PRIOR, COLOR_RED },      { ROLE_THRESHOLD, COLOR_GREEN },
        { ROLE_ERROR, COLOR_RED },      { ROLE_WARNING, COLOR_YELLOW },
        { ROLE_TITLE, COLOR_BLUE },
    };
    for (size_t i = 0; i < sizeof palette / sizeof palette[0]; i++)
        init_pair((short)palette[i].role, palette[i].fg, -1);
}

sk_status sk_terminal_open(sk_terminal *terminal, sk_error *err)
{
    memset(terminal, 0, sizeof *terminal);
    terminal->signal_fd = -1;
    if (!isatty(STDOUT_FILENO))
        return sk_error_set(err, SK_ERR_INPUT,
                            "the screen needs a terminal on standard output; use "
                            "--report=text or --report=json instead");
    input_fd = STDIN_FILENO;
    if (!isatty(STDIN_FILENO)) {
        screen_input = fopen("/dev/tty", "r");
        if (screen_input == NULL)
            return sk_error_set(err, SK_ERR_INPUT,
                                "the screen needs a terminal for keys, and /dev/tty cannot "
                                "be opened (%s); use --report=text or --report=json",
                                strerror(errno));
        input_fd = fileno(screen_input);
    }
    terminal->input_fd = input_fd;

    const char *codeset = nl_langinfo(CODESET);
    terminal->utf8 = codeset != NULL && strcmp(codeset, "UTF-8") == 0;

    sk_status status = sk_pipe_open(self_pipe, err);
    if (status != SK_OK) {
        self_pipe[0] = self_pipe[1] = -1;
        sk_terminal_close(terminal);
        return status;
    }
    terminal->signal_fd = self_pipe[0];
    have_termios = tcgetattr(input_fd, &saved_termios) == 0;

    /* newterm, unlike initscr, returns NULL instead of exiting. */
    screen_output = fdopen(dup(STDOUT_FILENO), "w");
    FILE *keys = screen_input != NULL ? screen_input : stdin;
    screen = screen_output != NULL ? newterm(NULL, screen_output, keys) : NULL;
    if (screen == NULL) {
        const char *term = getenv("TERM");
        sk_terminal_close(terminal);
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot use the terminal type '%s'; set TERM to a known "
                            "type such as xterm-256color, or use --report=text",
                            term != NULL ? term : "(unset)");
    }

    restore_length = 0;
    append_capability("sgr0");
    append_capability("cnorm");
    append_capability("rmcup");

    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(ESCAPE_DELAY_MS);
    curs_set(0);
    init_colors(terminal);

    for (size_t i = 0; i < sizeof terminating_signals / sizeof terminating_signals[0]; i++)
        set_handler(terminating_signals[i], on_terminating_signal);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        set_handler(fatal_signals[i], on_fatal_signal);
    return SK_OK;
}

int sk_terminal_pending_signal(sk_terminal *terminal)
{
    unsigned char byte;
    if (terminal->signal_fd >= 0 && read(terminal->signal_fd, &byte, 1) == 1)
        return byte;
    return 0;
}

void sk_terminal_close(sk_terminal *terminal)
{
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        set_handler(fatal_signals[i], SIG_DFL);
    for (size_t i = 0; i < sizeof terminating_signals / sizeof terminating_signals[0]; i++)
        set_handler(terminating_signals[i], SIG_DFL);

    if (screen != NULL) {
        endwin();
        delscreen(screen);
        screen = NULL;
    }
    if (screen_output != NULL) {
        fclose(screen_output);
        screen_output = NULL;
    }
    if (screen_input != NULL) {
        fclose(screen_input);
        screen_input = NULL;
    }
    input_fd = STDIN_FILENO;
    for (int i = 0; i < 2; i++) {
        if (self_pipe[i] >= 0)
            close(self_pipe[i]);
        self_pipe[i] = -1;
    }
    terminal->signal_fd = -1;
}

int sk_terminal_attr(const sk_terminal *terminal, int role)
{
    if (!terminal->color || role == ROLE_DEFAULT)
        return A_NORMAL;
    return COLOR_PAIR(role);
}
