/*
 * timefmt.c - moments and durations as the text output shows them.
 */
#define _GNU_SOURCE
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model.h"

static int show_wall;

void tf_set_wall(int wall)
{
	show_wall = wall;
}

uint64_t tf_wall_of_t0(const struct model *m)
{
	const struct st_file_header *first = NULL;

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct st_file_header *h = &m->procs[i].tf->hdr;

		if (!first || h->mono_anchor_ns < first->mono_anchor_ns)
			first = h;
	}
	if (!first)
		return 0;
	return first->wall_anchor_ns + (m->t0 - first->mono_anchor_ns);
}

/* "2026-12-01T19:48:18.189113+01:00" for ns since the epoch, local time. */
static void iso8601(uint64_t ns, char *out)
{
	time_t s = (time_t)(ns / 1000000000u);
	char day[32], zone[8];
	struct tm tm;

	localtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);	/* "+0100": ISO 8601 wants "+01:00" */
	snprintf(out, TF_MAX, "%s.%06u%.3s%s%.2s", day, (unsigned)(ns % 1000000000u / 1000), zone,
		 zone[0] ? ":" : "", zone[0] ? zone + 3 : "");
}

int tf_is_wall(void)
{
	return show_wall;
}

/* Nanoseconds from the first event to t; 0 for a time before it. */
static uint64_t since_t0(const struct model *m, uint64_t t)
{
	return t > m->t0 ? t - m->t0 : 0;
}

char *tf_wall(const struct model *m, uint64_t t, char *out)
{
	iso8601(m->t0_wall_ns + since_t0(m, t), out);
	return out;
}

char *tf_at(const struct model *m, uint64_t t, char *out)
{
	if (show_wall)
		return tf_wall(m, t, out);
	snprintf(out, TF_MAX, "+%.6f", (double)since_t0(m, t) / 1e9);
	return out;
}

char *tf_at_s(const struct model *m, uint64_t t, char *out)
{
	tf_at(m, t, out);
	if (!show_wall)
		snprintf(out + strlen(out), TF_MAX - strlen(out), " s");
	return out;
}

char *tf_dur(uint64_t ns, char *out)
{
	snprintf(out, TF_MAX, "%.6f s", (double)ns / 1e9);
	return out;
}
