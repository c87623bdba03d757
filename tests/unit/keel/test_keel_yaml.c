// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_yaml: the text check, the '' refusal, durations and integers (with
 * each loader's message forms), key paths and the error line; and
 * keel_yaml_load_file() on real files in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check_run.h"
#include "keel_yaml.h"
#include "tmpdir.h"

/* ---- one value "v: ..." through a parser chosen by the case ---- */

enum vkind { V_DURATION, V_UINT, V_BOOL, V_PATH, V_ADDR, V_SCALAR };

static const struct vcase {
	const char *what;
	enum vkind kind;
	unsigned int flags;
	const char *yaml;
	unsigned long min, max;
	unsigned long want; /* on success */
	const char *msg; /* NULL: success */
} vcases[] = {
	{ "ms", V_DURATION, 0, "v: 250ms\n", 10, 60000, 250, NULL },
	{ "s", V_DURATION, 0, "v: 2s\n", 10, 60000, 2000, NULL },
	{ "lower bound", V_DURATION, 0, "v: 10ms\n", 10, 60000, 10, NULL },
	{ "upper bound", V_DURATION, 0, "v: 60s\n", 10, 60000, 60000, NULL },
	{ "below", V_DURATION, 0, "v: 9ms\n", 10, 60000, 0,
	  "must be a duration in 10ms..60s" },
	{ "above, ms form", V_DURATION, KEEL_YAML_MS, "v: 61s\n", 10, 60000, 0,
	  "must be a duration in 10ms..60000ms" },
	{ "no unit", V_DURATION, 0, "v: 250\n", 10, 60000, 0,
	  "must be a duration such as 250ms or 2s" },
	{ "minutes", V_DURATION, KEEL_YAML_BRIEF, "v: 5m\n", 10, 60000, 0,
	  "must be a duration such as 500ms or 2s" },
	{ "leading zero", V_DURATION, 0, "v: 0250ms\n", 10, 60000, 0,
	  "must be a duration in 10ms..60s" },
	{ "huge", V_DURATION, 0, "v: 99999999999999999999s\n", 10, 60000, 0,
	  "must be a duration in 10ms..60s" },
	{ "quoted", V_DURATION, 0, "v: \"2s\"\n", 10, 60000, 0,
	  "must not be quoted" },
	{ "int", V_UINT, 0, "v: 65535\n", 1, 65535, 65535, NULL },
	{ "int zero", V_UINT, 0, "v: 0\n", 0, 10, 0, NULL },
	{ "int below", V_UINT, 0, "v: 0\n", 1, 65535, 0,
	  "must be an integer in 1..65535" },
	{ "int above", V_UINT, 0, "v: 65536\n", 1, 65535, 0,
	  "must be an integer in 1..65535" },
	{ "int sign", V_UINT, 0, "v: +5\n", 1, 65535, 0,
	  "must be an integer in 1..65535" },
	{ "int hex", V_UINT, 0, "v: 0x10\n", 1, 65535, 0,
	  "must be an integer in 1..65535" },
	{ "int 32 digits", V_UINT, 0, "v: 12345678901234567890123456789012\n",
	  1, 65535, 0, "must be an integer in 1..65535" },
	{ "int 32 digits, short", V_UINT, KEEL_YAML_SHORT_INT,
	  "v: 12345678901234567890123456789012\n", 1, 65535, 0,
	  "too long (max 31 bytes)" },
	{ "int list", V_UINT, 0, "v: [1]\n", 1, 9, 0,
	  "expected a scalar, got a list (quote values that start with '[')" },
	{ "int list, brief", V_UINT, KEEL_YAML_BRIEF, "v: [1]\n", 1, 9, 0,
	  "expected a scalar" },
	{ "int null", V_UINT, 0, "v:\n", 1, 9, 0, "no value" },
	{ "true", V_BOOL, 0, "v: true\n", 0, 0, 1, NULL },
	{ "yes", V_BOOL, 0, "v: yes\n", 0, 0, 0, "must be true or false" },
	{ "path", V_PATH, 0, "v: /run/x.sock\n", 0, 0, 0, NULL },
	{ "relative", V_PATH, 0, "v: run/x\n", 0, 0, 0,
	  "must be an absolute path" },
	{ "control", V_PATH, 0, "v: \"/a\\tb\"\n", 0, 0, 0,
	  "contains a control character" },
	{ "address", V_ADDR, 0, "v: 2001:db8::1\n", 0, 0, 0, NULL },
	{ "multicast", V_ADDR, 0, "v: 224.0.0.1\n", 0, 0, 0,
	  "unspecified, multicast or broadcast address" },
	{ "not an address", V_ADDR, 0, "v: 10.0.0.256\n", 0, 0, 0,
	  "\"10.0.0.256\" is not an IPv4 or IPv6 address" },
	/* libfyaml 0.7.12 leaks unescaping '' in single quotes: refused. */
	{ "'' refused", V_SCALAR, 0, "v: 'it''s'\n", 0, 0, 0,
	  "quotes inside a quoted value are not allowed" },
	{ "'' in a key's value, flow", V_SCALAR, 0, "{v: 'a''b'}\n", 0, 0, 0,
	  "quotes inside a quoted value are not allowed" },
	{ "single quotes", V_SCALAR, 0, "v: 'a b'\n", 0, 0, 0, NULL },
	{ "double quotes with '", V_SCALAR, 0, "v: \"it's\"\n", 0, 0, 0, NULL },
	{ "NUL escape", V_SCALAR, 0, "v: \"a\\0b\"\n", 0, 0, 0,
	  "contains a NUL byte" },
};

