/* Output files written whole or not at all (afile.h): the temporary file,
 * its commit by rename, the list of temporaries a signal handler removes,
 * links followed, devices and FIFOs written directly, and the check that no
 * output is an input. */
#include "afile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* ---- the temporaries a signal handler removes ---- */

#define N_TEMPS 8
static char temp_name[N_TEMPS][PATH_MAX];
static volatile sig_atomic_t temp_used[N_TEMPS];

/* Enter name in the list before the file exists, so that a signal at any
 * moment finds it. Returns the slot, or -1 when the list is full. */
static int temp_register(const char *name)
{
	size_t len = strlen(name);

	if (len >= PATH_MAX)
		return -1;
	for (int i = 0; i < N_TEMPS; i++)
		if (!temp_used[i]) {
			memcpy(temp_name[i], name, len + 1);
			temp_used[i] = 1;
			return i;
		}
	return -1;
}

static void temp_unregister(int slot)
{
	if (slot >= 0)
		temp_used[slot] = 0;
}

void afile_remove_temps(void)
{
	for (int i = 0; i < N_TEMPS; i++)
		if (temp_used[i])
			unlink(temp_name[i]);
}

/* ---- names ---- */

/* The directory part of path ("." when it has none), malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return util_strdup(".");
	return util_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* The file path leads to once its symbolic links are followed (at most 40,
 * as the kernel does; a relative link is read from the link's directory);
 * malloc'd, NULL when out of memory. A dangling link gives the name it
 * points at, which the output then creates. */
static char *follow_links(const char *path)
{
	char *cur = util_strdup(path), buf[PATH_MAX];

	for (int hops = 0; cur && hops < 40; hops++) {
		struct stat st;
		ssize_t n;
		char *next;

		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			break;
		n = readlink(cur, buf, sizeof buf - 1);
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (buf[0] == '/' || !strchr(cur, '/')) {
			next = util_strdup(buf);
		} else {
			char *dir = dir_of(cur);
			size_t size = dir ? strlen(dir) + (size_t)n + 2 : 0;

			next = dir ? malloc(size) : NULL;
			if (next)
				snprintf(next, size, "%s/%s", dir, buf);
			free(dir);
		}
		free(cur);
		cur = next;
	}
	return cur;
}

/* Six characters of [A-Za-z0-9] from a counter, the time and the process. */
static void temp_suffix(char *d)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static uint64_t count;
	struct timespec ts;
	uint64_t z;

	clock_gettime(CLOCK_REALTIME, &ts);
	z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 48) ^
	    (++count * 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	z ^= z >> 31;
	for (int i = 0; i < 6; i++, z /= 62)
		d[i] = set[z % 62];
}

/* The pid in name when name is "BASE.tmp.PID.XXXXXX" for the base name
 * base: PID decimal without a leading zero, XXXXXX six of [A-Za-z0-9].
 * 0 otherwise. */
