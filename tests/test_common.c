/*
 * test_common.c - error messages, exit codes and checked allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skewtop/common.h"

static void error_set_formats_and_returns(void **state)
{
    (void)state;
    sk_error err = { "" };
    assert_int_equal(sk_error_set(&err, SK_ERR_INPUT, "column '%s' on line %d", "x", 7),
                     SK_ERR_INPUT);
    assert_string_equal(err.message, "column 'x' on line 7");
    /* A NULL error only returns the status. */
    assert_int_equal(sk_error_set(NULL, SK_ERR_IO, "ignored"), SK_ERR_IO);
}

static void error_set_truncates(void **state)
{
    (void)state;
    sk_error err;
    char long_text[3 * SK_ERROR_MAX];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    sk_error_set(&err, SK_ERR_INPUT, "%s", long_text);
    assert_int_equal(strlen(err.message), SK_ERROR_MAX - 1);
}

static void exit_codes(void **state)
{
    (void)state;
    assert_int_equal(sk_status_exit_code(SK_OK), 0);
    assert_int_equal(sk_status_exit_code(SK_ERR_INPUT), 2);
    assert_int_equal(sk_status_exit_code(SK_ERR_NOMEM), 1);
    assert_int_equal(sk_status_exit_code(SK_ERR_IO), 1);
    assert_int_equal(sk_status_exit_code(SK_ERR_NUMERIC), 1);
    assert_int_equal(sk_status_exit_code(SK_ERR_INTERNAL), 1);
}

static void allocation_overflow(void **state)
{
    (void)state;
    assert_null(sk_reallocarray(NULL, SIZE_MAX / 2, 4));
    void *zero = sk_calloc(0, 8);
    assert_non_null(zero);
    free(zero);
    char *copy = sk_strdup("skewtop");
    assert_string_equal(copy, "skewtop");
    free(copy);
    assert_null(sk_strdup(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_set_formats_and_returns),
        cmocka_unit_test(error_set_truncates),
        cmocka_unit_test(exit_codes),
        cmocka_unit_test(allocation_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
