/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_probe_cmd - `/bin/sh -c cmd`; up when it exits 0.
 *
 * The child runs as the spec's uid and gid with no other group (never as
 * root: a spec asking for uid or gid 0 is not run), so a check command
 * holds none of the daemon's privileges even when the daemon still has
 * some; in a process group of its own, stdin and stdout on /dev/null
 * (stderr is kept: the daemon's log shows why a check fails), no inherited
 * descriptor beyond those, default signal dispositions and an empty mask.
 * A child that cannot become that user or cannot exec reports errno
 * through a close-on-exec pipe: a probe not run, not a failed one.  A
 * pidfd on the loop says when it exits, so nothing depends on SIGCHLD
 * (which must not be set to SIG_IGN, nor reaped with waitpid(-1)
 * elsewhere in the process).
 *
 * When it exits, past the timeout, or when the probe is cancelled, the
 * whole group is sent SIGKILL while the leader is still unreaped (so the
 * group id cannot have been reused), then the leader is reaped.  One that
 * does not die at once (stuck in the kernel) is left to a small reaper on
 * the loop: the loop never blocks in waitpid(), and no zombie is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <event2/event.h>

#include "keel_probe_int.h"

extern char **environ;

struct reaper {
	pid_t pid;
	int pidfd;
	struct event *ev;
};

static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reaper *r = arg;

	(void)fd;
	(void)what;
	if (waitpid(r->pid, NULL, WNOHANG) == 0)
		return; /* not yet: the event stays */
	event_free(r->ev);
	close(r->pidfd);
	free(r);
}

/* Kill the group and reap the leader, now or from the loop. */
static void cmd_kill(struct event_base *base, pid_t pid, int pidfd)
{
	struct reaper *r;

	kill(-pid, SIGKILL);
	if (waitpid(pid, NULL, WNOHANG) != 0)
		goto out;
	r = calloc(1, sizeof(*r));
	if (r) {
		r->pid = pid;
		r->pidfd = pidfd;
		r->ev = event_new(base, pidfd, EV_READ | EV_PERSIST, reap_cb,
				  r);
		if (r->ev && !event_add(r->ev, NULL))
			return;
		if (r->ev)
			event_free(r->ev);
		free(r);
	}
	/* No memory for a reaper: SIGKILL is pending, wait for it. */
	waitpid(pid, NULL, 0);
out:
	close(pidfd);
}

static void cmd_exited(evutil_socket_t fd, short what, void *arg)
{
	struct keel_probe *p = arg;
	pid_t pid = p->u.cmd.pid;
	int status;

	(void)fd;
	(void)what;
	/* The leader is a zombie: its group id is still ours to kill.
	 * Whatever it left running in the group goes with it. */
	kill(-pid, SIGKILL);
	p->u.cmd.pid = 0;
	if (waitpid(pid, &status, WNOHANG) != pid) {
		/* Reaped behind our back (SIGCHLD ignored?): gone anyway. */
		keel_probe_done(p, KEEL_PROBE_NOT_RUN, "exit status lost: %s",
				strerror(errno));
		return;
	}
	if (WIFEXITED(status))
		keel_probe_done(p,
				WEXITSTATUS(status) == 0 ? KEEL_PROBE_PASSED :
							   KEEL_PROBE_FAILED,
				"exit %d", WEXITSTATUS(status));
	else
		keel_probe_done(p, KEEL_PROBE_FAILED, "signal %d",
				WTERMSIG(status));
}

/*
 * In the child, between fork() and exec: async-signal-safe calls only.
 * Never returns; errno goes up the pipe when something fails.
 */
static void cmd_child(const struct keel_probe_spec *s, int report)
{
	char *argv[] = { "sh", "-c", (char *)s->cmd, NULL };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int fd, sig, err;

	setpgid(0, 0);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL); /* EINVAL for KILL, STOP: fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
		goto fail;
	/* Groups, group, user, in that order; then make sure of it. */
	if ((setgroups(0, NULL) && errno != EPERM) ||
	    setresgid(s->gid, s->gid, s->gid) ||
	    setresuid(s->uid, s->uid, s->uid))
		goto fail;
	if (geteuid() == 0 || getegid() == 0) {
		errno = EPERM;
		goto fail;
	}
	/* The daemon's sockets and map fds are not the command's. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC))
		goto fail;
	execve("/bin/sh", argv, environ);
fail:
	err = errno;
	if (write(report, &err, sizeof(err)) < 0) {
		/* the parent sees a short read */
	}
	_exit(127);
}

static int cmd_start(struct keel_probe *p)
{
	int pipefd[2], err = 0;
	ssize_t n;
	pid_t pid;

	if (!p->spec.uid || !p->spec.gid || p->spec.uid == (uint32_t)-1 ||
	    p->spec.gid == (uint32_t)-1)
		return -EPERM; /* a command check never runs as root */
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (!pid)
		cmd_child(&p->spec, pipefd[1]);
	close(pipefd[1]);
	/* EOF at the exec; an errno if the child failed before it. */
	do
		n = read(pipefd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == sizeof(err)) {
		waitpid(pid, NULL, 0);
		return -err;
	}
	p->u.cmd.pid = pid;
	p->u.cmd.pidfd = pidfd_open(pid, 0);
	if (p->u.cmd.pidfd < 0) {
		err = -errno;
		/* stop() cannot reap without a pidfd: do it here. */
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		p->u.cmd.pid = 0;
		return err;
	}
	p->u.cmd.ev =
		event_new(p->base, p->u.cmd.pidfd, EV_READ, cmd_exited, p);
	if (!p->u.cmd.ev || event_add(p->u.cmd.ev, NULL))
		return -ENOMEM;
	return 0;
}

static void cmd_stop(struct keel_probe *p)
{
	if (p->u.cmd.ev) {
		event_free(p->u.cmd.ev);
		p->u.cmd.ev = NULL;
	}
	if (p->u.cmd.pid > 0)
		cmd_kill(p->base, p->u.cmd.pid, p->u.cmd.pidfd);
	else if (p->u.cmd.pidfd >= 0)
		close(p->u.cmd.pidfd);
	p->u.cmd.pid = 0;
	p->u.cmd.pidfd = -1;
}

const struct keel_probe_ops keel_probe_cmd_ops = {
	.start = cmd_start,
	.stop = cmd_stop,
};
