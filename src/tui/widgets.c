/* widgets.c - drawing helpers shared by every view. */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "view.h"

void view_frame(view_rect r, const char *title)
{
    mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch(r.y, r.x, ACS_ULCORNER);
    mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
    mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
    mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    attron(A_BOLD);
    mvaddnstr(r.y, r.x + 2, title, r.w - 4);
    attroff(A_BOLD);
}

void view_text(int y, int x, int width, const char *text)
{
    if (width > 0)
        mvaddnstr(y, x, text, width);
}

void view_format_value(char *out, size_t size, double value, bool undefined)
{
    if (undefined || !isfinite(value))
        snprintf(out, size, "  n/a");
    else
        snprintf(out, size, "%5.3f", value);
}
