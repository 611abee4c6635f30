/* An LD_PRELOAD shim that makes one system call fail, for tests/faults.test
 * (as jq's tests inject failures). Environment:
 *   FAULT_OP     read, write, fsync, close or rename: the call to fail;
 *                partial: every write writes at most 64 bytes (and sleeps
 *                FAULT_USEC microseconds first, 0 by default), nothing fails;
 *                short: the first write writes half, the next fails;
 *                slow: fsync and rename wait FAULT_USEC microseconds
 *                (1000000 by default) first, then succeed (a save caught
 *                in the middle)
 *   FAULT_ERRNO  the errno to fail with, by name (EIO, ENOSPC, EDQUOT, EXDEV,
 *                EACCES, EROFS, EINTR, EPERM); EIO by default
 *   FAULT_MATCH  only calls on a descriptor whose path (/proc/self/fd) or on
 *                a rename whose source or target contains this string;
 *                descriptors 0-2 are never touched
 *   FAULT_SKIP   let this many matching calls through first (default 0)
 *   FAULT_TIMES  fail this many matching calls, then let them through
 *                (default: all)
 * Every failure injected is counted on standard error as "faultshim: OP".
 * For EINTR the call is not made, as a signal before any transfer does. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* The interposed calls, declared here as libc declares them. */
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int fsync(int fd);
int close(int fd);
int rename(const char *from, const char *to);

static const struct {
	const char *name;
	int value;
} errnos[] = {{"EIO", EIO},	{"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EXDEV", EXDEV},
	      {"EACCES", EACCES}, {"EROFS", EROFS},   {"EINTR", EINTR},	  {"EPERM", EPERM}};

static long seen, failed;

/* The next definition of name, as a function pointer of the type of *fn
 * (ISO C has no cast from void * to a function pointer). */
#define REAL(fn, name)                                                                             \
	do {                                                                                       \
		void *sym_ = dlsym(RTLD_NEXT, name);                                               \
		memcpy(&(fn), &sym_, sizeof(fn));                                                  \
	} while (0)

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : dflt;
}

static int fault_errno(void)
{
	const char *v = getenv("FAULT_ERRNO");

	for (size_t i = 0; v && i < sizeof errnos / sizeof errnos[0]; i++)
		if (strcmp(v, errnos[i].name) == 0)
			return errnos[i].value;
	return EIO;
}

static int op_is(const char *op)
{
	const char *v = getenv("FAULT_OP");

	return v && strcmp(v, op) == 0;
}

static int fd_matches(int fd)
{
	const char *want = getenv("FAULT_MATCH");
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (fd <= 2)
		return 0;
	if (!want || !*want)
		return 1;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, want) != NULL;
}

/* Whether this matching call is one to fail. */
static int inject(const char *op)
{
	long skip = env_long("FAULT_SKIP", 0), times = env_long("FAULT_TIMES", -1);
	char msg[64];
	int len;

	if (seen++ < skip || (times >= 0 && failed >= times))
		return 0;
	failed++;
	len = snprintf(msg, sizeof msg, "faultshim: %s\n", op);
	if (len > 0) {
		ssize_t (*real_write)(int, const void *, size_t);

		REAL(real_write, "write");

		if (real_write(2, msg, (size_t)len) < 0) {
			/* Nothing to do: the count is for the test's eyes. */
		}
	}
	return 1;
}

ssize_t read(int fd, void *buf, size_t n)
{
	ssize_t (*real)(int, void *, size_t);

	REAL(real, "read");

	if (op_is("read") && fd_matches(fd) && inject("read")) {
		errno = fault_errno();
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t (*real)(int, const void *, size_t);

	REAL(real, "write");

	if (op_is("write") && fd_matches(fd) && inject("write")) {
		errno = fault_errno();
		return -1;
	}
	if (op_is("partial") && fd_matches(fd)) {
		long usec = env_long("FAULT_USEC", 0);

		if (usec > 0) {
			struct timespec ts = {usec / 1000000, (usec % 1000000) * 1000};

			nanosleep(&ts, NULL);
		}
		seen++;
		return real(fd, buf, n < 64 ? n : 64);
	}
	if (op_is("short") && fd_matches(fd) && n > 1) {
		if (seen++ == 0)
			return real(fd, buf, n / 2);
		if (inject("short")) {
			errno = fault_errno();
			return -1;
		}
	}
	return real(fd, buf, n);
}

/* FAULT_OP=slow: wait before the call, then make it. */
static void slow_down(void)
{
	long usec = env_long("FAULT_USEC", 1000000);
	struct timespec ts = {usec / 1000000, (usec % 1000000) * 1000};

	seen++;
	nanosleep(&ts, NULL);
}

int fsync(int fd)
{
	int (*real)(int);

	REAL(real, "fsync");
	if (op_is("slow") && fd_matches(fd))
		slow_down();

	if (op_is("fsync") && fd_matches(fd) && inject("fsync")) {
		errno = fault_errno();
		return -1;
	}
	return real(fd);
}

/* Linux frees the descriptor even when close fails. */
int close(int fd)
{
	int (*real)(int);

	REAL(real, "close");

	if (op_is("close") && fd_matches(fd) && inject("close")) {
		real(fd);
		errno = fault_errno();
		return -1;
	}
	return real(fd);
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *);
	const char *want = getenv("FAULT_MATCH");

	REAL(real, "rename");
	if (op_is("slow") && (!want || !*want || strstr(from, want) || strstr(to, want)))
		slow_down();

	if (op_is("rename") &&
	    (!want || !*want || strstr(from, want) || strstr(to, want)) && inject("rename")) {
		errno = fault_errno();
		return -1;
	}
	return real(from, to);
}
