/*
 * lesson.h - guided lessons: a scenario (shipped data and settings), a
 * goal in one line, hints while the goal is not reached, and an
 * explanation once it is.
 */
#ifndef SKEWTOP_LESSON_H
#define SKEWTOP_LESSON_H

#include <stddef.h>

/* Most command-line words a lesson's settings take. */
#define SK_LESSON_MAX_ARGS 24

typedef struct sk_lesson sk_lesson;

struct sk_lesson {
    const char *name;          /* what `skewtop demo NAME` takes */
    const char *title;         /* one line for the list */
    const char *data_file;     /* file in the sample data folder */
    const char *args[SK_LESSON_MAX_ARGS];  /* train options, NULL-terminated */
    /* A second run on its own data split, started beside the first; its
     * options replace the first's where both name one. NULL-terminated,
     * empty for none. */
    const char *second_args[SK_LESSON_MAX_ARGS];
    const char *goal;          /* the goal, one line */
    const char *hint;          /* shown until the goal is reached */
    const char *explanation;   /* shown when the goal is reached */
    int goal_kind;             /* which check decides the goal (lesson.c) */
};

/* The lessons, in the order `skewtop demo` lists them. */
const sk_lesson *sk_lessons(size_t *count);

/* Returns the lesson named name, or NULL. */
const sk_lesson *sk_lesson_find(const char *name);

/* The lesson `skewtop` runs without arguments. */
const sk_lesson *sk_lesson_default(void);

#endif
