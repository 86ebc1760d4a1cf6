/* bosun-shim --launcher: starts shims for bosund without bosund having to fork itself. */
#ifndef BOSUN_LAUNCHER_H
#define BOSUN_LAUNCHER_H

/* Serves launch requests on stdin until EOF; returns the exit code. */
int launcher_run(void);

/* The shim proper (main.c): argv as on the command line; tag prefixes its ready/error line. */
int shim_main(int argc, char **argv, const char *tag);

#endif