static const struct vcase *vcur;
static unsigned long vgot;

static int parse_v(struct keel_yaml *y, struct fy_node *v, void *obj)
{
	char buf[64];
	uint32_t u = 0;
	uint8_t fam, addr[16];
	bool b = false;
	int err;

	(void)obj;
	switch (vcur->kind) {
	case V_DURATION:
		err = keel_yaml_duration_ms(y, v, vcur->min, vcur->max, &u);
		break;
	case V_UINT:
		err = keel_yaml_uint(y, v, vcur->min, vcur->max, &u);
		break;
	case V_BOOL:
		err = keel_yaml_bool(y, v, &b);
		u = b;
		break;
	case V_PATH:
		err = keel_yaml_path(y, v, buf, sizeof(buf));
		break;
	case V_ADDR:
		err = keel_yaml_addr(y, v, &fam, addr);
		break;
	default:
		err = keel_yaml_scalar(y, v, buf, sizeof(buf), false);
		break;
	}
	vgot = u;
	return err;
}

static const struct keel_yaml_field v_fields[] = {
	{ "v", parse_v, true },
};

static int v_root(struct keel_yaml *y, struct fy_node *root, void *arg)
{
	return keel_yaml_map(y, root, v_fields, 1, arg);
}

START_TEST(test_values)
{
	const struct vcase *t = &vcases[_i];
	struct keel_yaml_error e;
	struct keel_yaml y;
	int ret;

	vcur = t;
	vgot = (unsigned long)-1;
	keel_yaml_init(&y, &e, "t.yaml", t->yaml, strlen(t->yaml), t->flags);
	ret = keel_yaml_load(&y, 1024, v_root, NULL);
	if (!t->msg) {
		ck_assert_msg(ret == 0, "%s: %s", t->what, e.msg);
		if (t->kind <= V_BOOL)
			ck_assert_uint_eq(vgot, t->want);
		return;
	}
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_str_eq(e.msg, t->msg);
	ck_assert_str_eq(e.key, "v");
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_gt(e.column, 0);
}
END_TEST

/* ---- the text check before libfyaml ---- */

