/*
 * test_export.c - atomic writes of exported JSON documents.
 *
 * Each test works in its own new directory under the system's temporary
 * directory and lists it afterwards, so a temporary file left behind by a
 * write shows up as an extra entry.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "skewtop/export.h"

typedef struct {
    char dir[256];
} scratch;

static int scratch_setup(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    const char *base = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/skewtop-export-XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");
    if (mkdtemp(s->dir) == NULL) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* Removes the scratch directory and what the test left in it (files and
 * empty directories, one level). */
static int scratch_teardown(void **state)
{
    scratch *s = *state;
    DIR *d = opendir(s->dir);
    if (d != NULL) {
        struct dirent *entry;
        char path[512];
        while ((entry = readdir(d)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", s->dir, entry->d_name);
            if (unlink(path) != 0)
                rmdir(path);
        }
        closedir(d);
    }
    rmdir(s->dir);
    free(s);
    return 0;
}

static void path_in(const scratch *s, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", s->dir, name);
}

/* Returns the number of entries in the scratch directory and fails when one
 * of them is not in the expected list. */
static size_t check_entries(const scratch *s, const char *const *expected, size_t count)
{
    DIR *d = opendir(s->dir);
    assert_non_null(d);
    size_t entries = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        bool known = false;
        for (size_t i = 0; i < count; i++)
            known = known || strcmp(entry->d_name, expected[i]) == 0;
        if (!known)
            fail_msg("unexpected file '%s' left in %s", entry->d_name, s->dir);
        entries++;
    }
    closedir(d);
    return entries;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(0, fclose(f));
}

/* Returns the file's contents, malloc'ed. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    char *text = calloc(1, 65536);
    assert_non_null(text);
    size_t size = fread(text, 1, 65535, f);
    fclose(f);
    text[size] = '\0';
    return text;
}

static json_t *sample_document(void)
{
    json_t *doc = json_pack("{s:s, s:f, s:{s:I, s:I, s:I, s:I}, s:[f, f]}",
                            "kind", "operating_point", "threshold", 0.25,
                            "confusion", "tp", (json_int_t)40, "fp", (json_int_t)12,
                            "tn", (json_int_t)930, "fn", (json_int_t)18,
                            "curve", 0.25, 0.125);
    assert_non_null(doc);
    return doc;
}

/* ---- tests ------------------------------------------------------------------ */

static void writes_and_reads_back(void **state)
{
    scratch *s = *state;
    char path[512];
    path_in(s, "point.json", path, sizeof path);
    json_t *doc = sample_document();
    sk_error err = {""};

    assert_int_equal(SK_OK, sk_export_write(path, doc, NULL, 0, &err));
    json_error_t parse_error;
    json_t *back = json_load_file(path, 0, &parse_error);
    if (back == NULL)
        fail_msg("cannot parse %s: %s", path, parse_error.text);
    assert_true(json_equal(doc, back));

    char *text = read_text(path);
    size_t length = strlen(text);
    assert_true(length > 2);
    assert_int_equal('\n', text[length - 1]);
    assert_non_null(strstr(text, "\n  \"threshold\": 0.25,\n"));

    const char *expected[] = {"point.json"};
    assert_int_equal(1, check_entries(s, expected, 1));
    free(text);
    json_decref(back);
    json_decref(doc);
}

static void replaces_existing_file(void **state)
{
    scratch *s = *state;
    char path[512];
    path_in(s, "point.json", path, sizeof path);
    write_text(path, "old contents, much longer than the new document would ever be: "
                     "the rename must replace them, not write over their start\n");
    assert_int_equal(0, chmod(path, 0640));

    json_t *doc = json_pack("{s:i}", "version", 2);
    sk_error err = {""};
    assert_int_equal(SK_OK, sk_export_write(path, doc, NULL, 0, &err));
    char *text = read_text(path);
    assert_string_equal("{\n  \"version\": 2\n}\n", text);

    struct stat st;
    assert_int_equal(0, stat(path, &st));
    assert_int_equal(0640, st.st_mode & 0777);
    const char *expected[] = {"point.json"};
    assert_int_equal(1, check_entries(s, expected, 1));
    free(text);
    json_decref(doc);
}

static void new_file_follows_umask(void **state)
{
    scratch *s = *state;
    char path[512];
    json_t *doc = sample_document();
    sk_error err = {""};
    struct stat st;

    mode_t saved = umask(022);
    path_in(s, "shared.json", path, sizeof path);
    assert_int_equal(SK_OK, sk_export_write(path, doc, NULL, 0, &err));
    assert_int_equal(0, stat(path, &st));
    assert_int_equal(0644, st.st_mode & 0777);

    umask(077);
    path_in(s, "private.json", path, sizeof path);
    assert_int_equal(SK_OK, sk_export_write(path, doc, NULL, 0, &err));
    assert_int_equal(0, stat(path, &st));
    assert_int_equal(0600, st.st_mode & 0777);
    umask(saved);
    json_decref(doc);
}