static long temp_pid(const char *name, const char *base)
{
	size_t len = strlen(base);
	const char *p = name + len + 5, *q;
	long pid = 0;

	if (strncmp(name, base, len) != 0 || strncmp(name + len, ".tmp.", 5) != 0 ||
	    *p < '1' || *p > '9')
		return 0;
	for (q = p; *q >= '0' && *q <= '9' && q - p < 10; q++)
		pid = pid * 10 + (*q - '0');
	if (*q != '.' || strlen(q + 1) != 6 || pid > INT_MAX)
		return 0;
	for (const char *c = q + 1; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9')))
			return 0;
	return pid;
}

/* Remove the temporary files of earlier writers of target that are gone:
 * in target's directory, regular files owned by this user named
 * "BASE.tmp.PID.XXXXXX" whose process PID no longer exists (kill(PID, 0)
 * fails with ESRCH): left by a writer killed during a save (kill -9, a
 * crash, a power cut), which no handler could remove. Best effort. */
static void remove_stale_temps(const char *target)
{
	const char *slash = strrchr(target, '/'), *base = slash ? slash + 1 : target;
	char *dir = dir_of(target), path[PATH_MAX];
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		long pid = temp_pid(de->d_name, base);
		struct stat st;

		if (!pid || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
			continue;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid())
			unlink(path);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* Create a temporary file beside target: "TARGET.tmp.PID.XXXXXX" (PID the
 * writer's), or, when that name is too long for the file system,
 * "DIR/.dnn.tmp.PID.XXXXXX", with the mode a new file gets. It is in the
 * list of temporaries from before it exists. Returns the descriptor
 * (af->tmp, af->slot set), or -1 with errno set. */
static int make_temp(struct dnn_afile *af)
{
	static const char suffix[] = ".tmp.", shortname[] = "/.dnn.tmp.";
	char pid[24];
	int pid_len = snprintf(pid, sizeof pid, "%ld.XXXXXX", (long)getpid());
	size_t len = strlen(af->target), size = len + sizeof shortname + (size_t)pid_len;
	char *dir = dir_of(af->target);
	int fd = -1, err = ENOMEM, shortened = 0;

	af->tmp = dir ? malloc(size) : NULL;
	for (int tries = 0; af->tmp && tries < 100; tries++) {
		if (!shortened)
			snprintf(af->tmp, size, "%s%s%s", af->target, suffix, pid);
		else /* "/" would give "//.dnn.tmp.*": skip the second slash. */
			snprintf(af->tmp, size, "%s%s%s", strcmp(dir, "/") ? dir : "", shortname,
				 pid);
		temp_suffix(af->tmp + strlen(af->tmp) - 6);
		af->slot = temp_register(af->tmp);
		fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
		err = errno;
		if (fd >= 0)
			break;
		temp_unregister(af->slot);
		af->slot = -1;
		if (err == ENAMETOOLONG && !shortened)
			shortened = 1;
		else if (err != EEXIST)
			break;
	}
	free(dir);
	if (fd >= 0)
		return fd;
	free(af->tmp);
	af->tmp = NULL;
	errno = err;
	return -1;
}

/* Give the temporary file fd the owner, group and permission bits of the
 * file st it replaces, as editors do; an owner or group this user may not
 * give (EPERM) is left as it is. */
static void keep_owner_mode(int fd, const struct stat *st)
{
	struct stat now;

	if (fstat(fd, &now) != 0)
		return;
	if ((now.st_uid != st->st_uid || now.st_gid != st->st_gid) &&
	    fchown(fd, st->st_uid, st->st_gid) != 0 && now.st_gid != st->st_gid)
		(void)!fchown(fd, (uid_t)-1, st->st_gid);
	if ((now.st_mode & 07777) != (st->st_mode & 0777))
		(void)!fchmod(fd, st->st_mode & 0777);
}

/* ---- opening, committing, aborting ---- */

static int cannot_create(struct dnn_afile *af, int err, struct dnn_error *e)
{
	af->err = err;
	return dnn_error_set(e, DNN_EX_CANTCREAT, NULL, 0, 0, "cannot create '%s': %s", af->path,
			     strerror(err));
}

static int write_error(struct dnn_afile *af, int err, struct dnn_error *e)
{
	af->err = err;
	if (af->kind == AFILE_STDOUT)
		return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on standard output: %s",
				     strerror(err));
	return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s", af->path,
			     strerror(err));
}

/* Whether path names a directory: one that exists (st; NULL when stat
 * failed with err), or a name ending in '/' that does not. */
static int is_directory(const char *path, const struct stat *st, int err)
{
	size_t len = strlen(path);

	return st ? S_ISDIR(st->st_mode) : err == ENOENT && len > 0 && path[len - 1] == '/';
}

/* An output that is a directory: 73, "PATH: is a directory". */
static int not_a_file(struct dnn_afile *af, struct dnn_error *e)
{
	af->err = EISDIR;
	return dnn_error_set(e, DNN_EX_CANTCREAT, af->path, 0, 0, "is a directory");
}

/* The descriptor of path, by its kind; af->kind and af->target set. A
 * path the kernel resolves to a regular file that following its links by
 * name does not reach (a "magic" link such as /dev/stdout or
 * /proc/self/fd/N) is written directly, as a device is. */
static int open_fd(struct dnn_afile *af, int flags, struct dnn_error *e)
{
	struct stat st, ts;
	int exists = stat(af->path, &st) == 0, err = errno, fd;

	if (is_directory(af->path, exists ? &st : NULL, err))
		return not_a_file(af, e);
	af->target = follow_links(af->path);
	if (!af->target)
		return dnn_error_oom(e);
	if (exists && !S_ISREG(st.st_mode)) {
		af->kind = AFILE_DIRECT;
		fd = open(af->path, O_WRONLY);
	} else if (exists && S_ISREG(st.st_mode) &&
		   (stat(af->target, &ts) != 0 || ts.st_dev != st.st_dev ||
		    ts.st_ino != st.st_ino)) {
		af->kind = AFILE_DIRECT;
		fd = open(af->path, O_WRONLY | O_TRUNC);
	} else if (flags & AFILE_STREAM) {
		af->kind = AFILE_INPLACE;
		fd = open(af->target, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	} else {
		af->kind = AFILE_TEMP;
		remove_stale_temps(af->target);
		fd = make_temp(af);
		if (fd >= 0 && exists)
			keep_owner_mode(fd, &st);
	}
	if (fd < 0) {
		err = errno;
		if (err == ENOMEM)
			dnn_error_oom(e);
		else
			cannot_create(af, err, e);
		af->kind = AFILE_NONE;
		free(af->target);
		af->target = NULL;
		return -1;
	}
	af->fd = fd;
	return 0;
}

int afile_open(struct dnn_afile *af, const char *path, int flags, struct dnn_error *e)
{
	memset(af, 0, sizeof *af);
	af->path = path;
	af->slot = -1;
	af->fd = -1;
	if (strcmp(path, "-") == 0) {
		af->kind = AFILE_STDOUT;
		af->f = stdout;
		af->fd = STDOUT_FILENO;
		return 0;
	}
	if (open_fd(af, flags, e))
		return -1;
	af->f = fdopen(af->fd, "w");
	if (!af->f) {
		int err = errno;

		close(af->fd);
		af->fd = -1;
		afile_abort(af);
		return cannot_create(af, err, e);
	}
	return 0;
}

int afile_probe(const char *path, struct dnn_error *e)
{
	struct dnn_afile af;
	struct stat st;

	if (!path || strcmp(path, "-") == 0)
		return 0;
	/* A device or FIFO is opened when it is written (a FIFO's open waits
	 * for a reader). */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return 0;
	if (afile_open(&af, path, 0, e))
		return -1;
	afile_abort(&af);
	return 0;
}

/* Release af's names and mark it closed. */
static void release(struct dnn_afile *af)
{
	temp_unregister(af->slot);
	free(af->tmp);
	free(af->target);
	af->tmp = af->target = NULL;
	af->slot = -1;
	af->f = NULL;
	af->fd = -1;
	af->kind = AFILE_NONE;
}

void afile_abort(struct dnn_afile *af)
{
	if (!af || af->kind == AFILE_NONE)
		return;
	if (af->f && af->kind != AFILE_STDOUT)
		fclose(af->f);
	else if (!af->f && af->fd >= 0 && af->kind != AFILE_STDOUT)
		close(af->fd);
	if (af->kind == AFILE_TEMP)
		unlink(af->tmp);
	else if (af->kind == AFILE_INPLACE)
		unlink(af->target);
	release(af);
}

/* Flush the directory entry of a rename to disk. Best effort: a directory
 * that cannot be opened or a file system that cannot sync directories
 * (EINVAL, EBADF) is not an error. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY), rc = 0;

	if (fd < 0)
		return 0;
	if (fsync(fd) != 0 && errno != EINVAL && errno != EBADF)
		rc = -1;
	if (close(fd) != 0 && rc == 0 && errno != EINTR)
		rc = -1;
	return rc;
}

/* Flush and close the file (fsync first when it is to be renamed); its
 * errno, or 0. */
static int finish_writing(struct dnn_afile *af)
{
	int err = 0;

	if (af->f && (fflush(af->f) != 0 || ferror(af->f)))
		err = errno ? errno : EIO;
	if (!err && af->kind == AFILE_TEMP && fsync(af->fd) != 0)
		err = errno;
	if (af->kind == AFILE_STDOUT)
		return err;
	if ((af->f ? fclose(af->f) : close(af->fd)) != 0 && !err &&
	    (errno != EINTR || af->kind == AFILE_TEMP))
		err = errno;
	af->f = NULL;
	af->fd = -1;
	return err;
}

int afile_commit(struct dnn_afile *af, struct dnn_error *e)
{
	int err, rc = 0;

	if (af->kind == AFILE_NONE)
		return 0;
	errno = 0;
	err = finish_writing(af);
	if (err) {
		write_error(af, err, e);
		if (af->kind == AFILE_TEMP)
			unlink(af->tmp);
		release(af);
		return -1;
	}
	if (af->kind == AFILE_TEMP) {
		char *dir = dir_of(af->target);

		if (rename(af->tmp, af->target) != 0) {
			rc = cannot_create(af, errno, e);
			unlink(af->tmp);
		} else if (dir && sync_dir(dir) != 0) {
			af->err = errno;
			rc = dnn_error_set(e, DNN_EX_IO, NULL, 0, 0,
					   "cannot flush the directory of '%s': %s", af->path,
					   strerror(errno));
		}
		free(dir);
	}
	release(af);
	return rc;
}

/* write(2) all of p, through interruptions. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		size_t k = n > (1u << 30) ? (1u << 30) : n;
		ssize_t r = write(fd, p, k);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			errno = EIO;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int afile_write(const char *path, const void *p, size_t n, struct dnn_error *e)
{
	struct dnn_afile af = {0};

	af.path = path;
	af.slot = -1;
	af.fd = -1;
	if (strcmp(path, "-") == 0) {
		af.kind = AFILE_STDOUT;
		af.f = stdout;
		if (fwrite(p, 1, n, stdout) != n)
			return write_error(&af, errno, e);
		return afile_commit(&af, e);
	}
	if (open_fd(&af, 0, e))
		return -1;
	if (write_all(af.fd, p, n) != 0) {
		write_error(&af, errno, e);
		afile_abort(&af);
		return -1;
	}
	return afile_commit(&af, e);
}

/* ---- outputs that are inputs ---- */

int afile_check_inputs(const struct dnn_afile_name *out, size_t n_out,
		       const struct dnn_afile_name *in, size_t n_in, struct dnn_error *e)
{
	for (size_t i = 0; i < n_out; i++) {
		struct stat so;

		if (!out[i].path || strcmp(out[i].path, "-") == 0 || stat(out[i].path, &so) != 0 ||
		    !S_ISREG(so.st_mode))
			continue;
		for (size_t j = 0; j < n_in; j++) {
			struct stat si;
			int is_stdin = in[j].path && strcmp(in[j].path, "-") == 0;

			if (!in[j].path ||
			    (is_stdin ? fstat(STDIN_FILENO, &si) : stat(in[j].path, &si)) != 0)
				continue;
			if (si.st_dev == so.st_dev && si.st_ino == so.st_ino)
				return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
						     "%s '%s' would overwrite %s '%s'", out[i].what,
						     out[i].path, in[j].what,
						     is_stdin ? "<stdin>" : in[j].path);
		}
	}
	return 0;
}