static const struct tcase {
	const char *what;
	const char *text;
	size_t len;
	unsigned int flags;
	const char *msg; /* NULL: accepted */
	int line, col;
} tcases[] = {
	{ "ASCII", "a: 1\n", 5, 0, NULL, 0, 0 },
	{ "2, 3 and 4 bytes", "a: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n", 13,
	  0, NULL, 0, 0 },
	{ "lone continuation", "a: 1\nb: \x80\n", 10, 0, "not valid UTF-8", 2,
	  4 },
	{ "overlong /", "\xc0\xaf", 2, 0, "not valid UTF-8", 1, 1 },
	{ "surrogate", "a\xed\xa0\x80", 4, 0, "not valid UTF-8", 1, 2 },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", 4, 0, "not valid UTF-8", 1,
	  1 },
	{ "truncated at the end", "ab\xe2\x82", 4, 0, "not valid UTF-8", 1, 3 },
	/* libfyaml 0.7.12 loops on this one. */
	{ "bad UTF-8 in a directive", "%Y \xe9\n", 5, 0, "not valid UTF-8", 1,
	  4 },
	{ "NUL", "a: 1\x00", 5, 0, "NUL byte in the file", 1, 5 },
	{ "NUL, brief", "a: 1\x00", 5, KEEL_YAML_BRIEF,
	  "character U+0000 is not allowed in YAML", 1, 5 },
	{ "C0 control", "a: \x01", 4, 0,
	  "character U+0001 is not allowed in YAML", 1, 4 },
	{ "C1 control", "a: \xc2\x9b", 5, 0,
	  "character U+009B is not allowed in YAML", 1, 4 },
	{ "U+FFFE", "\xef\xbf\xbe", 3, 0,
	  "character U+FFFE is not allowed in YAML", 1, 1 },
	{ "tab, CR and NEL are fine", "a:\t1\r\n#\xc2\x85\n", 9, 0, NULL, 0,
	  0 },
};

START_TEST(test_text)
{
	const struct tcase *t = &tcases[_i];
	struct keel_yaml_error e;
	struct keel_yaml y;
	int ret;

	keel_yaml_init(&y, &e, NULL, t->text, t->len, t->flags);
	ret = keel_yaml_check_text(&y, t->text, t->len);
	if (!t->msg) {
		ck_assert_msg(ret == 0, "%s: %s", t->what, e.msg);
		return;
	}
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_str_eq(e.msg, t->msg);
	ck_assert_int_eq(e.line, t->line);
	ck_assert_int_eq(e.column, t->col);
	ck_assert_str_eq(e.file, "-");
}
END_TEST

/* ---- key paths, unknown keys, the document ---- */

static int parse_leaf(struct keel_yaml *y, struct fy_node *v, void *obj)
{
	uint32_t u;

	(void)obj;
	return keel_yaml_uint(y, v, 1, 9, &u);
}

static const struct keel_yaml_field inner_fields[] = {
	{ "leaf", parse_leaf, true },
	{ "other", parse_leaf, false },
};

static int parse_item(struct keel_yaml *y, struct fy_node *n, size_t i,
		      void *obj)
{
	struct fy_node *m;
	int err;

	(void)i;
	err = keel_yaml_collection(y, n, FYNT_MAPPING, false, &m);
	return err ? err : keel_yaml_map(y, m, inner_fields, 2, obj);
}

static int parse_list(struct keel_yaml *y, struct fy_node *v, void *obj)
{
	return keel_yaml_list(y, v, 2, "items", NULL, parse_item, obj);
}

static const struct keel_yaml_field mid_fields[] = {
	{ "list", parse_list, false },
};

static int parse_mid(struct keel_yaml *y, struct fy_node *v, void *obj)
{
	struct fy_node *m;
	int err;

	err = keel_yaml_collection(y, v, FYNT_MAPPING, true, &m);
	return err ? err : keel_yaml_map(y, m, mid_fields, 1, obj);
}

static const struct keel_yaml_field top_fields[] = {
	{ "top", parse_mid, false },
	{ "x", parse_leaf, false },
};

static int top_root(struct keel_yaml *y, struct fy_node *root, void *arg)
{
	return keel_yaml_map(y, root, top_fields, 2, arg);
}

