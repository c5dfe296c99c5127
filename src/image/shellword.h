/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

/*
 * The word processing of Dockerfile arguments, as BuildKit's shell lexer
 * (used by Docker Engine 20.10 for "docker import --change") does it:
 * single and double quotes, the escape character, and $VAR, ${VAR},
 * ${VAR:-word} and ${VAR:+word} expanded from env ("KEY=value" strings).
 */

/* Processes word into one string, as for ENV, LABEL, USER, WORKDIR. */
int shellword_process(const char *word, char *const *env, char escape, char **ret, struct error *err);

/* Processes word into whitespace-separated words, as for EXPOSE: text that
 * came from quotes or escapes is never split. */
int shellword_process_words(const char *word, char *const *env, char escape, char ***ret, struct error *err);

/* Splits an instruction's arguments at whitespace outside quotes, keeping
 * the quotes and escapes in the words (the Dockerfile parser's
 * parseWords). */
char **shellword_split(const char *rest, char escape);

/* Quotes s as Go's %q does, for messages that quote user input. */
char *shellword_go_quote(const char *s);
