package prefecttest

import "syscall"

// childAttr puts a server or worker in its own process group (so it is stopped with its
// children) and has Linux stop it if the test binary dies first, e.g. on a test timeout,
// when no cleanup runs.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