static const struct pcase {
	const char *yaml;
	unsigned int flags;
	int ret, line;
	const char *line_out; /* keel_yaml_error_format() */
} pcases[] = {
	{ "top:\n  list:\n    - leaf: 1\n    - leaf: 10\n", 0, -EINVAL, 4,
	  "t.yaml:4: top.list[1].leaf: must be an integer in 1..9" },
	{ "top:\n  list:\n    - leaf: 1\n    - other: 2\n", 0, -EINVAL, 4,
	  "t.yaml:4: top.list[1].leaf: required key missing" },
	{ "top:\n  list: [ {leaf: 1}, {leaf: 1}, {leaf: 1} ]\n", 0, -EINVAL, 2,
	  "t.yaml:2: top.list[2]: too many items (max 2)" },
	{ "top:\n  lst: []\n", 0, -EINVAL, 2,
	  "t.yaml:2: top.lst: unknown key; expected list" },
	{ "top:\n  lst: []\n", KEEL_YAML_BRIEF, -EINVAL, 2,
	  "t.yaml:2: top.lst: unknown key" },
	/* Quoted into the path: printable ASCII, 40 bytes, then "...". */
	{ "top:\n  \"k\\x01\xc3\xa9yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\": 1\n",
	  0, -EINVAL, 2,
	  "t.yaml:2: top.k???yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...: "
	  "unknown key; expected list" },
	{ "x: 1\nx: 2\n", 0, -EINVAL, 2,
	  "t.yaml:2: x: duplicate key (first at line 1)" },
	{ "<<: {x: 1}\n", 0, -EINVAL, 1,
	  "t.yaml:1: <<: merge keys are not supported" },
	{ "x: !!int 1\n", 0, -EINVAL, 1,
	  "t.yaml:1: x: YAML tags are not supported" },
	{ "x: *nope\n", 0, -EINVAL, 1, NULL },
	{ "a: &a 1\n", 0, -EINVAL, 1,
	  "t.yaml:1: a: unknown key; expected top, x" },
	{ "x: 1\n---\nx: 2\n", 0, -EINVAL, 3,
	  "t.yaml:3: more than one YAML document" },
	{ "- 1\n", 0, -EINVAL, 1, "t.yaml:1: the top level must be a mapping" },
	{ "# nothing\n", 0, -EINVAL, 0, "t.yaml: empty document" },
	{ "x: [1\n", 0, -EINVAL, 2, NULL /* libfyaml's words */ },
	{ "top:\n  list:\n", 0, 0, 0, NULL },
};

START_TEST(test_paths)
{
	const struct pcase *t = &pcases[_i];
	struct keel_yaml_error e;
	struct keel_yaml y;
	char line[512];
	int ret;

	keel_yaml_init(&y, &e, "t.yaml", t->yaml, strlen(t->yaml), t->flags);
	ret = keel_yaml_load(&y, 1024, top_root, NULL);
	ck_assert_msg(ret == t->ret, "%s: %d %s", t->yaml, ret, e.msg);
	if (!ret)
		return;
	ck_assert_int_eq(e.line, t->line);
	ck_assert_int_gt(keel_yaml_error_format(&e, line, sizeof(line)), 0);
	if (t->line_out)
		ck_assert_str_eq(line, t->line_out);
	else
		ck_assert_msg(strstr(line, "t.yaml:") == line, "%s", line);
}
END_TEST

START_TEST(test_limits)
{
	static const char big[] = "x: 1\n";
	struct keel_yaml_error e;
	struct keel_yaml y;
	char small[8];

	keel_yaml_init(&y, &e, "t.yaml", big, sizeof(big) - 1, 0);
	ck_assert_int_eq(keel_yaml_load(&y, 4, top_root, NULL), -EINVAL);
	ck_assert_str_eq(e.msg, "larger than 4 bytes");
	keel_yaml_init(&y, &e, "t.yaml", NULL, 0, 0);
	ck_assert_int_eq(keel_yaml_load(&y, 4, top_root, NULL), -EINVAL);
	ck_assert_str_eq(e.msg, "empty document");
	/* The formatted line does not fit: -ENOSPC, never a cut line. */
	ck_assert_int_eq(keel_yaml_error_format(&e, small, sizeof(small)),
			 -ENOSPC);
}
END_TEST

/* ---- keel_yaml_load_file(): the file half of every loader ---- */

struct parsed {
	int calls;
	size_t len;
};

/* A loader's parser: the document of test_paths, and what it was given. */
static int file_parse(const char *buf, size_t len, const char *file, void *out,
		      struct keel_yaml_error *err)
{
	struct parsed *p = out;
	struct keel_yaml y;

