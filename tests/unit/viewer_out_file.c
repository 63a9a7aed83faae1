/*
 * viewer_out_file.c - an output file written whole or not at all
 * (viewer/out_file.h): the name appears only at commit, with the whole
 * text; an abort leaves nothing; a symlink of ours at the name is written
 * through, one of another user's refused; no temporary is left in the
 * directory either way; the
 * HTML-safe JSON escape keeps "</script>" out of the page.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "out_file.h"
#include "tap.h"

static char dir[] = "/tmp/socktrace-unit-out.XXXXXX";

/* Entries in dir, "." and ".." not counted. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

int main(void)
{
	char path[128], victim[128], *jbuf = NULL;
	struct out_file o;
	struct stat st;
	size_t jlen = 0;
	struct json j;
	FILE *mf;

	plan(17);
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	snprintf(path, sizeof(path), "%s/report.html", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);

	ok(out_open(&o, path) == 0, "out_open makes a temporary");
	fputs("whole", o.f);
	ok(access(path, F_OK) != 0, "the name does not exist before the commit");
	ok(out_commit(&o) == 0, "out_commit succeeds");
	is_str(slurp(path), "whole", "the name holds the whole text");
	is_int(entries(), 1, "no temporary left beside it");

	ok(out_open(&o, path) == 0, "a second write");
	fputs("partial", o.f);
	out_abort(&o);
	is_str(slurp(path), "whole", "an abort leaves the old file as it was");
	is_int(entries(), 1, "... and no temporary");

	/* A symlink of ours at the name: written through, as a shell's > would; it stays a link. */
	unlink(path);
	fclose(fopen(victim, "w"));
	ok(symlink(victim, path) == 0, "a symlink at the name");
	ok(out_open(&o, path) == 0 && (fputs("new", o.f), out_commit(&o)) == 0, "written through it");
	is_str(slurp(victim), "new", "its target holds the text");
	ok(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "... and the name is still the symlink");
	/* The same link planted by another user: refused, its target untouched. */
	if (geteuid() == 0) {
		ok(lchown(path, 65534, 65534) == 0, "the symlink now another user's (root: lchown)");
		ok(out_open(&o, path) != 0, "a symlink of another user's: out_open refuses (said on stderr)");
		is_str(slurp(victim), "new", "... its target is not written");
	} else {
		skip(3, "a symlink of another user's needs root (lchown)");
	}

	snprintf(path, sizeof(path), "%s/no/such/dir/x.html", dir);
	ok(out_open(&o, path) != 0, "a missing directory: out_open fails (said on stderr)");

	/* What the page embeds: a string holding "</script>" cannot end the script. */
	mf = open_memstream(&jbuf, &jlen);
	json_init(&j, mf, 0);
	j.html_safe = 1;
	json_str(&j, NULL, "a</script><!--b");
	fclose(mf);
	is_str(jbuf, "\"a\\u003c/script>\\u003c!--b\"", "html_safe JSON escapes every '<'");
	free(jbuf);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		diag("could not remove %s", dir);
	return done_testing();
}
