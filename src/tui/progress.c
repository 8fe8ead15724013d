/*
 * progress.c - the screen shown while a large prediction file is read:
 * bytes and rows so far, the rate, and the time left when the size is
 * known.  q cancels the reader.  The reader runs on another thread and
 * only updates atomic counters, so this loop redraws on a timer.
 */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "skewtop/tui.h"

#include "terminal.h"

/* Redraw interval of the progress screen: fast enough to look live, slow
 * enough to cost nothing next to the reader. */
#define PROGRESS_INTERVAL_MS 100

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void draw_progress(const char *title, const sk_read_progress *p, double elapsed)
{
    size_t bytes = atomic_load(&p->bytes_read);
    size_t rows = atomic_load(&p->rows_read);
    size_t total = atomic_load(&p->bytes_total);
    double rate = elapsed > 0 ? (double)bytes / elapsed : 0.0;
    char line[256];

    werase(stdscr);
    attron(A_REVERSE);
    mvhline(0, 0, ' ', COLS);
    snprintf(line, sizeof line, " skewtop  inspect  reading %s", title);
    mvaddnstr(0, 0, line, COLS);
    attroff(A_REVERSE);

    snprintf(line, sizeof line, "%.1f MB read, %zu rows, %.1f MB/s", bytes / 1e6, rows,
             rate / 1e6);
    mvaddnstr(2, 2, line, COLS - 4);
    if (total > 0) {
        double share = (double)bytes / (double)total;
        size_t remaining = bytes < total ? total - bytes : 0;
        double left = rate > 0 ? (double)remaining / rate : 0.0;
        snprintf(line, sizeof line, "%.0f %% of %.1f MB, about %.0f s left", 100.0 * share,
                 total / 1e6, left);
        mvaddnstr(3, 2, line, COLS - 4);
        int width = COLS - 6;
        int filled = (int)(share * width);
        mvaddch(5, 2, '[');
        for (int i = 0; i < width; i++)
            mvaddch(5, 3 + i, i < filled ? '#' : ' ');
        mvaddch(5, 3 + width, ']');
    }
    if (atomic_load(&p->binned))
        mvaddnstr(7, 2, "past the exact limit: scores are now counted in bins", COLS - 4);
    mvaddnstr(LINES - 1, 0, " q stops reading", COLS);
    wnoutrefresh(stdscr);
    doupdate();
}

sk_status sk_tui_progress(const char *title, sk_read_progress *progress, int done_fd,
                          int *exit_signal, sk_error *err)
{
    *exit_signal = 0;
    sk_terminal terminal;
    sk_status status = sk_terminal_open(&terminal, err);
    if (status != SK_OK)
        return status;

    double start = now_seconds();
    for (;;) {
        draw_progress(title, progress, now_seconds() - start);
        struct pollfd fds[3] = {
            { .fd = done_fd, .events = POLLIN },
            { .fd = terminal.input_fd, .events = POLLIN },
            { .fd = terminal.signal_fd, .events = POLLIN },
        };
        int ready = poll(fds, 3, PROGRESS_INTERVAL_MS);
        if (ready < 0 && errno != EINTR) {
            status = sk_error_set(err, SK_ERR_IO, "waiting for input failed: %s",
                                  strerror(errno));
            atomic_store(&progress->cancel, true);
            break;
        }
        int signo = sk_terminal_pending_signal(&terminal);
        if (signo != 0) {
            *exit_signal = signo;
            atomic_store(&progress->cancel, true);
            break;
        }
        if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP)))
            break;
        int key;
        while ((key = getch()) != ERR)
            if (key == 'q')
                atomic_store(&progress->cancel, true);
    }
    sk_terminal_close(&terminal);
    return status;
}