	p->calls++;
	p->len = len;
	keel_yaml_init(&y, err, file, buf, len, 0);
	return keel_yaml_load(&y, 1024, top_root, NULL);
}

enum fkind { F_FILE, F_NONE, F_DIR };

static const struct fcase {
	const char *what;
	enum fkind kind;
	const char *yaml;
	mode_t mode;
	int ret;
	bool parsed;
	const char *line; /* keel_yaml_error_format(), "%s": the path */
} fcases[] = {
	{ "a good file", F_FILE, "x: 1\n", 0600, 0, true, NULL },
	{ "readable by all", F_FILE, "x: 1\n", 0644, 0, true, NULL },
	{ "missing", F_NONE, NULL, 0, -ENOENT, false,
	  "%s: cannot read: No such file or directory" },
	{ "a directory", F_DIR, NULL, 0, -EINVAL, false,
	  "%s: not a regular file" },
	{ "over the limit", F_FILE, "x: 1\n# 16 bytes...\n", 0600, -EFBIG,
	  false, "%s: larger than 16 bytes" },
	/* Whoever can write it runs the daemon: not even parsed. */
	{ "group-writable", F_FILE, "x: 1\n", 0660, -EPERM, false,
	  "%s: mode 0660 lets group or others write to it (chmod go-w)" },
	{ "world-writable", F_FILE, "x: 1\n", 0602, -EPERM, false,
	  "%s: mode 0602 lets group or others write to it (chmod go-w)" },
	{ "the parser's error", F_FILE, "x: 1\nx: 2\n", 0600, -EINVAL, true,
	  "%s:2: x: duplicate key (first at line 1)" },
};

START_TEST(test_load_file)
{
	const struct fcase *t = &fcases[_i];
	struct keel_yaml_error e;
	struct parsed p = { 0 };
	char path[128], want[256], line[512];
	struct stat st = { 0 };
	int fd, ret;

	snprintf(path, sizeof(path), "%s/c.yaml", tmpdir);
	if (t->kind == F_FILE) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, t->yaml, strlen(t->yaml)),
				 (ssize_t)strlen(t->yaml));
		ck_assert_int_eq(fchmod(fd, t->mode), 0);
		close(fd);
	} else if (t->kind == F_DIR) {
		ck_assert_int_eq(mkdir(path, 0700), 0);
	}
	memset(&e, 0xa5, sizeof(e)); /* cleared by the call */
	ret = keel_yaml_load_file(path, 16, file_parse, &p, &e, &st);
	ck_assert_msg(ret == t->ret, "%s: %d (%s)", t->what, ret, e.msg);
	ck_assert_msg(p.calls == (t->parsed ? 1 : 0), "%s: parsed %d times",
		      t->what, p.calls);
	ck_assert_str_eq(e.file, path);
	/* st once the file was read: for checks after the parse. */
	if (t->parsed || t->ret == -EPERM)
		ck_assert_uint_eq((size_t)st.st_size, strlen(t->yaml));
	if (t->parsed)
		ck_assert_uint_eq(p.len, strlen(t->yaml));
	if (t->line) {
		snprintf(want, sizeof(want), t->line, path);
		ck_assert_int_gt(keel_yaml_error_format(&e, line, sizeof(line)),
				 0);
		ck_assert_str_eq(line, want);
	} else {
		ck_assert_str_eq(e.msg, "");
	}
	/* No error struct, no stat: the same answer. */
	ck_assert_int_eq(keel_yaml_load_file(path, 16, file_parse, &p, NULL,
					     NULL),
			 t->ret);
}
END_TEST

static Suite *keel_yaml_suite(void)
{
	Suite *s = suite_create("keel_yaml");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_values, 0,
			    sizeof(vcases) / sizeof(vcases[0]));
	tcase_add_loop_test(tc, test_text, 0,
			    sizeof(tcases) / sizeof(tcases[0]));
	tcase_add_loop_test(tc, test_paths, 0,
			    sizeof(pcases) / sizeof(pcases[0]));
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_loop_test(tc, test_load_file, 0,
			    sizeof(fcases) / sizeof(fcases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(keel_yaml_suite());
}
