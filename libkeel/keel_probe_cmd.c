/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_probe_cmd - `/bin/sh -c cmd`; up when it exits 0.
 *
 * The child runs in a process group of its own, stdin and stdout on
 * /dev/null (stderr is kept: the daemon's log shows why a check fails), no
 * inherited descriptor beyond those, default signal dispositions and an
 * empty mask.  A pidfd on the loop says when it exits, so nothing depends
 * on SIGCHLD (which must not be set to SIG_IGN, nor reaped with
 * waitpid(-1) elsewhere in the process).
 *
 * When it exits, past the timeout, or when the probe is cancelled, the
 * whole group is sent SIGKILL while the leader is still unreaped (so the
 * group id cannot have been reused), then the leader is reaped.  One that
 * does not die at once (stuck in the kernel) is left to a small reaper on
 * the loop: the loop never blocks in waitpid(), and no zombie is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
		keel_probe_done(p, false, "exit status lost: %s",
				strerror(errno));
		return;
	}
	if (WIFEXITED(status))
		keel_probe_done(p, WEXITSTATUS(status) == 0, "exit %d",
				WEXITSTATUS(status));
	else
		keel_probe_done(p, false, "signal %d", WTERMSIG(status));
}

static int cmd_start(struct keel_probe *p)
{
	char *argv[] = { "sh", "-c", p->spec.cmd, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int err;

	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return -err;
	err = posix_spawnattr_init(&attr);
	if (err) {
		posix_spawn_file_actions_destroy(&fa);
		return -err;
	}
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
					       0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
						       O_WRONLY, 0);
	/* The daemon's sockets and map fds are not the command's. */
	if (!err)
		err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!err)
		err = posix_spawnattr_setflags(
			&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				       POSIX_SPAWN_SETSIGDEF);
	if (!err)
		err = posix_spawnattr_setpgroup(&attr, 0);
	if (!err)
		err = posix_spawnattr_setsigmask(&attr, &none);
	if (!err)
		err = posix_spawnattr_setsigdefault(&attr, &all);
	if (!err)
		err = posix_spawn(&p->u.cmd.pid, "/bin/sh", &fa, &attr, argv,
				  environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		p->u.cmd.pid = 0;
		return -err;
	}
	p->u.cmd.pidfd = pidfd_open(p->u.cmd.pid, 0);
	if (p->u.cmd.pidfd < 0) {
		err = -errno;
		/* stop() cannot reap without a pidfd: do it here. */
		kill(-p->u.cmd.pid, SIGKILL);
		waitpid(p->u.cmd.pid, NULL, 0);
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
