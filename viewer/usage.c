/*
 * usage.c - socktrace's words: the subcommands, their usage texts, usage
 * errors that name the bad word, and the words bash completion offers.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct command *const commands[] = {
	&report_command, &audit_command, &leaks_command, &top_command, &export_command, &run_command,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

/* "usage: SYNOPSIS" for one command, or every command's ("       " under the first). */
static void usage_short(FILE *out, const struct command *c)
{
	if (c) {
		fprintf(out, "usage: %s\n", c->synopsis);
		return;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "%s%s\n", i ? "       " : "usage: ", commands[i]->synopsis);
	fprintf(out, "       socktrace help [COMMAND]\n       socktrace --version | --help\n");
}

void usage_all(FILE *out)
{
	usage_short(out, NULL);
	fputc('\n', out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-7s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\n'socktrace help COMMAND' explains a command's options; see socktrace(1).\n");
}

void usage_command(FILE *out, const struct command *c)
{
	usage_short(out, c);
	fprintf(out, "\n%s\n%s", c->summary, c->details);
}

int usage_error(const struct command *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "socktrace%s%s: ", c ? " " : "", c ? c->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage_short(stderr, c);
	fprintf(stderr, "(socktrace help%s%s explains%s)\n", c ? " " : "", c ? c->name : "",
		c ? " its options" : " each command");
	return EXIT_USAGE;
}

/* The long option of c whose name is the len bytes at name, or NULL. */
static const struct option *long_opt(const struct command *c, const char *name, size_t len)
{
	for (const struct option *o = c->opts; o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

int usage_bad_option(const struct command *c, int opt, char **argv)
{
	const char *word = argv[optind - 1];

	if (opt == ':')
		return usage_error(c, "%s needs a value", word);
	if (word[0] == '-' && word[1] == '-') {
		const char *eq = strchr(word, '=');
		const struct option *o = eq ? long_opt(c, word + 2, (size_t)(eq - word - 2)) : NULL;

		if (o && o->has_arg == no_argument)
			return usage_error(c, "--%s takes no value (in '%s')", o->name, word);
		return usage_error(c, "unknown option '%s'", word);
	}
	return usage_error(c, "unknown option '-%c'", optopt ? optopt : '?');
}

int help_words(FILE *out, const char *cmd)
{
	const struct command *c;

	if (!cmd) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			fprintf(out, "%s\n", commands[i]->name);
		fprintf(out, "help\n--version\n--help\n");
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			fprintf(out, "%s\n", commands[i]->name);
		return 0;
	}
	if (!(c = command_find(cmd)))
		return usage_error(NULL, "no command '%s' (try: socktrace help)", cmd);
	for (const struct option *o = c->opts; o->name; o++) {
		const struct choice *ch = c->choices;

		while (ch && ch->opt && strcmp(ch->opt, o->name))
			ch++;
		if (ch && ch->opt)
			for (int i = 0; ch->value(i); i++)
				fprintf(out, "--%s=%s\n", o->name, ch->value(i));
		else
			fprintf(out, "--%s%s\n", o->name, o->has_arg == required_argument ? "=" : "");
	}
	return 0;
}

int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc >= 2 && !strcmp(argv[1], "--words"))
		return argc > 3 ? usage_error(NULL, "help --words takes one command at most") :
		       help_words(stdout, argc == 3 ? argv[2] : NULL);
	if (argc > 2)
		return usage_error(NULL, "help takes one command, not '%s'", argv[2]);
	if (argc < 2) {
		usage_all(stdout);
		return 0;
	}
	if (!(c = command_find(argv[1])))
		return usage_error(NULL, "no command '%s' to explain", argv[1]);
	usage_command(stdout, c);
	return 0;
}