static void rejects_input_file(void **state)
{
    scratch *s = *state;
    char data[512], link_path[512], other_spelling[600];
    path_in(s, "data.csv", data, sizeof data);
    path_in(s, "alias.csv", link_path, sizeof link_path);
    snprintf(other_spelling, sizeof other_spelling, "%s/./data.csv", s->dir);
    const char *original = "label,score\n1,0.9\n0,0.2\n";
    write_text(data, original);
    assert_int_equal(0, link(data, link_path));

    json_t *doc = sample_document();
    sk_error err = {""};
    const char *inputs[] = {NULL, "-", data};

    /* The input itself, another spelling of it and a hard link to it. */
    const char *targets[] = {data, other_spelling, link_path};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(SK_ERR_INPUT, sk_export_write(targets[i], doc, inputs, 3, &err));
        assert_non_null(strstr(err.message, "it is the input file"));
        assert_non_null(strstr(err.message, targets[i]));
        assert_non_null(strstr(err.message, "Choose another output path"));
    }
    char *text = read_text(data);
    assert_string_equal(original, text);
    free(text);

    /* A path that does not exist yet, and an existing file that is not an
     * input, are fine. */
    char fresh[512], other[512];
    path_in(s, "out.json", fresh, sizeof fresh);
    path_in(s, "other.json", other, sizeof other);
    write_text(other, "{}\n");
    assert_int_equal(SK_OK, sk_export_write(fresh, doc, inputs, 3, &err));
    assert_int_equal(SK_OK, sk_export_write(other, doc, inputs, 3, &err));

    const char *expected[] = {"data.csv", "alias.csv", "out.json", "other.json"};
    assert_int_equal(4, check_entries(s, expected, 4));
    json_decref(doc);
}

/* The target is a directory: the temporary file is written, the rename
 * fails, and the temporary file is removed. */
static void failed_rename_leaves_nothing(void **state)
{
    scratch *s = *state;
    char dir[512];
    path_in(s, "results", dir, sizeof dir);
    assert_int_equal(0, mkdir(dir, 0755));

    json_t *doc = sample_document();
    sk_error err = {""};
    sk_status status = sk_export_write(dir, doc, NULL, 0, &err);
    assert_int_equal(SK_ERR_INPUT, status);
    assert_non_null(strstr(err.message, dir));
    assert_non_null(strstr(err.message, "replacing it failed"));
    assert_non_null(strstr(err.message, strerror(EISDIR)));

    const char *expected[] = {"results"};
    assert_int_equal(1, check_entries(s, expected, 1));
    json_decref(doc);
}

static void missing_directory_rejected(void **state)
{
    scratch *s = *state;
    char path[512];
    path_in(s, "no-such-dir/point.json", path, sizeof path);
    json_t *doc = sample_document();
    sk_error err = {""};

    assert_int_equal(SK_ERR_INPUT, sk_export_write(path, doc, NULL, 0, &err));
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, strerror(ENOENT)));
    assert_int_equal(0, check_entries(s, NULL, 0));

    assert_int_equal(SK_ERR_INPUT, sk_export_write("", doc, NULL, 0, &err));
    assert_non_null(strstr(err.message, "export path is empty"));
    json_decref(doc);
}

/* A symbolic link at the path is replaced; the file it points to is not. */
static void symlink_replaced_not_followed(void **state)
{
    scratch *s = *state;
    char target[512], link_path[512];
    path_in(s, "target.json", target, sizeof target);
    path_in(s, "link.json", link_path, sizeof link_path);
    write_text(target, "untouched\n");
    assert_int_equal(0, symlink(target, link_path));

    json_t *doc = sample_document();
    sk_error err = {""};
    assert_int_equal(SK_OK, sk_export_write(link_path, doc, NULL, 0, &err));

    struct stat st;
    assert_int_equal(0, lstat(link_path, &st));
    assert_true(S_ISREG(st.st_mode));
    char *text = read_text(target);
    assert_string_equal("untouched\n", text);
    free(text);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(writes_and_reads_back, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(replaces_existing_file, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(new_file_follows_umask, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(rejects_input_file, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(failed_rename_leaves_nothing, scratch_setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(missing_directory_rejected, scratch_setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(symlink_replaced_not_followed, scratch_setup,
                                        scratch_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
