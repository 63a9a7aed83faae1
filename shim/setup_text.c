/*
 * setup_text.c - the packed buffer of set-up's strings (setup_text.h).
 */
#include "setup_text.h"

#include <stdlib.h>

#include "shim.h"
#include "trace_format.h"

/*
 * Room for each of the three strings at its longest.  In .lbss, which
 * the linker puts after .bss: the set-up's other writes (scalars in
 * .data and .bss) then share the strings' first page, wherever LTO puts
 * each file's variables.  clang's section attribute would make it
 * PROGBITS (12 KiB of zeros in the file); its pragma keeps it NOBITS.
 */
#ifdef __clang__
#pragma clang section bss = ".lbss.setup_text"
static char text[3 * SETUP_TEXT_MAX];
#pragma clang section bss = ""
#else
static char text[3 * SETUP_TEXT_MAX] __attribute__((section(".lbss.setup_text")));
#endif
static size_t used;

PROC_PATH void setup_text_default_prefix(struct sbuf *sb)
{
	sb_str(sb, st_default_tmp_or(getenv(DATA_STR("TMPDIR")), DATA_STR(ST_DEFAULT_TMP)));
	sb_str(sb, DATA_STR("/" ST_DEFAULT_NAME));
}

PROC_PATH void setup_text_open(struct sbuf *sb)
{
	size_t left = sizeof(text) - used;

	sb_init(sb, text + used, left < SETUP_TEXT_MAX ? left : SETUP_TEXT_MAX);
}

PROC_PATH char *setup_text_keep(const struct sbuf *sb, size_t grow, size_t *cap)
{
	size_t need = sb->len + 1 + grow;
	char *s = sb->buf;

	if (sb->overflow || need > sb->cap)
		return NULL;
	used += need;
	*cap = need;
	return s;
}
