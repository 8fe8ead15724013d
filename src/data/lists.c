/*
 * lists.c - lists of items in error messages ("'a', 'b' and 3 more") written
 * into fixed buffers without cutting an item in two.
 */
#include "data_internal.h"

#include <stdio.h>
#include <string.h>

void skd_list_start(skd_list *list, char *buffer, size_t size)
{
    *list = (skd_list){ .buffer = buffer, .size = size };
    buffer[0] = '\0';
}

bool skd_list_add(skd_list *list, const char *item)
{
    if (list->full)
        return false;
    size_t separator = list->listed == 0 ? 0 : 2;
    size_t len = strlen(item);
    if (list->used + separator + len + SKD_LIST_MORE_ROOM > list->size) {
        list->full = true;
        return false;
    }
    if (separator > 0) {
        list->last_separator = list->used;
        memcpy(list->buffer + list->used, ", ", 2);
    }
    memcpy(list->buffer + list->used + separator, item, len + 1);
    list->used += separator + len;
    list->listed++;
    return true;
}

void skd_list_finish(skd_list *list, size_t total, bool and_last)
{
    char *buffer = list->buffer;
    if (list->listed < total) {
        /* A list cut short ends with the count of the items left out. */
        const char *joiner = list->listed == 0 ? "" : " and ";
        snprintf(buffer + list->used, list->size - list->used, "%s%zu more", joiner,
                 total - list->listed);
        return;
    }
    if (and_last && list->listed >= 2) {
        /* SKD_LIST_MORE_ROOM leaves space for the three extra bytes. */
        char *tail = buffer + list->last_separator;
        memmove(tail + 5, tail + 2, list->used - list->last_separator - 2 + 1);
        memcpy(tail, " and ", 5);
        list->used += 3;
    }
}
